/**
 * Binary and regression metrics against brute-force definitions: AUC as the fraction of
 * (positive, negative) pairs ordered correctly (ties ½), KS as max over thresholds of TPR − FPR,
 * the confusion matrix counted by hand, and the textbook regression formulas.
 */
import { describe, expect, it } from 'vitest';
import {
  auc,
  binaryMetrics,
  downsample,
  ks,
  ksCurve,
  logloss,
  regressionMetrics,
  rocCurve,
} from '@fedgrid/ml';

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Labels and scores with many ties (scores on a 0.05 grid), some signal, both classes. */
function data(seed: number, n: number, grid = 20): { y: number[]; s: number[] } {
  const next = prng(seed);
  const y: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = next() < 0.4 ? 1 : 0;
    const raw = Math.min(0.999, Math.max(0, 0.3 * label + 0.7 * next()));
    y.push(label);
    s.push(Math.round(raw * grid) / grid);
  }
  y[0] = 1;
  y[1] = 0;
  return { y, s };
}

function aucBrute(y: number[], s: number[]): number {
  let num = 0;
  let pairs = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 1) continue;
    for (let j = 0; j < y.length; j++) {
      if (y[j] !== 0) continue;
      pairs++;
      if (s[i]! > s[j]!) num += 1;
      else if (s[i] === s[j]) num += 0.5;
    }
  }
  return num / pairs;
}

/** TPR and FPR of the rule "score ≥ t predicts 1". */
function rates(y: number[], s: number[], t: number): { tpr: number; fpr: number } {
  let tp = 0;
  let fp = 0;
  let pos = 0;
  let neg = 0;
  y.forEach((label, i) => {
    const pred = s[i]! >= t;
    if (label === 1) {
      pos++;
      if (pred) tp++;
    } else {
      neg++;
      if (pred) fp++;
    }
  });
  return { tpr: tp / pos, fpr: fp / neg };
}

function ksBrute(y: number[], s: number[]): number {
  let best = 0; // threshold +∞: TPR = FPR = 0
  for (const t of new Set(s)) {
    const r = rates(y, s, t);
    best = Math.max(best, r.tpr - r.fpr);
  }
  return best;
}

