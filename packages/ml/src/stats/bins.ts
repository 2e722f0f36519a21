/**
 * Bins of one feature and the assignment of values to them.
 *
 * Numeric bins are given by ascending cut points c₀ < c₁ < … < c_{k−2}: bin b holds
 * (c_{b−1}, c_b] (left-open, right-closed, as FATE's `bisect_left` on split points), the first
 * bin (−∞, c₀], the last (c_{k−2}, +∞). Categorical bins hold one integer code each. Missing
 * values (NaN) go to an extra bin after the regular ones when the feature has a missing bin.
 */
export type FeatureBins =
  | { kind: 'numeric'; cuts: number[]; missingBin: boolean }
  | { kind: 'categorical'; categories: number[]; missingBin: boolean };

/** Regular (non-missing) bins. */
export function regularBinCount(b: FeatureBins): number {
  return b.kind === 'numeric' ? b.cuts.length + 1 : b.categories.length;
}

/** All bins, the missing bin included. */
export function binCount(b: FeatureBins): number {
  return regularBinCount(b) + (b.missingBin ? 1 : 0);
}

/**
 * The bin of `v`: NaN → the missing bin (or −1 without one); a category that is not a bin → −1.
 */
export function binOf(b: FeatureBins, v: number): number {
  if (Number.isNaN(v)) return b.missingBin ? regularBinCount(b) : -1;
  if (b.kind === 'categorical') return b.categories.indexOf(v);
  // Number of cuts strictly below v (binary search).
  const c = b.cuts;
  let lo = 0;
  let hi = c.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((c[mid] as number) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Bin index of every entry of column j of a rows × cols row-major matrix. */
export function assignBins(
  b: FeatureBins,
  data: Float64Array,
  rows: number,
  cols: number,
  j: number,
): Int32Array {
  const out = new Int32Array(rows);
  if (b.kind === 'categorical') {
    const index = new Map(b.categories.map((c, k) => [c, k]));
    const miss = b.missingBin ? b.categories.length : -1;
    for (let i = 0; i < rows; i++) {
      const v = data[i * cols + j] as number;
      out[i] = Number.isNaN(v) ? miss : (index.get(v) ?? -1);
    }
    return out;
  }
  for (let i = 0; i < rows; i++) out[i] = binOf(b, data[i * cols + j] as number);
  return out;
}

/**
 * Quantile cut points: for k = 1 … binNum − 1 the order statistic x_(⌈k·n/binNum⌉) (the inverse
 * empirical CDF), duplicates and cuts at the maximum removed — so every bin is non-empty and
 * holds about n/binNum rows unless values tie.
 * @param sorted ascending non-missing values.
 */
export function quantileCuts(sorted: ArrayLike<number>, binNum: number): number[] {
  const n = sorted.length;
  if (n === 0) return [];
  const max = sorted[n - 1] as number;
  const cuts: number[] = [];
  for (let k = 1; k < binNum; k++) {
    const rank = Math.max(1, Math.ceil((k * n) / binNum));
    const c = sorted[rank - 1] as number;
    if (c < max && (cuts.length === 0 || c > (cuts[cuts.length - 1] as number))) cuts.push(c);
  }
  return cuts;
}

/**
 * Equal-width cut points min + k·(max − min)/binNum, k = 1 … binNum − 1 (none for a constant
 * column). Bins may be empty.
 * @param sorted ascending non-missing values.
 */
export function equalWidthCuts(sorted: ArrayLike<number>, binNum: number): number[] {
  const n = sorted.length;
  if (n === 0) return [];
  const min = sorted[0] as number;
  const max = sorted[n - 1] as number;
  if (!(max > min)) return [];
  const w = (max - min) / binNum;
  const cuts: number[] = [];
  for (let k = 1; k < binNum; k++) {
    const c = min + k * w;
    if (c < max && (cuts.length === 0 || c > (cuts[cuts.length - 1] as number))) cuts.push(c);
  }
  return cuts;
}

/** Distinct non-missing values of a sorted column (the bins of a categorical feature). */
export function distinctValues(sorted: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i] as number;
    if (i === 0 || v !== sorted[i - 1]) out.push(v);
  }
  return out;
}
