/**
 * scorecard: the credit-score transform against the scaling definition (score = baseScore at
 * baseOdds good:bad; +PDO points each time the good:bad odds double), limits, and bad input;
 * scorecard-points: on a federated chain (binning → HeteroLR → prediction → scorecard) every row's
 * base points plus its bins' points, looked up from each party's table by a bin search written
 * here, equal its scorecard score.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '@fedgrid/crypto';
import {
  ComponentError,
  heteroBinning,
  heteroLr,
  heteroLrPredict,
  scorecard,
  scorecardPoints,
  type BinningModel,
  type ComponentSpec,
  type PointsTable,
  type PortValue,
  type Predictions,
} from '@fedgrid/components';
import type { Frame } from '@fedgrid/ml';
import { runComponent, runComponentSettled } from './harness.js';
import { CREDIT, dataset, head, loadAligned } from './feature-fixtures.js';

let pool: CryptoPool;
beforeAll(() => {
  pool = new CryptoPool({ threads: 2 });
});
afterAll(async () => {
  await pool?.close();
});

const spec = scorecard as unknown as ComponentSpec<unknown>;
const run = (params: unknown, predictions: Predictions) =>
  runComponent(
    spec,
    params,
    { guest: { predictions: { kind: 'predictions', predictions } } },
    { pool },
  );

describe('scorecard', () => {
  it('600 points at 50:1, +20 per doubling of the good:bad odds, monotone decreasing in P(bad)', async () => {
    // P(bad) at good:bad odds o is 1/(1 + o).
    const odds = [50, 100, 200, 25, 1];
    const scores = Float64Array.from(odds, (o) => 1 / (1 + o));
    const res = await run(
      {},
      { ids: odds.map(String), scores, labels: new Float64Array([0, 0, 0, 1, 1]) },
    );
    const out = (res['guest']!.outputs['data'] as unknown as { frame: Frame }).frame;
    const s = odds.map((_, i) => out.x.data[i * 2]!);
    expect(s[0]).toBeCloseTo(600, 9);
    expect(s[1]! - s[0]!).toBeCloseTo(20, 9);
    expect(s[2]! - s[0]!).toBeCloseTo(40, 9);
    expect(s[0]! - s[3]!).toBeCloseTo(20, 9);
    expect(s[4]).toBeCloseTo(600 - (20 / Math.LN2) * Math.log(50), 9);
    expect(out.featureNames).toEqual(['score', 'probability']);
    expect(out.labels).toEqual(new Float64Array([0, 0, 0, 1, 1]));
    const rep = (
      res['guest']!.outputs['report'] as unknown as { report: { factor: number; offset: number } }
    ).report;
    expect(rep.factor).toBeCloseTo(20 / Math.LN2, 12);
  });

  it('custom scaling and limits; non-probabilities are refused', async () => {
    const p = new Float64Array([0, 1e-6, 0.5, 1]);
    const res = await run(
      { pdo: 40, baseScore: 500, baseOdds: 1, lowerLimit: 300, upperLimit: 900 },
      { ids: ['a', 'b', 'c', 'd'], scores: p },
    );
    const out = (res['guest']!.outputs['data'] as unknown as { frame: Frame }).frame;
    expect(out.x.data[0]).toBe(900);
    expect(out.x.data[4]).toBeCloseTo(500, 9);
    expect(out.x.data[6]).toBe(300);
    const bad = await runComponentSettled(
      spec,
      {},
      {
        guest: {
          predictions: {
            kind: 'predictions',
            predictions: { ids: ['a'], scores: new Float64Array([1.5]) },
          },
        },
      },
      { pool },
    );
    expect(((bad['guest'] as PromiseRejectedResult).reason as ComponentError).code).toBe(
      'PREDICTIONS_INVALID',
    );
    expect(() => scorecard.params.parse({ lowerLimit: 10, upperLimit: 5 })).toThrow();
  });
});

describe('scorecard-points', () => {
  /** The bin index of v (missing bin last), written independently of the library. */
  const binIn = (f: BinningModel['features'][number], v: number): number => {
    const b = f.bins;
    if (Number.isNaN(v)) return b.kind === 'numeric' ? b.cuts.length + 1 : b.categories.length;
    return b.kind === 'numeric' ? b.cuts.filter((c) => c < v).length : b.categories.indexOf(v);
  };
  const c = (x: unknown) => x as ComponentSpec<unknown>;
  const modelOf = (v: PortValue | undefined) => (v as unknown as { model: BinningModel }).model;

  it("base points plus each party's bin points equal the scorecard score of every row", async () => {
    // default_credit, whose WOE logits stay moderate (on breast they saturate P(bad) at 0 or 1,
    // where the score is clipped).
    const credit = await loadAligned(CREDIT);
    const raw = { guest: head(credit.guest, 2000), 'host-0': head(credit.host, 2000) };
    const bin = await runComponent(
      c(heteroBinning),
      { binNum: 5, transform: 'woe' },
      { guest: { data: dataset(raw.guest) }, 'host-0': { data: dataset(raw['host-0']) } },
      { pool },
    );
    const woe = {
      guest: bin['guest']!.outputs['data']!,
      'host-0': bin['host-0']!.outputs['data']!,
    };
    const train = await runComponent(
      c(heteroLr),
      { maxIter: 5, batchSize: -1, learningRate: 0.5 },
      { guest: { data: woe.guest }, 'host-0': { data: woe['host-0'] } },
      { pool, arbiter: true },
    );
    const model = {
      guest: train['guest']!.outputs['model']!,
      'host-0': train['host-0']!.outputs['model']!,
    };
    const pred = await runComponent(
      c(heteroLrPredict),
      {},
      {
        guest: { data: woe.guest, model: model.guest },
        'host-0': { data: woe['host-0'], model: model['host-0'] },
      },
      { pool },
    );
    const card = await runComponent(
      spec,
      {},
      { guest: { predictions: pred['guest']!.outputs['predictions']! } },
      { pool },
    );
    const scores = (card['guest']!.outputs['data'] as unknown as { frame: Frame }).frame;
    const points = await runComponent(
      c(scorecardPoints),
      {},
      {
        guest: { model: model.guest, binning: bin['guest']!.outputs['model']! },
        'host-0': { model: model['host-0'], binning: bin['host-0']!.outputs['model']! },
      },
      { pool },
    );
    const table = (party: string) =>
      (points[party]!.outputs['report'] as unknown as { report: PointsTable }).report;
    const tables = { guest: table('guest'), 'host-0': table('host-0') };
    expect(tables.guest.basePoints).toBeTypeOf('number');
    // The host's LR part carries its share of the intercept (standardisation of its own WOE
    // columns), so its table has base points of its own.
    expect(tables['host-0'].basePoints).toBeTypeOf('number');
    expect(tables['host-0'].features.map((f) => f.name)).toEqual(raw['host-0'].featureNames);
    const n = raw.guest.ids.length;
    let worst = 0;
    for (let i = 0; i < n; i++) {
      let sum = tables.guest.basePoints! + (tables['host-0'].basePoints ?? 0);
      for (const party of ['guest', 'host-0'] as const) {
        const fr = raw[party];
        const bins = modelOf(bin[party]!.outputs['model']).features;
        tables[party].features.forEach((f, j) => {
          const k = binIn(bins[j]!, fr.x.data[i * fr.x.cols + j]!);
          sum += f.bins[k]!.points;
        });
      }
      worst = Math.max(worst, Math.abs(sum - scores.x.data[i * 2]!));
    }
    expect(worst).toBeLessThan(1e-6);
    // Real spread, not clipped scores.
    const all = Array.from({ length: n }, (_, i) => scores.x.data[i * 2]!);
    expect(Math.max(...all) - Math.min(...all)).toBeGreaterThan(40);
    // Bin labels in order; points are −factor·weight·WOE, rounded alongside.
    const f0 = tables['host-0'].features[0]!;
    expect(f0.bins[0]!.bin.startsWith('(−inf, ')).toBe(true);
    expect(f0.bins.at(-1)!.bin.endsWith(', +inf)')).toBe(true);
    for (const r of f0.bins) {
      expect(r.points).toBeCloseTo(-tables['host-0'].factor * f0.weight * r.woe, 9);
      expect(r.rounded).toBe(Math.round(r.points));
    }

    // Each party's own parts only, and an LR on unbinned columns is refused.
    const swapped = await runComponentSettled(
      c(scorecardPoints),
      {},
      {
        guest: { model: model['host-0'], binning: bin['guest']!.outputs['model']! },
        'host-0': { model: model['host-0'], binning: bin['host-0']!.outputs['model']! },
      },
      { pool },
    );
    expect(((swapped['guest'] as PromiseRejectedResult).reason as ComponentError).code).toBe(
      'MODEL_INVALID',
    );
    const narrowBins = { ...modelOf(bin['guest']!.outputs['model']) };
    narrowBins.features = narrowBins.features.slice(1);
    const unbinned = await runComponentSettled(
      c(scorecardPoints),
      {},
      { guest: { model: model.guest, binning: { kind: 'model', model: narrowBins } } },
      { pool },
    );
    const reason = (unbinned['guest'] as PromiseRejectedResult).reason as ComponentError;
    expect(reason.code).toBe('FEATURE_NOT_BINNED');
    expect(reason.message).toContain(raw.guest.featureNames[0]!);
  });
});
