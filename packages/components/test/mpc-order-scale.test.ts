/**
 * mpc-statistics and mpc-ranking at a size where the values are too wide to pack the row index
 * below them (keyBits + ⌈log2 n⌉ > 61), with many duplicate values: the order statistics and the
 * ranking still equal plaintext (the quickselect / quicksort compares (value, row)
 * lexicographically). Each case logs its cost line (seconds, rounds, bytes) for
 * docs/BENCHMARKS.md; nothing is asserted about time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '@fedgrid/crypto';
import {
  mpcRanking,
  mpcStatistics,
  type ComponentSpec,
  type PortValue,
  type ProgramResult,
} from '@fedgrid/components';
import type { Frame } from '@fedgrid/ml';
import { rng, runComponent } from './harness.js';

let pool: CryptoPool;
beforeAll(() => {
  pool = new CryptoPool({ threads: 1 });
});
afterAll(async () => {
  await pool?.close();
});

function frame(ids: string[], names: string[], cols: number[][]): Frame {
  const n = ids.length;
  const data = new Float64Array(n * names.length);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < names.length; j++) data[i * names.length + j] = cols[j]![i]!;
  return { ids, x: { rows: n, cols: names.length, data }, featureNames: names };
}

const N = 3000;
const r = rng(11);
const ids = Array.from({ length: N }, (_, i) => `e${String(i).padStart(5, '0')}`);
// Wide values (bound 10^6: f = 29, keys of 51 bits, 51 + 12 > 61) with runs of duplicates,
// zeros and both range edges.
const v = ids.map((_, i) =>
  i % 5 === 0
    ? [0, -1e6, 1e6, 12.5][i % 4]!
    : i % 7 === 0
      ? -3.25
      : Math.round((r() * 2 - 1) * 1e8) / 100,
);
const w = ids.map(() => Math.round(r() * 1e4) / 10);
const grp = ids.map((_, i) => i % 3);
const inputs: Record<string, Record<string, PortValue>> = {
  guest: { data: { kind: 'dataset', frame: frame(ids, ['v'], [v]) } },
  'host-0': { data: { kind: 'dataset', frame: frame(ids, ['w', 'grp'], [w, grp]) } },
};

function cost(what: string, out: Record<string, ProgramResult>): void {
  const s = out['guest']!.summary as Record<string, number>;
  console.log(
    `[measure] ${what}: ${JSON.stringify({ seconds: s['seconds'], rounds: s['rounds'], bytesSent: s['bytesSent'] })}`,
  );
}

function order(x: number[], q: number): number {
  const s = [...x].sort((a, b) => a - b);
  const pos = q * (s.length - 1);
  const l = Math.floor(pos);
  const h = Math.min(l + 1, s.length - 1);
  return s[l]! + (pos - l) * (s[h]! - s[l]!);
}

describe('MPC order statistics beyond the packed key width', () => {
  it(`mpc-statistics, ${N} rows in 3 host groups: min, max and quantiles equal plaintext`, async () => {
    const qs = [0, 0.1, 0.25, 0.5, 0.75, 0.99, 1];
    const out = await runComponent(
      mpcStatistics as ComponentSpec<unknown>,
      { columns: ['v'], groupBy: ['grp'], quantiles: qs, bound: 1e6 },
      inputs,
      { pool, arbiter: true },
    );
    cost(`mpc-statistics ${N} rows × 3 groups, ${qs.length} quantiles + min/max`, out);
    const rep = (out['guest']!.outputs['report'] as unknown as { report: Record<string, unknown> })
      .report as {
      groups: {
        key: Record<string, number>;
        stats: Record<string, { min: number; max: number; quantiles: number[] }>;
      }[];
      precision: { fracBits: number };
    };
    expect(rep.precision.fracBits).toBe(29);
    expect(rep.groups.length).toBe(3);
    for (const g of rep.groups) {
      const x = v.filter((_, i) => grp[i] === g.key['grp']);
      const st = g.stats['v']!;
      // Every value is a multiple of 2^-2 or 10^-2, encoded within 2^-30: the selected
      // element is the plaintext one, so the error is the encoding's (or the interpolation's).
      expect(Math.abs(st.min - Math.min(...x))).toBeLessThanOrEqual(2 ** -29);
      expect(Math.abs(st.max - Math.max(...x))).toBeLessThanOrEqual(2 ** -29);
      qs.forEach((q, j) => {
        const want = order(x, q);
        const err = Math.abs(st.quantiles[j]! - want);
        expect(err <= 2 ** -32 * Math.abs(want) || err < 2 ** -20).toBe(true);
      });
    }
  });

  it(`mpc-ranking of ${N} rows with tied scores: the revealed order is the plaintext order`, async () => {
    const out = await runComponent(
      mpcRanking as ComponentSpec<unknown>,
      { value: 'v + w', order: 'desc' },
      inputs,
      { pool, arbiter: true },
    );
    cost(`mpc-ranking ${N} rows`, out);
    const f = (out['guest']!.outputs['data'] as { frame: Frame }).frame;
    // Rounded to cents: scores equal in exact arithmetic are equal here too.
    const score = new Map(ids.map((id, i) => [id, Math.round((v[i]! + w[i]!) * 100) / 100]));
    expect(new Set(f.ids).size).toBe(N);
    const got = f.ids.map((id) => score.get(id)!);
    const want = [...score.values()].sort((a, b) => b - a);
    // Scores at f = 20: distinct plaintext scores differ by ≥ 0.01, far above 2^-20.
    expect(got).toEqual(want);
  });
});
