/**
 * Row sampling (standard 001 appendix A.1 table 2, step 2 "样本抽样"): uniform, stratified by
 * label, per label value by fraction or count (按Y值取值样本量的比例/数量), and balancing by up- or
 * down-sampling. Every function returns row positions, ascending (a row drawn m times appears m
 * times, adjacently), so that every party of a vertical job can select the same rows.
 *
 * Drawing s rows from m: with replacement, s independent uniform draws; without replacement,
 * ⌊s/m⌋ copies of every row plus a uniform subset of s mod m rows (so s > m is up-sampling
 * in which each row appears ⌊s/m⌋ or ⌈s/m⌉ times).
 */
import { PreprocessError } from './errors.js';

/** A source of uniform integers in [0, n) (SeededRandom, or a CSPRNG for secret choices). */
export interface RandomSource {
  nextInt(n: number): number;
}

/** s positions drawn from `pool` (see the module comment), not sorted. */
function draw(pool: readonly number[], s: number, replace: boolean, rng: RandomSource): number[] {
  const m = pool.length;
  if (s === 0) return [];
  if (m === 0)
    throw new PreprocessError('SAMPLE_EMPTY', `cannot draw ${s} rows from none`, { size: s });
  const out: number[] = [];
  if (replace) {
    for (let k = 0; k < s; k++) out.push(pool[rng.nextInt(m)] as number);
    return out;
  }
  for (let c = 0; c < Math.floor(s / m); c++) out.push(...pool);
  const rest = s % m;
  const a = pool.slice();
  // Partial Fisher–Yates: the first `rest` entries become a uniform subset.
  for (let i = 0; i < rest; i++) {
    const j = i + rng.nextInt(m - i);
    const t = a[i] as number;
    a[i] = a[j] as number;
    a[j] = t;
  }
  out.push(...a.slice(0, rest));
  return out;
}

const ascending = (xs: number[]) => Uint32Array.from(xs).sort();

/** Positions of each class, by label value (classes ascending). */
export function classRows(labels: Float64Array): Map<number, number[]> {
  const m = new Map<number, number[]>();
  labels.forEach((y, i) => {
    const l = m.get(y);
    if (l) l.push(i);
    else m.set(y, [i]);
  });
  return new Map([...m].sort((a, b) => a[0] - b[0]));
}

/**
 * Splits `total` into integer parts proportional to `weights` with every part within 1 of its
 * exact share (largest remainder, ties to the earlier part).
 */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, w) => a + w, 0);
  const exact = weights.map((w) => (sum > 0 ? (total * w) / sum : 0));
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((a, p) => a + p, 0);
  const order = exact
    .map((e, i) => ({ i, r: e - Math.floor(e) }))
    .sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    parts[i] = (parts[i] as number) + 1;
    left--;
  }
  return parts;
}

/**
 * s rows of n, uniformly (label-blind).
 * @throws PreprocessError SAMPLE_EMPTY when n = 0 and s > 0.
 */
export function sampleRandom(
  n: number,
  s: number,
  replace: boolean,
  rng: RandomSource,
): Uint32Array {
  return ascending(
    draw(
      Array.from({ length: n }, (_, i) => i),
      s,
      replace,
      rng,
    ),
  );
}

/**
 * s rows in total, split among the classes in proportion to their sizes (each class's count is
 * within one row of s·n_c/n), drawn within each class.
 * @throws PreprocessError SAMPLE_EMPTY for an empty frame with s > 0.
 */
export function sampleStratified(
  labels: Float64Array,
  s: number,
  replace: boolean,
  rng: RandomSource,
): Uint32Array {
  const classes = [...classRows(labels).values()];
  const sizes = apportion(
    s,
    classes.map((c) => c.length),
  );
  return ascending(classes.flatMap((rows, k) => draw(rows, sizes[k] as number, replace, rng)));
}

/**
 * Per label value: the target size of the class (classes not in `sizes` keep all their rows).
 * @throws PreprocessError CLASS_UNKNOWN when `sizes` names a label value no row has.
 */
export function sampleByClass(
  labels: Float64Array,
  sizes: ReadonlyMap<number, number>,
  replace: boolean,
  rng: RandomSource,
): Uint32Array {
  const classes = classRows(labels);
  for (const y of sizes.keys())
    if (!classes.has(y))
      throw new PreprocessError(
        'CLASS_UNKNOWN',
        `no row has label ${y} (labels: ${[...classes.keys()].join(', ')})`,
        { label: y },
      );
  return ascending(
    [...classes].flatMap(([y, rows]) => {
      const s = sizes.get(y);
      return s === undefined ? rows : draw(rows, s, replace, rng);
    }),
  );
}

/**
 * Balances the classes: `up` draws every class to the size of the largest, keeping each of its
 * rows at least once (without replacement) — `down` draws every class to the size of the
 * smallest, without replacement.
 */
export function sampleBalanced(
  labels: Float64Array,
  mode: 'up' | 'down',
  rng: RandomSource,
  replace = false,
): Uint32Array {
  const classes = classRows(labels);
  const counts = [...classes.values()].map((r) => r.length);
  const target = mode === 'up' ? Math.max(0, ...counts) : Math.min(...counts);
  return sampleByClass(
    labels,
    new Map([...classes.keys()].map((y) => [y, target])),
    mode === 'down' ? false : replace,
    rng,
  );
}
