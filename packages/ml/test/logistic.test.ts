/**
 * Plaintext logistic regression and its parts (schedule, optimisers, PRNG, matrix helpers),
 * checked by hand-computed steps and by a small full-batch reference trainer written here from
 * the documented update rules.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LR_PARAMS,
  Optimizer,
  SeededRandom,
  epochBatches,
  hstack,
  learningRateAt,
  logisticLoss,
  matTVec,
  matVec,
  matrix,
  predictProba,
  selectEntries,
  selectFrameRows,
  selectRows,
  shouldStop,
  sigmoid,
  taylorLoss,
  trainLogisticRegression,
  type LogisticRegressionParams,
  type Matrix,
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

function params(p: Partial<LogisticRegressionParams>): LogisticRegressionParams {
  return { ...DEFAULT_LR_PARAMS, ...p };
}

const sig = (z: number) => 1 / (1 + Math.exp(-z));

/** A noisy linear problem: y = [x·β + b + noise > 0]. */
function problem(seed: number, rows: number, cols: number): { x: Matrix; y: Float64Array } {
  const next = prng(seed);
  const beta = Array.from({ length: cols }, (_, j) => (j % 2 ? -1 : 1) * (0.5 + j * 0.3));
  const data = new Float64Array(rows * cols);
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let z = 0.2;
    for (let j = 0; j < cols; j++) {
      const v = (next() - 0.5) * 4;
      data[i * cols + j] = v;
      z += v * beta[j]!;
    }
    y[i] = z + (next() - 0.5) * 2 > 0 ? 1 : 0;
  }
  return { x: { rows, cols, data }, y };
}

/**
 * Reference SGD trainer from the documented rules: per batch, z = Xw + b; d = σ(z) − y (or its
 * Taylor form z/4 + 1/2 − y); g = Xᵀd / |batch| (+ αw for L2), intercept gradient mean(d), never
 * penalised; L1 by soft-thresholding after the step. Epoch loss = mean data loss + penalty at the
 * start of each batch (weighted by batch size).
 */
function referenceTrain(x: Matrix, y: Float64Array, p: LogisticRegressionParams, taylor: boolean) {
  const cols = x.cols;
  let w = new Array<number>(cols).fill(0);
  let b = 0;
  const losses: number[] = [];
  for (let t = 0; t < p.maxIter; t++) {
    const lr = p.learningRate / (p.decaySqrt ? Math.sqrt(1 + p.decay * t) : 1 + p.decay * t);
    let lossSum = 0;
    for (const batch of epochBatches(x.rows, p.batchSize, p.seed, t)) {
      const idx = Array.from(batch);
      const pen =
        p.penalty === 'l2'
          ? 0.5 * p.alpha * w.reduce((a, v) => a + v * v, 0)
          : p.penalty === 'l1'
            ? p.alpha * w.reduce((a, v) => a + Math.abs(v), 0)
            : 0;
      const g = new Array<number>(cols).fill(0);
      let gb = 0;
      for (const i of idx) {
        let z = p.fitIntercept ? b : 0;
        for (let j = 0; j < cols; j++) z += x.data[i * cols + j]! * w[j]!;
        const yi = y[i]!;
        const d = taylor ? z / 4 + 0.5 - yi : sig(z) - yi;
        lossSum += taylor
          ? Math.log(2) - 0.5 * (2 * yi - 1) * z + (z * z) / 8
          : Math.log(1 + Math.exp(-(2 * yi - 1) * z));
        for (let j = 0; j < cols; j++) g[j] = g[j]! + (x.data[i * cols + j]! * d) / idx.length;
        gb += d / idx.length;
      }
      lossSum += pen * idx.length;
      w = w.map((wj, j) => {
        const step = wj - lr * (g[j]! + (p.penalty === 'l2' ? p.alpha * wj : 0));
        return p.penalty === 'l1'
          ? Math.sign(step) * Math.max(0, Math.abs(step) - lr * p.alpha)
          : step;
      });
      if (p.fitIntercept) b -= lr * gb;
    }
    losses.push(lossSum / x.rows);
  }
  return { w, b, losses };
}

