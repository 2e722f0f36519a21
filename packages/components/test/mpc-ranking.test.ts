/**
 * mpc-ranking between the guest, host-0 and the arbiter: the revealed order equals the plaintext
 * order of the scores (rows or group totals), top-k reveals k entities only, and nothing reaches
 * the host.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '@fedgrid/crypto';
import {
  mpcRanking,
  type ComponentSpec,
  type PortValue,
  type ProgramResult,
} from '@fedgrid/components';
import type { Frame } from '@fedgrid/ml';
import { rng, runComponent, runComponentSettled } from './harness.js';

const spec = mpcRanking as ComponentSpec<unknown>;
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

const N = 50;
const r = rng(5);
const ids = Array.from({ length: N }, (_, i) => `u${String(i).padStart(3, '0')}`);
const emis = ids.map(() => Math.round(r() * 1e5) / 10 - 2000); // guest
const output = ids.map(() => 10 + Math.round(r() * 1e4) / 10); // host
const region = ids.map((_, i) => (i < 2 ? 7 : i % 4)); // host; region 7 has 2 rows
const inputs: Record<string, Record<string, PortValue>> = {
  guest: { data: { kind: 'dataset', frame: frame(ids, ['emis'], [emis]) } },
  'host-0': {
    data: { kind: 'dataset', frame: frame(ids, ['output', 'region'], [output, region]) },
  },
};
function ranked(out: Record<string, ProgramResult>): Frame {
  expect(out['host-0']?.outputs['data']).toBeUndefined();
  return (out['guest']?.outputs['data'] as { frame: Frame }).frame;
}

describe('mpc-ranking', () => {
  it('ranks rows by a score over two parties’ columns, descending, exactly as plaintext', async () => {
    const f = ranked(
      await runComponent(spec, { value: 'emis + output * 3' }, inputs, { pool, arbiter: true }),
    );
    const want = ids
      .map((id, i) => ({ id, s: emis[i]! + output[i]! * 3 }))
      .sort((a, b) => b.s - a.s)
      .map((e) => e.id);
    expect(f.ids).toEqual(want);
    expect(Array.from(f.x.data)).toEqual(want.map((_, i) => i + 1));
  });

  it('top-k ascending reveals k entities only', async () => {
    const f = ranked(
      await runComponent(
        spec,
        { value: 'emis', order: 'asc', topK: 5, revealValues: true },
        inputs,
        { pool, arbiter: true },
      ),
    );
    const want = ids
      .map((id, i) => ({ id, s: emis[i]! }))
      .sort((a, b) => a.s - b.s)
      .slice(0, 5);
    expect(f.ids).toEqual(want.map((e) => e.id));
    expect(f.featureNames).toEqual(['rank', 'value']);
    want.forEach((e, k) =>
      expect(Math.abs(f.x.data[2 * k + 1]! - e.s)).toBeLessThanOrEqual(2 ** -20),
    );
  });

  it('ranks groups (keys of the host) by the ratio of group totals; groups of < 5 rows are not ranked', async () => {
    const out = await runComponent(
      spec,
      { value: 'emis / (output / 100)', groupBy: ['region'], revealValues: true },
      inputs,
      { pool, arbiter: true },
    );
    const f = ranked(out);
    const totals = [0, 1, 2, 3].map((g) => {
      const rows = ids.flatMap((_, i) => (region[i] === g ? [i] : []));
      const e = rows.reduce((s, i) => s + emis[i]!, 0);
      const o = rows.reduce((s, i) => s + output[i]!, 0);
      return { id: `region=${g}`, s: e / (o / 100) };
    });
    totals.sort((a, b) => b.s - a.s);
    expect(f.ids).toEqual(totals.map((t) => t.id));
    totals.forEach((t, k) =>
      expect(Math.abs(f.x.data[2 * k + 1]! - t.s)).toBeLessThanOrEqual(
        Math.abs(t.s) * 2 ** -12 + 2 ** -10,
      ),
    );
    expect(
      (out['guest']?.outputs['report'] as unknown as { report: { suppressedGroups: number } })
        .report.suppressedGroups,
    ).toBe(1);
  });

  it('refuses to reveal per-row scores made of one host’s columns alone', async () => {
    const s = await runComponentSettled(spec, { value: 'output * 2', revealValues: true }, inputs, {
      pool,
      arbiter: true,
    });
    const e = (s['host-0'] as PromiseRejectedResult).reason as Error & { code: string };
    expect(e.code).toBe('DISCLOSURE');
    expect(e.message).toMatch(/uses only host-0's columns/);
  });
});
