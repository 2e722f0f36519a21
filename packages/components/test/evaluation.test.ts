/**
 * The evaluation component against binaryMetrics from @fedgrid/ml and against independent
 * plaintext computations (pair-counting AUC, a confusion matrix, ROC points per threshold).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '@fedgrid/crypto';
import {
  ComponentError,
  evaluation,
  type ComponentSpec,
  type PortValue,
  type Predictions,
} from '@fedgrid/components';
import { binaryMetrics, liftGainTable, multiclassMetrics, regressionMetrics } from '@fedgrid/ml';
import { runComponent, runComponentSettled, rng } from './harness.js';

const evalSpec = evaluation as ComponentSpec<unknown>;

let pool: CryptoPool;
beforeAll(() => {
  pool = new CryptoPool({ threads: 1 });
});
afterAll(async () => {
  await pool?.close();
});

interface CurvePoint {
  fpr: number;
  tpr: number;
  threshold: number | null;
  ks?: number;
}
interface Report {
  task: string;
  rows: number;
  metrics: Record<string, number>;
  curves: { roc: CurvePoint[]; ks: CurvePoint[] };
}

/** Labels and scores with informative signal; `decimals` rounds scores to create ties. */
function sample(
  seed: number,
  n: number,
  decimals?: number,
): { labels: Float64Array; scores: Float64Array } {
  const rand = rng(seed);
  const labels = Float64Array.from({ length: n }, () => (rand() < 0.4 ? 1 : 0));
  const scores = Float64Array.from(labels, (y) => {
    const s = Math.min(1, Math.max(0, 0.35 + 0.3 * y + (rand() - 0.5) * 0.8));
    return decimals === undefined ? s : Number(s.toFixed(decimals));
  });
  return { labels, scores };
}

async function evaluate(
  predictions: Predictions,
  params: Record<string, unknown> = {},
): Promise<Report> {
  const results = await runComponent(
    evalSpec,
    params,
    { guest: { predictions: { kind: 'predictions', predictions } } },
    { pool, hosts: 1 },
  );
  const out = results['guest']?.outputs['report'];
  expect(out?.kind).toBe('report');
  return (out as Extract<PortValue, { kind: 'report' }>).report as unknown as Report;
}

function predictionsOf(labels: Float64Array, scores: Float64Array): Predictions {
  return { ids: Array.from(labels, (_, i) => `r${i}`), scores, labels };
}

// ---- independent references ----

function pairAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  let num = 0;
  let pairs = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < labels.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      const a = scores[i] as number;
      const b = scores[j] as number;
      num += a > b ? 1 : a === b ? 0.5 : 0;
    }
  }
  return num / pairs;
}

/** TPR and FPR when predicting 1 for score ≥ t. */
function ratesAt(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  t: number,
): { tpr: number; fpr: number } {
  let tp = 0;
  let fp = 0;
  let p = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 1) p++;
    if ((scores[i] as number) >= t) {
      if (labels[i] === 1) tp++;
      else fp++;
    }
  }
  return { tpr: tp / p, fpr: fp / (labels.length - p) };
}

function plainMetrics(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  threshold: number,
): Record<string, number> {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  let ll = 0;
  for (let i = 0; i < labels.length; i++) {
    const s = scores[i] as number;
    const y = labels[i] as number;
    const pred = s >= threshold;
    if (pred && y === 1) tp++;
    else if (pred) fp++;
    else if (y === 1) fn++;
    else tn++;
    const p = Math.min(1 - 1e-15, Math.max(1e-15, s));
    ll -= y === 1 ? Math.log(p) : Math.log(1 - p);
  }
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  let ks = 0;
  for (const t of new Set(Array.from(scores))) {
    const r = ratesAt(labels, scores, t);
    ks = Math.max(ks, r.tpr - r.fpr);
  }
  return {
    auc: pairAuc(labels, scores),
    ks,
    accuracy: (tp + tn) / labels.length,
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    logloss: ll / labels.length,
  };
}

