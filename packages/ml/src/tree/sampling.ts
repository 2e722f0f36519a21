/**
 * Row and column sampling for boosting rounds, from a shared non-secret seed: every party that
 * knows (seed, round, class) draws the same sample, so the plaintext twin and the federated
 * guest agree.
 */
import { SeededRandom } from '../random.js';

function mix(seed: number, round: number, salt: number): number {
  let x = (seed ^ Math.imul(round + 1, 0x9e3779b1) ^ Math.imul(salt + 1, 0x85ebca6b)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  return (x ^ (x >>> 15)) >>> 0;
}

function sample(n: number, fraction: number, seedValue: number): Uint32Array {
  if (fraction >= 1) return Uint32Array.from({ length: n }, (_, i) => i);
  const k = Math.max(1, Math.round(fraction * n));
  const perm = new SeededRandom(seedValue).permutation(n);
  return perm.slice(0, Math.min(k, n)).sort();
}

/** The rows of round `round`: ⌈fraction·n⌉-ish distinct row indices, ascending (all for 1). */
export function sampleRows(n: number, fraction: number, seed: number, round: number): Uint32Array {
  return sample(n, fraction, mix(seed, round, 0));
}

/** The features of the tree of (round, cls) among d, ascending (all for fraction 1; at least 1). */
export function sampleColumns(
  d: number,
  fraction: number,
  seed: number,
  round: number,
  cls: number,
): Uint32Array {
  if (d === 0) return new Uint32Array(0);
  return sample(d, fraction, mix(seed, round, 1 + cls));
}