describe('trainLogisticRegression', () => {
  it('reaches accuracy 1 on a linearly separable toy set', () => {
    const next = prng(1);
    const rows = 40;
    const data = new Float64Array(rows * 2);
    const y = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      const label = i % 2;
      y[i] = label;
      data[i * 2] = (label ? 1 : -1) * (1 + next() * 2); // margin of 2 around 0
      data[i * 2 + 1] = (next() - 0.5) * 3; // noise feature
    }
    const x = matrix(rows, 2, data);
    const res = trainLogisticRegression(
      x,
      y,
      params({ maxIter: 100, batchSize: 8, learningRate: 0.5, penalty: 'none', earlyStop: 'none' }),
    );
    const p = predictProba(res.model, x);
    let correct = 0;
    for (let i = 0; i < rows; i++) if ((p[i]! >= 0.5 ? 1 : 0) === y[i]) correct++;
    expect(correct).toBe(rows);
    expect(res.model.weights[0]!).toBeGreaterThan(0);
    expect(res.epochs).toBe(100);
    expect(res.lossHistory.length).toBe(100);
    expect(res.lossHistory.at(-1)!).toBeLessThan(res.lossHistory[0]!);
  });

  it('taylor: one step by hand on 3 rows (gradient 0.25z + 0.5 − y), then a second step', () => {
    const x = matrix(3, 2, new Float64Array([1, 2, -1, 0.5, 0.5, -1]));
    const y = new Float64Array([1, 0, 1]);
    const base = {
      batchSize: 0,
      learningRate: 0.1,
      penalty: 'none',
      earlyStop: 'none',
      optimizer: 'sgd',
    } as const;
    // Step 1 from w = 0: z = 0, d = 0.5 − y = (−½, ½, −½);
    // g = (1/3)·Xᵀd = (1/3)·(−½ − ½ − ¼, −1 + ¼ + ½) = (−5/12, −1/12); g_b = −1/6.
    // w₁ = −0.1·g = (1/24, 1/120); b₁ = 1/60.
    const one = trainLogisticRegression(x, y, params({ ...base, maxIter: 1 }), { taylor: true });
    expect(one.model.weights[0]).toBeCloseTo(1 / 24, 15);
    expect(one.model.weights[1]).toBeCloseTo(1 / 120, 15);
    expect(one.model.intercept).toBeCloseTo(1 / 60, 15);
    expect(one.lossHistory).toHaveLength(1);
    expect(one.lossHistory[0]).toBeCloseTo(Math.LN2, 15); // Taylor loss at z = 0
    // Step 2: z = Xw₁ + b₁ = (0.075, −1/48, 7/240)
    const z = [
      1 / 24 + 2 / 120 + 1 / 60,
      -1 / 24 + 0.5 / 120 + 1 / 60,
      0.5 / 24 - 1 / 120 + 1 / 60,
    ];
    expect(z[0]).toBeCloseTo(0.075, 15);
    const d = z.map((zi, i) => 0.25 * zi + 0.5 - y[i]!);
    const g0 = (1 * d[0]! - 1 * d[1]! + 0.5 * d[2]!) / 3;
    const g1 = (2 * d[0]! + 0.5 * d[1]! - 1 * d[2]!) / 3;
    const gb = (d[0]! + d[1]! + d[2]!) / 3;
    const two = trainLogisticRegression(x, y, params({ ...base, maxIter: 2 }), { taylor: true });
    expect(two.model.weights[0]).toBeCloseTo(1 / 24 - 0.1 * g0, 15);
    expect(two.model.weights[1]).toBeCloseTo(1 / 120 - 0.1 * g1, 15);
    expect(two.model.intercept).toBeCloseTo(1 / 60 - 0.1 * gb, 15);
    const tl = (zi: number, yi: number) => Math.LN2 - 0.5 * (2 * yi - 1) * zi + (zi * zi) / 8;
    expect(two.lossHistory[1]).toBeCloseTo((tl(z[0]!, 1) + tl(z[1]!, 0) + tl(z[2]!, 1)) / 3, 15);
    // The exact loss takes the same first step (σ(0) = ½) but a different second one.
    const exact = trainLogisticRegression(x, y, params({ ...base, maxIter: 2 }));
    const de = z.map((zi, i) => sig(zi) - y[i]!);
    expect(exact.model.weights[0]).toBeCloseTo(
      1 / 24 - (0.1 * (de[0]! - de[1]! + 0.5 * de[2]!)) / 3,
      15,
    );
    expect(exact.model.weights[0]).not.toBe(two.model.weights[0]);
  });

  describe.each(['l2', 'l1', 'none'] as const)('penalty %s', (penalty) => {
    it.each([
      [true, true],
      [true, false],
      [false, true],
      [false, false],
    ])(
      'taylor=%s, intercept=%s: matches the reference trainer (full batch and mini-batches)',
      (taylor, fitIntercept) => {
        const { x, y } = problem(3, 60, 4);
        for (const batchSize of [0, 16]) {
          const p = params({
            penalty,
            alpha: 0.05,
            fitIntercept,
            batchSize,
            maxIter: 6,
            learningRate: 0.3,
            decay: 0.5,
            earlyStop: 'none',
            seed: 9,
          });
          const got = trainLogisticRegression(x, y, p, { taylor });
          const ref = referenceTrain(x, y, p, taylor);
          got.model.weights.forEach((v, j) =>
            expect(v, `w${j} batch ${batchSize}`).toBeCloseTo(ref.w[j]!, 12),
          );
          expect(got.model.intercept).toBeCloseTo(fitIntercept ? ref.b : 0, 12);
          if (!fitIntercept) expect(got.model.intercept).toBe(0);
          got.lossHistory.forEach((l, t) => expect(l, `loss ${t}`).toBeCloseTo(ref.losses[t]!, 12));
        }
      },
    );
  });

  it('L1 zeroes an irrelevant feature; L2 shrinks the weights', () => {
    const next = prng(4);
    const rows = 200;
    const data = new Float64Array(rows * 2);
    const y = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      data[i * 2] = (next() - 0.5) * 4;
      data[i * 2 + 1] = (next() - 0.5) * 4; // unrelated to y
      y[i] = data[i * 2]! + (next() - 0.5) > 0 ? 1 : 0;
    }
    const x = matrix(rows, 2, data);
    const common = { maxIter: 60, batchSize: 0, learningRate: 0.5, earlyStop: 'none' } as const;
    const l1 = trainLogisticRegression(x, y, params({ ...common, penalty: 'l1', alpha: 0.2 }));
    expect(Math.abs(l1.model.weights[1]!)).toBe(0); // exactly zero (possibly −0)
    expect(l1.model.weights[0]!).toBeGreaterThan(0);
    const none = trainLogisticRegression(x, y, params({ ...common, penalty: 'none' }));
    const l2 = trainLogisticRegression(x, y, params({ ...common, penalty: 'l2', alpha: 0.5 }));
    expect(none.model.weights[1]).not.toBe(0);
    expect(Math.abs(l2.model.weights[0]!)).toBeLessThan(0.5 * Math.abs(none.model.weights[0]!));
  });

  it.each(['l1', 'l2'] as const)('the intercept is never penalised (%s)', (penalty) => {
    // Rows come in adjacent pairs (x, −x) with the same label: from w = 0 the feature gradient
    // Σ x_i·d_i is exactly 0, so the weights stay 0 and only the intercept moves, towards
    // logit(0.8). A penalty on the intercept would change its trajectory.
    const next = prng(8);
    const rows = 100;
    const data = new Float64Array(rows * 2);
    const y = new Float64Array(rows);
    for (let i = 0; i < rows; i += 2) {
      const a = (next() - 0.5) * 4;
      const b = (next() - 0.5) * 4;
      data.set([a, b, -a, -b], i * 2);
      y[i] = y[i + 1] = (i / 2) % 5 === 0 ? 0 : 1;
    }
    const x = matrix(rows, 2, data);
    const common = { maxIter: 200, batchSize: 0, learningRate: 0.5, earlyStop: 'none' } as const;
    const pen = trainLogisticRegression(x, y, params({ ...common, penalty, alpha: 1 }));
    const free = trainLogisticRegression(x, y, params({ ...common, penalty: 'none' }));
    expect(Array.from(pen.model.weights, Math.abs)).toEqual([0, 0]);
    expect(pen.model.intercept).toBe(free.model.intercept);
    expect(pen.model.intercept).toBeCloseTo(Math.log(0.8 / 0.2), 2);
  });

  it("early stop 'diff' stops at the first epoch whose loss changed by less than tol", () => {
    const { x, y } = problem(5, 80, 3);
    const tol = 2e-3;
    const res = trainLogisticRegression(
      x,
      y,
      params({ earlyStop: 'diff', tol, maxIter: 500, batchSize: 0, learningRate: 0.2 }),
    );
    expect(res.converged).toBe(true);
    expect(res.epochs).toBe(res.lossHistory.length);
    const L = res.lossHistory;
    expect(L.length).toBeGreaterThanOrEqual(2);
    expect(Math.abs(L.at(-1)! - L.at(-2)!)).toBeLessThan(tol);
    for (let t = 1; t < L.length - 1; t++)
      expect(Math.abs(L[t]! - L[t - 1]!)).toBeGreaterThanOrEqual(tol);
    // the history is a prefix of an unstopped run's
    const full = trainLogisticRegression(
      x,
      y,
      params({ earlyStop: 'none', maxIter: L.length + 3, batchSize: 0, learningRate: 0.2 }),
    );
    expect(full.converged).toBe(false);
    expect(full.epochs).toBe(L.length + 3);
    L.forEach((l, t) => expect(full.lossHistory[t]).toBe(l));
    // a huge tolerance stops after the second epoch (the first has nothing to compare with)
    const quick = trainLogisticRegression(
      x,
      y,
      params({ earlyStop: 'diff', tol: 1e9, maxIter: 50 }),
    );
    expect(quick.epochs).toBe(2);
    expect(quick.converged).toBe(true);
    // 'abs' compares the loss itself
    const abs = trainLogisticRegression(x, y, params({ earlyStop: 'abs', tol: 1e9, maxIter: 50 }));
    expect(abs.epochs).toBe(1);
    const never = trainLogisticRegression(x, y, params({ earlyStop: 'diff', tol: 0, maxIter: 7 }));
    expect(never.converged).toBe(false);
    expect(never.epochs).toBe(7);
  });

  it('learningRateAt and shouldStop follow their definitions', () => {
    const p = params({ learningRate: 0.3, decay: 0.5 });
    expect(learningRateAt(p, 0)).toBeCloseTo(0.3, 15);
    expect(learningRateAt(p, 4)).toBeCloseTo(0.3 / 3, 15);
    expect(learningRateAt({ ...p, decaySqrt: true }, 6)).toBeCloseTo(0.3 / 2, 15);
    expect(shouldStop(params({ earlyStop: 'diff', tol: 0.1 }), 1, undefined)).toBe(false);
    expect(shouldStop(params({ earlyStop: 'diff', tol: 0.1 }), 1, 1.05)).toBe(true);
    expect(shouldStop(params({ earlyStop: 'diff', tol: 0.1 }), 1, 1.2)).toBe(false);
    expect(shouldStop(params({ earlyStop: 'abs', tol: 0.1 }), 0.05, undefined)).toBe(true);
    expect(shouldStop(params({ earlyStop: 'none', tol: 1e9 }), 0, 0)).toBe(false);
  });

  it('rejects a label vector of the wrong length', () => {
    const { x } = problem(6, 10, 2);
    expect(() => trainLogisticRegression(x, new Float64Array(9), DEFAULT_LR_PARAMS)).toThrow(
      RangeError,
    );
  });

  it('sigmoid, logisticLoss, taylorLoss and predictProba against their formulas, stably at large |z|', () => {
    for (const z of [-30, -2.5, -1e-3, 0, 0.7, 12]) {
      expect(sigmoid(z)).toBeCloseTo(1 / (1 + Math.exp(-z)), 14);
      for (const yv of [0, 1]) {
        expect(logisticLoss(z, yv)).toBeCloseTo(Math.log(1 + Math.exp(-(2 * yv - 1) * z)), 12);
        expect(taylorLoss(z, yv)).toBeCloseTo(Math.LN2 - ((2 * yv - 1) * z) / 2 + (z * z) / 8, 12);
      }
    }
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(1000)).toBe(1);
    expect(logisticLoss(1000, 0)).toBeCloseTo(1000, 10);
    expect(logisticLoss(-1000, 0)).toBe(0);
    expect(logisticLoss(-800, 1)).toBeCloseTo(800, 10);
    const x = matrix(2, 2, new Float64Array([1, 2, -3, 0.5]));
    const p = predictProba({ weights: new Float64Array([0.4, -0.2]), intercept: 0.1 }, x);
    expect(p[0]).toBeCloseTo(sig(0.4 - 0.4 + 0.1), 15);
    expect(p[1]).toBeCloseTo(sig(-1.2 - 0.1 + 0.1), 15);
  });
});

