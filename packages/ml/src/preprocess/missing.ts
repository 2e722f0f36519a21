/**
 * Missing-value handling (standard 001 appendix A.1 table 2, step 3 "缺失值处理"): which columns
 * are too sparse to keep, which rows have gaps, and fill values fitted per column. Missing = NaN.
 */
import { frameColumn, type Frame } from '../frame.js';
import { columnIndices, mapColumns } from './columns.js';
import { meanOf, medianOf, missingCount, modeOf, observedValues } from './column-stats.js';
import { PreprocessError } from './errors.js';

export type FillStrategy = 'mean' | 'median' | 'mode' | 'constant';

/** How one column's gaps are filled. */
export interface FillRule {
  strategy: FillStrategy;
  /** The fill value of `constant`. */
  value?: number;
}

/** One column's fitted fill value. */
export interface FittedFill {
  column: string;
  strategy: FillStrategy;
  /** The value written into the column's gaps (finite). */
  value: number;
}

/** Fraction of missing entries in each named column (0 for an empty frame). */
export function missingFractions(frame: Frame, columns: readonly string[]): number[] {
  const rows = frame.ids.length;
  return columnIndices(frame, columns).map((j) =>
    rows ? missingCount(frameColumn(frame, j)) / rows : 0,
  );
}

/**
 * The named columns whose missing fraction is strictly above `threshold` (0 ≤ threshold ≤ 1):
 * threshold 0 drops every column with a gap, 1 drops none.
 */
export function columnsOverMissingThreshold(
  frame: Frame,
  columns: readonly string[],
  threshold: (column: string) => number | undefined,
): string[] {
  const fractions = missingFractions(frame, columns);
  return columns.filter((c, k) => {
    const t = threshold(c);
    return t !== undefined && (fractions[k] as number) > t;
  });
}

/**
 * Positions of rows (ascending) with a missing value in any of the named columns.
 * @throws PreprocessError COLUMN_UNKNOWN.
 */
export function rowsWithMissing(frame: Frame, columns: readonly string[]): Uint32Array {
  const js = columnIndices(frame, columns);
  const rows = frame.ids.length;
  // One pass per column over its own array (no row-major read), gaps flagged per row.
  const gap = new Uint8Array(rows);
  let n = 0;
  for (const j of js) {
    const c = frameColumn(frame, j);
    for (let i = 0; i < rows; i++)
      if (!gap[i] && Number.isNaN(c[i] as number)) {
        gap[i] = 1;
        n++;
      }
  }
  const out = new Uint32Array(n);
  for (let i = 0, k = 0; k < n; i++) if (gap[i]) out[k++] = i;
  return out;
}

/**
 * Fits the fill value of each column over its observed (non-NaN) values: mean, median (type-7,
 * the mean of the middle two for an even count), mode (the most frequent value, ties to the
 * smallest) or the rule's constant.
 * @throws PreprocessError COLUMN_UNKNOWN; COLUMN_EMPTY when a column has no observed value and
 *   its strategy is not `constant`; VALUE_NOT_FINITE when a constant is missing or not finite.
 */
export function fitFillValues(
  frame: Frame,
  columns: readonly { column: string; rule: FillRule }[],
): FittedFill[] {
  const js = columnIndices(
    frame,
    columns.map((c) => c.column),
  );
  return columns.map(({ column, rule }, k) => {
    let value: number;
    if (rule.strategy === 'constant') {
      value = rule.value ?? NaN;
      if (!Number.isFinite(value))
        throw new PreprocessError(
          'VALUE_NOT_FINITE',
          `column '${column}': strategy 'constant' needs a finite value, got ${rule.value}`,
          { column },
        );
    } else {
      const v = observedValues(frameColumn(frame, js[k] as number));
      if (v.length === 0)
        throw new PreprocessError(
          'COLUMN_EMPTY',
          `column '${column}' has no observed value to take the ${rule.strategy} of; drop it (dropColumnThreshold) or fill it with a constant`,
          { column },
        );
      value =
        rule.strategy === 'mean' ? meanOf(v) : rule.strategy === 'median' ? medianOf(v) : modeOf(v);
    }
    return { column, strategy: rule.strategy, value };
  });
}

/**
 * The frame with each fitted column's NaN entries replaced by its fill value (other columns and
 * rows unchanged; column types kept): one new array per filled column, a column-backed frame
 * stays column-backed.
 * @returns the new frame and the number of values filled per fitted column.
 * @throws PreprocessError COLUMN_UNKNOWN when the frame lacks a fitted column.
 */
export function applyFillValues(
  frame: Frame,
  fills: readonly FittedFill[],
): { frame: Frame; filled: number[] } {
  const js = columnIndices(
    frame,
    fills.map((f) => f.column),
  );
  const filled = fills.map(() => 0);
  const out = mapColumns(frame, js, (src, k) => {
    const value = (fills[k] as FittedFill).value;
    const col = new Float64Array(src.length);
    let n = 0;
    for (let i = 0; i < src.length; i++) {
      const v = src[i] as number;
      if (Number.isNaN(v)) {
        col[i] = value;
        n++;
      } else col[i] = v;
    }
    filled[k] = n;
    return col;
  });
  return { frame: out, filled };
}
