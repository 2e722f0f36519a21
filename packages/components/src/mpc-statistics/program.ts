/**
 * mpc-statistics programs: the data parties (guest = result party, hosts) and the arbiter
 * (dealer). docs/protocols/mpc.md, "mpc-statistics".
 */
import { MAX_MATERIAL } from '@fedgrid/crypto';
import { chargeMpcReveal } from '../mpc-runtime/disclosure.js';
import { chooseFracBits, decodeFixed, encodeColumn } from '../mpc-runtime/fixed.js';
import { planGroups } from '../mpc-runtime/groups.js';
import { runtimeOptions } from '../mpc-runtime/params.js';
import { exchangeSchemas, localTable, resolveColumn } from '../mpc-runtime/schema.js';
import { mpcParties, MpcSession } from '../mpc-runtime/session.js';
import { ComponentError, input, type ProgramContext, type ProgramResult } from '../spec.js';
import type { MpcStatisticsParams } from './params.js';
import { groupPadBits, statsProtocol, type StatsPlan } from './protocol.js';

/** Statistics of one column in one group, as the result party receives them. */
export interface GroupColumnStats {
  count: number;
  sum: number;
  mean: number;
  /** Population variance (divisor n), like numpy's default. */
  variance: number;
  std: number;
  min?: number;
  max?: number;
  quantiles?: number[];
}

/** Order-statistic positions: min, max, then (low, high) per quantile level. */
function positionsFor(p: MpcStatisticsParams): (n: number) => number[] {
  return (n) => {
    const out = p.minMax ? [0, n - 1] : [];
    for (const q of p.quantiles) {
      const l = Math.floor(q * (n - 1));
      out.push(l, Math.min(l + 1, n - 1));
    }
    return out;
  };
}