describe('epochBatches', () => {
  it('is deterministic in (seed, epoch) and differs across epochs and seeds', () => {
    const a = epochBatches(100, 7, 42, 3).map((b) => Array.from(b));
    expect(epochBatches(100, 7, 42, 3).map((b) => Array.from(b))).toEqual(a);
    expect(epochBatches(100, 7, 42, 4).map((b) => Array.from(b))).not.toEqual(a);
    expect(epochBatches(100, 7, 43, 3).map((b) => Array.from(b))).not.toEqual(a);
  });

  it('each epoch is a permutation covering every row once, cut into batches; the last is shorter', () => {
    for (const [rows, size] of [
      [103, 10],
      [100, 10],
      [5, 2],
      [64, 63],
    ] as const) {
      for (let epoch = 0; epoch < 4; epoch++) {
        const batches = epochBatches(rows, size, 7, epoch);
        expect(batches.length).toBe(Math.ceil(rows / size));
        batches.slice(0, -1).forEach((b) => expect(b.length).toBe(size));
        expect(batches.at(-1)!.length).toBe(rows - size * (batches.length - 1));
        const all = batches.flatMap((b) => Array.from(b));
        expect([...all].sort((p, q) => p - q)).toEqual(Array.from({ length: rows }, (_, i) => i));
        if (rows > 10) expect(all).not.toEqual(Array.from({ length: rows }, (_, i) => i)); // shuffled
      }
    }
  });

  it('batchSize ≤ 0 (or ≥ rows) gives one batch of all rows in order', () => {
    const inOrder = Array.from({ length: 12 }, (_, i) => i);
    for (const size of [0, -1, -512, 12, 100]) {
      const b = epochBatches(12, size, 1, 5);
      expect(b.length).toBe(1);
      expect(Array.from(b[0]!)).toEqual(inOrder);
    }
  });
});

