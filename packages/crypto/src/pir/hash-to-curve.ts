/**
 * Hash of a keyword onto the prime-order part of Curve25519 (not its twist), for the OPRF of
 * keyword PIR. Try-and-increment: u_j = SHA-256("FedGrid PIR v1 h2c" ‖ j ‖ UTF-8(key)) mod 2^255
 * mod p for j = 0, 1, …, accepting the first u_j for which u³ + 486662u² + u is a non-zero square
 * mod p (the point lies on the curve, RFC 7748 §4.1). Every key lands on the curve, so a blinded
 * point never tells the server "curve or twist" — one bit of the key's hash.
 *
 * The map is deterministic and public; its outputs are as good as random oracle outputs on the
 * curve (each accepted u_j is a uniform curve u-coordinate; the small-order component it may carry
 * is cleared by the clamped scalars, which are multiples of the cofactor 8).
 */
import { createHash } from 'node:crypto';
import { isWellFormedId } from '../ecdh/hash-to-point.js';
import { X25519_BYTES } from '../ecdh/x25519.js';
import { readBigUintLE, writeBigUintLE } from '../kernels/bytes.js';
import { createModArith } from '../kernels/select.js';

/** The field prime of Curve25519, 2^255 − 19. */
export const CURVE25519_P = (1n << 255n) - 19n;
const A = 486662n;
const MASK_255 = (1n << 255n) - 1n;
const DOMAIN = Buffer.from('FedGrid PIR v1 h2c', 'utf8');
/** Candidates tried per key before giving up (each fails with probability ≈ 1/2). */
const MAX_TRIES = 128;

function candidate(key: string, counter: number): bigint {
  const ctr = Buffer.alloc(4);
  ctr.writeUInt32BE(counter);
  const d = createHash('sha256').update(DOMAIN).update(ctr).update(key, 'utf8').digest();
  return (readBigUintLE(d, 0, X25519_BYTES) & MASK_255) % CURVE25519_P;
}

/**
 * Maps keywords to Curve25519 u-coordinates of points on the curve.
 * @param keys n keywords (well-formed Unicode strings; the empty string is allowed).
 * @returns n × 32 bytes, little-endian u-coordinates, in input order.
 * @throws RangeError for a key with a lone UTF-16 surrogate (no UTF-8 encoding).
 */
export function hashKeysToCurve(keys: readonly string[]): Uint8Array {
  const n = keys.length;
  for (let i = 0; i < n; i++) {
    if (!isWellFormedId(keys[i] as string)) {
      throw new RangeError(
        `PIR key #${i} is not well-formed Unicode (lone surrogate) and cannot be hashed as UTF-8`,
      );
    }
  }
  const out = new Uint8Array(n * X25519_BYTES);
  const field = createModArith(CURVE25519_P);
  const halfOrder = (CURVE25519_P - 1n) / 2n;
  let pending = Array.from({ length: n }, (_, i) => i);
  for (let counter = 0; pending.length > 0; counter++) {
    if (counter >= MAX_TRIES) throw new Error('hash-to-curve: no candidate found (cannot happen)');
    const us: bigint[] = new Array<bigint>(pending.length);
    const rhs = new Uint8Array(pending.length * field.width);
    for (let j = 0; j < pending.length; j++) {
      const u = candidate(keys[pending[j] as number] as string, counter);
      us[j] = u;
      const u2 = (u * u) % CURVE25519_P;
      writeBigUintLE((u2 * u + A * u2 + u) % CURVE25519_P, field.width, rhs, j * field.width);
    }
    const chi = field.pow(rhs, halfOrder);
    const next: number[] = [];
    for (let j = 0; j < pending.length; j++) {
      if (readBigUintLE(chi, j * field.width, field.width) === 1n) {
        writeBigUintLE(us[j] as bigint, X25519_BYTES, out, (pending[j] as number) * X25519_BYTES);
      } else {
        next.push(pending[j] as number);
      }
    }
    pending = next;
  }
  return out;
}
