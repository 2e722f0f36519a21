/**
 * Groups of the MPC components (mpc-statistics, mpc-ranking): the key of a row is its group-by
 * values and its time bucket. The key holder(s) announce each group's key and row count to the other data parties (public to them,
 * docs/protocols/mpc.md); groups below the minimum size are dropped before any computation.
 */
import type { PartyName } from '@fedgrid/federation';
import { z } from 'zod';
import { ComponentError, type ProgramContext } from '../spec.js';
import { exchangeJson, resolveColumn, type LocalTable, type PartySchema } from './schema.js';

/** The grouping parameters of a component. */
export interface GroupingParams {
  mode: 'vertical' | 'horizontal';
  groupBy: string[];
  timeColumn?: string | undefined;
  bucketWidth: number;
  minGroupSize: number;
}

/** One group as announced: its key values (group-by columns, then the bucket start) and rows. */
const groupCounts = z.object({
  keys: z.array(z.array(z.number())).max(100_000),
  counts: z.array(z.number().int().min(0)).max(100_000),
});
type GroupCounts = z.infer<typeof groupCounts>;

/** The public grouping every data party agrees on. */
export interface GroupPlan {
  /** Key column names (group-by, then the time column when bucketed). */
  keyNames: string[];
  /** Kept groups: key values and total rows. */
  groups: { key: number[]; count: number }[];
  /** Groups below the minimum size (dropped). */
  suppressed: number;
  /** Engine index of the key holder (vertical), or undefined (horizontal: each row's owner). */
  holder: number | undefined;
  /** This party's group index per own row (−1: not in a kept group); undefined if it holds no keys. */
  rowGroup: Int32Array | undefined;
}

/**
 * Agrees on the groups: resolves the key columns, computes this party's row keys (if it holds
 * them) and exchanges the counts.
 * @throws ComponentError COLUMN_UNKNOWN, KEYS_SPLIT (vertical keys held by different parties),
 *   GROUPS_TOO_SMALL (every group suppressed), PROTOCOL.
 */
export async function planGroups(
  ctx: ProgramContext<GroupingParams>,
  names: readonly PartyName[],
  schemas: readonly PartySchema[],
  table: LocalTable,
  timeoutMs: number,
): Promise<GroupPlan> {
  const p = ctx.params;
  const me = names.indexOf(ctx.party);
  const refs = [...p.groupBy, ...(p.timeColumn ? [p.timeColumn] : [])];
  const total = p.mode === 'vertical' ? schemas[0]!.rows : schemas.reduce((s, x) => s + x.rows, 0);
  if (refs.length === 0) {
    if (total < p.minGroupSize)
      throw new ComponentError(
        'GROUPS_TOO_SMALL',
        `${total} rows in all, fewer than the minimum of ${p.minGroupSize}: the statistics would identify rows`,
      );
    return {
      keyNames: [],
      groups: [{ key: [], count: total }],
      suppressed: 0,
      holder: undefined,
      rowGroup: new Int32Array(table.ids.length),
    };
  }
  const resolved = refs.map((r) => resolveColumn(r, names, schemas, p.mode));
  let holder: number | undefined;
  if (p.mode === 'vertical') {
    holder = resolved[0]!.owners[0]!;
    const other = resolved.find((r) => r.owners[0] !== holder);
    if (other)
      throw new ComponentError(
        'KEYS_SPLIT',
        `group keys '${resolved[0]!.ref}' (${names[holder]}) and '${other.ref}' (${names[other.owners[0]!]}) are held by different parties; group by columns of one party`,
      );
  }
  const holdsKeys = holder === undefined || holder === me;
  let rowKeys: string[] = [];
  let mine: GroupCounts = { keys: [], counts: [] };
  if (holdsKeys) {
    const cols = resolved.map((r) => table.column(r.column));
    const n = table.ids.length;
    const byKey = new Map<string, { key: number[]; count: number }>();
    rowKeys = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const key = cols.map((c, j) => {
        const v = c[i]!;
        if (!Number.isFinite(v))
          throw new ComponentError(
            'MISSING_VALUES',
            `${ctx.party}: key column '${refs[j]}' has missing values; impute or drop them first`,
          );
        return p.timeColumn && j === cols.length - 1
          ? Math.floor(v / p.bucketWidth) * p.bucketWidth
          : v;
      });
      const s = JSON.stringify(key);
      rowKeys[i] = s;
      const g = byKey.get(s);
      if (g) g.count++;
      else byKey.set(s, { key, count: 1 });
    }
    mine = {
      keys: [...byKey.values()].map((g) => g.key),
      counts: [...byKey.values()].map((g) => g.count),
    };
  }
  const all = await exchangeJson(ctx, names, 'mpc/groups', mine, groupCounts, timeoutMs);
  const merged = new Map<string, { key: number[]; count: number }>();
  all.forEach((a, i) => {
    if (holder !== undefined && i !== holder) return;
    if (a.keys.length !== a.counts.length || a.keys.some((k) => k.length !== refs.length))
      throw new ComponentError('PROTOCOL', `group announcement from ${names[i]} is inconsistent`);
    a.keys.forEach((key, j) => {
      const s = JSON.stringify(key);
      const g = merged.get(s);
      if (g) g.count += a.counts[j]!;
      else merged.set(s, { key, count: a.counts[j]! });
    });
  });
  const sum = [...merged.values()].reduce((s, g) => s + g.count, 0);
  if (sum !== total)
    throw new ComponentError(
      'PROTOCOL',
      `group counts add up to ${sum} rows, not the ${total} announced`,
    );
  const sorted = [...merged.entries()].sort((a, b) => cmpKeys(a[1].key, b[1].key));
  const kept = sorted.filter(([, g]) => g.count >= p.minGroupSize);
  if (kept.length === 0)
    throw new ComponentError(
      'GROUPS_TOO_SMALL',
      `every one of the ${sorted.length} groups has fewer than ${p.minGroupSize} rows; group more coarsely`,
    );
  const index = new Map(kept.map(([s], g) => [s, g]));
  return {
    keyNames: resolved.map((r) => r.column),
    groups: kept.map(([, g]) => g),
    suppressed: sorted.length - kept.length,
    holder,
    rowGroup: holdsKeys ? Int32Array.from(rowKeys, (s) => index.get(s) ?? -1) : undefined,
  };
}

function cmpKeys(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