function expectMetricsClose(
  actual: Record<string, number>,
  expected: Record<string, number>,
): void {
  for (const k of ['auc', 'ks', 'accuracy', 'precision', 'recall', 'f1', 'logloss']) {
    expect(actual[k], k).toBeTypeOf('number');
    expect(
      Math.abs((actual[k] as number) - (expected[k] as number)),
      `${k}: ${actual[k]} vs ${expected[k]}`,
    ).toBeLessThanOrEqual(1e-12);
  }
}

/** Every curve point lies on the true ROC: its (fpr, tpr) are the rates at its threshold. */
function checkCurve(
  points: CurvePoint[],
  labels: Float64Array,
  scores: Float64Array,
  max: number,
): void {
  expect(points.length).toBeGreaterThanOrEqual(2);
  expect(points.length).toBeLessThanOrEqual(max);
  const first = points[0] as CurvePoint;
  const last = points[points.length - 1] as CurvePoint;
  expect([first.fpr, first.tpr]).toEqual([0, 0]);
  expect(first.threshold).toBeNull();
  expect([last.fpr, last.tpr]).toEqual([1, 1]);
  let prev = Infinity;
  for (const p of points.slice(1)) {
    expect(p.threshold).toBeTypeOf('number');
    const t = p.threshold as number;
    expect(t).toBeLessThan(prev);
    prev = t;
    const r = ratesAt(labels, scores, t);
    expect(p.tpr).toBeCloseTo(r.tpr, 12);
    expect(p.fpr).toBeCloseTo(r.fpr, 12);
    if (p.ks !== undefined) expect(p.ks).toBeCloseTo(p.tpr - p.fpr, 12);
  }
}

