/**
 * mpc-ranking programs: a score per entity (row, or group of rows when groupBy is set) is
 * computed on shares, sorted obliviously (shuffle, then quicksort with revealed comparisons that
 * are lexicographic on (score, entity) — exact at full precision) with the entity index as
 * payload, and only the order — every rank, or the top k — is revealed to the guest.
 * docs/protocols/mpc.md, "mpc-ranking".
 */
import { MAX_MATERIAL, quickSort } from '@fedgrid/crypto';
import { matrix } from '@fedgrid/ml';
import { evaluateExpression } from '../mpc-runtime/expression.js';
import { chargeMpcReveal } from '../mpc-runtime/disclosure.js';
import { decodeFixed, encodeColumn } from '../mpc-runtime/fixed.js';
import { planGroups } from '../mpc-runtime/groups.js';
import { expressionInputs } from '../mpc-runtime/expression-inputs.js';
import { runtimeOptions } from '../mpc-runtime/params.js';
import { MpcSession } from '../mpc-runtime/session.js';
import { groupSums, shareColumns } from '../mpc-runtime/share.js';
import { ComponentError, type ProgramContext, type ProgramResult } from '../spec.js';
import type { MpcRankingParams } from './params.js';

/** Key bound of the scores' encodings (|score| < 2^(59−f) at f fractional bits). */
const SCORE_KEY_BITS = 60;

export async function mpcRankingParty(
  ctx: ProgramContext<MpcRankingParams>,
): Promise<ProgramResult> {
  const t0 = performance.now();
  const p = ctx.params;
  if (p.triples === 'dealer-free')
    throw new ComponentError(
      'DEALER_REQUIRED',
      'mpc-ranking sorts by comparisons, which need the dealer; run with triples: dealer and an arbiter',
    );
  const { expr, names, me, table, timeoutMs, schemas, refs, cols, n } = await expressionInputs(
    ctx,
    p.value,
  );
  const grouped = p.groupBy.length > 0;
  const groups = grouped
    ? await planGroups(
        {
          ...ctx,
          params: {
            mode: 'vertical',
            groupBy: p.groupBy,
            bucketWidth: 1,
            minGroupSize: p.minGroupSize,
          },
        },
        names,
        schemas,
        table,
        timeoutMs,
      )
    : undefined;
  const entities = groups
    ? groups.groups.map((g) => groups.keyNames.map((k, j) => `${k}=${g.key[j]}`).join('|'))
    : table.ids;
  const E = entities.length;
  if (E < 2) throw new ComponentError('GROUPS_TOO_SMALL', `only ${E} entity to rank`);
  const k = Math.min(p.topK ?? E, E);
  if (groups && cols.length * E * n > MAX_MATERIAL)
    throw new ComponentError(
      'TOO_LARGE',
      `${cols.length} columns × ${E} groups × ${n} rows need more Beaver products than the engine's ${MAX_MATERIAL} per batch; rank fewer groups per task`,
    );
  const f = p.fracBits;
  const owners = cols.map((c) => c.owners[0]!);
  const ownersSet = new Set(owners);
  if (!grouped && p.revealValues && ownersSet.size === 1 && !ownersSet.has(0))
    throw new ComponentError(
      'DISCLOSURE',
      `the score uses only ${names[owners[0]!]}'s columns; revealing it per row would hand that party's data to ${names[0]}; rank without revealValues, or by groups`,
    );
  const mine = cols.map((c, j) =>
    owners[j] === me
      ? encodeColumn(table.column(c.column), f, 2 ** (61 - f) / Math.max(1, n), c.ref, ctx.party)
      : undefined,
  );
  // Each revealed entity is one unit (its position; its score with revealValues: two).
  if (ownersSet.has(me)) await chargeMpcReveal(ctx, k * (p.revealValues ? 2 : 1), n);
  const session = await MpcSession.open(ctx, runtimeOptions(p, f));
  const party = session.party;
  ctx.progress({ stage: 'mpc-ranking', step: 'compute', entities: E });
  const revealed = await session.run(
    (function* () {
      let shared = yield* shareColumns(party, owners, mine, n);
      if (groups) shared = yield* groupSums(party, shared, groups.holder!, groups.rowGroup, E, n);
      let score = yield* evaluateExpression(
        party,
        expr,
        new Map(refs.map((r, j) => [r, shared[j]!])),
        E,
      );
      if (p.order === 'desc') score = party.scale(score, -1n);
      const idx = new BigUint64Array(E);
      if (party.id === 0) for (let i = 0; i < E; i++) idx[i] = BigInt(i);
      // Scores are below 2^(59−f) at f fractional bits (the parameter's contract), so their
      // encodings are below 2^59 < 2^60: the quicksort's widest keys, ties broken by entity.
      const sorted = yield* quickSort(party, score, [idx], SCORE_KEY_BITS);
      const out = new BigUint64Array(p.revealValues ? 2 * k : k);
      out.set(sorted.payloads[0]!.subarray(0, k));
      if (p.revealValues) out.set(sorted.keys.subarray(0, k), k);
      return yield* party.revealTo(out, 0);
    })(),
  );
  await session.close();
  const summary = {
    entities: E,
    revealed: k,
    ...session.stats(),
    seconds: (performance.now() - t0) / 1000,
  };
  if (!revealed) return { outputs: {}, summary };
  const ids: string[] = [];
  const data = new Float64Array(k * (p.revealValues ? 2 : 1));
  for (let r = 0; r < k; r++) {
    const e = Number(revealed[r]!);
    if (!Number.isInteger(e) || e < 0 || e >= E)
      throw new ComponentError(
        'PROTOCOL',
        `the revealed order names entity ${e} of ${E}; a party sent corrupt shares`,
      );
    ids.push(entities[e]!);
    if (p.revealValues) {
      const v = decodeFixed(revealed[k + r]!, f);
      data[2 * r] = r + 1;
      data[2 * r + 1] = p.order === 'desc' ? -v : v;
    } else data[r] = r + 1;
  }
  return {
    outputs: {
      data: {
        kind: 'dataset',
        frame: {
          ids,
          x: matrix(k, p.revealValues ? 2 : 1, data),
          featureNames: p.revealValues ? ['rank', 'value'] : ['rank'],
        },
      },
      report: {
        kind: 'report',
        report: {
          value: p.value,
          order: p.order,
          entities: E,
          ...(groups ? { groupBy: groups.keyNames, suppressedGroups: groups.suppressed } : {}),
          ranking: ids.map((id, r) => ({
            rank: r + 1,
            entity: id,
            ...(p.revealValues ? { value: data[2 * r + 1] } : {}),
          })),
        },
      },
    },
    summary,
  };
}
