/**
 * scorecard: the credit-score transform against the scaling definition (score = baseScore at
 * baseOdds good:bad; +PDO points each time the good:bad odds double), limits, and bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '@fedgrid/crypto';
import {
  ComponentError,
  scorecard,
  type ComponentSpec,
  type Predictions,
} from '@fedgrid/components';
import type { Frame } from '@fedgrid/ml';
import { runComponent, runComponentSettled } from './harness.js';

let pool: CryptoPool;
beforeAll(() => {
  pool = new CryptoPool({ threads: 1 });
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
