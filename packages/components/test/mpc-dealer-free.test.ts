/**
 * The MPC components with `triples: dealer-free`: two data parties and no arbiter, Beaver triples
 * from the guest's Paillier key (Gilboa). mpc-statistics (grouped, so the group bits are
 * multiplied with Paillier triples) and mpc-expression (column products, local truncation) match
 * the plaintext; what needs comparisons is refused with DEALER_REQUIRED before anything is sent,
 * and a third data party with ROLES.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '@fedgrid/crypto';
import {
  mpcExpression,
  mpcRanking,
  mpcStatistics,
  type ComponentSpec,
  type PortValue,
} from '@fedgrid/components';
import type { Frame } from '@fedgrid/ml';
import { rng, runComponent, runComponentSettled } from './harness.js';

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

const N = 40;
const r = rng(77);
const ids = Array.from({ length: N }, (_, i) => `u${String(i).padStart(3, '0')}`);
// Negatives, zeros and the edge of the bound on the guest; a host column and a host group key.
const emis = ids.map((_, i) => (i % 7 === 0 ? 0 : i % 11 === 0 ? -1000 : (r() - 0.3) * 1000));
const output = ids.map((_, i) => (i === 3 ? 1000 : (r() - 0.5) * 400));
const region = ids.map((_, i) => i % 2);
const inputs: Record<string, Record<string, PortValue>> = {
  guest: { data: { kind: 'dataset', frame: frame(ids, ['emis'], [emis]) } },
  'host-0': {
    data: {
      kind: 'dataset',
      frame: frame(
        [...ids].reverse(),
        ['output', 'region'],
        [[...output].reverse(), [...region].reverse()],
      ),
    },
  },
};
const dealerFree = { triples: 'dealer-free', timeoutSeconds: 120 };

describe('MPC components without a dealer (Paillier triples between two parties)', () => {
  it('mpc-statistics per host group: count, sum, mean, variance, std equal plaintext within 2^-32 relative or < 1 absolute', async () => {
    const out = await runComponent(
      mpcStatistics as ComponentSpec<unknown>,
      {
        columns: ['emis', 'output'],
        groupBy: ['region'],
        quantiles: [],
        minMax: false,
        bound: 1000,
        ...dealerFree,
      },
      inputs,
      { pool, arbiter: false },
    );
    expect(out['host-0']?.outputs['report']).toBeUndefined();
    const rep = (
      out['guest']!.outputs['report'] as unknown as {
        report: {
          groups: {
            key: Record<string, number>;
            count: number;
            stats: Record<string, Record<string, number>>;
          }[];
        };
      }
    ).report;
    expect(rep.groups.map((g) => g.key['region'])).toEqual([0, 1]);
    for (const g of rep.groups) {
      const rows = region.flatMap((k, i) => (k === g.key['region'] ? [i] : []));
      expect(g.count).toBe(rows.length);
      for (const [col, vals] of [
        ['emis', emis],
        ['output', output],
      ] as const) {
        const v = rows.map((i) => vals[i]!);
        const sum = v.reduce((s, x) => s + x, 0);
        const mean = sum / v.length;
        const variance = v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length;
        const want: Record<string, number> = {
          sum,
          mean,
          variance,
          std: Math.sqrt(variance),
        };
        for (const k of Object.keys(want)) {
          const err = Math.abs(g.stats[col]![k]! - want[k]!);
          expect(err <= 2 ** -32 * Math.abs(want[k]!) || err < 1, `${col} ${k}`).toBe(true);
          // Sums of ≤ 40 values encoded at ≥ 20 fractional bits: far below 1 in practice.
          expect(err).toBeLessThan(1e-3);
        }
      }
    }
  }, 180_000);

  it('mpc-expression: products of two parties’ columns and constants, within the fixed-point bound', async () => {
    const out = await runComponent(
      mpcExpression as ComponentSpec<unknown>,
      // fracBits 8: local (SecureML) truncation fails with probability ≈ |x·y|·2^(2f−63) per
      // product, here ≤ 4·10^5·2^-47 ≈ 2^-28 (2^-23 for the 40 rows); at f = 20 it would be 1/20.
      { expression: 'emis * output / 64 - 2 * emis + output', fracBits: 8, ...dealerFree },
      inputs,
      { pool, arbiter: false },
    );
    const f = (out['guest']!.outputs['data'] as { frame: Frame }).frame;
    expect(f.ids).toEqual(ids);
    const U = 2 ** -8;
    f.x.data.forEach((v, i) => {
      const want = (emis[i]! * output[i]!) / 64 - 2 * emis[i]! + output[i]!;
      // One product ((|x| + |y| + 4) ulp), the exact constant 2^-6 and its truncation, encodings.
      expect(Math.abs(v - want)).toBeLessThanOrEqual(
        (Math.abs(emis[i]!) + Math.abs(output[i]!) + 16) * U,
      );
    });
  }, 180_000);

  it('refuses what needs comparisons (DEALER_REQUIRED) and more than two data parties (ROLES), on every party', async () => {
    const fails = async (
      spec: ComponentSpec<unknown>,
      params: Record<string, unknown>,
      hosts = 1,
    ) => {
      const ins =
        hosts === 1
          ? inputs
          : {
              ...inputs,
              'host-1': {
                data: {
                  kind: 'dataset',
                  frame: frame(ids, ['other'], [emis]),
                } as PortValue,
              },
            };
      const s = await runComponentSettled(spec, { ...params, ...dealerFree }, ins, {
        pool,
        arbiter: false,
        hosts,
      });
      const errs = Object.values(s).map((o) => (o.status === 'rejected' ? o.reason : undefined));
      expect(errs.length).toBe(hosts + 1);
      expect(errs.every((e) => e !== undefined)).toBe(true);
      return errs[0] as Error & { code?: string };
    };
    let e = await fails(mpcStatistics as ComponentSpec<unknown>, {
      columns: ['emis'],
      bound: 1000,
    });
    expect(e.code).toBe('DEALER_REQUIRED');
    expect(e.message).toMatch(/minMax: false and quantiles: \[\]/);
    e = await fails(mpcExpression as ComponentSpec<unknown>, { expression: 'emis < output' });
    expect(e.code).toBe('DEALER_REQUIRED');
    expect(e.message).toMatch(/uses '<'/);
    e = await fails(mpcExpression as ComponentSpec<unknown>, { expression: 'emis / output' });
    expect(e.message).toMatch(/'\/' by a column/);
    e = await fails(mpcRanking as ComponentSpec<unknown>, { value: 'emis' });
    expect(e.code).toBe('DEALER_REQUIRED');
    e = await fails(
      mpcStatistics as ComponentSpec<unknown>,
      { columns: ['emis'], bound: 1000, quantiles: [], minMax: false },
      2,
    );
    expect(e.code).toBe('ROLES');
    expect(e.message).toMatch(/two-party protocol/);
  }, 60_000);
});
