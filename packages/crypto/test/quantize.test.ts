/**
 * quantizeColumns: per-column power-of-two scales turning a real matrix into signed integer
 * exponents with |exp| < 2^bits and a reconstruction error of at most 2^−bits relative to the
 * column's largest magnitude (so the precision does not depend on the feature's units).
 */
import { describe, expect, it } from 'vitest';
import { quantizeColumns } from '@fedgrid/crypto';

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

/** v · 2^k, exactly (two power-of-two steps, so that 2^k itself never overflows a double). */
function scaleBy(v: number, k: number): number {
  const h = Math.trunc(k / 2);
  return v * 2 ** h * 2 ** (k - h);
}

/**
 * Checks the contract on every column: |exp| ≤ 2^bits − 1; |exp·2^−f − x| ≤ M·2^−bits (M the
 * column's largest magnitude; the small extra factor covers the clamp at 2^bits − 1); and the
 * largest magnitude really uses the available bits.
 */
function checkColumns(x: Float64Array, rows: number, cols: number, bits: number): void {
  const { exps, fracBits } = quantizeColumns(x, rows, cols, bits);
  expect(exps).toBeInstanceOf(Int32Array);
  expect(exps.length).toBe(rows * cols);
  expect(fracBits.length).toBe(cols);
  const limit = 2 ** bits - 1;
  for (let j = 0; j < cols; j++) {
    const f = fracBits[j]!;
    expect(Number.isInteger(f)).toBe(true);
    let M = 0;
    let maxExp = 0;
    for (let i = 0; i < rows; i++) M = Math.max(M, Math.abs(x[i * cols + j]!));
    // In units of 2^−f (x·2^f stays a finite double where exp·2^−f might not, e.g. 2^1024).
    const tol = scaleBy(M, f) * 2 ** -bits * (1 + 2 ** (1 - bits));
    for (let i = 0; i < rows; i++) {
      const e = exps[i * cols + j]!;
      const v = x[i * cols + j]!;
      expect(Math.abs(e), `bits=${bits} col=${j} x=${v}`).toBeLessThanOrEqual(limit);
      maxExp = Math.max(maxExp, Math.abs(e));
      const scaled = scaleBy(v, f);
      expect(Number.isFinite(scaled)).toBe(true);
      expect(
        Math.abs(e - scaled),
        `bits=${bits} col=${j} x=${v} exp=${e} f=${f}`,
      ).toBeLessThanOrEqual(tol);
      if (v === 0) expect(e).toBe(0);
      if (v !== 0 && e !== 0) expect(Math.sign(e)).toBe(Math.sign(v));
    }
    if (M > 0) expect(maxExp, `bits=${bits} col=${j}`).toBeGreaterThanOrEqual(2 ** (bits - 1) - 1);
  }
}

/** rows × cols with columns of very different units and signs. */
function mixedMatrix(seed: number, rows: number): { x: Float64Array; cols: number } {
  const next = prng(seed);
  const scales = [1e-6, 1, 1e6, 3.7e-3, 12345.678];
  const cols = scales.length + 2;
  const x = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    scales.forEach((s, j) => (x[i * cols + j] = (next() - 0.5) * 2 * s));
    x[i * cols + scales.length] = -next() * 50; // all negative
    x[i * cols + scales.length + 1] = Math.floor(next() * 9) - 4; // small integers
  }
  return { x, cols };
}

