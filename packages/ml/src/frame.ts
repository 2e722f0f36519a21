/**
 * A party's table in memory: sample ids, a feature matrix and (for the label holder) labels.
 * Rows of `x`, `ids` and `labels` correspond.
 *
 * A frame is row-major (`x`) or column-backed ({@link columnFrame}): made from one array per
 * column, as a columnar snapshot stores them, its `x` is built only when first read. Components
 * that need single columns read them with {@link frameColumn} (no copy from a column-backed
 * frame) and keep a subset with {@link selectFrameColumns}, so that a whole-table row-major copy
 * is made only for the columns a training keeps.
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
  /**
   * Column-backed frames only ({@link columnFrame}): one array of `ids.length` values per
   * feature, in `featureNames` order, shared — read, never write. Not enumerable, so that a copy
   * by spread (`{ ...frame, x }`) is a row-major frame and never pairs stale columns with a new
   * `x`; read it through {@link frameColumn}.
   */
  readonly columns?: readonly Float64Array[];
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
  if (frame.columns)
    return columnFrame({
      ids: frame.ids,
      columns: frame.columns,
      featureNames: frame.featureNames,
      ...(frame.labels ? { labels: frame.labels, labelName: frame.labelName } : {}),
      ...(kept.length ? { columnTypes: Object.fromEntries(kept) } : {}),
    });
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
  // Column-backed in, column-backed out: no row-major copy of the whole table (e.g. PSI's output).
  if (frame.columns)
    return columnFrame({
      ids,
      columns: frame.columns.map((c) => selectEntries(c, rows)),
      featureNames: frame.featureNames.slice(),
      ...(frame.labels
        ? { labels: selectEntries(frame.labels, rows), labelName: frame.labelName }
        : {}),
      ...(frame.columnTypes ? { columnTypes: frame.columnTypes } : {}),
    });
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

/**
 * A column-backed frame: `columns[j]` holds feature `featureNames[j]` for every row (shared, not
 * copied). Its `x` (rows × features, row-major) is built on first read and kept; until then the
 * frame costs the columns alone.
 * @throws RangeError when a column's length is not `ids.length`, or columns and names differ in
 *   number.
 */
export function columnFrame(parts: {
  ids: string[];
  columns: readonly Float64Array[];
  featureNames: string[];
  labels?: Float64Array;
  labelName?: string;
  columnTypes?: Record<string, ColumnType>;
}): Frame {
  const rows = parts.ids.length;
  const cols = parts.columns.length;
  if (cols !== parts.featureNames.length)
    throw new RangeError(`${cols} columns for ${parts.featureNames.length} feature names`);
  parts.columns.forEach((c, j) => {
    if (c.length !== rows)
      throw new RangeError(
        `column '${parts.featureNames[j]}' has ${c.length} values for ${rows} rows`,
      );
  });
  if (parts.labels && parts.labels.length !== rows)
    throw new RangeError(`${parts.labels.length} labels for ${rows} rows`);
  const frame = {
    ids: parts.ids,
    featureNames: parts.featureNames,
    ...(parts.labels ? { labels: parts.labels, labelName: parts.labelName } : {}),
    ...(parts.columnTypes ? { columnTypes: parts.columnTypes } : {}),
  } as Frame;
  let x: Matrix | undefined;
  Object.defineProperty(frame, 'x', {
    enumerable: true,
    configurable: true,
    get(): Matrix {
      if (!x) {
        const data = new Float64Array(rows * cols);
        for (let j = 0; j < cols; j++) {
          const c = parts.columns[j] as Float64Array;
          for (let i = 0; i < rows; i++) data[i * cols + j] = c[i] as number;
        }
        x = { rows, cols, data };
      }
      return x;
    },
  });
  Object.defineProperty(frame, 'columns', { enumerable: false, value: parts.columns });
  return frame;
}

