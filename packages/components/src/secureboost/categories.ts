/**
 * Category-name routing of SecureBoost splits on categorical columns. Training bins a categorical
 * column by its codes (0..k−1, the dataset's ascending levels) and splits on `code ≤ threshold`;
 * the party owning the split (guest or host) then records the category NAMES on each side, so
 * that prediction routes a row by its category, not by its code: a refreshed dataset version
 * whose levels differ (a level added, so later codes shift) still routes each category as it was
 * trained. A category named on neither side (not among the training dataset's levels) goes where
 * missing values go (`missingLeft`). Splits recorded before names existed (threshold only) keep
 * routing by code. The names stay in the owner's model part: they are never sent to a partner.
 */
import { goesLeftRaw, MAX_CATEGORY_BINS, type Frame } from '@fedgrid/ml';
import { ComponentError } from '../spec.js';

/** The category names on each side of a split on a categorical column. */
export interface CategorySides {
  /** Categories whose rows go left. */
  leftCategories: string[];
  /** Categories whose rows go right. */
  rightCategories: string[];
}

/** A recorded split as prediction needs it (a guest node or a host's split table entry). */
export interface RoutedSplit {
  feature: string;
  /** Absent for a set split (which always records category names). */
  threshold?: number;
  missingLeft?: boolean;
  leftCategories?: string[];
  rightCategories?: string[];
}

/**
 * The sides of the split `code ≤ threshold` on `feature`, by category name, when `frame` types
 * the feature as categorical; undefined for any other column (numeric splits keep thresholds).
 */
export function categorySides(
  frame: Pick<Frame, 'columnTypes'>,
  feature: string,
  threshold: number,
): CategorySides | undefined {
  const t = frame.columnTypes?.[feature];
  if (t?.type !== 'categorical') return undefined;
  const leftCategories: string[] = [];
  const rightCategories: string[] = [];
  t.levels.forEach((name, code) =>
    (code <= threshold ? leftCategories : rightCategories).push(name),
  );
  return { leftCategories, rightCategories };
}

/**
 * A row router for one split: `(v) => goes left`, where v is the row's value of the split's
 * feature (for a categorical column, its code in the data being predicted, whose category names
 * are `levels`). A split with recorded category names routes by name: NaN and a category on
 * neither side go the missing direction. A split without names routes `v ≤ threshold`.
 * @param where the party, for error messages.
 * @throws ComponentError FEATURE_INVALID when the split routes by name and `levels` is undefined
 *   (the data does not type the column as categorical: register it as a categorical column).
 */
export function splitRouter(
  split: RoutedSplit,
  levels: readonly string[] | undefined,
  where: string,
): (v: number) => boolean {
  const missingLeft = split.missingLeft === true;
  if (!split.leftCategories) {
    const threshold = split.threshold;
    if (typeof threshold !== 'number')
      throw new ComponentError(
        'MODEL_INVALID',
        `${where}: the model's split on feature '${split.feature}' has neither a threshold nor category names; retrain or restore the model part`,
        { party: where, feature: split.feature },
      );
    return (v) => goesLeftRaw(v, threshold, missingLeft);
  }
  if (!levels)
    throw new ComponentError(
      'FEATURE_INVALID',
      `${where}: the model splits feature '${split.feature}' by category name, but the data gives no category names for it; register '${split.feature}' as a categorical (string) column`,
      { party: where, feature: split.feature },
    );
  const left = new Set(split.leftCategories);
  const right = new Set(split.rightCategories ?? []);
  // Per code of this data: 1 left, 0 right, -1 unseen (missing direction).
  const side = levels.map((name) => (left.has(name) ? 1 : right.has(name) ? 0 : -1));
  return (v) => {
    if (Number.isNaN(v)) return missingLeft;
    const s = Number.isInteger(v) ? side[v] : undefined;
    return s === undefined || s < 0 ? missingLeft : s === 1;
  };
}

/**
 * The sides of a set split on `feature` by category name: the categories of codes `leftCodes`
 * go left, the column's other levels right.
 * @throws ComponentError FEATURE_INVALID when `frame` does not type the feature as categorical.
 */
export function setSides(
  frame: Pick<Frame, 'columnTypes'>,
  feature: string,
  leftCodes: readonly number[],
): CategorySides {
  const levels = levelsOf(frame, feature);
  if (!levels)
    throw new ComponentError(
      'FEATURE_INVALID',
      `a set split on '${feature}', which is not a categorical column`,
      { feature },
    );
  const left = new Set(leftCodes);
  return {
    leftCategories: levels.filter((_, c) => left.has(c)),
    rightCategories: levels.filter((_, c) => !left.has(c)),
  };
}

/**
 * Per column of `frame`: its number of levels k when it is a categorical column split by
 * category sets (`mode` 'set'), else undefined (numeric columns, or `mode` 'threshold').
 * @param where the party, for error messages.
 * @throws ComponentError FEATURE_INVALID when a categorical column has more than
 *   MAX_CATEGORY_BINS (254) levels: use `categoricalSplit: 'threshold'` or encode it first.
 */
export function categoryCounts(
  frame: Pick<Frame, 'featureNames' | 'columnTypes'>,
  mode: 'set' | 'threshold',
  where: string,
): (number | undefined)[] {
  return frame.featureNames.map((name) => {
    const levels = mode === 'set' ? levelsOf(frame, name) : undefined;
    if (!levels) return undefined;
    if (levels.length > MAX_CATEGORY_BINS)
      throw new ComponentError(
        'FEATURE_INVALID',
        `${where}: categorical feature '${name}' has ${levels.length} categories; set splits bin one category per bin, at most ${MAX_CATEGORY_BINS} — set 'categoricalSplit' to 'threshold', or encode the column (target/WOE encoding) first`,
        { party: where, feature: name, categories: levels.length },
      );
    return Math.max(1, levels.length);
  });
}

/** The levels of `feature` in `frame` when it is a categorical column, else undefined. */
export function levelsOf(
  frame: Pick<Frame, 'columnTypes'>,
  feature: string,
): readonly string[] | undefined {
  const t = frame.columnTypes?.[feature];
  return t?.type === 'categorical' ? t.levels : undefined;
}
