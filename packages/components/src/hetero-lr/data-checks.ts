/** Input checks shared by the HeteroLR programs: clear errors instead of silent nonsense. */
import type { Frame } from '@fedgrid/ml';
import { ComponentError } from '../spec.js';

/** @throws ComponentError if any feature is missing (NaN). */
export function requireComplete(frame: Frame, party: string): void {
  const { rows, cols, data } = frame.x;
  for (let j = 0; j < cols; j++) {
    let missing = 0;
    for (let i = 0; i < rows; i++) if (Number.isNaN(data[i * cols + j] as number)) missing++;
    if (missing > 0) {
      throw new ComponentError(
        'MISSING_VALUES',
        `${party}: feature '${frame.featureNames[j]}' has ${missing} missing values; HeteroLR needs complete features — fill or drop them before training`,
        { party, feature: frame.featureNames[j], missing },
      );
    }
  }
}

/**
 * Binary labels as 0/1: accepts {0, 1} and {−1, 1}.
 * @throws ComponentError for anything else.
 */
export function binaryLabels(frame: Frame): Float64Array {
  const labels = requireLabels(frame);
  const values = [...new Set(labels)].sort((a, b) => a - b);
  if (
    values.length > 2 ||
    !values.every((v) => v === 0 || v === 1 || v === -1) ||
    (values.includes(-1) && values.includes(0))
  ) {
    throw new ComponentError(
      'LABELS_NOT_BINARY',
      `label '${frame.labelName}' has values ${values.slice(0, 10).join(', ')}${values.length > 10 ? ', …' : ''}; binary HeteroLR needs labels 0/1 (or −1/1)`,
      { values: values.slice(0, 20) },
    );
  }
  return values.includes(-1) ? labels.map((v) => (v === -1 ? 0 : 1)) : labels;
}

/** Most classes a one-vs-rest fit trains (one model per class). */
export const MAX_CLASSES = 50;

/**
 * What a logistic fit trains on: binary labels (0/1 or −1/1) give one model; integer labels with
 * 3 to {@link MAX_CLASSES} distinct values give one-vs-rest models, one per class (sorted).
 * @throws ComponentError for missing labels, non-integers or too many classes.
 */
export function logisticTargets(frame: Frame): { classes: number[]; targets: Float64Array[] } {
  const labels = requireLabels(frame);
  const values = [...new Set(labels)].sort((a, b) => a - b);
  if (values.length <= 2) return { classes: [0, 1], targets: [binaryLabels(frame)] };
  if (!values.every(Number.isInteger) || values.length > MAX_CLASSES) {
    throw new ComponentError(
      'LABELS_NOT_CLASSES',
      `label '${frame.labelName}' has ${values.length} distinct values (${values.slice(0, 10).join(', ')}${values.length > 10 ? ', …' : ''}); HeteroLR needs 0/1 labels, or integer classes (at most ${MAX_CLASSES}) for one-vs-rest — for a real-valued label use hetero-linr`,
      { distinct: values.length },
    );
  }
  return {
    classes: values,
    targets: values.map((c) => labels.map((v) => (v === c ? 1 : 0))),
  };
}

/**
 * Real-valued labels (HeteroLinR), or counts ≥ 0 (HeteroPoisson, `counts: true`).
 * @throws ComponentError naming the first row whose label is not finite (or negative).
 */
export function realLabels(frame: Frame, opts: { counts?: boolean } = {}): Float64Array {
  const labels = requireLabels(frame);
  const bad = labels.findIndex((v) => !Number.isFinite(v) || (opts.counts === true && v < 0));
  if (bad >= 0)
    throw new ComponentError(
      'LABELS_INVALID',
      `label '${frame.labelName}' of row ${bad} (id ${frame.ids[bad]}) is ${labels[bad]}; ${opts.counts ? 'Poisson regression needs counts ≥ 0' : 'regression needs finite labels'}`,
      { row: bad, id: frame.ids[bad] },
    );
  return labels;
}

function requireLabels(frame: Frame): Float64Array {
  if (!frame.labels)
    throw new ComponentError(
      'LABELS_MISSING',
      'the guest dataset has no label column; register it with --label',
    );
  return frame.labels;
}
