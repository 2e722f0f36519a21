/**
 * Per-column standardisation inside a linear model's trainer: each party of a vertical job
 * computes the mean and standard deviation of its own columns on its own training rows, trains on
 * (x − mean) / std, and converts its weights back to the original units at the end. The
 * statistics never leave the party; in original units w_j = w′_j / std_j and the party's share of
 * the intercept is −Σ_j w′_j · mean_j / std_j, so that x·w + share = ((x − mean) / std)·w′.
 * This makes one step rule converge on raw columns of any scale (scikit-learn's advice for its
 * gradient solvers: StandardScaler before LogisticRegression).
 */
import type { Matrix } from '../matrix.js';

/** Column statistics of one party's features. */
export interface ColumnStandardization {
  /** Per-column mean (0 for every column when not centring). */
  mean: Float64Array;
  /** Per-column population standard deviation; 1 for a constant column. */
  std: Float64Array;
}

/**
 * Mean and population standard deviation of every column of `x` (rows × cols).
 * @param center subtract the mean (only meaningful with an intercept); otherwise mean = 0 and
 *   std is the root mean square.
 */
export function fitStandardization(x: Matrix, center = true): ColumnStandardization {
  const { rows, cols, data } = x;
  const mean = new Float64Array(cols);
  const std = new Float64Array(cols);
  if (rows === 0) return { mean, std: std.fill(1) };
  if (center) {
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) mean[j] = (mean[j] as number) + (data[i * cols + j] as number);
    for (let j = 0; j < cols; j++) mean[j] = (mean[j] as number) / rows;
  }
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      const v = (data[i * cols + j] as number) - (mean[j] as number);
      std[j] = (std[j] as number) + v * v;
    }
  for (let j = 0; j < cols; j++) {
    const s = Math.sqrt((std[j] as number) / rows);
    // A constant column carries no information; leave it at scale 1 (its centred values are 0).
    std[j] = s > 1e-12 * Math.max(1, Math.abs(mean[j] as number)) ? s : 1;
  }
  return { mean, std };
}

/** (x − mean) / std, a new matrix. */
export function applyStandardization(x: Matrix, s: ColumnStandardization): Matrix {
  const { rows, cols, data } = x;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++)
      out[i * cols + j] =
        ((data[i * cols + j] as number) - (s.mean[j] as number)) / (s.std[j] as number);
  return { rows, cols, data: out };
}

/**
 * Weights learnt on standardised columns in the original units, with this party's share of the
 * intercept: x·weights + interceptShare = ((x − mean) / std)·w.
 */
export function unstandardizeWeights(
  w: ArrayLike<number>,
  s: ColumnStandardization,
): { weights: Float64Array; interceptShare: number } {
  const weights = new Float64Array(w.length);
  let interceptShare = 0;
  for (let j = 0; j < w.length; j++) {
    weights[j] = (w[j] as number) / (s.std[j] as number);
    interceptShare -= (weights[j] as number) * (s.mean[j] as number);
  }
  return { weights, interceptShare };
}
