/**
 * Statistics of one feature column that ignore missing values (NaN): the observed values,
 * mean, population standard deviation, median and other type-7 quantiles, mode.
 */

/**
 * The non-missing values of one column (e.g. `frameColumn`'s array), in row order: a new
 * array, the column itself is only read.
 */
export function observedValues(column: ArrayLike<number>): Float64Array {
  const n = column.length;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const v = column[i] as number;
    if (!Number.isNaN(v)) out[k++] = v;
  }
  return out.slice(0, k);
}

/** Number of missing (NaN) entries of one column. */
export function missingCount(column: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < column.length; i++) if (Number.isNaN(column[i] as number)) m++;
  return m;
}

/** Arithmetic mean; NaN for an empty sample. */
export function meanOf(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] as number;
  return v.length ? s / v.length : NaN;
}

/** Population standard deviation √(Σ(v − mean)² / n) (ddof 0, as scikit-learn's scalers). */
export function populationStd(v: ArrayLike<number>, mean = meanOf(v)): number {
  let ss = 0;
  for (let i = 0; i < v.length; i++) ss += ((v[i] as number) - mean) ** 2;
  return v.length ? Math.sqrt(ss / v.length) : NaN;
}

/**
 * The q-quantile of ascending values by linear interpolation between order statistics
 * (Hyndman & Fan 1996 definition 7, NumPy's default): h = (n − 1)·q,
 * x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋ + 1] − x[⌊h⌋]). NaN for an empty sample.
 */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo] as number;
  return a + (h - lo) * ((sorted[hi] as number) - a);
}

/** An ascending copy. */
export function sortedCopy(v: Float64Array): Float64Array {
  return v.slice().sort();
}

/** The median (type-7 0.5-quantile: the mean of the middle two for even n). */
export function medianOf(v: Float64Array): number {
  return quantileOfSorted(sortedCopy(v), 0.5);
}

/** The most frequent value; ties go to the smallest. NaN for an empty sample. */
export function modeOf(v: Float64Array): number {
  const s = sortedCopy(v);
  let best = NaN;
  let bestCount = 0;
  for (let i = 0; i < s.length;) {
    let j = i;
    while (j < s.length && s[j] === s[i]) j++;
    if (j - i > bestCount) {
      bestCount = j - i;
      best = s[i] as number;
    }
    i = j;
  }
  return best;
}
