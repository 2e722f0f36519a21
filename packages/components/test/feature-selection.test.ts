/**
 * feature-selection after hetero-binning on breast: the selected columns equal what the filters
 * select when applied in the test to plaintext statistics and to IVs recomputed from the joined
 * data; the global IV top-k ranks guest and host columns together. feature-selection-basic has
 * the label-free filters only. 2048-bit Paillier (the binning step), the library's minimum.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '@fedgrid/crypto';
import {
  evaluation,
  featureSelection,
  featureSelectionBasic,
  heteroBinning,
  heteroLr,
  heteroLrPredict,
  type BinningModel,
  type ComponentSpec,
  type PortValue,
  type SelectionModel,
} from '@fedgrid/components';
import type { Frame } from '@fedgrid/ml';
import { runComponent } from './harness.js';
import { BREAST, column, dataset, loadAligned, runSpied } from './feature-fixtures.js';

let pool: CryptoPool;
let breast: { guest: Frame; host: Frame };
let binning: Record<string, BinningModel>;
beforeAll(async () => {
  pool = new CryptoPool({ threads: 2 });
  breast = await loadAligned(BREAST);
  const res = await runComponent(
    heteroBinning as unknown as ComponentSpec<unknown>,
    { binNum: 10, transform: 'none' },
    { guest: { data: dataset(breast.guest) }, 'host-0': { data: dataset(breast.host) } },
    { pool },
  );
  binning = Object.fromEntries(
    Object.entries(res).map(([p, r]) => [
      p,
      (r.outputs['model'] as unknown as { model: BinningModel }).model,
    ]),
  );
});
afterAll(async () => {
  await pool?.close();
});

const modelValue = (model: BinningModel): PortValue => ({ kind: 'model', model });
const selectionOf = (v: PortValue | undefined) => (v as unknown as { model: SelectionModel }).model;

/** IV of one column from the joined data: quantile bins by the model's cuts, FATE WOE/IV. */
function plainIv(values: Float64Array, cuts: number[], y: Float64Array): number {
  const k = cuts.length + 1;
  const ev = new Array<number>(k).fill(0);
  const ne = new Array<number>(k).fill(0);
  values.forEach((v, i) => {
    const b = cuts.filter((c) => c < v).length;
    if (y[i] === 1) ev[b]!++;
    else ne[b]!++;
  });
  const E = ev.reduce((a, b) => a + b, 0);
  const N = ne.reduce((a, b) => a + b, 0);
  return ev.reduce((iv, e, b) => {
    const a = e === 0 || ne[b] === 0 ? 0.5 : 0;
    const er = (e + a) / E;
    const nr = (ne[b]! + a) / N;
    return iv + (er - nr) * Math.log(er / nr);
  }, 0);
}

function variance(v: Float64Array): number {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1);
}

