/**
 * Outlier detection and treatment (standard 001 appendix A.1 table 2, step 4 "异常值处理"):
 * per column fences from the interquartile range or the z-score, then values beyond them are
 * clipped to the fence or replaced by a statistic of the inliers. Missing values (NaN) are
 * ignored when fitting and left as they are.
 */
import { frameColumn, type Frame } from '../frame.js';
import { columnIndices, mapColumns } from './columns.js';
import {
  meanOf,
  medianOf,
  observedValues,
  populationStd,
  quantileOfSorted,
  sortedCopy,
} from './column-stats.js';
import { PreprocessError } from './errors.js';

/**
 * `iqr`: outliers lie outside [Q1 − k·IQR, Q3 + k·IQR] with IQR = Q3 − Q1 (Tukey 1977; type-7
 * quartiles); `zscore`: outside [μ − t·σ, μ + t·σ], i.e. |z| > t, with σ the population
 * standard deviation.
 */
export type OutlierMethod = 'iqr' | 'zscore';

/** `clip`: to the nearest fence; otherwise replaced by the inliers' median or mean, or a constant. */
export type OutlierAction = 'clip' | 'median' | 'mean' | 'constant';

export interface OutlierRule {
  method: OutlierMethod;
  /** The IQR multiplier k (`iqr`). @default 1.5 */
  k?: number;
  /** The z threshold t (`zscore`). @default 3 */
  t?: number;
  action: OutlierAction;
  /** The replacement of `constant`. */
  value?: number;
}

/** One column's fitted fences (values strictly outside [lower, upper] are outliers). */
export interface FittedOutlierBounds {
  column: string;
  method: OutlierMethod;
  lower: number;
  upper: number;
  /** `iqr`: the quartiles; `zscore`: the mean and population standard deviation. */
  q1?: number;
  q3?: number;
  mean?: number;
  std?: number;
  action: OutlierAction;
  /** The value outliers are replaced by (not for `clip`). */
  replacement?: number;
}

/**
 * Fits the fences of each named column over its observed values, and for the replacing actions
 * the replacement (median or mean of the values within the fences, or the rule's constant).
 * @throws PreprocessError COLUMN_UNKNOWN; COLUMN_EMPTY for a column without observed values;
 *   VALUE_NOT_FINITE for a missing or non-finite constant.
 */
export function fitOutlierBounds(
  frame: Frame,
  columns: readonly string[],
  rule: OutlierRule,
): FittedOutlierBounds[] {
  const js = columnIndices(frame, columns);
  if (rule.action === 'constant' && !Number.isFinite(rule.value ?? NaN))
    throw new PreprocessError(
      'VALUE_NOT_FINITE',
      `outlier action 'constant' needs a finite value, got ${rule.value}`,
      {},
    );
  return columns.map((column, c) => {
    const v = observedValues(frameColumn(frame, js[c] as number));
    if (v.length === 0)
      throw new PreprocessError('COLUMN_EMPTY', `column '${column}' has no observed value`, {
        column,
      });
    let fit: FittedOutlierBounds;
    if (rule.method === 'iqr') {
      const k = rule.k ?? 1.5;
      const s = sortedCopy(v);
      const q1 = quantileOfSorted(s, 0.25);
      const q3 = quantileOfSorted(s, 0.75);
      const iqr = q3 - q1;
      fit = {
        column,
        method: 'iqr',
        lower: q1 - k * iqr,
        upper: q3 + k * iqr,
        q1,
        q3,
        action: rule.action,
      };
    } else {
      const t = rule.t ?? 3;
      const mean = meanOf(v);
      const std = populationStd(v, mean);
      fit = {
        column,
        method: 'zscore',
        lower: mean - t * std,
        upper: mean + t * std,
        mean,
        std,
        action: rule.action,
      };
    }
    if (rule.action !== 'clip') {
      const inliers = v.filter((x) => x >= fit.lower && x <= fit.upper);
      fit.replacement =
        rule.action === 'constant'
          ? (rule.value as number)
          : rule.action === 'median'
            ? medianOf(inliers)
            : meanOf(inliers);
    }
    return fit;
  });
}

/**
 * The frame with every value outside its column's fences clipped or replaced (NaN stays NaN;
 * column types kept): one new array per fitted column, a column-backed frame stays
 * column-backed.
 * @returns the new frame and the number of values changed per fitted column.
 * @throws PreprocessError COLUMN_UNKNOWN when the frame lacks a fitted column.
 */
export function applyOutlierBounds(
  frame: Frame,
  bounds: readonly FittedOutlierBounds[],
): { frame: Frame; changed: number[] } {
  const js = columnIndices(
    frame,
    bounds.map((b) => b.column),
  );
  const changed = bounds.map(() => 0);
  const out = mapColumns(frame, js, (src, k) => {
    const b = bounds[k] as FittedOutlierBounds;
    const col = new Float64Array(src.length);
    let n = 0;
    for (let i = 0; i < src.length; i++) {
      const v = src[i] as number;
      if (v < b.lower || v > b.upper) {
        col[i] =
          b.action === 'clip' ? (v < b.lower ? b.lower : b.upper) : (b.replacement as number);
        n++;
      } else col[i] = v;
    }
    changed[k] = n;
    return col;
  });
  return { frame: out, changed };
}
