import { describe, expect, it } from 'vitest';
import {
  applyStandardization,
  DEFAULT_LR_PARAMS,
  divergence,
  DivergedError,
  fitStandardization,
  LINEAR,
  matVec,
  trainGlm,
  unstandardizeWeights,
  type Matrix,
} from '../src/index.js';

const x: Matrix = { rows: 4, cols: 2, data: Float64Array.from([1, 100, 2, 300, 3, 100, 4, 300]) };

describe('per-column standardisation', () => {
  it('mean and population std per column; a constant column keeps scale 1', () => {
    const s = fitStandardization(x);
    expect(Array.from(s.mean)).toEqual([2.5, 200]);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(1.25), 12);
    expect(s.std[1]).toBe(100);
    const c = fitStandardization({ rows: 3, cols: 1, data: Float64Array.from([7, 7, 7]) });
    expect(Array.from(c.std)).toEqual([1]);
    expect(
      Array.from(
        applyStandardization({ rows: 3, cols: 1, data: Float64Array.from([7, 7, 7]) }, c).data,
      ),
    ).toEqual([0, 0, 0]);
  });

  it('weights in original units with the intercept share give the same scores', () => {
    const s = fitStandardization(x);
    const w = Float64Array.from([0.7, -1.3]);
    const { weights, interceptShare } = unstandardizeWeights(w, s);
    const zStd = matVec(applyStandardization(x, s), w, 0.2);
    const zRaw = matVec(x, weights, 0.2 + interceptShare);
    zStd.forEach((v, i) => expect(zRaw[i]).toBeCloseTo(v, 10));
  });

  it('without centring (no intercept) the share is 0', () => {
    const s = fitStandardization(x, false);
    expect(Array.from(s.mean)).toEqual([0, 0]);
    expect(unstandardizeWeights([1, 1], s).interceptShare).toBe(0);
  });
});

describe('divergence', () => {
  it('flags a non-finite loss, a loss 50% above its best, and a steady climb', () => {
    expect(divergence([0.6, 0.5, NaN])).toMatch(/NaN/);
    expect(divergence([0.37, 0.5, 12.3])).toMatch(/rose from 0.3700 to 12.3000/);
    expect(divergence([1, 0.9, 0.95, 0.97, 1.0, 1.01, 1.02])).toMatch(/last 5 epochs/);
  });

  it('tolerates mini-batch noise and slow convergence', () => {
    expect(divergence([0.7, 0.5, 0.45, 0.46, 0.449, 0.452])).toBeUndefined();
    expect(divergence([1, 0.9, 0.91, 0.92, 0.93, 0.94, 0.95])).toBeUndefined(); // < 10% above best
  });
});

describe('trainGlm on raw columns of very different scales', () => {
  // y = 3·a − 0.002·b + 7 with a ~ 1…10 and b ~ 10⁴…10⁵.
  const rows = 200;
  const data = new Float64Array(rows * 2);
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const a = 1 + ((i * 37) % 10);
    const b = 1e4 + ((i * 7919) % 90_000);
    data[2 * i] = a;
    data[2 * i + 1] = b;
    y[i] = 3 * a - 0.002 * b + 7;
  }
  const raw: Matrix = { rows, cols: 2, data };
  const p = { ...DEFAULT_LR_PARAMS, penalty: 'none' as const, maxIter: 200, tol: 1e-12 };

  it('diverges without standardisation, and says so instead of returning a model', () => {
    expect(() => trainGlm(raw, y, p, LINEAR)).toThrow(DivergedError);
  });

  it('recovers the coefficients in original units with standardisation', () => {
    const t = trainGlm(raw, y, { ...p, standardize: true }, LINEAR);
    expect(t.model.weights[0]).toBeCloseTo(3, 3);
    expect(t.model.weights[1]).toBeCloseTo(-0.002, 6);
    expect(t.model.intercept).toBeCloseTo(7, 2);
  });
});
