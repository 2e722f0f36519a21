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
  if (!frame.labels) {
    throw new ComponentError(
      'LABELS_MISSING',
      'the guest dataset has no label column; register it with --label',
    );
  }
  const values = [...new Set(frame.labels)].sort((a, b) => a - b);
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
  return values.includes(-1) ? frame.labels.map((v) => (v === -1 ? 0 : 1)) : frame.labels;
}