describe('Optimizer', () => {
  const w0 = () => new Float64Array([0.5, -1.5, 2.0]); // last coordinate: an unpenalised intercept
  const g1 = new Float64Array([0.2, -0.4, 0.1]);
  const g2 = new Float64Array([-0.3, 0.05, 0.6]);

  it('sgd: w − lr·g, plus αw for L2 on penalised coordinates only', () => {
    const w = w0();
    new Optimizer(params({ optimizer: 'sgd', penalty: 'none' }), 3, 2).step(w, g1, 0.1);
    [0.48, -1.46, 1.99].forEach((v, i) => expect(w[i]).toBeCloseTo(v, 15));
    const w2 = w0();
    new Optimizer(params({ optimizer: 'sgd', penalty: 'l2', alpha: 0.5 }), 3, 2).step(w2, g1, 0.1);
    [0.5 - 0.1 * (0.2 + 0.25), -1.5 - 0.1 * (-0.4 - 0.75), 2.0 - 0.1 * 0.1].forEach((v, i) =>
      expect(w2[i]).toBeCloseTo(v, 15),
    );
  });

  it('sgd + L1: gradient step, then soft-threshold by lr·α (not the intercept)', () => {
    const w = new Float64Array([0.5, -0.01, 2.0]);
    new Optimizer(params({ optimizer: 'sgd', penalty: 'l1', alpha: 1 }), 3, 2).step(w, g1, 0.1);
    // 0.5 − 0.02 = 0.48 → 0.38; −0.01 + 0.04 = 0.03 → 0 (|0.03| < 0.1); intercept 2 − 0.01
    expect(w[0]).toBeCloseTo(0.38, 15);
    expect(Math.abs(w[1]!)).toBe(0);
    expect(w[2]).toBeCloseTo(1.99, 15);
  });

  it('rmsprop: v = 0.99v + 0.01g²; w −= lr·g/(√v + 1e−6), two steps', () => {
    const w = w0();
    const opt = new Optimizer(params({ optimizer: 'rmsprop', penalty: 'none' }), 3);
    const v = [0, 0, 0];
    const want = Array.from(w0());
    for (const g of [g1, g2]) {
      opt.step(w, g, 0.01);
      g.forEach((gj, j) => {
        v[j] = 0.99 * v[j]! + 0.01 * gj * gj;
        want[j] = want[j]! - (0.01 * gj) / (Math.sqrt(v[j]!) + 1e-6);
      });
    }
    want.forEach((x, j) => expect(w[j]).toBeCloseTo(x, 14));
    // first step alone is ≈ lr·sign(g)·10
    const w1 = w0();
    new Optimizer(params({ optimizer: 'rmsprop', penalty: 'none' }), 3).step(w1, g1, 0.01);
    expect(w1[0]).toBeCloseTo(0.5 - 0.1, 3);
  });

  it('adam: bias-corrected moments (β1 0.9, β2 0.999, ε 1e−8), two steps; L1 as a subgradient', () => {
    const w = w0();
    const opt = new Optimizer(params({ optimizer: 'adam', penalty: 'none' }), 3);
    opt.step(w, g1, 0.05);
    // step 1: m̂ = g, v̂ = g² → w −= lr·g/(|g| + 1e−8) ≈ lr·sign(g)
    g1.forEach((gj, j) =>
      expect(w[j]).toBeCloseTo(w0()[j]! - (0.05 * gj) / (Math.abs(gj) + 1e-8), 14),
    );
    opt.step(w, g2, 0.05);
    g1.forEach((gj, j) => {
      const hj = g2[j]!;
      const m = 0.9 * 0.1 * gj + 0.1 * hj;
      const v = 0.999 * 0.001 * gj * gj + 0.001 * hj * hj;
      const mh = m / (1 - 0.9 ** 2);
      const vh = v / (1 - 0.999 ** 2);
      const after1 = w0()[j]! - (0.05 * gj) / (Math.abs(gj) + 1e-8);
      expect(w[j]).toBeCloseTo(after1 - (0.05 * mh) / (Math.sqrt(vh) + 1e-8), 13);
    });
    // L1 with adam: g + α·sign(w) on penalised coordinates
    const wl = w0();
    new Optimizer(params({ optimizer: 'adam', penalty: 'l1', alpha: 0.3 }), 3, 2).step(
      wl,
      g1,
      0.05,
    );
    const ge = [0.2 + 0.3, -0.4 - 0.3, 0.1];
    ge.forEach((gj, j) =>
      expect(wl[j]).toBeCloseTo(w0()[j]! - (0.05 * gj) / (Math.abs(gj) + 1e-8), 14),
    );
  });

  it('penaltyLoss: ½α‖w‖² (L2), α‖w‖₁ (L1), 0 (none), over penalised coordinates only', () => {
    const w = w0();
    expect(new Optimizer(params({ penalty: 'l2', alpha: 0.2 }), 3, 2).penaltyLoss(w)).toBeCloseTo(
      0.5 * 0.2 * (0.25 + 2.25),
      15,
    );
    expect(new Optimizer(params({ penalty: 'l1', alpha: 0.2 }), 3, 2).penaltyLoss(w)).toBeCloseTo(
      0.2 * 2,
      15,
    );
    expect(new Optimizer(params({ penalty: 'none', alpha: 0.2 }), 3, 2).penaltyLoss(w)).toBe(0);
    expect(new Optimizer(params({ penalty: 'l1', alpha: 0.2 }), 3).penaltyLoss(w)).toBeCloseTo(
      0.2 * 4,
      15,
    );
  });

  it('does not modify the gradient it is given', () => {
    const g = Float64Array.from(g1);
    new Optimizer(params({ optimizer: 'adam', penalty: 'l2', alpha: 1 }), 3).step(w0(), g, 0.1);
    expect(Array.from(g)).toEqual(Array.from(g1));
  });
});