export async function mpcStatisticsParty(
  ctx: ProgramContext<MpcStatisticsParams>,
): Promise<ProgramResult> {
  const t0 = performance.now();
  const p = ctx.params;
  if (p.triples === 'dealer-free' && (p.minMax || p.quantiles.length > 0))
    throw new ComponentError(
      'DEALER_REQUIRED',
      'min, max and quantiles need comparisons, which need the dealer; with triples: dealer-free set minMax: false and quantiles: [] (count, sum, mean, variance and std only), or run with triples: dealer and an arbiter',
    );
  const names = mpcParties(ctx);
  const me = names.indexOf(ctx.party);
  const { frame } = input(ctx, 'data', 'dataset');
  const vertical = p.mode === 'vertical';
  const table = localTable(frame, vertical);
  const timeoutMs = p.timeoutSeconds * 1000;
  const schemas = await exchangeSchemas(ctx, names, table, p.mode, timeoutMs);
  const cols = p.columns.map((r) => resolveColumn(r, names, schemas, p.mode));
  const rows = schemas.map((s) => s.rows);
  const N = vertical ? rows[0]! : rows.reduce((s, r) => s + r, 0);
  const { f, fSq } = chooseFracBits(N, p.bound);
  const groups = await planGroups(ctx, names, schemas, table, timeoutMs);
  const positions = positionsFor(p);
  const wantOrder = p.minMax || p.quantiles.length > 0;
  const plan: StatsPlan = {
    mode: p.mode,
    rows,
    owners: cols.map((c) => c.owners[0]!),
    counts: groups.groups.map((g) => g.count),
    grouped: groups.keyNames.length > 0,
    holder: groups.holder,
    order: groups.groups.map((g) => wantOrder && g.count >= p.minOrderGroupSize),
    positions,
    padBits: groupPadBits(p.bound, f),
  };
  // Public sizes bound the memory every party commits (a peer's announcement could be inflated).
  const work = 2 * cols.length * plan.counts.length * N;
  if (work > MAX_MATERIAL)
    throw new ComponentError(
      'TOO_LARGE',
      `${cols.length} columns × ${plan.counts.length} groups × ${N} rows need ${work} Beaver products, above the engine's ${MAX_MATERIAL} per batch; use fewer columns or groups per task`,
    );
  const owns = (c: number) => !vertical || plan.owners[c] === me;
  const x = cols.map((c, k) =>
    owns(k) ? encodeColumn(table.column(c.column), f, p.bound, c.ref, ctx.party) : undefined,
  );
  const sq = cols.map((c, k) =>
    owns(k)
      ? encodeColumn(
          table.column(c.column).map((v) => v * v),
          fSq,
          p.bound * p.bound,
          c.ref,
          ctx.party,
        )
      : undefined,
  );
  // Units revealed about this party's values: per own column and kept group, Σx and Σx², and
  // the order statistics of groups large enough (horizontal: every column is partly its own).
  const ownCols = cols.filter((_, k) => owns(k)).length;
  const orderUnits = plan.order.reduce(
    (s, o, g) => s + (o ? positions(plan.counts[g]!).length : 0),
    0,
  );
  await chargeMpcReveal(
    ctx,
    ownCols * (2 * plan.counts.length + orderUnits),
    vertical ? N : rows[me]!,
  );
  const session = await MpcSession.open(ctx, runtimeOptions(p, Math.min(f, 30)));
  ctx.progress({ stage: 'mpc-statistics', step: 'compute', rows: N, groups: plan.counts.length });
  const revealed = await session.run(
    statsProtocol(session.party, plan, { x, sq, rowGroup: groups.rowGroup }),
  );
  await session.close();
  const mpc = session.stats();
  const seconds = (performance.now() - t0) / 1000;
  if (!revealed)
    return { outputs: {}, summary: { rows: N, groups: plan.counts.length, ...mpc, seconds } };

  const C = cols.length;
  const G = plan.counts.length;
  let at = 2 * C * G;
  const result = groups.groups.map((g) => ({
    key: Object.fromEntries(groups.keyNames.map((k, j) => [k, g.key[j]])),
    count: g.count,
    stats: {} as Record<string, GroupColumnStats>,
  }));
  for (let c = 0; c < C; c++)
    for (let g = 0; g < G; g++) {
      const n = plan.counts[g]!;
      const S = BigInt.asIntN(64, revealed[c * G + g]!);
      const Q = BigInt.asIntN(64, revealed[C * G + c * G + g]!);
      // n·Q − S² at 2f fractional bits, in exact integers (Q carries fSq ≤ 2f bits).
      const num = BigInt(n) * Q * (1n << BigInt(2 * f - fSq)) - S * S;
      const variance = Math.max(0, Number(num) / 2 ** (2 * f) / (n * n));
      const sum = Number(S) * 2 ** -f;
      const s: GroupColumnStats = {
        count: n,
        sum,
        mean: sum / n,
        variance,
        std: Math.sqrt(variance),
      };
      if (plan.order[g]) {
        const k = positions(n).length;
        const v = Array.from({ length: k }, (_, j) => decodeFixed(revealed[at + j]!, f));
        at += k;
        let j = 0;
        if (p.minMax) {
          s.min = v[j++]!;
          s.max = v[j++]!;
        }
        s.quantiles = p.quantiles.map((q) => {
          const pos = q * (n - 1);
          const lo = v[j++]!;
          const hi = v[j++]!;
          return lo + (pos - Math.floor(pos)) * (hi - lo);
        });
      }
      result[g]!.stats[cols[c]!.ref] = s;
    }
  return {
    outputs: {
      report: {
        kind: 'report',
        report: {
          mode: p.mode,
          parties: names,
          rows: N,
          columns: cols.map((c) => c.ref),
          groupBy: groups.keyNames,
          ...(p.timeColumn ? { timeColumn: p.timeColumn, bucketWidth: p.bucketWidth } : {}),
          groups: result,
          suppressedGroups: groups.suppressed,
          minGroupSize: p.minGroupSize,
          minOrderGroupSize: p.minOrderGroupSize,
          precision: {
            fracBits: f,
            squareFracBits: fSq,
            sumAbsErrorBound: N * 2 ** -(f + 1),
          },
        },
      },
    },
    summary: { rows: N, groups: G, suppressedGroups: groups.suppressed, ...mpc, seconds },
  };
}
