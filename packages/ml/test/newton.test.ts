/**
 * Optimizer 'newton' (block-diagonal Newton): the SPD inverse is an inverse; with every column
 * in one block (the plaintext twin) one step reaches the ridge solution; split into per-party
 * blocks that each see only their own columns' Gram matrix, the damped steps reach the same
 * solution with a loss that never rises, on raw columns of very different scales and strongly
 * correlated across the blocks; and the rule refuses what it cannot do (L1, Poisson).
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LR_PARAMS,
  LINEAR,
  Optimizer,
  POISSON,
  SeededRandom,
  invertSpd,
  matrix,
  trainGlm,
  type LogisticRegressionParams,
  type Matrix,
} from '@fedgrid/ml';

const newton = (p: Partial<LogisticRegressionParams> = {}): LogisticRegressionParams => ({
  ...DEFAULT_LR_PARAMS,
  optimizer: 'newton',
  batchSize: -1,
  earlyStop: 'none',
  ...p,
});

/** rows × 5 columns: two correlated pairs split across "parties", scales 1 to 1e4. */
function data(rows: number): { x: Matrix; y: Float64Array } {
  const rng = new SeededRandom(7);
  // Box–Muller from the seeded uniform generator.
  const normal = () =>
    Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const x = matrix(rows, 5);
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const a = normal();
    const b = normal();
    const row = [a, 1e4 * (a + 0.3 * normal()), b, 100 * (b + 0.2 * normal()), normal()];
    x.data.set(row, i * 5);
    y[i] = 3 * a - 2 * b + 0.5 * (row[4] as number) + 0.1 * normal() + 4;
  }
  return { x, y };
}

/** The ridge solution of ½·mean((Xw + b − y)²) + α/2·|w|² by Gaussian elimination (columns as given). */
function ridge(x: Matrix, y: Float64Array, alpha: number): Float64Array {
  const d = x.cols + 1;
  const a = new Float64Array(d * (d + 1));
  const add = (k: number, v: number) => (a[k] = (a[k] as number) + v);
  for (let i = 0; i < x.rows; i++) {
    const r = [...x.data.subarray(i * x.cols, (i + 1) * x.cols), 1];
    for (let p = 0; p < d; p++) {
      for (let q = 0; q < d; q++)
        add(p * (d + 1) + q, ((r[p] as number) * (r[q] as number)) / x.rows);
      add(p * (d + 1) + d, ((r[p] as number) * (y[i] as number)) / x.rows);
    }
  }
  for (let p = 0; p < d - 1; p++) add(p * (d + 1) + p, alpha);
  for (let c = 0; c < d; c++) {
    for (let r = c + 1; r < d; r++) {
      const f = (a[r * (d + 1) + c] as number) / (a[c * (d + 1) + c] as number);
      for (let k = c; k <= d; k++) add(r * (d + 1) + k, -f * (a[c * (d + 1) + k] as number));
    }
  }
  const w = new Float64Array(d);
  for (let r = d - 1; r >= 0; r--) {
    let s = a[r * (d + 1) + d] as number;
    for (let k = r + 1; k < d; k++) s -= (a[r * (d + 1) + k] as number) * (w[k] as number);
    w[r] = s / (a[r * (d + 1) + r] as number);
  }
  return w;
}

/** Standardised copy of `x` (what each party trains on). */
function standardised(x: Matrix): Matrix {
  const out = matrix(x.rows, x.cols);
  for (let c = 0; c < x.cols; c++) {
    let m = 0;
    for (let i = 0; i < x.rows; i++) m += x.data[i * x.cols + c] as number;
    m /= x.rows;
    let v = 0;
    for (let i = 0; i < x.rows; i++) v += ((x.data[i * x.cols + c] as number) - m) ** 2;
    const sd = Math.sqrt(v / x.rows);
    for (let i = 0; i < x.rows; i++)
      out.data[i * x.cols + c] = ((x.data[i * x.cols + c] as number) - m) / sd;
  }
  return out;
}

function columns(x: Matrix, cols: number[]): Matrix {
  const out = matrix(x.rows, cols.length);
  for (let i = 0; i < x.rows; i++)
    cols.forEach((c, k) => (out.data[i * cols.length + k] = x.data[i * x.cols + c] as number));
  return out;
}