describe('SeededRandom', () => {
  /** xoshiro128** (Blackman & Vigna) in BigInt, from the reference C code. */
  function xoshiroRef(state: [number, number, number, number], count: number): number[] {
    const M = 0xffffffffn;
    const s = state.map((v) => BigInt(v >>> 0));
    const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M;
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      out.push(Number((rotl((s[1]! * 5n) & M, 7n) * 9n) & M));
      const t = (s[1]! << 9n) & M;
      s[2] = s[2]! ^ s[0]!;
      s[3] = s[3]! ^ s[1]!;
      s[1] = s[1]! ^ s[2]!;
      s[0] = s[0]! ^ s[3]!;
      s[2] = s[2]! ^ t;
      s[3] = rotl(s[3]!, 11n);
    }
    return out;
  }

  it('is xoshiro128**: from state (1, 2, 3, 4) it gives 11520, 0, 5927040 (by hand) and the BigInt reference', () => {
    const r = new SeededRandom(0);
    Object.assign(r as unknown as Record<string, number>, { s0: 1, s1: 2, s2: 3, s3: 4 });
    const got = Array.from({ length: 1000 }, () => r.nextUint32());
    expect(got.slice(0, 3)).toEqual([11520, 0, 5927040]);
    expect(got).toEqual(xoshiroRef([1, 2, 3, 4], 1000));
    // and from an arbitrary state with high bits set
    const r2 = new SeededRandom(0);
    const st: [number, number, number, number] = [0xdeadbeef, 0x80000001, 0x7fffffff, 0xffffffff];
    Object.assign(r2 as unknown as Record<string, number>, {
      s0: st[0],
      s1: st[1],
      s2: st[2],
      s3: st[3],
    });
    expect(Array.from({ length: 200 }, () => r2.nextUint32())).toEqual(xoshiroRef(st, 200));
  });

  it('is reproducible per seed and differs between seeds', () => {
    const seq = (seed: number) => {
      const r = new SeededRandom(seed);
      return Array.from({ length: 50 }, () => r.nextUint32());
    };
    expect(seq(42)).toEqual(seq(42));
    expect(seq(42)).not.toEqual(seq(43));
  });

  it('next() in [0, 1), nextInt(n) in [0, n) and about uniform, permutation(n) a permutation', () => {
    const r = new SeededRandom(7);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60_000; i++) {
      const u = r.next();
      expect(u >= 0 && u < 1).toBe(true);
      const k = r.nextInt(6);
      expect(Number.isInteger(k) && k >= 0 && k < 6).toBe(true);
      counts[k] = counts[k]! + 1;
    }
    counts.forEach((c) => expect(Math.abs(c - 10_000)).toBeLessThan(500)); // > 5σ
    for (const n of [0, 1, 2, 17, 1000]) {
      const p = Array.from(r.permutation(n));
      expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
  });
});

