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
 *
 * Missing values (NaN) are left out of the split points and get code m + 1, the feature's
 * missing bin (XGBoost's sparsity-aware handling, Chen & Guestrin 2016 §3.4): a split sends them
 * to the side learned for it. Infinite values are refused.
 *
 * A categorical column (codes 0 … k−1 of its k levels) can instead be binned one bin per
 * category (LightGBM's categorical handling): split points 0 … k−2, so that bin b is category b
 * whatever `maxBins` says; set splits (split.ts, scanCategorical) then choose any subset of the
 * bins to send left.
 */
import type { Matrix } from '../matrix.js';

/**
 * @param values one column: finite numbers, NaN for missing (ignored).
 * @param maxBins 2–255 (a bin code is a byte and the missing bin takes one).
 * @returns the split points of the present values, strictly increasing (empty for a constant
 *   or all-missing column).
 * @throws RangeError for an infinite value or a bad `maxBins`.
 */
export function quantileSplitPoints(values: ArrayLike<number>, maxBins: number): Float64Array {
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > 255)
    throw new RangeError(`maxBins must be an integer in [2, 255], got ${maxBins}`);
  const present: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v)) continue;
    if (!Number.isFinite(v))
      throw new RangeError(`value ${i} is ${v}; binning needs finite values (NaN for missing)`);
    present.push(v);
  }
  const n = present.length;
  const sorted = Float64Array.from(present);
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

/** Bin code of `x` against `points`: #{j : points[j] < x} (binary search); NaN → points + 1. */
export function binCode(x: number, points: Float64Array): number {
  if (Number.isNaN(x)) return points.length + 1;
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
  /** Per feature: its split points (regular bins = points + 1). */
  splitPoints: Float64Array[];
  /** Per feature: 1 when some row is missing (code points + 1, the missing bin), else 0. */
  missing: Uint8Array;
}

/** The missing bin's code of a feature with `points` split points. */
export function missingCode(points: Float64Array): number {
  return points.length + 1;
}

/** Most categories of a column binned one bin per category (a code is a byte; the missing bin takes one). */
export const MAX_CATEGORY_BINS = 254;

/**
 * Split points of a categorical column binned one bin per category: 0 … k−2 (bin b = code b).
 * @throws RangeError when k is not an integer in [1, {@link MAX_CATEGORY_BINS}].
 */
export function categorySplitPoints(k: number): Float64Array {
  if (!Number.isInteger(k) || k < 1 || k > MAX_CATEGORY_BINS)
    throw new RangeError(
      `a categorical column binned per category needs 1 to ${MAX_CATEGORY_BINS} categories, got ${k}`,
    );
  return Float64Array.from({ length: k - 1 }, (_, c) => c);
}

/**
 * Bins every column of `x` with {@link quantileSplitPoints}, or one bin per category where
 * `categories[j]` gives column j's number of categories k (its values must then be codes
 * 0 … k−1 or NaN).
 * @param x rows × cols, row-major; NaN marks a missing value.
 * @param categories per column: k for a categorical column binned per category, else undefined.
 * @throws RangeError for infinite entries, a bad `maxBins`, or a category code outside [0, k).
 */
export function binMatrix(
  x: Matrix,
  maxBins: number,
  categories?: readonly (number | undefined)[],
): BinnedMatrix {
  const { rows, cols, data } = x;
  const codes = new Uint8Array(rows * cols);
  const splitPoints: Float64Array[] = [];
  const missing = new Uint8Array(cols);
  const col = new Float64Array(rows);
  for (let j = 0; j < cols; j++) {
    for (let i = 0; i < rows; i++) col[i] = data[i * cols + j] as number;
    let points: Float64Array;
    const k = categories?.[j];
    try {
      if (k === undefined) points = quantileSplitPoints(col, maxBins);
      else {
        points = categorySplitPoints(k);
        for (let i = 0; i < rows; i++) {
          const v = col[i] as number;
          if (!Number.isNaN(v) && !(Number.isInteger(v) && v >= 0 && v < k))
            throw new RangeError(`row ${i} has ${v}, not a category code in [0, ${k})`);
        }
      }
    } catch (err) {
      throw new RangeError(`feature ${j}: ${(err as Error).message}`);
    }
    splitPoints.push(points);
    const base = j * rows;
    for (let i = 0; i < rows; i++) {
      const c = binCode(col[i] as number, points);
      codes[base + i] = c;
      if (c > points.length) missing[j] = 1;
    }
  }
  return { rows, cols, codes, splitPoints, missing };
}

/**
 * Start of each feature's bins in a histogram over all features: cols + 1 offsets. A feature
 * has points + 1 regular bins, plus its missing bin when it has missing values.
 */
export function binOffsets(b: Pick<BinnedMatrix, 'splitPoints' | 'missing'>): Int32Array {
  const out = new Int32Array(b.splitPoints.length + 1);
  for (let j = 0; j < b.splitPoints.length; j++)
    out[j + 1] =
      (out[j] as number) + (b.splitPoints[j] as Float64Array).length + 1 + (b.missing[j] as number);
  return out;
}
