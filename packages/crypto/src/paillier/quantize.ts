import { scaleByPow2 } from './fixed-point.js';

/**
 * Column-wise quantisation of a real matrix into signed integer exponents for encrypted inner
 * products (Xᵀ·[[d]]). Each column gets its own power-of-two scale so that its largest
 * magnitude uses `bits` bits: the relative precision is 2^−bits per column regardless of the
 * feature's units.
 */

export interface QuantizedColumns {
  /** rows × columns integers, row-major. */
  readonly exps: Int32Array;
  /** Per column: the number of fractional bits (may be negative for huge values). */
  readonly fracBits: Int32Array;
}

/**
 * @param x rows × columns, row-major.
 * @param bits magnitude bits per entry, 1–30 (default 24): |exps| < 2^bits.
 * @throws RangeError on NaN/∞ entries or a bad `bits`.
 */
export function quantizeColumns(
  x: Float64Array,
  rows: number,
  columns: number,
  bits = 24,
): QuantizedColumns {
  if (!Number.isInteger(bits) || bits < 1 || bits > 30) {
    throw new RangeError(`quantisation bits must be in [1, 30], got ${bits}`);
  }
  if (x.length !== rows * columns) throw new RangeError(`matrix must be ${rows} × ${columns}`);
  const fracBits = new Int32Array(columns);
  for (let j = 0; j < columns; j++) {
    let maxAbs = 0;
    for (let i = 0; i < rows; i++) {
      const v = x[i * columns + j] as number;
      if (!Number.isFinite(v)) throw new RangeError(`entry (${i}, ${j}) is ${v}`);
      const a = Math.abs(v);
      if (a > maxAbs) maxAbs = a;
    }
    // max·2^f < 2^bits with f = bits − 1 − ⌊log2 max⌋; an all-zero column keeps f = bits.
    fracBits[j] = maxAbs === 0 ? bits : bits - 1 - Math.floor(Math.log2(maxAbs));
  }
  const exps = new Int32Array(rows * columns);
  const limit = 2 ** bits - 1;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < columns; j++) {
      // scaleByPow2: fracBits may exceed 1023 for columns of tiny values (2^f alone overflows).
      const q = Math.round(scaleByPow2(x[i * columns + j] as number, fracBits[j] as number));
      exps[i * columns + j] = Math.max(-limit, Math.min(limit, q));
    }
  }
  return { exps, fracBits };
}
