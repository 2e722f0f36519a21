/**
 * hetero-pearson against the plaintext Pearson correlation of the joined table (computed in the
 * test by the textbook formula Σ(a−ā)(b−b̄)/√(Σ(a−ā)²Σ(b−b̄)²)). The federated value differs only
 * by fixed-point encoding (2^−32 absolute on the guest's values) and quantisation (2^−24 relative
 * on the host's), so the tolerance is 1e−6. Every test runs at the default 2048-bit key: the
 * library refuses shorter Paillier keys, and these runs take seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '@fedgrid/crypto';
import {
  ComponentError,
  heteroPearson,
  type ComponentSpec,
  type PortValue,
} from '@fedgrid/components';
import type { Frame } from '@fedgrid/ml';
import { runComponent, runComponentSettled } from './harness.js';
import { BREAST, CREDIT, column, columns, dataset, head, loadAligned } from './feature-fixtures.js';

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

const spec = heteroPearson as unknown as ComponentSpec<unknown>;
const TOL = 1e-6;

function pearson(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

type Report = {
  features: string[];
  local: (number | null)[][];
  cross: {
    party: string;
    features: string[];
    guestFeatures?: string[];
    matrix: (number | null)[][];
  }[];
};
const reportOf = (v: PortValue | undefined): Report => (v as unknown as { report: Report }).report;

/** max |federated − plaintext| over the cross matrix of guest `g` and host `h`. */
function crossError(matrix: (number | null)[][], g: Frame, h: Frame): number {
  let worst = 0;
  for (let j = 0; j < g.x.cols; j++) {
    for (let k = 0; k < h.x.cols; k++) {
      const e = pearson(column(g, j), column(h, k));
      worst = Math.max(worst, Math.abs((matrix[j]![k] as number) - e));
    }
  }
  return worst;
}

function localError(local: (number | null)[][], f: Frame): number {
  let worst = 0;
  for (let j = 0; j < f.x.cols; j++) {
    for (let k = 0; k < f.x.cols; k++) {
      worst = Math.max(
        worst,
        Math.abs((local[j]![k] as number) - pearson(column(f, j), column(f, k))),
      );
    }
  }
  return worst;
}

describe('hetero-pearson', () => {
  it('equals the plaintext Pearson of the joined breast data (569 × (10 + 20), Paillier-2048)', async () => {
    const res = await runComponent(
      spec,
      {},
      { guest: { data: dataset(breast.guest) }, 'host-0': { data: dataset(breast.host) } },
      { pool },
    );
    const g = reportOf(res['guest']!.outputs['report']);
    const h = reportOf(res['host-0']!.outputs['report']);
    expect(g.cross).toHaveLength(1);
    expect(g.cross[0]!.features).toEqual(breast.host.featureNames);
    const err = crossError(g.cross[0]!.matrix, breast.guest, breast.host);
    expect(err).toBeLessThan(TOL);
    // The host holds the same matrix; both local matrices are plain Pearson.
    expect(h.cross[0]!.matrix).toEqual(g.cross[0]!.matrix);
    expect(h.cross[0]!.guestFeatures).toEqual(breast.guest.featureNames);
    expect(localError(g.local, breast.guest)).toBeLessThan(1e-12);
    expect(localError(h.local, breast.host)).toBeLessThan(1e-12);
    console.log(`hetero-pearson breast: max |r federated − r plaintext| = ${err.toExponential(2)}`);
  });

  it('two hosts on default_credit (2 000 rows): each host gets only its own cross matrix', async () => {
    const g = head(credit.guest, 2000);
    const h = head(credit.host, 2000);
    const h0 = columns(h, [0, 1, 2, 3, 4]);
    const h1 = columns(h, [5, 6, 7, 8, 9]);
    const res = await runComponent(
      spec,
      {},
      {
        guest: { data: dataset(g) },
        'host-0': { data: dataset(h0) },
        'host-1': { data: dataset(h1) },
      },
      { pool, hosts: 2 },
    );
    const gr = reportOf(res['guest']!.outputs['report']);
    expect(gr.cross.map((c) => c.party)).toEqual(['host-0', 'host-1']);
    const e0 = crossError(gr.cross[0]!.matrix, g, h0);
    const e1 = crossError(gr.cross[1]!.matrix, g, h1);
    expect(Math.max(e0, e1)).toBeLessThan(TOL);
    const r1 = reportOf(res['host-1']!.outputs['report']);
    expect(r1.cross).toHaveLength(1);
    expect(r1.cross[0]!.features).toEqual(h1.featureNames);
    expect(r1.cross[0]!.matrix).toEqual(gr.cross[1]!.matrix);
    console.log(`hetero-pearson default_credit: max |Δr| = ${Math.max(e0, e1).toExponential(2)}`);
  });

  it('a constant column gives null correlations; missing values and too few rows are refused', async () => {
    // 130 rows = 10 × (10 + 3) columns: the fewest hetero-pearson accepts for these columns.
    const g = head(breast.guest, 130);
    const h = columns(head(breast.host, 130), [0, 1, 2]);
    const hc = { ...h, x: { ...h.x, data: h.x.data.slice() } };
    for (let i = 0; i < hc.x.rows; i++) hc.x.data[i * 3 + 1] = 7;
    const res = await runComponent(
      spec,
      {},
      { guest: { data: dataset(g) }, 'host-0': { data: dataset(hc) } },
      { pool },
    );
    const m = reportOf(res['guest']!.outputs['report']).cross[0]!.matrix;
    expect(m.every((row) => row[1] === null)).toBe(true);
    expect(Math.abs((m[0]![0] as number) - pearson(column(g, 0), column(hc, 0)))).toBeLessThan(TOL);

    const missing = { ...h, x: { ...h.x, data: h.x.data.slice() } };
    missing.x.data[5] = NaN;
    const bad = await runComponentSettled(
      spec,
      {},
      { guest: { data: dataset(g) }, 'host-0': { data: dataset(missing) } },
      { pool },
    );
    expect(((bad['host-0'] as PromiseRejectedResult).reason as ComponentError).code).toBe(
      'MISSING_VALUES',
    );
    expect(bad['guest']!.status).toBe('rejected');

    const few = await runComponentSettled(
      spec,
      {},
      {
        guest: { data: dataset(head(breast.guest, 15)) },
        'host-0': { data: dataset(head(breast.host, 15)) },
      },
      { pool },
    );
    expect(((few['guest'] as PromiseRejectedResult).reason as ComponentError).code).toBe(
      'TOO_FEW_ROWS',
    );
    expect(few['host-0']!.status).toBe('rejected');
  });
});