describe('matrix helpers', () => {
  const next = prng(31);
  const rows = 7;
  const cols = 4;
  const A = matrix(
    rows,
    cols,
    Float64Array.from({ length: rows * cols }, () => next() * 10 - 5),
  );
  const at = (m: Matrix, i: number, j: number) => m.data[i * m.cols + j]!;

  it('matVec (with bias) and matTVec equal explicit loops', () => {
    const w = Float64Array.from({ length: cols }, () => next() - 0.5);
    const v = Float64Array.from({ length: rows }, () => next() - 0.5);
    const xw = matVec(A, w, 0.25);
    const xtv = matTVec(A, v);
    for (let i = 0; i < rows; i++) {
      let s = 0.25;
      for (let j = 0; j < cols; j++) s += at(A, i, j) * w[j]!;
      expect(xw[i]).toBeCloseTo(s, 13);
    }
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let i = 0; i < rows; i++) s += at(A, i, j) * v[i]!;
      expect(xtv[j]).toBeCloseTo(s, 13);
    }
    expect(matVec(A, w)[0]).toBeCloseTo(xw[0]! - 0.25, 13);
    expect(() => matVec(A, new Float64Array(cols + 1))).toThrow(RangeError);
    expect(() => matTVec(A, new Float64Array(rows - 1))).toThrow(RangeError);
  });

  it('selectRows / selectEntries pick rows in the given order (repeats allowed); hstack joins columns', () => {
    const idx = [6, 0, 3, 3];
    const S = selectRows(A, idx);
    expect(S.rows).toBe(4);
    expect(S.cols).toBe(cols);
    idx.forEach((r, k) => {
      for (let j = 0; j < cols; j++) expect(at(S, k, j)).toBe(at(A, r, j));
    });
    const v = Float64Array.from({ length: rows }, (_, i) => i * 1.5);
    expect(Array.from(selectEntries(v, idx))).toEqual(idx.map((i) => i * 1.5));
    const B = matrix(
      rows,
      2,
      Float64Array.from({ length: rows * 2 }, (_, k) => -k),
    );
    const H = hstack(A, B);
    expect(H.cols).toBe(cols + 2);
    expect(H.rows).toBe(rows);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) expect(at(H, i, j)).toBe(at(A, i, j));
      for (let j = 0; j < 2; j++) expect(at(H, i, cols + j)).toBe(at(B, i, j));
    }
    expect(() => hstack(A, matrix(rows + 1, 1))).toThrow(RangeError);
    expect(() => matrix(2, 3, new Float64Array(5))).toThrow(RangeError);
    expect(matrix(2, 3).data).toEqual(new Float64Array(6));
  });

  it('selectFrameRows keeps ids, rows and labels aligned', () => {
    const frame = {
      ids: ['a', 'b', 'c'],
      x: matrix(3, 2, new Float64Array([1, 2, 3, 4, 5, 6])),
      featureNames: ['f1', 'f2'],
      labels: new Float64Array([0, 1, 1]),
      labelName: 'y',
    };
    const f = selectFrameRows(frame, [2, 0]);
    expect(f.ids).toEqual(['c', 'a']);
    expect(Array.from(f.x.data)).toEqual([5, 6, 1, 2]);
    expect(Array.from(f.labels!)).toEqual([1, 0]);
    expect(f.labelName).toBe('y');
    expect(f.featureNames).toEqual(['f1', 'f2']);
    const unlabelled = selectFrameRows(
      { ids: frame.ids, x: frame.x, featureNames: frame.featureNames },
      [1],
    );
    expect(unlabelled.labels).toBeUndefined();
  });
});
