/**
 * mpc-expression programs: data parties share the columns the expression names, evaluate it on
 * shares row by row, and reveal the values (or their sum / mean) to the guest only; the arbiter
 * deals the Beaver material. docs/protocols/mpc.md, "mpc-expression".
 */
import { matrix } from '@fedgrid/ml';
import { chargeMpcReveal } from '../mpc-runtime/disclosure.js';
import { decodeFixed, encodeColumn } from '../mpc-runtime/fixed.js';
import { dealerOnlyOperator, evaluateExpression } from '../mpc-runtime/expression.js';
import { expressionInputs } from '../mpc-runtime/expression-inputs.js';
import { runtimeOptions } from '../mpc-runtime/params.js';
import { MpcSession } from '../mpc-runtime/session.js';
import { shareColumns } from '../mpc-runtime/share.js';
import { ComponentError, type ProgramContext, type ProgramResult } from '../spec.js';
import type { MpcExpressionParams } from './params.js';

export async function mpcExpressionParty(
  ctx: ProgramContext<MpcExpressionParams>,
): Promise<ProgramResult> {
  const t0 = performance.now();
  const p = ctx.params;
  const { expr, names, me, table, refs, cols, n } = await expressionInputs(ctx, p.expression);
  const needsDealer = p.triples === 'dealer-free' ? dealerOnlyOperator(expr) : undefined;
  if (needsDealer)
    throw new ComponentError(
      'DEALER_REQUIRED',
      `expression '${p.expression}' uses ${needsDealer}, which needs the dealer's comparison material; with triples: dealer-free only +, −, * and division by constants are available — run with triples: dealer and an arbiter`,
    );
  if (p.output !== 'rows' && n < p.minGroupSize)
    throw new ComponentError(
      'GROUPS_TOO_SMALL',
      `${n} rows, fewer than the minimum of ${p.minGroupSize} for a revealed ${p.output}`,
    );
  const f = p.fracBits;
  const owners = cols.map((c) => c.owners[0]!);
  // Row by row, an expression over one host's columns alone is that host's data (transformed):
  // every party refuses it, so no owner has to spot it in the parameters it approves.
  const ownersSet = new Set(owners);
  if (p.output === 'rows' && ownersSet.size === 1 && !ownersSet.has(0))
    throw new ComponentError(
      'DISCLOSURE',
      `the expression uses only ${names[owners[0]!]}'s columns; revealing it row by row would hand that party's data to ${names[0]}; use output 'sum' or 'mean', or combine columns of several parties`,
    );
  const mine = cols.map((c, k) =>
    owners[k] === me
      ? encodeColumn(table.column(c.column), f, 2 ** (61 - f), c.ref, ctx.party)
      : undefined,
  );
  if (ownersSet.has(me)) await chargeMpcReveal(ctx, p.output === 'rows' ? n : 1, n);
  const session = await MpcSession.open(ctx, runtimeOptions(p, f));
  const party = session.party;
  ctx.progress({ stage: 'mpc-expression', step: 'compute', rows: n });
  const revealed = await session.run(
    (function* () {
      const shared = yield* shareColumns(party, owners, mine, n);
      const value = yield* evaluateExpression(
        party,
        expr,
        new Map(refs.map((r, k) => [r, shared[k]!])),
        n,
      );
      return yield* party.revealTo(p.output === 'rows' ? value : party.sum(value), 0);
    })(),
  );
  await session.close();
  const summary = {
    rows: n,
    columns: refs,
    ...session.stats(),
    seconds: (performance.now() - t0) / 1000,
  };
  if (!revealed) return { outputs: {}, summary };
  if (p.output !== 'rows') {
    const sum = decodeFixed(revealed[0]!, f);
    return {
      outputs: {
        data: {
          kind: 'dataset',
          frame: { ids: [], x: matrix(0, 1, new Float64Array(0)), featureNames: [p.name] },
        },
        report: {
          kind: 'report',
          report: {
            expression: p.expression,
            rows: n,
            [p.output]: p.output === 'sum' ? sum : sum / n,
            fracBits: f,
          },
        },
      },
      summary,
    };
  }
  const values = Float64Array.from(revealed, (v) => decodeFixed(v, f));
  return {
    outputs: {
      data: {
        kind: 'dataset',
        frame: { ids: table.ids.slice(), x: matrix(n, 1, values), featureNames: [p.name] },
      },
      report: { kind: 'report', report: { expression: p.expression, rows: n, fracBits: f } },
    },
    summary,
  };
}
