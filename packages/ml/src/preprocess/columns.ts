/**
 * Column look-up and column surgery on a {@link Frame} (rows are never touched here). Frames
 * keep their layout: a column-backed frame in gives a column-backed frame out, sharing the
 * columns it does not change (no row-major copy of the table); a row-major one gives a
 * row-major one (issue 17).
 */
import {
  columnFrame,
  frameColumn,
  selectFrameColumns,
  type ColumnType,
  type Frame,
} from '../frame.js';
import { PreprocessError } from './errors.js';

/**
 * Indices of the named feature columns, in the order given.
 * @throws PreprocessError COLUMN_UNKNOWN naming the first name the frame lacks (and listing the
 *   frame's features), COLUMN_DUPLICATE when a name is given twice.
 */
export function columnIndices(frame: Frame, names: readonly string[]): number[] {
  const index = new Map(frame.featureNames.map((f, j) => [f, j]));
  const seen = new Set<string>();
  return names.map((name) => {
    if (seen.has(name))
      throw new PreprocessError('COLUMN_DUPLICATE', `column '${name}' is listed twice`, {
        column: name,
      });
    seen.add(name);
    const j = index.get(name);
    if (j === undefined) {
      const shown = frame.featureNames.slice(0, 20).join(', ');
      throw new PreprocessError(
        'COLUMN_UNKNOWN',
        `no feature column '${name}' (features: ${shown}${frame.featureNames.length > 20 ? ', …' : ''})`,
        { column: name },
      );
    }
    return j;
  });
}

/**
 * The frame without the named columns (rows, ids and labels unchanged; the dropped columns'
 * types go with them). Column-backed: the kept columns are shared, nothing is copied.
 * @throws PreprocessError COLUMN_UNKNOWN as {@link columnIndices}.
 */
export function dropColumns(frame: Frame, names: readonly string[]): Frame {
  const drop = new Set(columnIndices(frame, names));
  return selectFrameColumns(
    frame,
    frame.featureNames.filter((_, j) => !drop.has(j)),
  );
}

/**
 * The frame with column `js[k]` replaced by `map(values, k)` for each k (one new array of the
 * frame's row count, computed from the column's current values; `values` may be the frame's own
 * array — read, never write), every other column, the ids and labels unchanged; `columnTypes`
 * are the output's types (default: the frame's). Column-backed in, column-backed out (unmapped
 * columns shared); row-major in, row-major out (one copy of `x`, each new column written into it
 * as soon as it is computed, so that at most one new column is held besides).
 * @throws RangeError when `map` returns an array whose length is not the row count.
 */
export function mapColumns(
  frame: Frame,
  js: readonly number[],
  map: (values: Float64Array, k: number) => Float64Array,
  columnTypes: Record<string, ColumnType> | undefined = frame.columnTypes,
): Frame {
  const rows = frame.ids.length;
  const computed = (k: number): Float64Array => {
    const j = js[k] as number;
    const v = map(frameColumn(frame, j), k);
    if (v.length !== rows)
      throw new RangeError(
        `column '${frame.featureNames[j]}': ${v.length} values for ${rows} rows`,
      );
    return v;
  };
  if (frame.columns) {
    const replaced = new Map(js.map((j, k) => [j, computed(k)]));
    return columnFrame({
      ids: frame.ids,
      columns: frame.columns.map((c, j) => replaced.get(j) ?? c),
      featureNames: frame.featureNames,
      ...(frame.labels ? { labels: frame.labels, labelName: frame.labelName } : {}),
      ...(columnTypes ? { columnTypes } : {}),
    });
  }
  const { cols } = frame.x;
  const data = frame.x.data.slice();
  js.forEach((j, k) => {
    const v = computed(k);
    for (let i = 0; i < rows; i++) data[i * cols + j] = v[i] as number;
  });
  const { columnTypes: _old, ...rest } = frame;
  return { ...rest, x: { rows, cols, data }, ...(columnTypes ? { columnTypes } : {}) };
}

/**
 * A frame with the rows (ids, labels) of `like` and the feature columns `featureNames`, column
 * `k` being `column(k)` (called once per k, in order; it may return an array of `like` itself),
 * in the layout of `like`: column-backed (the arrays taken as they are, shared) or row-major
 * (`x` written column by column as each is computed, so that at most one column is held besides).
 * @throws RangeError when a column's length is not the row count.
 */
export function frameFromColumns(
  like: Frame,
  parts: {
    featureNames: string[];
    column: (k: number) => Float64Array;
    columnTypes?: Record<string, ColumnType> | undefined;
  },
): Frame {
  const rows = like.ids.length;
  const width = parts.featureNames.length;
  const rest = {
    ids: like.ids,
    featureNames: parts.featureNames,
    ...(like.labels ? { labels: like.labels, labelName: like.labelName } : {}),
    ...(parts.columnTypes ? { columnTypes: parts.columnTypes } : {}),
  };
  if (like.columns)
    return columnFrame({
      ...rest,
      columns: Array.from({ length: width }, (_, k) => parts.column(k)),
    });
  const data = new Float64Array(rows * width);
  for (let k = 0; k < width; k++) {
    const c = parts.column(k);
    if (c.length !== rows)
      throw new RangeError(
        `column '${parts.featureNames[k]}' has ${c.length} values for ${rows} rows`,
      );
    for (let i = 0; i < rows; i++) data[i * width + k] = c[i] as number;
  }
  return { ...rest, x: { rows, cols: width, data } };
}
