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
const HALF_ORDER = (CURVE25519_P - 1n) / 2n;
const DOMAIN = Buffer.from('FedGrid PIR v1 h2c', 'utf8');
/** Candidates tried per key before giving up (each fails with probability ≈ 1/2). */
const MAX_TRIES = 128;

/** The candidate u_j of a key as 32 little-endian bytes, bit 255 cleared (not yet reduced mod p). */
function candidate(key: string, counter: number, out: Uint8Array, off: number): void {
  const ctr = Buffer.alloc(4);
  ctr.writeUInt32BE(counter);
  const d = createHash('sha256').update(DOMAIN).update(ctr).update(key, 'utf8').digest();
  out.set(d, off);
  out[off + 31] = (out[off + 31] as number) & 0x7f;
}

/**
 * dst = src + c (little-endian, 32 bytes). Returns false when the sum may be ≥ p (its top byte
 * is ≥ 0x7f, probability ≈ 2^-8 for uniform inputs): the caller then computes that element with
 * BigInt. A true result guarantees dst < 2^255 − 2^248 < p.
 */
function addSmall(src: Uint8Array, off: number, c: number, dst: Uint8Array, doff: number): boolean {
  let carry = c;
  for (let i = 0; i < 32; i++) {
    const v = (src[off + i] as number) + carry;
    dst[doff + i] = v & 0xff;
    carry = v >>> 8;
  }
  return carry === 0 && (dst[doff + 31] as number) < 0x7f;
}

/** u³ + A·u² + u mod p with BigInt, for the rare candidates near p. */
function rhsBig(uBytes: Uint8Array, off: number): bigint {
  const u = readBigUintLE(uBytes, off, X25519_BYTES) % CURVE25519_P;
  const u2 = (u * u) % CURVE25519_P;
  return (u2 * u + A * u2 + u) % CURVE25519_P;
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
  const W = X25519_BYTES;
  let pending = Array.from({ length: n }, (_, i) => i);
  for (let counter = 0; pending.length > 0; counter++) {
    if (counter >= MAX_TRIES) throw new Error('hash-to-curve: no candidate found (cannot happen)');
    const m = pending.length;
    // rhs = u · ((u + A) · u + 1), computed with the batched modular multiplication; candidates
    // whose intermediate sums could reach p (top byte ≥ 0x7f) are computed with BigInt instead.
    const u = new Uint8Array(m * W);
    const uA = new Uint8Array(m * W);
    const big: number[] = [];
    for (let j = 0; j < m; j++) {
      candidate(keys[pending[j] as number] as string, counter, u, j * W);
      if ((u[j * W + 31] as number) >= 0x7f || !addSmall(u, j * W, Number(A), uA, j * W)) {
        big.push(j);
        u.fill(0, j * W, (j + 1) * W);
        uA.fill(0, j * W, (j + 1) * W);
      }
    }
    const t = field.mul(u, uA);
    const t1 = new Uint8Array(m * W);
    for (let j = 0; j < m; j++) {
      if (!addSmall(t, j * W, 1, t1, j * W)) {
        big.push(j);
        t1.fill(0, j * W, (j + 1) * W);
      }
    }
    const rhs = field.mul(u, t1);
    // Redo the rare ones exactly (their candidate bytes are recomputed: u was zeroed above).
    const exact = new Uint8Array(W);
    for (const j of new Set(big)) {
      candidate(keys[pending[j] as number] as string, counter, exact, 0);
      writeBigUintLE(readBigUintLE(exact, 0, W) % CURVE25519_P, W, u, j * W);
      writeBigUintLE(rhsBig(exact, 0), W, rhs, j * W);
    }
    const chi = field.pow(rhs, HALF_ORDER);
    const next: number[] = [];
    for (let j = 0; j < m; j++) {
      let isOne = chi[j * W] === 1;
      for (let b = 1; b < W && isOne; b++) isOne = chi[j * W + b] === 0;
      if (isOne) out.set(u.subarray(j * W, (j + 1) * W), (pending[j] as number) * W);
      else {
        next.push(pending[j] as number);
      }
    }
    pending = next;
  }
  return out;
}
