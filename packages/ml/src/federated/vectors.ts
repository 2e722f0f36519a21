/**
 * Input checks and small vector kernels shared by the federated aggregation code. Internal: not
 * re-exported from the package index.
 */

/**
 * Checks one parameter vector: a Float64Array of `length ≥ 1` (or exactly `expectedLength`)
 * whose entries are all finite.
 *
 * @throws RangeError naming `what` and the first offending entry.
 */
export function checkVector(vector: Float64Array, what: string, expectedLength?: number): void {
  if (!(vector instanceof Float64Array)) {
    throw new RangeError(`${what} must be a Float64Array (flat model parameters)`);
  }
  if (vector.length === 0) throw new RangeError(`${what} is empty: pass at least one parameter`);
  if (expectedLength !== undefined && vector.length !== expectedLength) {
    throw new RangeError(
      `${what} has length ${vector.length} but ${expectedLength} was expected: all parameter ` +
        'vectors must come from the same model layout',
    );
  }
  for (let j = 0; j < vector.length; j++) {
    const x = vector[j] as number;
    if (!Number.isFinite(x)) {
      throw new RangeError(
        `${what}[${j}] is ${x}: drop updates with non-finite entries before aggregating`,
      );
    }
  }
}

/**
 * Checks a non-empty list of equal-length, finite parameter vectors and returns their length.
 *
 * @throws RangeError when the list is empty, lengths differ or an entry is not finite.
 */
export function checkVectors(vectors: readonly Float64Array[], what: string): number {
  if (!Array.isArray(vectors) || vectors.length === 0) {
    throw new RangeError(`${what} must be a non-empty array of Float64Array vectors`);
  }
  const d = (vectors[0] as Float64Array)?.length;
  for (let i = 0; i < vectors.length; i++) {
    checkVector(vectors[i] as Float64Array, `${what}[${i}]`, i === 0 ? undefined : d);
  }
  return d;
}

/**
 * Checks a positive finite scalar option.
 *
 * @throws RangeError when `x` is not a finite number > 0 (or ≥ 0 when `allowZero`).
 */
export function checkPositive(x: number, what: string, allowZero = false): void {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0 || (!allowZero && x === 0)) {
    throw new RangeError(
      `${what} must be a finite number ${allowZero ? '≥ 0' : '> 0'}, got ${String(x)}`,
    );
  }
}

/** Euclidean (L2) norm. */
export function l2Norm(v: Float64Array): number {
  // Scaled accumulation: no overflow for entries near 1e200.
  let scale = 0;
  for (let j = 0; j < v.length; j++) scale = Math.max(scale, Math.abs(v[j] as number));
  if (scale === 0) return 0;
  let s = 0;
  for (let j = 0; j < v.length; j++) {
    const x = (v[j] as number) / scale;
    s += x * x;
  }
  return scale * Math.sqrt(s);
}

/** Dot product of two equal-length vectors. */
export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += (a[j] as number) * (b[j] as number);
  return s;
}

/** Squared Euclidean distance of two equal-length vectors. */
export function squaredDistance(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) {
    const t = (a[j] as number) - (b[j] as number);
    s += t * t;
  }
  return s;
}

/** Median of a non-empty numeric array (mean of the two middle values for even length). */
export function median(values: ArrayLike<number>): number {
  const s = Float64Array.from(values).sort();
  const n = s.length;
  const h = n >> 1;
  return n % 2 === 1 ? (s[h] as number) : ((s[h - 1] as number) + (s[h] as number)) / 2;
}