describe('feature-selection', () => {
  it('global IV top-k over guest and host columns equals the plaintext top-k', async () => {
    const y = breast.guest.labels!;
    const all = [
      ...breast.guest.featureNames.map((name, j) => {
        const f = binning['guest']!.features[j]!;
        return {
          party: 'guest',
          name,
          iv: plainIv(column(breast.guest, j), f.bins.kind === 'numeric' ? f.bins.cuts : [], y),
        };
      }),
      ...breast.host.featureNames.map((name, j) => {
        const f = binning['host-0']!.features[j]!;
        return {
          party: 'host-0',
          name,
          iv: plainIv(column(breast.host, j), f.bins.kind === 'numeric' ? f.bins.cuts : [], y),
        };
      }),
    ];
    const k = 8;
    const top = all
      .map((c, i) => ({ ...c, i }))
      .sort((a, b) => b.iv - a.iv || a.i - b.i)
      .slice(0, k);
    const res = await runComponent(
      featureSelection as unknown as ComponentSpec<unknown>,
      { ivTopK: k, exclude: { guest: [] } },
      {
        guest: { data: dataset(breast.guest), binning: modelValue(binning['guest']!) },
        'host-0': { data: dataset(breast.host), binning: modelValue(binning['host-0']!) },
      },
      { pool },
    );
    const gs = selectionOf(res['guest']!.outputs['model']);
    const hs = selectionOf(res['host-0']!.outputs['model']);
    const want = (p: string) =>
      top
        .filter((t) => t.party === p)
        .map((t) => t.name)
        .sort();
    expect(gs.selected.slice().sort()).toEqual(want('guest'));
    expect(hs.selected.slice().sort()).toEqual(want('host-0'));
    expect(gs.selected.length + hs.selected.length).toBe(k);
    const out = (res['host-0']!.outputs['data'] as unknown as { frame: Frame }).frame;
    expect(out.featureNames).toEqual(hs.selected);
    expect(out.x.data[0]).toBe(
      breast.host.x.data[breast.host.featureNames.indexOf(hs.selected[0]!)],
    );
    expect((res['guest']!.outputs['data'] as unknown as { frame: Frame }).frame.labels).toEqual(y);
    console.log(
      `feature-selection: global top-${k} keeps guest ${gs.selected.join(',')} / host ${hs.selected.join(',')}`,
    );
  });

  it('per-party top-k, IV threshold, include/exclude and the correlation filter', async () => {
    const res = await runComponent(
      featureSelection as unknown as ComponentSpec<unknown>,
      {
        ivTopK: 3,
        ivScope: 'party',
        minIv: 0.5,
        maxCorrelation: 0.9,
        include: { 'host-0': ['x19'] },
        exclude: { guest: ['x0'] },
      },
      {
        guest: { data: dataset(breast.guest), binning: modelValue(binning['guest']!) },
        'host-0': { data: dataset(breast.host), binning: modelValue(binning['host-0']!) },
      },
      { pool },
    );
    for (const [party, frame] of [
      ['guest', breast.guest],
      ['host-0', breast.host],
    ] as const) {
      const s = selectionOf(res[party]!.outputs['model']);
      const ivOf = new Map(binning[party]!.features.map((f) => [f.name, f.iv]));
      const ranked = frame.featureNames
        .filter(
          (n) =>
            !(party === 'guest' && n === 'x0') &&
            !(party === 'host-0' && n === 'x19') &&
            ivOf.get(n)! >= 0.5,
        )
        .sort((a, b) => ivOf.get(b)! - ivOf.get(a)!)
        .slice(0, 3);
      const kept = s.selected.filter((n) => !(party === 'host-0' && n === 'x19'));
      // Every kept column is one of the top 3, correlation drops only among those.
      for (const n of kept) expect(ranked).toContain(n);
      for (const d of s.dropped.filter((d) => d.reason === 'correlation')) {
        const j = frame.featureNames.indexOf(d.name);
        const partner = s.selected.some((n) => {
          const a = column(frame, j);
          const b = column(frame, frame.featureNames.indexOf(n));
          const ma = a.reduce((x, v) => x + v, 0) / a.length;
          const mb = b.reduce((x, v) => x + v, 0) / b.length;
          let sab = 0,
            saa = 0,
            sbb = 0;
          a.forEach((v, i) => {
            sab += (v - ma) * (b[i]! - mb);
            saa += (v - ma) ** 2;
            sbb += (b[i]! - mb) ** 2;
          });
          return Math.abs(sab / Math.sqrt(saa * sbb)) > 0.9;
        });
        expect(partner).toBe(true);
      }
      if (party === 'guest') expect(s.dropped).toContainEqual({ name: 'x0', reason: 'exclude' });
      if (party === 'host-0') expect(s.selected).toContain('x19');
    }
  });

  it('feature-selection-basic: missing ratio and variance filters, no binning model needed', async () => {
    const g = { ...breast.guest, x: { ...breast.guest.x, data: breast.guest.x.data.slice() } };
    for (let i = 0; i < g.x.rows; i += 2) g.x.data[i * g.x.cols + 4] = NaN; // x4: 50 % missing
    const vars = breast.host.featureNames.map((_, j) => variance(column(breast.host, j)));
    const sorted = vars.slice().sort((a, b) => a - b);
    const threshold = (sorted[4]! + sorted[5]!) / 2; // drops the 5 lowest-variance columns
    const res = await runComponent(
      featureSelectionBasic as unknown as ComponentSpec<unknown>,
      { maxMissingRatio: 0.3, minVariance: threshold },
      { guest: { data: dataset(g) }, 'host-0': { data: dataset(breast.host) } },
      { pool },
    );
    const gs = selectionOf(res['guest']!.outputs['model']);
    expect(gs.dropped).toContainEqual({ name: 'x4', reason: 'missing-ratio' });
    const hs = selectionOf(res['host-0']!.outputs['model']);
    expect(hs.selected).toEqual(breast.host.featureNames.filter((_, j) => vars[j]! >= threshold));
    expect(hs.dropped.every((d) => d.reason === 'variance')).toBe(true);
    expect(hs.dropped).toHaveLength(5);
    expect(() => featureSelectionBasic.params.parse({ minIv: 0.1 })).not.toThrow(); // stripped…
    expect('minIv' in (featureSelectionBasic.params as unknown as { shape: object }).shape).toBe(
      false,
    ); // …and rejected by flow validation
  });

  it('apply mode: a saved selection keeps the same columns of other rows, with no messages', async () => {
    const fit = await runComponent(
      featureSelection as unknown as ComponentSpec<unknown>,
      { ivTopK: 6 },
      {
        guest: { data: dataset(breast.guest), binning: modelValue(binning['guest']!) },
        'host-0': { data: dataset(breast.host), binning: modelValue(binning['host-0']!) },
      },
      { pool },
    );
    const saved = {
      guest: selectionOf(fit['guest']!.outputs['model']),
      'host-0': selectionOf(fit['host-0']!.outputs['model']),
    };
    // Prediction rows: the last 100, no labels; the basic variant applies the IV selection too.
    const tail = (f: Frame): Frame => ({
      ids: f.ids.slice(-100),
      x: { rows: 100, cols: f.x.cols, data: f.x.data.slice(-100 * f.x.cols) },
      featureNames: f.featureNames,
    });
    const data = { guest: tail(breast.guest), 'host-0': tail(breast.host) };
    const { results, received } = await runSpied(
      featureSelectionBasic as unknown as ComponentSpec<unknown>,
      {},
      {
        guest: { data: dataset(data.guest), model: { kind: 'model', model: saved.guest } },
        'host-0': {
          data: dataset(data['host-0']),
          model: { kind: 'model', model: saved['host-0'] },
        },
      },
      { hosts: 1, pool, spied: 'host-0' },
    );
    expect(received).toEqual([]);
    for (const party of ['guest', 'host-0'] as const) {
      const out = (results[party]!.outputs['data'] as unknown as { frame: Frame }).frame;
      const src = data[party];
      expect(out.featureNames).toEqual(saved[party].selected);
      saved[party].selected.forEach((name, k) => {
        const j = src.featureNames.indexOf(name);
        expect(Array.from(column(out, k))).toEqual(Array.from(column(src, j)));
      });
    }
    expect(saved.guest.selected.length + saved['host-0'].selected.length).toBe(6);
    // Rows lacking a selected column are refused by name.
    const narrow = {
      ...data['host-0'],
      featureNames: data['host-0'].featureNames.map((n) => `${n}_renamed`),
    };
    await expect(
      runComponent(
        featureSelectionBasic as unknown as ComponentSpec<unknown>,
        {},
        {
          guest: { data: dataset(data.guest), model: { kind: 'model', model: saved.guest } },
          'host-0': { data: dataset(narrow), model: { kind: 'model', model: saved['host-0'] } },
        },
        { pool },
      ),
    ).rejects.toMatchObject({ code: 'FEATURE_MISSING' });
  });

  it('the example flow’s chain runs: binning (WOE) → selection → HeteroLR → prediction → evaluation', async () => {
    const c = (x: unknown) => x as ComponentSpec<unknown>;
    const bin = await runComponent(
      c(heteroBinning),
      { binNum: 10, transform: 'woe' },
      { guest: { data: dataset(breast.guest) }, 'host-0': { data: dataset(breast.host) } },
      { pool },
    );
    const sel = await runComponent(
      c(featureSelection),
      { ivTopK: 12, maxCorrelation: 0.9 },
      {
        guest: { data: bin['guest']!.outputs['data']!, binning: bin['guest']!.outputs['model']! },
        'host-0': {
          data: bin['host-0']!.outputs['data']!,
          binning: bin['host-0']!.outputs['model']!,
        },
      },
      { pool },
    );
    const data = {
      guest: sel['guest']!.outputs['data']!,
      'host-0': sel['host-0']!.outputs['data']!,
    };
    const train = await runComponent(
      c(heteroLr),
      { maxIter: 5, batchSize: -1, learningRate: 0.15 },
      { guest: { data: data.guest }, 'host-0': { data: data['host-0'] } },
      { pool, arbiter: true },
    );
    const pred = await runComponent(
      c(heteroLrPredict),
      {},
      {
        guest: { data: data.guest, model: train['guest']!.outputs['model']! },
        'host-0': { data: data['host-0'], model: train['host-0']!.outputs['model']! },
      },
      { pool },
    );
    const ev = await runComponent(
      c(evaluation),
      {},
      { guest: { predictions: pred['guest']!.outputs['predictions']! } },
      { pool },
    );
    const auc = (
      ev['guest']!.outputs['report'] as unknown as { report: { metrics: { auc: number } } }
    ).report.metrics.auc;
    console.log(
      `feature-engineering chain on breast: AUC ${auc.toFixed(4)} with ${sel['guest']!.summary!['selected']} + ${sel['host-0']!.summary!['selected']} WOE columns`,
    );
    expect(auc).toBeGreaterThan(0.95);
  });
});
