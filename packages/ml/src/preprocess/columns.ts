/** Column look-up and column surgery on a {@link Frame} (rows are never touched here). */
import type { Frame } from '../frame.js';
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
 * The frame without the named columns (rows, ids and labels unchanged).
 * @throws PreprocessError COLUMN_UNKNOWN as {@link columnIndices}.
 */
export function dropColumns(frame: Frame, names: readonly string[]): Frame {
  const drop = new Set(columnIndices(frame, names));
  const keep = frame.featureNames.map((_, j) => j).filter((j) => !drop.has(j));
  const { rows, cols, data } = frame.x;
  const out = new Float64Array(rows * keep.length);
  for (let i = 0; i < rows; i++)
    for (let k = 0; k < keep.length; k++)
      out[i * keep.length + k] = data[i * cols + (keep[k] as number)] as number;
  return {
    ...frame,
    ids: frame.ids.slice(),
    x: { rows, cols: keep.length, data: out },
    featureNames: keep.map((j) => frame.featureNames[j] as string),
  };
}

/** A copy of the frame whose feature data can be changed in place. */
export function copyFrame(frame: Frame): Frame {
  return {
    ...frame,
    ids: frame.ids.slice(),
    x: { rows: frame.x.rows, cols: frame.x.cols, data: frame.x.data.slice() },
    featureNames: frame.featureNames.slice(),
    ...(frame.labels ? { labels: frame.labels.slice() } : {}),
  };
}
