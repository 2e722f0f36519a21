/**
 * The GLM families: linear regression converges to the least-squares solution, Poisson
 * regression recovers the coefficients of data drawn from its own model, residuals are the
 * derivatives of the losses, and logistic training is unchanged by the refactoring into GLMs.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LR_PARAMS,
  LINEAR,
  LOGISTIC,
  POISSON,
  SeededRandom,
  TAYLOR_LOGISTIC,
  predictGlm,
  trainGlm,
  trainLogisticRegression,
  type LogisticRegressionParams,
  type Matrix,
} from '@fedgrid/ml';

const full = (p: Partial<LogisticRegressionParams>): LogisticRegressionParams => ({
  ...DEFAULT_LR_PARAMS,
  batchSize: -1,
  penalty: 'none',
  earlyStop: 'none',
  ...p,
});

function design(rng: SeededRandom, rows: number, cols: number): Matrix {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rng.next() * 2 - 1;
  return { rows, cols, data };
}

/** Solves the normal equations [X 1]ᵀ[X 1]β = [X 1]ᵀy by Gauss–Jordan elimination. */
function leastSquares(x: Matrix, y: Float64Array): Float64Array {
  const k = x.cols + 1;
  const a = Array.from({ length: k }, () => new Float64Array(k + 1));
  for (let i = 0; i < x.rows; i++) {
    const row = [...x.data.subarray(i * x.cols, (i + 1) * x.cols), 1];
    for (let r = 0; r < k; r++) {
      for (let c = 0; c < k; c++) a[r]![c]! += row[r]! * row[c]!;
      a[r]![k]! += row[r]! * y[i]!;
    }
  }
  for (let c = 0; c < k; c++) {
    const piv = a[c]![c]!;
    for (let j = c; j <= k; j++) a[c]![j]! /= piv;
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = a[r]![c]!;
      for (let j = c; j <= k; j++) a[r]![j]! -= f * a[c]![j]!;
    }
  }
  return Float64Array.from(a, (row) => row[k]!);
}

describe('families', () => {
  it('residual is ∂loss/∂z (central differences) for every family', () => {
    for (const f of [LOGISTIC, TAYLOR_LOGISTIC, LINEAR, POISSON]) {
      for (const [z, y] of [
        [-1.3, 0],
        [0.4, 1],
        [2.1, 3],
      ] as const) {
        if ((f === LOGISTIC || f === TAYLOR_LOGISTIC) && y > 1) continue;
        const h = 1e-6;
        const num = (f.loss(z + h, y) - f.loss(z - h, y)) / (2 * h);
        expect(f.residual(z, y)).toBeCloseTo(num, 6);
      }
    }
  });
});

describe('linear regression', () => {
  it('full-batch gradient descent reaches the least-squares solution', () => {
    const rng = new SeededRandom(7);
    const x = design(rng, 400, 3);
    const y = new Float64Array(400);
    for (let i = 0; i < 400; i++)
      y[i] =
        1.5 * x.data[i * 3]! -
        2 * x.data[i * 3 + 1]! +
        0.3 * x.data[i * 3 + 2]! +
        0.7 +
        (rng.next() - 0.5) * 0.2;
    const ols = leastSquares(x, y);
    const r = trainGlm(x, y, full({ maxIter: 3000, learningRate: 0.5 }), LINEAR);
    for (let j = 0; j < 3; j++) expect(r.model.weights[j]).toBeCloseTo(ols[j]!, 4);
    expect(r.model.intercept).toBeCloseTo(ols[3]!, 4);
    // The loss decreases and predictions are the linear predictor.
    expect(r.lossHistory[r.lossHistory.length - 1]!).toBeLessThan(r.lossHistory[0]!);
    const p = predictGlm(r.model, x, LINEAR);
    expect(p[5]).toBeCloseTo(
      r.model.weights[0]! * x.data[15]! +
        r.model.weights[1]! * x.data[16]! +
        r.model.weights[2]! * x.data[17]! +
        r.model.intercept,
      10,
    );
  });
});

describe('Poisson regression', () => {
  it('recovers the coefficients of counts drawn from its own model, with an exposure offset', () => {
    const rng = new SeededRandom(11);
    const n = 4000;
    const x = design(rng, n, 2);
    const offset = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      offset[i] = Math.log(1 + Math.floor(rng.next() * 3)); // exposure 1, 2 or 3
      const mu = Math.exp(0.8 * x.data[i * 2]! - 0.5 * x.data[i * 2 + 1]! + 0.4 + offset[i]!);
      // Knuth's Poisson sampler.
      let k = 0;
      let p = 1;
      const l = Math.exp(-mu);
      for (;;) {
        p *= rng.next();
        if (p <= l) break;
        k++;
      }
      y[i] = k;
    }
    const r = trainGlm(x, y, full({ maxIter: 800, learningRate: 0.1 }), POISSON, { offset });
    expect(r.model.weights[0]).toBeCloseTo(0.8, 1);
    expect(r.model.weights[1]).toBeCloseTo(-0.5, 1);
    expect(r.model.intercept).toBeCloseTo(0.4, 1);
    const mean = predictGlm(r.model, x, POISSON, offset);
    expect(mean.every((m) => m > 0)).toBe(true);
  });

  it('refuses offsets of the wrong length', () => {
    const x: Matrix = { rows: 2, cols: 1, data: Float64Array.of(1, 2) };
    expect(() =>
      trainGlm(x, Float64Array.of(1, 2), full({}), POISSON, { offset: Float64Array.of(0) }),
    ).toThrow(/1 offsets for 2 rows/);
  });
});

describe('logistic regression through the GLM path', () => {
  it('equals a hand-written first step of full-batch gradient descent', () => {
    const x: Matrix = { rows: 2, cols: 1, data: Float64Array.of(1, -2) };
    const y = Float64Array.of(1, 0);
    const r = trainLogisticRegression(x, y, full({ maxIter: 1, learningRate: 1 }));
    // w = b = 0: σ(0) = ½, residuals −½ and ½; g_w = (−½·1 + ½·(−2))/2 = −0.75, g_b = 0.
    expect(r.model.weights[0]).toBeCloseTo(0.75, 12);
    expect(r.model.intercept).toBeCloseTo(0, 12);
  });
});
