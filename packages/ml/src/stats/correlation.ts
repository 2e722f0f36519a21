/**
 * Pearson correlation through standardised columns: with z = (x − x̄)/σ (σ the population
 * standard deviation), r(a, b) = Σᵢ z_a,i·z_b,i / n. This is the form the federated protocol
 * uses (each party standardises its own columns; only Z_aᵀ·Z_b crosses parties).
 */
import type { Matrix } from '../matrix.js';

/**
 * Standardises every column of `x` (rows × columns) to mean 0 and population variance 1.
 * A constant column becomes all zeros and is flagged in `constant`.
 * @throws RangeError if an entry is NaN or infinite (Pearson needs complete data).
 */
export function standardizeColumns(x: Matrix): { z: Matrix; constant: boolean[] } {
  const { rows, cols, data } = x;
  const z = new Float64Array(rows * cols);
  const constant: boolean[] = [];
  for (let j = 0; j < cols; j++) {
    let sum = 0;
    for (let i = 0; i < rows; i++) {
      const v = data[i * cols + j] as number;
      if (!Number.isFinite(v)) throw new RangeError(`entry (${i}, ${j}) is ${v}`);
      sum += v;
    }
    const mean = sum / rows;
    let ss = 0;
    for (let i = 0; i < rows; i++) ss += ((data[i * cols + j] as number) - mean) ** 2;
    const sd = Math.sqrt(ss / rows);
    // Relative test: a column whose spread is rounding noise around its mean is constant.
    const isConstant = !(sd > 1e-12 * Math.max(1, Math.abs(mean)));
    constant.push(isConstant);
    if (isConstant) continue;
    for (let i = 0; i < rows; i++) z[i * cols + j] = ((data[i * cols + j] as number) - mean) / sd;
  }
  return { z: { rows, cols, data: z }, constant };
}

/**
 * Z_aᵀ·Z_b / n for two standardised matrices with the same rows: the a.cols × b.cols
 * cross-correlation, row-major. Entries of constant columns are NaN.
 */
export function crossCorrelation(
  a: { z: Matrix; constant: boolean[] },
  b: { z: Matrix; constant: boolean[] },
): Float64Array {
  const n = a.z.rows;
  if (b.z.rows !== n) throw new RangeError(`row counts differ: ${n} and ${b.z.rows}`);
  const p = a.z.cols;
  const q = b.z.cols;
  const out = new Float64Array(p * q);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) {
      const v = a.z.data[i * p + j] as number;
      if (v === 0) continue;
      for (let k = 0; k < q; k++)
        out[j * q + k] = (out[j * q + k] as number) + v * (b.z.data[i * q + k] as number);
    }
  }
  for (let j = 0; j < p; j++) {
    for (let k = 0; k < q; k++) {
      out[j * q + k] = a.constant[j] || b.constant[k] ? NaN : (out[j * q + k] as number) / n;
    }
  }
  return out;
}

/**
 * The Pearson correlation matrix of the columns of `x` (rows × columns, complete data):
 * columns × columns, row-major, 1 on the diagonal, NaN for constant columns.
 */
export function pearsonMatrix(x: Matrix): Float64Array {
  const s = standardizeColumns(x);
  const r = crossCorrelation(s, s);
  for (let j = 0; j < x.cols; j++) if (!s.constant[j]) r[j * x.cols + j] = 1;
  return r;
}
