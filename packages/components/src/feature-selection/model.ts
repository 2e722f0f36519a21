/** The selection model part each party keeps, and its application to a frame. */
import type { Frame } from '@fedgrid/ml';
import { ComponentError, type ModelPart } from '../spec.js';
import type { DropReason } from './filters.js';

export interface SelectionModel extends ModelPart {
  algorithm: 'feature-selection';
  role: 'guest' | 'host';
  /** Kept columns, in the data's column order. */
  selected: string[];
  dropped: { name: string; reason: DropReason }[];
}

/**
 * The frame restricted to `names` (in that order), labels kept.
 * @throws ComponentError FEATURE_MISSING when a name is not a column.
 */
export function selectColumns(frame: Frame, names: readonly string[]): Frame {
  const index = new Map(frame.featureNames.map((f, j) => [f, j]));
  const cols = names.map((n) => {
    const j = index.get(n);
    if (j === undefined)
      throw new ComponentError(
        'FEATURE_MISSING',
        `selected feature '${n}' is absent from the data`,
        { feature: n },
      );
    return j;
  });
  const { rows, cols: width, data } = frame.x;
  const out = new Float64Array(rows * cols.length);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < cols.length; k++)
      out[i * cols.length + k] = data[i * width + (cols[k] as number)] as number;
  }
  return { ...frame, x: { rows, cols: cols.length, data: out }, featureNames: names.slice() };
}