describe('evaluation', () => {
  it('metrics equal binaryMetrics and independent plaintext references (1000 distinct scores)', async () => {
    const { labels, scores } = sample(1, 1000);
    const report = await evaluate(predictionsOf(labels, scores));
    expect(report.task).toBe('binary');
    expect(report.rows).toBe(1000);
    const lib = binaryMetrics(labels, scores, 0.5) as unknown as Record<string, number>;
    expect(report.metrics).toEqual(lib);
    expectMetricsClose(report.metrics, plainMetrics(labels, scores, 0.5));
    expect(report.metrics['auc']).toBeGreaterThan(0.7);
  });

  it('tied scores: AUC counts ties as ½, curve points sit on the true ROC', async () => {
    const { labels, scores } = sample(2, 800, 2);
    expect(new Set(scores).size).toBeLessThan(120);
    const report = await evaluate(predictionsOf(labels, scores));
    expect(report.metrics).toEqual(binaryMetrics(labels, scores, 0.5));
    expectMetricsClose(report.metrics, plainMetrics(labels, scores, 0.5));
    // Fewer distinct scores than curvePoints: the whole curve, one point per distinct score + origin.
    expect(report.curves.roc.length).toBe(new Set(scores).size + 1);
    checkCurve(report.curves.roc, labels, scores, 200);
    checkCurve(report.curves.ks, labels, scores, 200);
  });

  it('threshold parameter changes the thresholded metrics accordingly', async () => {
    const { labels, scores } = sample(3, 500);
    const report = await evaluate(predictionsOf(labels, scores), { threshold: 0.3 });
    expect(report.metrics).toEqual(binaryMetrics(labels, scores, 0.3));
    expectMetricsClose(report.metrics, plainMetrics(labels, scores, 0.3));
    expect(report.metrics['accuracy']).not.toBe(plainMetrics(labels, scores, 0.5)['accuracy']);
  });

  it.each([200, 50, 10, 2])(
    'curves have at most curvePoints = %i points, each on the true ROC',
    async (curvePoints) => {
      const { labels, scores } = sample(4, 1500);
      const report = await evaluate(predictionsOf(labels, scores), { curvePoints });
      checkCurve(report.curves.roc, labels, scores, curvePoints);
      checkCurve(report.curves.ks, labels, scores, curvePoints);
      // With 1500 distinct scores the curves are downsampled to exactly curvePoints points.
      expect(report.curves.roc.length).toBe(curvePoints);
      // The KS statistic is the maximum gap over the full curve, not just the kept points.
      expect(report.metrics['ks']).toBeCloseTo(
        plainMetrics(labels, scores, 0.5)['ks'] as number,
        12,
      );
    },
  );

  it('the report is plain JSON (no Infinity thresholds)', async () => {
    const { labels, scores } = sample(5, 300);
    const report = await evaluate(predictionsOf(labels, scores));
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('labels −1/1 give the same metrics as 0/1', async () => {
    const { labels, scores } = sample(6, 400);
    const pm = Float64Array.from(labels, (y) => (y === 1 ? 1 : -1));
    const a = await evaluate(predictionsOf(labels, scores));
    const b = await evaluate(predictionsOf(pm, scores));
    expect(b.metrics).toEqual(a.metrics);
    expect(b.curves).toEqual(a.curves);
  });

  it('predictions without labels → LABELS_MISSING', async () => {
    const { scores } = sample(7, 10);
    const settled = await runComponentSettled(
      evalSpec,
      {},
      {
        guest: {
          predictions: {
            kind: 'predictions',
            predictions: { ids: Array.from(scores, (_, i) => `r${i}`), scores },
          },
        },
      },
      { pool, hosts: 1 },
    );
    const r = settled['guest'];
    expect(r?.status).toBe('rejected');
    const err = (r as PromiseRejectedResult).reason;
    expect(err).toBeInstanceOf(ComponentError);
    expect((err as ComponentError).code).toBe('LABELS_MISSING');
  });

  it('curvePoints below 2 is rejected by the parameter schema', async () => {
    const { labels, scores } = sample(8, 10);
    await expect(evaluate(predictionsOf(labels, scores), { curvePoints: 1 })).rejects.toThrow();
  });

  it('binary reports carry the lift/gain table of the scores', async () => {
    const { labels, scores } = sample(9, 500);
    const report = (await evaluate(predictionsOf(labels, scores), { liftBins: 5 })) as Report & {
      liftGain: unknown;
    };
    expect(report.liftGain).toEqual(liftGainTable(labels, scores, 5));
  });

  it('multiclass: accuracy and macro/micro averages of the predicted classes, and the confusion matrix', async () => {
    const rand = rng(10);
    const classes = [2, 5, 9];
    const n = 300;
    const labels = Float64Array.from({ length: n }, () => classes[Math.floor(rand() * 3)]!);
    // Right two times in three, otherwise a random class.
    const scores = Float64Array.from(labels, (y) =>
      rand() < 0.67 ? classes.indexOf(y) : Math.floor(rand() * 3),
    );
    const predicted = Array.from(scores, (k) => classes[k]!);
    const report = (await evaluate({
      ids: Array.from(labels, (_, i) => `r${i}`),
      task: 'multiclass',
      classes,
      scores,
      labels,
    })) as Report & { confusion: { classes: number[]; counts: number[][] } };
    expect(report.task).toBe('multiclass');
    expect(report.metrics).toEqual(multiclassMetrics(labels, predicted));
    expect(report.confusion.classes).toEqual(classes);
    const total = report.confusion.counts.flat().reduce((a, b) => a + b, 0);
    expect(total).toBe(n);
    let correct = 0;
    for (let i = 0; i < n; i++) correct += predicted[i] === labels[i] ? 1 : 0;
    expect(report.metrics['accuracy']).toBeCloseTo(correct / n, 12);
  });

  it('regression: mse, rmse, mae, r2, explained_variance of the predicted values', async () => {
    const rand = rng(11);
    const labels = Float64Array.from({ length: 200 }, () => rand() * 10);
    const scores = labels.map((y) => y + (rand() - 0.5));
    const report = await evaluate({
      ids: Array.from(labels, (_, i) => `r${i}`),
      task: 'regression',
      scores,
      labels,
    });
    expect(report.task).toBe('regression');
    expect(report.metrics).toEqual(regressionMetrics(labels, scores));
    let sse = 0;
    for (let i = 0; i < 200; i++) sse += (labels[i]! - scores[i]!) ** 2;
    expect(report.metrics['mse']).toBeCloseTo(sse / 200, 12);
  });

  it('binary labels other than 0/1 → LABELS_INVALID naming the row', async () => {
    await expect(
      evaluate({
        ids: ['a', 'b'],
        scores: Float64Array.of(0.2, 0.8),
        labels: Float64Array.of(0, 3),
      }),
    ).rejects.toMatchObject({ code: 'LABELS_INVALID', message: /row 1 \(id b\)/ });
  });
});
