/**
 * Shamir t-out-of-n secret sharing (Shamir, CACM 1979) of 32-byte secrets over the prime field
 * GF(p), p = 2^256 + 297 (the smallest prime above 2^256, so every 32-byte string is a field
 * element and no secret needs reducing). A secret s is the constant term of a random polynomial
 * f of degree t − 1; the share of holder `id` is f(id + 1) (x = id + 1, so that id 0 is never
 * the point 0). Any t shares give s by Lagrange interpolation at 0; any t − 1 shares are
 * independent of s (perfect secrecy). Share values are 33 little-endian bytes.
 */
import { randomBelow } from '../random.js';
import { readBigUintLE, writeBigUintLE } from '../kernels/bytes.js';
import { modInverse } from '../kernels/mod-arith-portable.js';

/** The field prime p = 2^256 + 297. */
export const SHAMIR_PRIME = (1n << 256n) + 297n;
/** Bytes of a secret. */
export const SHAMIR_SECRET_BYTES = 32;
/** Bytes of a share value (an element of GF(p), little-endian). */
export const SHAMIR_SHARE_BYTES = 33;
/** Largest holder id (x = id + 1 must fit 32 bits). */
export const MAX_SECAGG_ID = 0xfffffffe;

const P = SHAMIR_PRIME;

/** One holder's share of one secret. */
export interface ShamirShare {
  /** The holder's id (evaluation point id + 1). */
  id: number;
  /** Shares needed to reconstruct. */
  threshold: number;
  /** f(id + 1), 33 bytes little-endian. */
  value: Uint8Array;
}

/** @throws RangeError unless `id` is an integer in [0, MAX_SECAGG_ID]. */
export function checkId(id: number, what = 'id'): void {
  if (!Number.isInteger(id) || id < 0 || id > MAX_SECAGG_ID)
    throw new RangeError(`${what} must be an integer in [0, ${MAX_SECAGG_ID}], got ${id}`);
}

/**
 * Splits a 32-byte secret into one share per holder.
 * @param secret 32 bytes.
 * @param ids the holders' ids (distinct integers in [0, 2^32 − 2]); shares come back in this order.
 * @param threshold t: any t shares reconstruct, t − 1 reveal nothing; 1 ≤ t ≤ ids.length.
 * @throws RangeError on a secret that is not 32 bytes, bad or repeated ids, or a bad threshold.
 */
export function shamirSplit(
  secret: Uint8Array,
  ids: readonly number[],
  threshold: number,
): ShamirShare[] {
  if (!(secret instanceof Uint8Array) || secret.length !== SHAMIR_SECRET_BYTES)
    throw new RangeError(`secret must be ${SHAMIR_SECRET_BYTES} bytes`);
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > ids.length)
    throw new RangeError(
      `threshold must be an integer in [1, ${ids.length}] (the number of holders), got ${threshold}`,
    );
  const seen = new Set<number>();
  for (const id of ids) {
    checkId(id, 'holder id');
    if (seen.has(id)) throw new RangeError(`holder id ${id} appears twice`);
    seen.add(id);
  }
  const coeffs: bigint[] = [readBigUintLE(secret, 0, SHAMIR_SECRET_BYTES)];
  for (let i = 1; i < threshold; i++) coeffs.push(randomBelow(P));
  return ids.map((id) => {
    const x = BigInt(id + 1);
    let y = 0n;
    for (let i = coeffs.length - 1; i >= 0; i--) y = (y * x + coeffs[i]!) % P;
    const value = new Uint8Array(SHAMIR_SHARE_BYTES);
    writeBigUintLE(y, SHAMIR_SHARE_BYTES, value);
    return { id, threshold, value };
  });
}

/**
 * Lagrange coefficients at 0 for the points x_i = ids[i] + 1:
 * λ_i = Π_{j≠i} x_j / (x_j − x_i) mod p (one modular inverse for all, Montgomery's trick).
 * @throws RangeError on repeated ids.
 */
