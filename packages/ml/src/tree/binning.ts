/**
 * Quantile binning of features for histogram-based trees. One function decides the split points
 * of a column — the plaintext twin and every SecureBoost party call it on their own columns, so
 * both see identical bins.
 *
 * Split points t_0 < … < t_{m−1} (m ≤ maxBins − 1) are values of the column: the lower
 * (k/maxBins)-quantiles for k = 1 … maxBins − 1, deduplicated and without the column maximum,
 * or every distinct value but the largest when there are at most maxBins of them. A value x has
 * bin code b = #{j : t_j < x} ∈ [0, m], so that code ≤ b ⇔ x ≤ t_b: a split "bin b" sends
 * x ≤ t_b left, which is also the rule used on raw values at prediction time.
 */
import type { Matrix } from '../matrix.js';

/**
 * @param values one column (finite numbers).
 * @param maxBins 2–256.
 * @returns the split points, strictly increasing (empty for a constant column).
 * @throws RangeError for a non-finite value or a bad `maxBins`.
 */
export function quantileSplitPoints(values: ArrayLike<number>, maxBins: number): Float64Array {
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > 256)
    throw new RangeError(`maxBins must be an integer in [2, 256], got ${maxBins}`);
  const n = values.length;
  const sorted = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v))
      throw new RangeError(`value ${i} is ${v}; binning needs finite values`);
    sorted[i] = v;
  }
  sorted.sort();
  if (n === 0) return new Float64Array(0);
  const max = sorted[n - 1] as number;
  let distinct = 1;
  for (let i = 1; i < n && distinct <= maxBins; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
  const points: number[] = [];
  if (distinct <= maxBins) {
    for (let i = 0; i < n; i++) {
      const v = sorted[i] as number;
      if (v !== max && (points.length === 0 || v > (points[points.length - 1] as number)))
        points.push(v);
    }
  } else {
    for (let k = 1; k < maxBins; k++) {
      const v = sorted[Math.ceil((k * n) / maxBins) - 1] as number;
      if (v !== max && (points.length === 0 || v > (points[points.length - 1] as number)))
        points.push(v);
    }
  }
  return Float64Array.from(points);
}

/** Bin code of `x` against `points`: #{j : points[j] < x} (binary search). */
export function binCode(x: number, points: Float64Array): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((points[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A feature matrix as bin codes. */
export interface BinnedMatrix {
  rows: number;
  cols: number;
  /** cols × rows codes, feature-major: codes[j·rows + i] is row i's bin in feature j. */
  codes: Uint8Array;
  /** Per feature: its split points (bins = points + 1). */
  splitPoints: Float64Array[];
}

/**
 * Bins every column of `x` with {@link quantileSplitPoints}.
 * @param x rows × cols, row-major, finite.
 * @throws RangeError for non-finite entries or a bad `maxBins`.
 */
export function binMatrix(x: Matrix, maxBins: number): BinnedMatrix {
  const { rows, cols, data } = x;
  const codes = new Uint8Array(rows * cols);
  const splitPoints: Float64Array[] = [];
  const col = new Float64Array(rows);
  for (let j = 0; j < cols; j++) {
    for (let i = 0; i < rows; i++) col[i] = data[i * cols + j] as number;
    let points: Float64Array;
    try {
      points = quantileSplitPoints(col, maxBins);
    } catch (err) {
      throw new RangeError(`feature ${j}: ${(err as Error).message}`);
    }
    splitPoints.push(points);
    const base = j * rows;
    for (let i = 0; i < rows; i++) codes[base + i] = binCode(col[i] as number, points);
  }
  return { rows, cols, codes, splitPoints };
}

/** Start of each feature's bins in a histogram over all features: cols + 1 offsets. */
export function binOffsets(splitPoints: readonly Float64Array[]): Int32Array {
  const out = new Int32Array(splitPoints.length + 1);
  for (let j = 0; j < splitPoints.length; j++)
    out[j + 1] = (out[j] as number) + (splitPoints[j] as Float64Array).length + 1;
  return out;
}