describe('quantizeColumns', () => {
  it.each([1, 2, 4, 8, 16, 24, 30])(
    'bits = %i: |exp| < 2^bits and per-column relative error ≤ 2^−bits',
    (bits) => {
      const rows = 64;
      const { x, cols } = mixedMatrix(bits, rows);
      checkColumns(x, rows, cols, bits);
    },
  );

  it('defaults to 24 bits', () => {
    const rows = 10;
    const { x, cols } = mixedMatrix(99, rows);
    const a = quantizeColumns(x, rows, cols);
    const b = quantizeColumns(x, rows, cols, 24);
    expect(a.exps).toEqual(b.exps);
    expect(a.fracBits).toEqual(b.fracBits);
    checkColumns(x, rows, cols, 24);
  });

  it('quantises exactly representable values exactly (hand-checked)', () => {
    // column 0: max 1 → 7 fractional bits at 8 bits; column 1: max 96 → 1 fractional bit
    const x = new Float64Array([1, 96, -1, -0.5, 0.5, 3, 0.25, 0]);
    const { exps, fracBits } = quantizeColumns(x, 4, 2, 8);
    expect(Array.from(fracBits)).toEqual([7, 1]);
    expect(Array.from(exps)).toEqual([128, 192, -128, -1, 64, 6, 32, 0]);
  });

  it('columns are scaled independently: scaling one column by 2^k shifts only its fracBits by −k', () => {
    const rows = 20;
    const { x, cols } = mixedMatrix(7, rows);
    const base = quantizeColumns(x, rows, cols, 20);
    for (const k of [-30, -1, 3, 40]) {
      const y = x.slice();
      for (let i = 0; i < rows; i++) y[i * cols + 2] = scaleBy(y[i * cols + 2]!, k);
      const q = quantizeColumns(y, rows, cols, 20);
      expect(q.exps).toEqual(base.exps);
      for (let j = 0; j < cols; j++)
        expect(q.fracBits[j]).toBe(base.fracBits[j]! - (j === 2 ? k : 0));
    }
  });

  it('an all-zero column quantises to zeros and leaves the other columns alone', () => {
    const rows = 8;
    const { x, cols } = mixedMatrix(8, rows);
    const y = x.slice();
    for (let i = 0; i < rows; i++) y[i * cols + 1] = i % 2 ? 0 : -0;
    const q = quantizeColumns(y, rows, cols, 16);
    const base = quantizeColumns(x, rows, cols, 16);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        if (j === 1) expect(q.exps[i * cols + j]).toBe(0);
        else expect(q.exps[i * cols + j]).toBe(base.exps[i * cols + j]);
      }
    }
    expect(Number.isInteger(q.fracBits[1])).toBe(true);
    checkColumns(y, rows, cols, 16);
  });

  it('handles zero rows', () => {
    const q = quantizeColumns(new Float64Array(0), 0, 3, 10);
    expect(q.exps.length).toBe(0);
    expect(q.fracBits.length).toBe(3);
  });

  it('columns whose largest magnitude is just below / at a power of two', () => {
    const below = 2 ** 20 * (1 - 2 ** -53);
    const x = new Float64Array([below, 2 ** 20, 2 ** 20 - 1, -(2 ** -5), -below / 3, 2 ** 19 + 1]);
    for (const bits of [1, 8, 24, 30]) checkColumns(x, 3, 2, bits);
  });

  it('huge magnitudes (column max near the largest double)', () => {
    const x = new Float64Array([1e300, 1.7976931348623157e308, -2.5e299, -1e308, 3e290, 0]);
    checkColumns(x, 3, 2, 24);
  });

  it('tiny (normal) magnitudes: a column whose largest value is 1e−305', () => {
    // The scale 2^f needed here is 2^1037, beyond the largest double (2^1023 · 1.99…), but the
    // scaled values themselves (≈ 1.4e7, 3.6e6, −7.2e6) fit easily in 24 bits.
    const x = new Float64Array([1e-305, 2.5e-306, -5e-306]);
    checkColumns(x, 3, 1, 24);
  });

  it('rejects NaN / ±Infinity entries, bad bits and a wrong shape with RangeError', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      expect(() => quantizeColumns(new Float64Array([1, 2, bad, 4]), 2, 2)).toThrow(RangeError);
    }
    for (const bits of [0, 31, 2.5, -1, NaN]) {
      expect(() => quantizeColumns(new Float64Array([1]), 1, 1, bits)).toThrow(RangeError);
    }
    expect(() => quantizeColumns(new Float64Array(5), 2, 3)).toThrow(RangeError);
  });
});