describe('auc', () => {
  it.each([1, 2, 3, 4, 5])(
    'equals the brute-force pair count with ties counted ½ (seed %i)',
    (seed) => {
      const { y, s } = data(seed, 150 + seed * 37, seed === 5 ? 3 : 20);
      expect(auc(y, s)).toBeCloseTo(aucBrute(y, s), 12);
    },
  );

  it('hand-checked small cases', () => {
    expect(auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(0.75);
    expect(auc([1, 0], [0.9, 0.1])).toBe(1);
    expect(auc([1, 0], [0.1, 0.9])).toBe(0);
    expect(auc([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
    // positives .9, .3; negatives .3, .2, .95: .9 beats .3 and .2 (2); .3 beats .2 (1) and ties .3 (½)
    expect(auc([1, 1, 0, 0, 0], [0.9, 0.3, 0.3, 0.2, 0.95])).toBeCloseTo((2 + 1 + 0.5) / 6, 15);
  });

  it('is invariant under strictly increasing transforms of the scores', () => {
    const { y, s } = data(9, 200);
    expect(
      auc(
        y,
        s.map((v) => Math.exp(5 * v) - 3),
      ),
    ).toBeCloseTo(auc(y, s), 14);
    expect(
      auc(
        y,
        s.map((v) => -v),
      ),
    ).toBeCloseTo(1 - auc(y, s), 12);
  });

  it('is NaN when only one class is present', () => {
    expect(auc([1, 1, 1], [0.1, 0.5, 0.9])).toBeNaN();
    expect(auc([0, 0], [0.1, 0.5])).toBeNaN();
    expect(auc([], [])).toBeNaN();
  });
});

describe('rocCurve / ks', () => {
  it.each([1, 2, 3])(
    'ROC: starts at (0,0), ends at (1,1), monotone, one point per distinct score, each point = brute force (seed %i)',
    (seed) => {
      const { y, s } = data(seed, 120);
      const roc = rocCurve(y, s);
      expect(roc[0]).toEqual({ fpr: 0, tpr: 0, threshold: Infinity });
      expect(roc.at(-1)!.fpr).toBe(1);
      expect(roc.at(-1)!.tpr).toBe(1);
      expect(roc.length).toBe(new Set(s).size + 1);
      for (let k = 1; k < roc.length; k++) {
        const p = roc[k]!;
        const q = roc[k - 1]!;
        expect(p.fpr).toBeGreaterThanOrEqual(q.fpr);
        expect(p.tpr).toBeGreaterThanOrEqual(q.tpr);
        expect(p.threshold).toBeLessThan(q.threshold);
        const r = rates(y, s, p.threshold);
        expect(p.tpr).toBeCloseTo(r.tpr, 14);
        expect(p.fpr).toBeCloseTo(r.fpr, 14);
      }
      // the trapezoidal area under the curve is the AUC (ties contribute the diagonal: ½)
      let area = 0;
      for (let k = 1; k < roc.length; k++)
        area += ((roc[k]!.fpr - roc[k - 1]!.fpr) * (roc[k]!.tpr + roc[k - 1]!.tpr)) / 2;
      expect(area).toBeCloseTo(aucBrute(y, s), 12);
    },
  );

  it.each([1, 2, 3, 4])(
    'KS equals max over thresholds of TPR − FPR by brute force (seed %i)',
    (seed) => {
      const { y, s } = data(seed * 11, 180);
      expect(ks(y, s)).toBeCloseTo(ksBrute(y, s), 14);
      const curve = ksCurve(y, s);
      expect(Math.max(...curve.map((p) => p.ks))).toBeCloseTo(ks(y, s), 14);
      curve.forEach((p) => expect(p.ks).toBeCloseTo(p.tpr - p.fpr, 15));
    },
  );

  it('KS hand-checked: perfect separation is 1, identical scores 0', () => {
    expect(ks([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])).toBe(1);
    expect(ks([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])).toBe(0);
    // ≥ 0.5 predicts 1: TPR 1/2, FPR 0 → 0.5; ≥ 0.2: TPR 1, FPR 1/2 → 0.5
    expect(ks([1, 1, 0, 0], [0.5, 0.2, 0.2, 0.1])).toBe(0.5);
  });

  it('downsample keeps the first and last point and at most maxPoints', () => {
    const pts = Array.from({ length: 1000 }, (_, i) => i);
    const d = downsample(pts, 50);
    expect(d.length).toBe(50);
    expect(d[0]).toBe(0);
    expect(d.at(-1)).toBe(999);
    for (let k = 1; k < d.length; k++) expect(d[k]!).toBeGreaterThan(d[k - 1]!);
    expect(downsample(pts.slice(0, 10), 50)).toEqual(pts.slice(0, 10));
  });
});

describe('logloss', () => {
  it('equals −mean(y·log p + (1 − y)·log(1 − p)) with p clipped to [1e−15, 1 − 1e−15]', () => {
    const { y } = data(4, 100);
    const next = prng(44);
    const p = y.map(() => next());
    p[2] = 0;
    p[3] = 1;
    p[4] = 1e-20;
    let sum = 0;
    y.forEach((label, i) => {
      const q = Math.min(1 - 1e-15, Math.max(1e-15, p[i]!));
      sum += -(label * Math.log(q) + (1 - label) * Math.log(1 - q));
    });
    expect(logloss(y, p)).toBeCloseTo(sum / y.length, 12);
    expect(logloss([1, 0], [0.5, 0.5])).toBeCloseTo(Math.LN2, 15);
    expect(logloss([1], [0])).toBeCloseTo(-Math.log(1e-15), 10);
    expect(Number.isFinite(logloss([0], [1]))).toBe(true);
  });
});

describe('binaryMetrics', () => {
  it('precision / recall / f1 / accuracy from a hand-counted confusion matrix', () => {
    //        y: 1    1    1    0    0    0    0    1
    //   scores: .9   .6   .4   .7   .5   .2   .1   .5
    //  pred≥.5: 1    1    0    1    1    0    0    1   → TP 3, FN 1, FP 2, TN 2
    const y = [1, 1, 1, 0, 0, 0, 0, 1];
    const s = [0.9, 0.6, 0.4, 0.7, 0.5, 0.2, 0.1, 0.5];
    const m = binaryMetrics(y, s);
    expect(m.precision).toBeCloseTo(3 / 5, 15);
    expect(m.recall).toBeCloseTo(3 / 4, 15);
    expect(m.accuracy).toBeCloseTo(5 / 8, 15);
    expect(m.f1).toBeCloseTo((2 * (3 / 5) * (3 / 4)) / (3 / 5 + 3 / 4), 15);
    expect(m.auc).toBeCloseTo(aucBrute(y, s), 15);
    expect(m.ks).toBeCloseTo(ksBrute(y, s), 15);
    expect(m.logloss).toBeCloseTo(logloss(y, s), 15);
    // threshold 0.65: TP 1 (.9), FP 1 (.7), FN 3, TN 3
    const h = binaryMetrics(y, s, 0.65);
    expect(h.precision).toBeCloseTo(1 / 2, 15);
    expect(h.recall).toBeCloseTo(1 / 4, 15);
    expect(h.accuracy).toBeCloseTo(4 / 8, 15);
  });

  it('random data: against a confusion matrix counted in the test', () => {
    const { y, s } = data(77, 300);
    for (const t of [0.1, 0.35, 0.5, 0.8]) {
      let tp = 0;
      let fp = 0;
      let tn = 0;
      let fn = 0;
      y.forEach((label, i) => {
        const pred = s[i]! >= t;
        if (pred && label) tp++;
        else if (pred) fp++;
        else if (label) fn++;
        else tn++;
      });
      const m = binaryMetrics(y, s, t);
      const precision = tp / (tp + fp);
      const recall = tp / (tp + fn);
      expect(m.precision).toBeCloseTo(precision, 14);
      expect(m.recall).toBeCloseTo(recall, 14);
      expect(m.accuracy).toBeCloseTo((tp + tn) / y.length, 14);
      expect(m.f1).toBeCloseTo((2 * precision * recall) / (precision + recall), 14);
    }
  });

  it('precision / recall / f1 are 0 when undefined (nothing predicted positive)', () => {
    const m = binaryMetrics([1, 0, 1], [0.1, 0.2, 0.3]);
    expect(m.precision).toBe(0);
    expect(m.recall).toBe(0);
    expect(m.f1).toBe(0);
    expect(m.accuracy).toBeCloseTo(1 / 3, 15);
  });

  it('bad labels and mismatched lengths throw RangeError', () => {
    for (const bad of [2, -1, 0.5, NaN]) {
      const y = [0, 1, bad];
      const s = [0.1, 0.2, 0.3];
      expect(() => auc(y, s)).toThrow(RangeError);
      expect(() => rocCurve(y, s)).toThrow(RangeError);
      expect(() => ks(y, s)).toThrow(RangeError);
      expect(() => logloss(y, s)).toThrow(RangeError);
      expect(() => binaryMetrics(y, s)).toThrow(RangeError);
    }
    expect(() => auc([0, 1], [0.5])).toThrow(RangeError);
    expect(() => binaryMetrics([0, 1, 1], [0.5, 0.2])).toThrow(RangeError);
  });
});

describe('regressionMetrics', () => {
  it('mse / rmse / mae / r2 / explained variance against the formulas', () => {
    const next = prng(5);
    const y = Array.from({ length: 50 }, () => next() * 10 - 3);
    const pred = y.map((v) => v + (next() - 0.3) * 2); // biased errors: r2 ≠ explained variance
    const n = y.length;
    const mean = y.reduce((a, b) => a + b, 0) / n;
    const e = y.map((v, i) => v - pred[i]!);
    const eMean = e.reduce((a, b) => a + b, 0) / n;
    const mse = e.reduce((a, b) => a + b * b, 0) / n;
    const varY = y.reduce((a, v) => a + (v - mean) ** 2, 0) / n;
    const varE = e.reduce((a, v) => a + (v - eMean) ** 2, 0) / n;
    const m = regressionMetrics(y, pred);
    expect(m.mse).toBeCloseTo(mse, 12);
    expect(m.rmse).toBeCloseTo(Math.sqrt(mse), 12);
    expect(m.mae).toBeCloseTo(e.reduce((a, b) => a + Math.abs(b), 0) / n, 12);
    expect(m.r2).toBeCloseTo(1 - mse / varY, 12);
    expect(m.explained_variance).toBeCloseTo(1 - varE / varY, 12);
    expect(m.explained_variance).toBeGreaterThan(m.r2);
  });

  it('hand-checked: y = [1, 2, 3], pred = [2, 2, 2]', () => {
    const m = regressionMetrics([1, 2, 3], [2, 2, 2]);
    expect(m.mse).toBeCloseTo(2 / 3, 15);
    expect(m.mae).toBeCloseTo(2 / 3, 15);
    expect(m.r2).toBeCloseTo(0, 15);
    expect(m.explained_variance).toBeCloseTo(0, 15);
    const perfect = regressionMetrics([1, 2, 3], [1, 2, 3]);
    expect(perfect.mse).toBe(0);
    expect(perfect.r2).toBe(1);
  });

  it('r2 is NaN for constant targets; empty or mismatched inputs throw RangeError', () => {
    expect(regressionMetrics([2, 2, 2], [1, 2, 3]).r2).toBeNaN();
    expect(() => regressionMetrics([], [])).toThrow(RangeError);
    expect(() => regressionMetrics([1, 2], [1])).toThrow(RangeError);
  });
});
