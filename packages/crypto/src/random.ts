/** Cryptographically secure random numbers (node:crypto CSPRNG). */
import { randomBytes, randomFillSync } from 'node:crypto';
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
