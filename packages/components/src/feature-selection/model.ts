/** The selection model part each party keeps, and its application to a frame. */
import { selectFrameColumns, type Frame } from '@fedgrid/ml';
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
 * Reads a saved selection model part (the optional `model` input: apply mode).
 * @throws ComponentError MODEL_INVALID (field `model`) for another algorithm's model, a malformed
 *   one, or another role's part.
 */
export function asSelectionModel(
  model: ModelPart,
  party: string,
  role: 'guest' | 'host',
): SelectionModel {
  const selected = (model as { selected?: unknown }).selected;
  if (
    model.algorithm !== 'feature-selection' ||
    !Array.isArray(selected) ||
    !selected.every((s) => typeof s === 'string')
  )
    throw new ComponentError(
      'MODEL_INVALID',
      `${party}: input 'model' is not a feature-selection model (algorithm '${model.algorithm}'); connect the model output of a feature-selection task`,
      { party, field: 'model' },
    );
  const m = model as SelectionModel;
  if (m.role !== role)
    throw new ComponentError(
      'MODEL_INVALID',
      `${party}: input 'model' is a ${m.role}'s selection part; connect this party's own (${role})`,
      { party, field: 'model' },
    );
  return m;
}

/**
 * The frame restricted to `names` (in that order), labels kept.
 * @throws ComponentError FEATURE_MISSING when a name is not a column.
 */
export function selectColumns(frame: Frame, names: readonly string[]): Frame {
  const index = new Map(frame.featureNames.map((f, j) => [f, j]));
  for (const n of names) {
    if (!index.has(n))
      throw new ComponentError(
        'FEATURE_MISSING',
        `selected feature '${n}' is absent from the data`,
        { feature: n },
      );
  }
  // Column-backed in: the kept columns shared, none copied (x is built later, for them only).
  return selectFrameColumns(frame, names);
}
