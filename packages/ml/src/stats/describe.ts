/**
 * Per-column descriptive statistics of one party's table (FATE's DataStatistics, computed
 * locally). Missing values are NaN and are excluded from every statistic except the counts.
 *
 * Moments use the population (biased) estimators, as scipy.stats.skew / kurtosis with
 * bias=True do: skewness g₁ = m₃ / m₂^{3/2}, excess kurtosis g₂ = m₄ / m₂² − 3, where
 * m_k = Σ (x − x̄)^k / n. The standard deviation is the sample one, √(Σ (x − x̄)² / (n − 1)),
 * as pandas' `std()` and FATE's `stddev`. Quantiles: {@link quantileSorted} (type 7).
 */
import type { Matrix } from '../matrix.js';
import { quantileSorted, sortedColumn } from './quantile.js';

export interface ColumnStatistics {
  /** Rows that are not missing. */
  count: number;
  /** Rows that are NaN. */
  missing: number;
  /** missing / rows (0 for an empty table). */
  missingRatio: number;
  /** The statistics below are NaN when count = 0 (std also when count = 1; moments when m₂ = 0). */
  mean: number;
  /** Sample variance Σ (x − x̄)² / (n − 1). */
  variance: number;
  std: number;
  min: number;
  max: number;
  /** Quantile values in the order of the requested levels. */
  quantiles: number[];
  skewness: number;
  /** Excess kurtosis (0 for a normal distribution). */
  kurtosis: number;
  /** Distinct non-missing values. */
  unique: number;
}

/**
 * Statistics of every column of `x` (rows × columns, row-major).
 * @param quantiles levels in [0, 1], e.g. [0.25, 0.5, 0.75].
 * @returns one entry per column, in column order.
 * @throws RangeError for a quantile level outside [0, 1].
 */
export function columnStatistics(x: Matrix, quantiles: readonly number[]): ColumnStatistics[] {
  for (const q of quantiles) {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile level must be in [0, 1], got ${q}`);
  }
  const out: ColumnStatistics[] = [];
  for (let j = 0; j < x.cols; j++) {
    const s = sortedColumn(x.data, x.rows, x.cols, j);
    const n = s.length;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += s[i] as number;
    const mean = n > 0 ? sum / n : NaN;
    let m2 = 0;
    let m3 = 0;
    let m4 = 0;
    let unique = 0;
    for (let i = 0; i < n; i++) {
      const v = s[i] as number;
      const d = v - mean;
      const d2 = d * d;
      m2 += d2;
      m3 += d2 * d;
      m4 += d2 * d2;
      if (i === 0 || v !== s[i - 1]) unique++;
    }
    const ss = m2;
    m2 /= n;
    m3 /= n;
    m4 /= n;
    const missing = x.rows - n;
    out.push({
      count: n,
      missing,
      missingRatio: x.rows > 0 ? missing / x.rows : 0,
      mean,
      variance: n > 1 ? ss / (n - 1) : NaN,
      std: n > 1 ? Math.sqrt(ss / (n - 1)) : NaN,
      min: n > 0 ? (s[0] as number) : NaN,
      max: n > 0 ? (s[n - 1] as number) : NaN,
      quantiles: quantiles.map((q) => (n > 0 ? quantileSorted(s, q) : NaN)),
      skewness: n > 0 && m2 > 0 ? m3 / m2 ** 1.5 : NaN,
      kurtosis: n > 0 && m2 > 0 ? m4 / (m2 * m2) - 3 : NaN,
      unique,
    });
  }
  return out;
}