export function lagrangeAtZero(ids: readonly number[]): bigint[] {
  const xs = ids.map((id) => BigInt(id + 1));
  const n = xs.length;
  let all = 1n;
  for (const x of xs) all = (all * x) % P;
  // λ_i = all / (x_i · Π_{j≠i} (x_j − x_i)).
  const den: bigint[] = new Array<bigint>(n);
  for (let i = 0; i < n; i++) {
    const xi = xs[i]!;
    let d = xi;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const diff = xs[j]! - xi;
      if (diff === 0n) throw new RangeError(`share holder id ${ids[i]} appears twice`);
      d = (d * (diff < 0n ? diff + P : diff)) % P;
    }
    den[i] = d;
  }
  const prefix: bigint[] = new Array<bigint>(n);
  let acc = 1n;
  for (let i = 0; i < n; i++) {
    prefix[i] = acc;
    acc = (acc * den[i]!) % P;
  }
  let inv = modInverse(acc, P);
  const out: bigint[] = new Array<bigint>(n);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = (((inv * prefix[i]!) % P) * all) % P;
    inv = (inv * den[i]!) % P;
  }
  return out;
}

/**
 * Lagrange coefficients at 0 for ids \ {ids[drop]} from those for ids, in O(n):
 * λ_i' = λ_i · (x_g − x_i) / x_g with g = ids[drop] (removing the factor x_g/(x_g − x_i)).
 * @param coeffs {@link lagrangeAtZero}(ids).
 * @returns coefficients in the order of ids without position `drop`.
 */
export function lagrangeWithout(
  coeffs: readonly bigint[],
  ids: readonly number[],
  drop: number,
): bigint[] {
  const xg = BigInt(ids[drop]! + 1);
  const inv = modInverse(xg, P);
  const out: bigint[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (i === drop) continue;
    const d = xg - BigInt(ids[i]! + 1);
    out.push((((coeffs[i]! * (d < 0n ? d + P : d)) % P) * inv) % P);
  }
  return out;
}

/** Decodes a share value, checking its length and that it is a field element. */
function shareValue(s: ShamirShare): bigint {
  if (!(s.value instanceof Uint8Array) || s.value.length !== SHAMIR_SHARE_BYTES)
    throw new RangeError(`share of holder ${s.id} must be ${SHAMIR_SHARE_BYTES} bytes`);
  const y = readBigUintLE(s.value, 0, SHAMIR_SHARE_BYTES);
  if (y >= P) throw new RangeError(`share of holder ${s.id} is not an element of GF(p)`);
  return y;
}

/**
 * Σ λ_i y_i for precomputed coefficients (see {@link lagrangeAtZero}), as a 32-byte secret.
 * @throws Error if the result is not a 32-byte value (the shares are not of one secret).
 */
export function combineWithCoefficients(
  coeffs: readonly bigint[],
  shares: readonly ShamirShare[],
): Uint8Array {
  let s = 0n;
  for (let i = 0; i < coeffs.length; i++) s = (s + coeffs[i]! * shareValue(shares[i]!)) % P;
  if (s >> 256n !== 0n)
    throw new Error('shares are inconsistent: they do not interpolate to a 32-byte secret');
  const out = new Uint8Array(SHAMIR_SECRET_BYTES);
  writeBigUintLE(s, SHAMIR_SECRET_BYTES, out);
  return out;
}

/**
 * Reconstructs a secret from at least `threshold` shares (the first `threshold` are used;
 * further shares are ignored, not checked).
 * @param shares shares of one secret from distinct holders, all with the same threshold.
 * @returns the 32-byte secret.
 * @throws RangeError if there are fewer shares than the threshold, thresholds differ, a holder
 *   repeats or a share is malformed; Error if the shares do not interpolate to a 32-byte value.
 */
export function shamirCombine(shares: readonly ShamirShare[]): Uint8Array {
  if (shares.length === 0) throw new RangeError('shamirCombine: no shares given');
  const t = shares[0]!.threshold;
  if (!Number.isInteger(t) || t < 1) throw new RangeError(`bad share threshold ${t}`);
  const holders = new Set<number>();
  for (const s of shares) {
    if (s.threshold !== t)
      throw new RangeError(`shares disagree on the threshold (${t} vs ${s.threshold})`);
    checkId(s.id, 'share holder id');
    if (holders.has(s.id)) throw new RangeError(`share holder id ${s.id} appears twice`);
    holders.add(s.id);
  }
  if (shares.length < t)
    throw new RangeError(
      `shamirCombine: ${shares.length} shares given, but ${t} are needed to reconstruct`,
    );
  const used = shares.slice(0, t);
  return combineWithCoefficients(lagrangeAtZero(used.map((s) => s.id)), used);
}
