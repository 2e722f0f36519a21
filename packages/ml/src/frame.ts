/**
 * A party's table in memory: sample ids, a feature matrix and (for the label holder) labels.
 * Rows of `x`, `ids` and `labels` correspond.
 */
import { selectEntries, selectRows, type Matrix } from './matrix.js';

export interface Frame {
  /** One id per row (the match key of PSI). */
  ids: string[];
  /** rows × features. */
  x: Matrix;
  featureNames: string[];
  /** One label per row, when this party holds labels. */
  labels?: Float64Array;
  labelName?: string;
  /**
   * Columns that are not plain numbers, by name (a numeric column is absent). Values in `x`:
   * categorical — the code 0..k−1 of the category `levels[code]` (levels ascending by code
   * point), boolean — 0/1, datetime — seconds since 1970-01-01T00:00:00Z; missing — NaN.
   * `levels` are the owner's data: they stay on its node and are never sent to a partner.
   */
  columnTypes?: Record<string, ColumnType>;
}

/** The type of a non-numeric column of a {@link Frame}. */
export type ColumnType =
  { type: 'categorical'; levels: string[] } | { type: 'boolean' } | { type: 'datetime' };

/** Names of the frame's categorical columns, in column order. */
export function categoricalColumns(frame: Frame): string[] {
  const t = frame.columnTypes;
  if (!t) return [];
  return frame.featureNames.filter((n) => t[n]?.type === 'categorical');
}

/**
 * The frame with the named columns typed as plain numbers again (their `columnTypes` entries
 * removed): for a transform whose output is no longer a category code, a 0/1 flag or a time —
 * WOE values, bin indices, scaled values. Rows and data are shared, not copied.
 */
export function asNumericColumns(frame: Frame, names: readonly string[]): Frame {
  const t = frame.columnTypes;
  if (!t || !names.some((n) => Object.hasOwn(t, n))) return frame;
  const kept = Object.entries(t).filter(([n]) => !names.includes(n));
  const { columnTypes: _dropped, ...rest } = frame;
  return kept.length ? { ...rest, columnTypes: Object.fromEntries(kept) } : rest;
}

/** The column types of `frame` restricted to `names` (undefined when none remain). */
export function columnTypesOf(
  frame: Pick<Frame, 'columnTypes'>,
  names: readonly string[],
): Record<string, ColumnType> | undefined {
  const t = frame.columnTypes;
  if (!t) return undefined;
  const kept = names.filter((n) => Object.hasOwn(t, n)).map((n) => [n, t[n] as ColumnType]);
  return kept.length ? Object.fromEntries(kept) : undefined;
}

/** The frame restricted to `rows` (in that order). */
export function selectFrameRows(frame: Frame, rows: ArrayLike<number>): Frame {
  const ids = Array.from({ length: rows.length }, (_, k) => frame.ids[rows[k] as number] as string);
  return {
    ids,
    x: selectRows(frame.x, rows),
    featureNames: frame.featureNames.slice(),
    ...(frame.labels
      ? { labels: selectEntries(frame.labels, rows), labelName: frame.labelName }
      : {}),
    ...(frame.columnTypes ? { columnTypes: frame.columnTypes } : {}),
  };
}
