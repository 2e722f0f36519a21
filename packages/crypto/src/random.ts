/** Cryptographically secure random numbers (node:crypto CSPRNG). */
import { randomBytes, randomFillSync, randomInt } from 'node:crypto';
import { readBigUintLE } from './kernels/bytes.js';

/** A uniformly random integer in [0, 2^bits). */
export function randomBits(bits: number): bigint {
  const nbytes = Math.ceil(bits / 8);
  const buf = randomBytes(nbytes);
  const extra = nbytes * 8 - bits;
  if (extra > 0) buf[nbytes - 1]! &= 0xff >> extra;
  return readBigUintLE(buf, 0, nbytes);
}

/** A uniformly random integer in [0, bound) by rejection sampling. */
export function randomBelow(bound: bigint): bigint {
  if (bound <= 0n) throw new RangeError('randomBelow: bound must be positive');
  const bits = bound.toString(2).length;
  for (;;) {
    const r = randomBits(bits);
    if (r < bound) return r;
  }
}

/**
 * n random exponents of `bits` bits each, as n × ceil(bits/8) little-endian bytes (the layout
 * of {@link ModArith.fixedBasePow}).
 */
export function randomExponents(n: number, bits: number): Uint8Array {
  const eb = Math.ceil(bits / 8);
  const out = new Uint8Array(n * eb);
  randomFillSync(out);
  const extra = eb * 8 - bits;
  if (extra > 0) {
    const mask = 0xff >> extra;
    for (let i = 0; i < n; i++) out[i * eb + eb - 1]! &= mask;
  }
  return out;
}

/**
 * A uniformly random permutation of 0 … n−1 (Fisher–Yates, Knuth TAOCP vol. 2 §3.4.2, Algorithm
 * P) drawn from the CSPRNG: use it to shuffle anything sent to a peer whose order would otherwise
 * reveal row positions. ≈ 0.1 µs per element.
 *
 * @param n length, an integer in 0 … 2³² − 1.
 * @param draw uniform integer in [0, bound); default `node:crypto.randomInt` (unbiased). Inject a
 *   source only in tests: a predictable source makes the order predictable.
 * @returns p with p[k] = the element placed at position k.
 * @throws RangeError if n is not an integer in range.
 */
export function securePermutation(
  n: number,
  draw: (bound: number) => number = randomInt,
): Uint32Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff)
    throw new RangeError(`securePermutation: n = ${String(n)} must be an integer in 0 … 2^32 − 1`);
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = draw(i + 1);
    const t = p[i] as number;
    p[i] = p[j] as number;
    p[j] = t;
  }
  return p;
}
