/**
 * Train / validate / test split (standard 001 appendix A.1 table 2, step 6 "数据集划分"), random
 * or stratified by label. Returns one part per row (0 train, 1 validate, 2 test) so that every
 * party of a vertical job can cut its aligned rows the same way.
 */
import { apportion, classRows, type RandomSource } from './sample.js';

export const SPLIT_TRAIN = 0;
export const SPLIT_VALIDATE = 1;
export const SPLIT_TEST = 2;

export interface SplitFractions {
  train: number;
  validate: number;
  test: number;
}

/** Uniformly shuffles `rows` in place (Fisher–Yates). */
function shuffle(rows: number[], rng: RandomSource): void {
  for (let i = rows.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = rows[i] as number;
    rows[i] = rows[j] as number;
    rows[j] = t;
  }
}

/** Assigns `rows` (in the order given) to the parts: the first counts[0] to train, … */
function assign(out: Uint8Array, rows: readonly number[], counts: readonly number[]): void {
  let k = 0;
  counts.forEach((c, part) => {
    for (let e = 0; e < c; e++) out[rows[k++] as number] = part;
  });
}

/**
 * The part of each of n rows. Part sizes are the fractions' shares of n by largest remainder
 * (each within one row of fraction·n); with `labels`, of every class separately (each class's
 * count in each part within one row of fraction·n_c, so every part keeps the label ratio).
 * With `shuffle` false the parts are consecutive runs in row order (per class when stratified).
 * @param fractions non-negative, summing to 1.
 */
export function splitRows(
  n: number,
  fractions: SplitFractions,
  rng: RandomSource,
  options: { labels?: Float64Array; shuffle?: boolean } = {},
): Uint8Array {
  const weights = [fractions.train, fractions.validate, fractions.test];
  const out = new Uint8Array(n);
  const groups = options.labels
    ? [...classRows(options.labels).values()]
    : [Array.from({ length: n }, (_, i) => i)];
  for (const rows of groups) {
    if (options.shuffle ?? true) shuffle(rows, rng);
    assign(out, rows, apportion(rows.length, weights));
  }
  return out;
}

/** Ascending positions of the rows assigned to `part`. */
export function rowsOfPart(parts: Uint8Array, part: number): Uint32Array {
  const out: number[] = [];
  parts.forEach((p, i) => {
    if (p === part) out.push(i);
  });
  return Uint32Array.from(out);
}
