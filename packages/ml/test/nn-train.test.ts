/**
 * The tfjs MLP learns: small separable problems (binary, 3 classes) reach ≥ 95 % training
 * accuracy and a smooth non-linear regression R² > 0.9; FedProx (Li et al. 2020) with a large μ
 * keeps the local weights at the global ones, and μ = 0 equals no proximal term.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom, createMlp, initMlpBackend, matrix, mlpParameterCount } from '@fedgrid/ml';
import type { Matrix } from '@fedgrid/ml';

beforeAll(async () => {
  await initMlpBackend();
});

/** Standard normal by Box–Muller. */
function gauss(r: SeededRandom): number {
  return Math.sqrt(-2 * Math.log(1 - r.next())) * Math.cos(2 * Math.PI * r.next());
}

function accuracy(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let hit = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) hit++;
  return hit / y.length;
}

function norm(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

/** 300 rows, 4 features in [−1, 1], label 1 iff a quadratic boundary is crossed (not linear). */
function binaryProblem(): { x: Matrix; y: Float64Array } {
  const r = new SeededRandom(21);
  const n = 300;
  const d = new Float64Array(n * 4);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 4; j++) d[i * 4 + j] = 2 * r.next() - 1;
    const [a, b] = [d[i * 4]!, d[i * 4 + 1]!];
    y[i] = a * a + b * b < 0.45 ? 1 : 0;
  }
  return { x: matrix(n, 4, d), y };
}

/** 300 rows, 3 well-separated Gaussian blobs in 3 dimensions. */
function threeClassProblem(): { x: Matrix; y: Float64Array } {
  const r = new SeededRandom(5);
  const centres = [
    [2, 0, 0],
    [-1, 1.7, 0],
    [-1, -1.7, 0.5],
  ];
  const n = 300;
  const d = new Float64Array(n * 3);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % 3;
    y[i] = k;
    for (let j = 0; j < 3; j++) d[i * 3 + j] = centres[k]![j]! + 0.5 * gauss(r);
  }
  return { x: matrix(n, 3, d), y };
}

describe('fit', () => {
  it('binary: loss falls and training accuracy ≥ 0.95', async () => {
    const { x, y } = binaryProblem();
    const m = createMlp({ hidden: [16, 8], task: 'binary' }, 4, 1);
    const { loss } = await m.fit(x, y, {
      epochs: 60,
      batchSize: 32,
      learningRate: 0.02,
      optimizer: 'adam',
    });
    expect(loss.length).toBe(60);
    expect(loss.at(-1)!).toBeLessThan(loss[0]! / 3);
    const pred = Array.from(m.predict(x), (p) => (p > 0.5 ? 1 : 0));
    expect(accuracy(pred, y)).toBeGreaterThanOrEqual(0.95);
    m.dispose();
  });

  it('3 classes: training accuracy ≥ 0.95 with plain SGD', async () => {
    const { x, y } = threeClassProblem();
    const m = createMlp({ hidden: [8], task: 'multiclass', classes: 3 }, 3, 2);
    const { loss } = await m.fit(x, y, { epochs: 20, batchSize: 16, learningRate: 0.1 });
    expect(loss.at(-1)!).toBeLessThan(loss[0]!);
    const p = m.predict(x);
    const pred = Array.from({ length: x.rows }, (_, i) => {
      const row = Array.from(p.subarray(i * 3, i * 3 + 3));
      return row.indexOf(Math.max(...row));
    });
    expect(accuracy(pred, y)).toBeGreaterThanOrEqual(0.95);
    m.dispose();
  });

  it('regression: R² > 0.9 on y = sin(2·x₁) + x₂²', async () => {
    const r = new SeededRandom(8);
    const n = 300;
    const d = new Float64Array(n * 2);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      d[i * 2] = 2 * r.next() - 1;
      d[i * 2 + 1] = 2 * r.next() - 1;
      y[i] = Math.sin(2 * d[i * 2]!) + d[i * 2 + 1]! ** 2;
    }
    const x = matrix(n, 2, d);
    const m = createMlp({ hidden: [32, 16], task: 'regression', activation: 'tanh' }, 2, 3);
    await m.fit(x, y, { epochs: 80, batchSize: 32, learningRate: 0.01, optimizer: 'adam' });
    const p = m.predict(x);
    const mean = y.reduce((s, v) => s + v, 0) / n;
    let ssRes = 0;
    let ssTot = 0;
    for (let i = 0; i < n; i++) {
      ssRes += (y[i]! - p[i]!) ** 2;
      ssTot += (y[i]! - mean) ** 2;
    }
    expect(1 - ssRes / ssTot).toBeGreaterThan(0.9);
    m.dispose();
  });
});

describe('FedProx proximal term', () => {
  const { x, y } = threeClassProblem();
  const spec = { hidden: [8], task: 'multiclass' as const, classes: 3 };
  const opts = { epochs: 3, batchSize: 16, learningRate: 0.01 };

  it('with a huge μ keeps the local weights at the global ones', async () => {
    // As in a round, local training starts from the global weights.
    const global = createMlp(spec, 3, 77);
    const g = global.getWeights();
    global.dispose();
    const free = createMlp(spec, 3, 77);
    const prox = createMlp(spec, 3, 77);
    await free.fit(x, y, opts);
    // lr·μ = 1: each SGD step lands on w_global − lr·∇F(w).
    await prox.fit(x, y, { ...opts, proximal: { mu: 100, global: g } });
    const drift = norm(free.getWeights(), g);
    expect(drift).toBeGreaterThan(0.2);
    expect(norm(prox.getWeights(), g)).toBeLessThan(drift / 20);
    free.dispose();
    prox.dispose();
  });

  it('pulls towards the global weights more as μ grows', async () => {
    const g = new Float64Array(mlpParameterCount(spec, 3)); // the origin
    const dist = async (mu: number) => {
      const m = createMlp(spec, 3, 4);
      await m.fit(x, y, { ...opts, epochs: 5, learningRate: 0.05, proximal: { mu, global: g } });
      const d = norm(m.getWeights(), g);
      m.dispose();
      return d;
    };
    const [d0, d1, d2] = [await dist(0), await dist(1), await dist(10)];
    expect(d1).toBeLessThan(d0);
    expect(d2).toBeLessThan(d1);
  });

  it('with μ = 0 trains exactly as without the term', async () => {
    const a = createMlp(spec, 3, 6);
    const b = createMlp(spec, 3, 6);
    const ra = await a.fit(x, y, opts);
    const rb = await b.fit(x, y, { ...opts, proximal: { mu: 0, global: b.getWeights() } });
    expect(rb.loss).toEqual(ra.loss);
    expect(b.getWeights()).toEqual(a.getWeights());
    a.dispose();
    b.dispose();
  });
});
