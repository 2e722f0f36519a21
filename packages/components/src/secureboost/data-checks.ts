/** Input checks of the SecureBoost programs: clear errors instead of silent nonsense. */
import {
  prepareObjective,
  type Frame,
  type GbdtObjective,
  type Matrix,
  type PreparedObjective,
} from '@fedgrid/ml';
import { MIN_AGGREGATE_ROWS } from '../disclosure.js';
import { ComponentError } from '../spec.js';
import type { SecureBoostParams } from './params.js';

/**
 * Missing values (NaN) are allowed — trees learn where they go — but infinite ones are not.
 * @throws ComponentError VALUE_INFINITE naming the feature and the first row with ±Infinity.
 */
export function requireNoInfinity(frame: Frame, party: string, what = 'data'): void {
  const { rows, cols, data } = frame.x;
  for (let j = 0; j < cols; j++) {
    let bad = 0;
    let first = -1;
    for (let i = 0; i < rows; i++) {
      const v = data[i * cols + j] as number;
      if (v === Infinity || v === -Infinity) {
        bad++;
        if (first < 0) first = i;
      }
    }
    if (bad > 0)
      throw new ComponentError(
        'VALUE_INFINITE',
        `${party}: feature '${frame.featureNames[j]}' of the ${what} has ${bad} infinite values (first: row ${first}, id ${frame.ids[first]}); replace them (outliers component) or mark them missing`,
        { party, feature: frame.featureNames[j], row: first, count: bad },
      );
  }
}

/**
 * A validation frame's features in the training frame's column order (matched by name).
 * @throws ComponentError FEATURE_MISSING naming a training feature absent from it.
 */
export function alignColumns(train: Frame, other: Frame, party: string, what: string): Matrix {
  const index = new Map(other.featureNames.map((f, j) => [f, j]));
  const cols = train.featureNames.map((f) => {
    const j = index.get(f);
    if (j === undefined)
      throw new ComponentError(
        'FEATURE_MISSING',
        `${party}: the ${what} has no feature '${f}' (it has ${other.featureNames.join(', ')})`,
        { party, feature: f },
      );
    return j;
  });
  const { rows, cols: oc, data } = other.x;
  const out = new Float64Array(rows * cols.length);
  for (let i = 0; i < rows; i++)
    for (let k = 0; k < cols.length; k++)
      out[i * cols.length + k] = data[i * oc + (cols[k] as number)] as number;
  return { rows, cols: cols.length, data: out };
}

/**
 * The objective of a run: the parameter, or for 'auto' the one the labels suggest (two distinct
 * values: binary; up to 32 integer values: multiclass; otherwise regression).
 */
export function resolveObjective(p: SecureBoostParams, labels: Float64Array): GbdtObjective {
  if (p.objective !== 'auto') return p.objective;
  const values = new Set(labels);
  if (values.size <= 2) return 'binary';
  if (values.size <= 32 && [...values].every((v) => Number.isInteger(v))) return 'multiclass';
  return 'regression';
}

/**
 * The guest's labels, checked and encoded for the objective.
 * @throws ComponentError LABELS_MISSING / LABELS_INVALID naming the label column and values.
 */
export function guestObjective(frame: Frame, objective: GbdtObjective): PreparedObjective {
  if (!frame.labels)
    throw new ComponentError(
      'LABELS_MISSING',
      'the guest dataset has no label column; register it with --label',
    );
  try {
    return prepareObjective(objective, frame.labels);
  } catch (err) {
    throw new ComponentError(
      'LABELS_INVALID',
      `label '${frame.labelName ?? 'y'}' does not suit objective '${objective}': ${(err as Error).message}`,
      { field: 'objective', objective },
    );
  }
}

/**
 * A host's own minimum before it reveals anything: the guest learns the g/h sums of every bin of
 * every host feature at the root, over the round's sampled rows, so each feature's bins must be
 * able to hold {@link MIN_AGGREGATE_ROWS} rows each: rows ≥ 10 × (its regular bins + its missing
 * bin). Quantile bins then average ≥ 10 rows (docs/protocols/secureboost.md, "Minimum sizes").
 * @param bins per feature, regular bins plus the missing bin if it has one.
 * @param categorySets per feature: its category count when it is split by category sets (one bin
 *   per category, which `bins` does not limit), else undefined — changes the suggested fix.
 * @throws ComponentError TOO_FEW_ROWS naming the feature with the most bins, the rule and the fix.
 */
export function requireRowsPerBin(
  rows: number,
  bins: readonly number[],
  featureNames: readonly string[],
  where: string,
  categorySets: readonly (number | undefined)[] = [],
): void {
  let worst = -1;
  for (let j = 0; j < bins.length; j++)
    if (rows < MIN_AGGREGATE_ROWS * (bins[j] as number) && (worst < 0 || bins[j]! > bins[worst]!))
      worst = j;
  if (worst < 0) return;
  const b = bins[worst] as number;
  const fix =
    categorySets[worst] !== undefined
      ? `it is a categorical column split by category sets (one bin per category): set 'categoricalSplit' to 'threshold' (then 'bins' applies), merge rare categories, raise 'subsample', or train on more aligned rows`
      : `lower 'bins' to at most ${Math.max(1, Math.floor(rows / MIN_AGGREGATE_ROWS))}, raise 'subsample', or train on more aligned rows`;
  throw new ComponentError(
    'TOO_FEW_ROWS',
    `${where}: ${rows} rows for feature '${featureNames[worst]}' of ${b} bins; the guest learns the gradient sums of every host bin, so secureboost needs at least ${MIN_AGGREGATE_ROWS} rows per bin (${MIN_AGGREGATE_ROWS * b} rows) — ${fix}`,
    { rows, feature: featureNames[worst], bins: b, minRowsPerBin: MIN_AGGREGATE_ROWS },
  );
}
