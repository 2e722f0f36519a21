/**
 * statistics: each party's report against statistics computed in the test by direct formulas
 * (two-pass mean, sample std, population skewness/excess kurtosis, type-7 quantiles) on the
 * bundled breast and default_credit splits, with missing values injected. No messages pass.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '@fedgrid/crypto';
import { statistics, ComponentError, type ComponentSpec } from '@fedgrid/components';
import type { Frame } from '@fedgrid/ml';
import { runComponent, runComponentSettled } from './harness.js';
import { BREAST, CREDIT, column, dataset, head, loadAligned } from './feature-fixtures.js';

let pool: CryptoPool;
let breast: { guest: Frame; host: Frame };
let credit: { guest: Frame; host: Frame };
beforeAll(async () => {
  pool = new CryptoPool({ threads: 2 });
  breast = await loadAligned(BREAST);
  credit = await loadAligned(CREDIT);
});
afterAll(async () => {
  await pool?.close();
});

const spec = statistics as unknown as ComponentSpec<unknown>;

/** The statistics of one column, by the textbook formulas. */
function expected(values: Float64Array, levels: number[]) {
  const v = Array.from(values).filter((x) => !Number.isNaN(x));
  const n = v.length;
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const m = (k: number) => v.reduce((a, b) => a + (b - mean) ** k, 0) / n;
  const sorted = v.slice().sort((a, b) => a - b);
  const q = (p: number) => {
    const h = (n - 1) * p;
    const lo = Math.floor(h);
    return sorted[lo]! + (h - lo) * (sorted[Math.min(n - 1, lo + 1)]! - sorted[lo]!);
  };
  return {
    count: n,
    missing: values.length - n,
    mean,
    std: Math.sqrt((m(2) * n) / (n - 1)),
    min: sorted[0]!,
    max: sorted[n - 1]!,
    quantiles: levels.map(q),
    skewness: m(3) / m(2) ** 1.5,
    kurtosis: m(4) / m(2) ** 2 - 3,
    unique: new Set(v).size,
  };
}

type Row = Record<string, unknown> & { name: string; quantiles: Record<string, number> };

function check(report: Record<string, unknown>, frame: Frame, levels: number[]): number {
  const features = report['features'] as Row[];
  expect(features.map((f) => f.name)).toEqual(frame.featureNames);
  let worst = 0;
  features.forEach((f, j) => {
    const e = expected(column(frame, j), levels);
    expect(f['count']).toBe(e.count);
    expect(f['missing']).toBe(e.missing);
    expect(f['unique']).toBe(e.unique);
    expect(f['missingRatio']).toBeCloseTo(e.missing / frame.x.rows, 15);
    const pairs: [unknown, number][] = [
      [f['mean'], e.mean],
      [f['std'], e.std],
      [f['min'], e.min],
      [f['max'], e.max],
      [f['skewness'], e.skewness],
      [f['kurtosis'], e.kurtosis],
      ...levels.map((l, k) => [f.quantiles[String(l)], e.quantiles[k]!] as [unknown, number]),
    ];
    for (const [a, b] of pairs) {
      const d = Math.abs((a as number) - b);
      worst = Math.max(worst, d / Math.max(1, Math.abs(b)));
      expect(d, `${f.name}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
    }
  });
  return worst;
}

describe('statistics', () => {
  it('reports each party’s own columns on breast, with missing values and custom quantiles', async () => {
    const g = { ...breast.guest, x: { ...breast.guest.x, data: breast.guest.x.data.slice() } };
    // Every 7th value of x3 and every 3rd of x0 missing.
    for (let i = 0; i < g.x.rows; i += 7) g.x.data[i * g.x.cols + 3] = NaN;
    for (let i = 0; i < g.x.rows; i += 3) g.x.data[i * g.x.cols + 0] = NaN;
    const levels = [0.1, 0.25, 0.5, 0.9];
    const res = await runComponent(
      spec,
      { quantiles: levels },
      { guest: { data: dataset(g) }, 'host-0': { data: dataset(breast.host) } },
      { pool },
    );
    const gr = res['guest']!.outputs['report'] as {
      kind: 'report';
      report: Record<string, unknown>;
    };
    const hr = res['host-0']!.outputs['report'] as {
      kind: 'report';
      report: Record<string, unknown>;
    };
    expect(gr.report['party']).toBe('guest');
    expect(hr.report['party']).toBe('host-0');
    const worst = Math.max(check(gr.report, g, levels), check(hr.report, breast.host, levels));
    const x0 = (gr.report['features'] as Row[])[0]!;
    expect(x0['missing']).toBe(Math.ceil(g.x.rows / 3));
    console.log(`statistics breast: worst relative difference ${worst.toExponential(2)}`);
  });

  it('describes default_credit (30 000 rows) with the default quartiles and a column subset', async () => {
    const res = await runComponent(
      spec,
      { columns: [] },
      {
        guest: { data: dataset(credit.guest) },
        'host-0': { data: dataset(head(credit.host, 30_000)) },
      },
      { pool },
    );
    const gr = res['guest']!.outputs['report'] as {
      kind: 'report';
      report: Record<string, unknown>;
    };
    check(gr.report, credit.guest, [0.25, 0.5, 0.75]);
    const sub = await runComponent(
      spec,
      { columns: ['x2', 'x0'] },
      { guest: { data: dataset(credit.guest) }, 'host-0': { data: dataset(credit.host) } },
      { pool },
    );
    const names = (
      sub['host-0']!.outputs['report'] as unknown as { report: { features: Row[] } }
    ).report.features.map((f) => f.name);
    expect(names).toEqual(['x2', 'x0']);
  });

  it('a constant or empty column reports null moments, an unknown column is a clear error', async () => {
    const n = 50;
    const frame: Frame = {
      ids: Array.from({ length: n }, (_, i) => `r${i}`),
      x: {
        rows: n,
        cols: 2,
        data: Float64Array.from({ length: 2 * n }, (_, k) => (k % 2 === 0 ? 3 : NaN)),
      },
      featureNames: ['const', 'empty'],
    };
    const res = await runComponent(
      spec,
      {},
      { guest: { data: dataset(frame) }, 'host-0': { data: dataset(frame) } },
      { pool },
    );
    const [c, e] = (res['guest']!.outputs['report'] as unknown as { report: { features: Row[] } })
      .report.features;
    expect(c!['std']).toBe(0);
    expect(c!['skewness']).toBeNull();
    expect(c!['unique']).toBe(1);
    expect(e!['count']).toBe(0);
    expect(e!['missingRatio']).toBe(1);
    expect(e!['mean']).toBeNull();
    const bad = await runComponentSettled(
      spec,
      { columns: ['nope'] },
      { guest: { data: dataset(frame) }, 'host-0': { data: dataset(frame) } },
      { pool },
    );
    const r = bad['guest']!;
    expect(r.status).toBe('rejected');
    expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ComponentError);
    expect(((r as PromiseRejectedResult).reason as ComponentError).code).toBe('COLUMN_UNKNOWN');
  });
});
