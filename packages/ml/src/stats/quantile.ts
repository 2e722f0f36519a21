/**
 * Sample quantiles of sorted data.
 *
 * Linear interpolation between order statistics, Hyndman & Fan (1996) definition 7 — the default
 * of NumPy (`np.quantile`), pandas and R's `quantile(type = 7)`.
 */

/**
 * The q-quantile of ascending, finite `sorted` values (length n ≥ 1): with h = (n − 1)·q,
 * x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋ + 1] − x[⌊h⌋]).
 * @throws RangeError when `sorted` is empty or q ∉ [0, 1].
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantile of an empty sample');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile level must be in [0, 1], got ${q}`);
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo] as number;
  return a + (h - lo) * ((sorted[hi] as number) - a);
}

/** Column `j` of a rows × cols row-major matrix without its NaN entries, sorted ascending. */
export function sortedColumn(
  data: Float64Array,
  rows: number,
  cols: number,
  j: number,
): Float64Array {
  const out = new Float64Array(rows);
  let k = 0;
  for (let i = 0; i < rows; i++) {
    const v = data[i * cols + j] as number;
    if (!Number.isNaN(v)) out[k++] = v;
  }
  return out.subarray(0, k).sort();
}
