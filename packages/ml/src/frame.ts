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
  };
}