/** Index of feature `name` in `frame`. @throws RangeError naming the column when absent. */
function featureIndex(frame: Frame, name: string): number {
  const j = frame.featureNames.indexOf(name);
  if (j < 0)
    throw new RangeError(
      `no feature column '${name}' (columns: ${frame.featureNames.slice(0, 20).join(', ')}${frame.featureNames.length > 20 ? ', …' : ''})`,
    );
  return j;
}

/**
 * Feature `column` (a name or an index into `featureNames`) of every row: the frame's own array
 * when it is column-backed (no copy — read, never write), else a copy out of `x`.
 * @throws RangeError for a name the frame lacks or an index out of range.
 */
export function frameColumn(frame: Frame, column: string | number): Float64Array {
  const j = typeof column === 'number' ? column : featureIndex(frame, column);
  if (!Number.isInteger(j) || j < 0 || j >= frame.featureNames.length)
    throw new RangeError(`column index ${j} is out of range (0–${frame.featureNames.length - 1})`);
  const own = frame.columns?.[j];
  if (own) return own;
  const { rows, cols, data } = frame.x;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) out[i] = data[i * cols + j] as number;
  return out;
}

/**
 * The frame with only the feature columns `names`, in that order (ids, labels kept; column types
 * restricted). From a column-backed frame the result is column-backed and shares the columns
 * (nothing copied, no `x` built); from a row-major one it is row-major (the kept columns copied).
 * @throws RangeError naming a column the frame lacks.
 */
export function selectFrameColumns(frame: Frame, names: readonly string[]): Frame {
  const js = names.map((n) => featureIndex(frame, n));
  const columnTypes = columnTypesOf(frame, names);
  const rest = {
    ids: frame.ids,
    featureNames: names.slice(),
    ...(frame.labels ? { labels: frame.labels, labelName: frame.labelName } : {}),
    ...(columnTypes ? { columnTypes } : {}),
  };
  if (frame.columns)
    return columnFrame({ ...rest, columns: js.map((j) => frame.columns?.[j] as Float64Array) });
  const { rows, cols, data } = frame.x;
  const k = js.length;
  const out = new Float64Array(rows * k);
  for (let i = 0; i < rows; i++)
    for (let c = 0; c < k; c++) out[i * k + c] = data[i * cols + (js[c] as number)] as number;
  return { ...rest, x: { rows, cols: k, data: out } };
}

/**
 * The frame with the feature columns `replaced` (name → new values, one per row) swapped in,
 * other columns unchanged; the column types of replaced columns are dropped (the new values are
 * plain numbers). Column-backed in, column-backed out (unreplaced columns shared); row-major in,
 * row-major out.
 * @throws RangeError naming a column the frame lacks or an array of the wrong length.
 */
export function replaceFrameColumns(
  frame: Frame,
  replaced: ReadonlyMap<string, Float64Array>,
): Frame {
  const rows = frame.ids.length;
  const js = new Map<number, Float64Array>();
  for (const [name, values] of replaced) {
    if (values.length !== rows)
      throw new RangeError(`column '${name}': ${values.length} values for ${rows} rows`);
    js.set(featureIndex(frame, name), values);
  }
  if (frame.columns)
    return asNumericColumns(
      columnFrame({
        ids: frame.ids,
        featureNames: frame.featureNames,
        columns: frame.columns.map((c, j) => js.get(j) ?? c),
        ...(frame.labels ? { labels: frame.labels, labelName: frame.labelName } : {}),
        ...(frame.columnTypes ? { columnTypes: frame.columnTypes } : {}),
      }),
      [...replaced.keys()],
    );
  const typed = asNumericColumns(frame, [...replaced.keys()]);
  const { cols } = frame.x;
  const data = frame.x.data.slice();
  for (const [j, values] of js)
    for (let i = 0; i < rows; i++) data[i * cols + j] = values[i] as number;
  return { ...typed, x: { rows, cols, data } };
}
