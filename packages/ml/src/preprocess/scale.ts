/**
 * Feature scaling (standard 001 appendix A.1 table 2, step 5 "标准化归一化处理"): x′ = (x − c)/d
 * per column. Min-max: c = min, d = max − min, so fitted data lands in [0, 1]; standard:
 * c = mean, d = population standard deviation (ddof 0, as scikit-learn's StandardScaler), so
 * fitted data has mean 0 and variance 1. A constant column has d = 1 (it maps to 0).
 * Missing values (NaN) are ignored when fitting and stay NaN.
 */
import { asNumericColumns, frameColumn, type Frame } from '../frame.js';
import { columnIndices, mapColumns } from './columns.js';
import { meanOf, observedValues, populationStd } from './column-stats.js';
import { PreprocessError } from './errors.js';

export type ScaleMethod = 'minmax' | 'standard';

export interface FittedScale {
  column: string;
  method: ScaleMethod;
  /** c: subtracted first. */
  center: number;
  /** d: divided by next (never 0). */
  divisor: number;
  /** minmax: the observed range. */
  min?: number;
  max?: number;
  /** standard: the observed mean and population standard deviation. */
  mean?: number;
  std?: number;
}

/**
 * Fits each named column's center and divisor over its observed values.
 * @throws PreprocessError COLUMN_UNKNOWN; COLUMN_EMPTY for a column without observed values;
 *   VALUE_NOT_FINITE when a column holds ±∞.
 */
export function fitScale(
  frame: Frame,
  columns: readonly string[],
  method: ScaleMethod,
): FittedScale[] {
  const js = columnIndices(frame, columns);
  return columns.map((column, k) => {
    const v = observedValues(frameColumn(frame, js[k] as number));
    if (v.length === 0)
      throw new PreprocessError('COLUMN_EMPTY', `column '${column}' has no observed value`, {
        column,
      });
    if (!v.every(Number.isFinite))
      throw new PreprocessError('VALUE_NOT_FINITE', `column '${column}' holds an infinite value`, {
        column,
      });
    if (method === 'minmax') {
      let min = Infinity;
      let max = -Infinity;
      for (const x of v) {
        if (x < min) min = x;
        if (x > max) max = x;
      }
      return { column, method, center: min, divisor: max > min ? max - min : 1, min, max };
    }
    const mean = meanOf(v);
    const std = populationStd(v, mean);
    return { column, method, center: mean, divisor: std > 0 ? std : 1, mean, std };
  });
}

/**
 * The frame with each fitted column scaled as (x − center)/divisor, one new array per scaled
 * column (a column-backed frame stays column-backed, its other columns shared).
 * @throws PreprocessError COLUMN_UNKNOWN when the frame lacks a fitted column.
 */
export function applyScale(frame: Frame, fitted: readonly FittedScale[]): Frame {
  const js = columnIndices(
    frame,
    fitted.map((f) => f.column),
  );
  const scaled = mapColumns(frame, js, (src, k) => {
    const f = fitted[k] as FittedScale;
    const out = new Float64Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = ((src[i] as number) - f.center) / f.divisor;
    return out;
  });
  // Scaled codes, flags or times are numbers now.
  return asNumericColumns(
    scaled,
    fitted.map((f) => f.column),
  );
}