describe("optimizer 'newton'", () => {
  it('invertSpd inverts a symmetric positive definite matrix and refuses a singular one', () => {
    const a = Float64Array.from([4, 2, 0.6, 2, 5, 1, 0.6, 1, 3]);
    const inv = invertSpd(a, 3);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += (a[i * 3 + k] as number) * (inv[k * 3 + j] as number);
        expect(s).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    expect(() => invertSpd(Float64Array.from([1, 1, 1, 1]), 2)).toThrow(/singular at coordinate 1/);
  });

  it('with every column in one block (the plaintext twin), the first step is the ridge solution', () => {
    const { x, y } = data(400);
    const z = standardised(x);
    const t = trainGlm(z, y, newton({ maxIter: 1, alpha: 0.01 }), LINEAR);
    const exact = ridge(z, y, 0.01);
    t.model.weights.forEach((w, j) => expect(w).toBeCloseTo(exact[j] as number, 9));
    expect(t.model.intercept).toBeCloseTo(exact[5] as number, 9);
  });

  it('per-party blocks (own Gram matrix only) reach the ridge solution, the loss never rising', () => {
    const { x, y } = data(400);
    const z = standardised(x);
    const alpha = 0.01;
    const exact = ridge(z, y, alpha);
    // Three parties: the guest (columns 0, 2 and the intercept), two hosts (1, 3) and (4): each
    // correlated column sits with a different party than its partner (correlation ≈ 0.96: block
    // Jacobi then contracts slowly, about 1 % per step, but surely).
    const blocks = [
      { cols: [0, 2], intercept: true },
      { cols: [1, 3], intercept: false },
      { cols: [4], intercept: false },
    ];
    const p = newton({ alpha });
    const parts = blocks.map((b) => {
      const xb = columns(z, b.cols);
      const size = b.cols.length + (b.intercept ? 1 : 0);
      const opt = new Optimizer(p, size, b.cols.length);
      opt.precondition(xb, { curvature: 1, intercept: b.intercept, parties: blocks.length });
      return { ...b, xb, opt, w: new Float64Array(size) };
    });
    const losses: number[] = [];
    for (let epoch = 0; epoch < 1500; epoch++) {
      const r = new Float64Array(z.rows);
      for (let i = 0; i < z.rows; i++) {
        let s = -(y[i] as number);
        for (const q of parts) {
          q.cols.forEach(
            (_, k) => (s += (q.xb.data[i * q.cols.length + k] as number) * (q.w[k] as number)),
          );
          if (q.intercept) s += q.w[q.cols.length] as number;
        }
        r[i] = s;
      }
      let loss = r.reduce((a, v) => a + 0.5 * v * v, 0) / z.rows;
      for (const q of parts) loss += q.opt.penaltyLoss(q.w);
      losses.push(loss);
      for (const q of parts) {
        const g = new Float64Array(q.w.length);
        for (let i = 0; i < z.rows; i++) {
          q.cols.forEach(
            (_, k) =>
              (g[k] =
                (g[k] as number) +
                ((q.xb.data[i * q.cols.length + k] as number) * (r[i] as number)) / z.rows),
          );
          if (q.intercept)
            g[q.cols.length] = (g[q.cols.length] as number) + (r[i] as number) / z.rows;
        }
        q.opt.step(q.w, g, 0.15);
      }
    }
    for (let t = 1; t < losses.length; t++)
      expect(losses[t] as number).toBeLessThanOrEqual((losses[t - 1] as number) * (1 + 1e-12));
    const w = [parts[0]!.w[0], parts[1]!.w[0], parts[0]!.w[1], parts[1]!.w[1], parts[2]!.w[0]];
    w.forEach((v, j) => expect(v).toBeCloseTo(exact[j] as number, 4));
    expect(parts[0]!.w[2]).toBeCloseTo(exact[5] as number, 6);
  });

  it('refuses the L1 penalty and the Poisson loss with the rule to use instead', () => {
    const { x, y } = data(50);
    const z = standardised(x);
    expect(() => trainGlm(z, y, newton({ penalty: 'l1' }), LINEAR)).toThrow(
      /penalty 'l2' or 'none'.*'sgd'/,
    );
    expect(() => trainGlm(z, y.map(Math.abs), newton(), POISSON)).toThrow(
      /bounded curvature.*'adam'/,
    );
  });
});
