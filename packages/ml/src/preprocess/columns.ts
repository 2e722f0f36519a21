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
 * The frame with the columns at the indices of `replaced` holding the given values (one per
 * row, index → values), every other column, the ids and labels unchanged; `columnTypes` are the
 * output's types (default: the frame's). Column-backed in, column-backed out (unreplaced
 * columns shared, the new arrays taken as they are); row-major in, row-major out (a copy of `x`
 * with the new values written in).
 * @throws RangeError when an array's length is not the frame's row count.
 */
export function withColumnValues(
  frame: Frame,
  replaced: ReadonlyMap<number, Float64Array>,
  columnTypes: Record<string, ColumnType> | undefined = frame.columnTypes,
): Frame {
  const rows = frame.ids.length;
  for (const [j, v] of replaced)
    if (v.length !== rows)
      throw new RangeError(
        `column '${frame.featureNames[j]}': ${v.length} values for ${rows} rows`,
      );
  if (frame.columns)
    return columnFrame({
      ids: frame.ids,
      columns: frame.columns.map((c, j) => replaced.get(j) ?? c),
      featureNames: frame.featureNames,
      ...(frame.labels ? { labels: frame.labels, labelName: frame.labelName } : {}),
      ...(columnTypes ? { columnTypes } : {}),
    });
  const { cols } = frame.x;
  const data = frame.x.data.slice();
  for (const [j, v] of replaced) for (let i = 0; i < rows; i++) data[i * cols + j] = v[i] as number;
  const { columnTypes: _old, ...rest } = frame;
  return { ...rest, x: { rows, cols, data }, ...(columnTypes ? { columnTypes } : {}) };
}

/**
 * A frame with the rows (ids, labels) of `like` and the given feature columns, in the layout of
 * `like`: column-backed (the arrays taken as they are, shared) or row-major (`x` built from them).
 * @throws RangeError when a column's length is not the row count or names and columns differ.
 */
export function frameFromColumns(
  like: Frame,
  parts: {
    columns: readonly Float64Array[];
    featureNames: string[];
    columnTypes?: Record<string, ColumnType> | undefined;
  },
): Frame {
  const base = {
    ids: like.ids,
    columns: parts.columns,
    featureNames: parts.featureNames,
    ...(like.labels ? { labels: like.labels, labelName: like.labelName } : {}),
    ...(parts.columnTypes ? { columnTypes: parts.columnTypes } : {}),
  };
  const f = columnFrame(base);
  if (like.columns) return f;
  const { columns: _c, ...rest } = base;
  return { ...rest, x: f.x };
}

/**
 * A new array holding column `j` of every row, free to be written: a copy of a column-backed
 * frame's own array, or the copy `frameColumn` makes out of a row-major `x` (not copied twice).
 */
export function writableColumn(frame: Frame, j: number): Float64Array {
  const c = frameColumn(frame, j);
  return frame.columns?.[j] === c ? c.slice() : c;
}
