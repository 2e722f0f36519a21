/**
 * Components that declare `columnar` (psi-ecdh, statistics, feature selection, hetero-binning)
 * run on column-backed frames without ever reading `frame.x` — no row-major copy of the whole
 * table — and give exactly what they give on the row-major twin of the same rows; their
 * dataset outputs stay column-backed, so a training builds `x` for the kept columns only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '@fedgrid/crypto';
import {
  featureSelectionBasic,
  heteroBinning,
  psiEcdh,
  statistics,
  type ComponentSpec,
  type PortValue,
  type ProgramResult,
} from '@fedgrid/components';
import { columnFrame, frameColumn, type Frame } from '@fedgrid/ml';
import { runComponent } from './harness.js';
import { BREAST, column, dataset, head, loadAligned } from './feature-fixtures.js';

let pool: CryptoPool;
let breast: { guest: Frame; host: Frame };
beforeAll(async () => {
  pool = new CryptoPool({ threads: 2 });
  const all = await loadAligned(BREAST);
  breast = { guest: head(all.guest, 200), host: head(all.host, 200) };
});
afterAll(async () => {
  await pool?.close();
});

/** The frame column-backed, with an `x` that throws when read (a whole-table row-major copy). */
function columnsOnly(f: Frame): Frame {
  const out = columnFrame({
    ids: f.ids,
    columns: f.featureNames.map((_, j) => column(f, j)),
    featureNames: f.featureNames,
    ...(f.labels ? { labels: f.labels, labelName: f.labelName } : {}),
    ...(f.columnTypes ? { columnTypes: f.columnTypes } : {}),
  });
  Object.defineProperty(out, 'x', {
    enumerable: true,
    get() {
      throw new Error('x read: a row-major copy of the whole input table');
    },
  });
  return out;
}

const frameOut = (r: ProgramResult | undefined): Frame =>
  (r?.outputs['data'] as Extract<PortValue, { kind: 'dataset' }>).frame;

async function both(
  spec: unknown,
  params: Record<string, unknown>,
): Promise<[Record<string, ProgramResult>, Record<string, ProgramResult>]> {
  const run = (wrap: (f: Frame) => Frame) =>
    runComponent(
      spec as ComponentSpec<unknown>,
      params,
      {
        guest: { data: dataset(wrap(breast.guest)) },
        'host-0': { data: dataset(wrap(breast.host)) },
      },
      { pool },
    );
  return [await run((f) => f), await run(columnsOnly)];
}

describe('columnar components', () => {
  it('declare it; training components do not', () => {
    for (const c of [psiEcdh, statistics, featureSelectionBasic, heteroBinning])
      expect((c as ComponentSpec<unknown>).columnar).toBe(true);
  });

  it('statistics: the same report from columns, x never read', async () => {
    const [rows, cols] = await both(statistics, { quantiles: [0.1, 0.5, 0.9] });
    for (const p of ['guest', 'host-0'])
      expect(cols[p]!.outputs['report']).toEqual(rows[p]!.outputs['report']);
  });

  it('feature selection: the same columns kept; the output shares the input columns', async () => {
    const params = { minVariance: 0.5, maxCorrelation: 0.95 };
    const [rows, cols] = await both(featureSelectionBasic, params);
    for (const p of ['guest', 'host-0'] as const) {
      const a = frameOut(rows[p]);
      const b = frameOut(cols[p]);
      expect(b.featureNames).toEqual(a.featureNames);
      expect(b.featureNames.length).toBeLessThan(
        breast[p === 'guest' ? 'guest' : 'host'].featureNames.length,
      );
      expect(b.columns).toBeDefined();
      // x is built for the kept columns only, equal to the row-major run's.
      expect(b.x.cols).toBe(a.featureNames.length);
      expect(Array.from(b.x.data)).toEqual(Array.from(a.x.data));
    }
  });

  it('hetero-binning: the same WOE/IV models and WOE columns', async () => {
    const [rows, cols] = await both(heteroBinning, { binNum: 6, transform: 'woe' });
    for (const p of ['guest', 'host-0']) {
      // A host's IV is summed by the guest over shuffled bins: equal up to summation order.
      type Part = { features: { iv: number }[] };
      const part = (r: ProgramResult | undefined) =>
        (r?.outputs['model'] as unknown as { model: Part }).model;
      const [ma, mb] = [part(rows[p]), part(cols[p])];
      const ivs = (m: Part) => m.features.map((f) => f.iv);
      const noIv = (m: Part) => ({ ...m, features: m.features.map((f) => ({ ...f, iv: 0 })) });
      expect(noIv(mb)).toEqual(noIv(ma));
      ivs(mb).forEach((iv, k) => expect(iv).toBeCloseTo(ivs(ma)[k]!, 12));
      const a = frameOut(rows[p]);
      const b = frameOut(cols[p]);
      expect(b.columns).toBeDefined();
      expect(Array.from(b.x.data)).toEqual(Array.from(a.x.data));
    }
  });

  it('psi-ecdh: the same aligned rows, column-backed, built from the ids alone', async () => {
    const drop = (f: Frame, k: number): Frame => head(f, f.ids.length - k);
    const inputs = (wrap: (f: Frame) => Frame) => ({
      guest: { data: dataset(wrap(drop(breast.guest, 5))) },
      'host-0': { data: dataset(wrap(breast.host)) },
    });
    const spec = psiEcdh as ComponentSpec<unknown>;
    const rows = await runComponent(
      spec,
      {},
      inputs((f) => f),
      { pool },
    );
    const cols = await runComponent(spec, {}, inputs(columnsOnly), { pool });
    for (const p of ['guest', 'host-0']) {
      const a = frameOut(rows[p]);
      const b = frameOut(cols[p]);
      expect(b.ids).toEqual(a.ids);
      expect(b.ids.length).toBe(195);
      expect(b.columns).toBeDefined();
      expect(Array.from(frameColumn(b, 0))).toEqual(Array.from(frameColumn(a, 0)));
      expect(Array.from(b.x.data)).toEqual(Array.from(a.x.data));
    }
  });
});
