/**
 * The elliptic-curve OPRF behind keyword PIR: F_k(x) = H2(x, k · H1(x)) with H1 the
 * hash-to-curve of hash-to-curve.ts and k a clamped X25519 scalar — the "2HashDH" OPRF of
 * Jarecki, Kiayias, Krawczyk (Asiacrypt 2014, §3) and RFC 9497 (OPRF mode), evaluated on
 * Curve25519 u-coordinates so that the server's bulk work runs on the native X25519 kernel.
 *
 * Blinding: the client sends a · H1(x) with a = clamp(r) for fresh random r; the server returns
 * k · (a · H1(x)); the client multiplies by s ≡ a⁻¹ (mod ℓ), where ℓ is the prime order of the
 * curve's main subgroup. X25519 clamps every scalar (low three bits cleared, bit 254 set), so r is
 * re-drawn until s itself is a clamped scalar: s = 8m with 2^251 ≤ m < 2^252 (about one draw in
 * two). Since a, k and s are multiples of the cofactor 8 and H1(x) is on the curve, every result
 * lies in the order-ℓ subgroup and s · k · a · H1(x) = k · H1(x).
 */
import { createHash, randomBytes } from 'node:crypto';
import { X25519_BYTES, x25519Batch } from '../ecdh/x25519.js';
import { readBigUintLE, writeBigUintLE } from '../kernels/bytes.js';
import { modInverse } from '../kernels/mod-arith-portable.js';
import { hashKeysToCurve } from './hash-to-curve.js';

/** Order of the prime-order subgroup of Curve25519 (RFC 7748 §4.1). */
export const CURVE25519_L = (1n << 252n) + 27742317777372353535851937790883648493n;
/** Bytes of a blinded point and of an evaluated point on the wire. */
export const PIR_POINT_BYTES = X25519_BYTES;
/** Bytes of the table tag derived from the OPRF output. */
export const PIR_TAG_BYTES = 16;

const INV8 = modInverse(8n, CURVE25519_L);
const M_LOW = 1n << 251n;
const M_HIGH = 1n << 252n;
const OUT_DOMAIN = Buffer.from('FedGrid PIR v1 out', 'utf8');

/** A fresh OPRF key: a 32-byte X25519 scalar (clamped at every use). */
export function generatePirKey(): Uint8Array {
  return new Uint8Array(randomBytes(X25519_BYTES));
}

/** Whether 32 bytes are all zero (the X25519 result for a low-order input point). */
export function isZeroPoint(bytes: Uint8Array, offset: number): boolean {
  let acc = 0;
  for (let i = 0; i < X25519_BYTES; i++) acc |= bytes[offset + i] as number;
  return acc === 0;
}

/**
 * One blinding pair: `blind` is a 32-byte scalar r, `unblind` the 32-byte clamped scalar s with
 * s · clamp(r) ≡ 1 (mod ℓ).
 */
export function drawBlindingPair(): { blind: Uint8Array; unblind: Uint8Array } {
  for (;;) {
    const r = new Uint8Array(randomBytes(X25519_BYTES));
    r[0] = (r[0] as number) & 248;
    r[31] = ((r[31] as number) & 127) | 64;
    const a = readBigUintLE(r, 0, X25519_BYTES) % CURVE25519_L;
    const m = (modInverse(a, CURVE25519_L) * INV8) % CURVE25519_L;
    if (m < M_LOW || m >= M_HIGH) continue;
    const s = new Uint8Array(X25519_BYTES);
    writeBigUintLE(8n * m, X25519_BYTES, s);
    return { blind: r, unblind: s };
  }
}

/**
 * Server side, offline: the OPRF outputs' curve part k · H1(x) for every key of the table.
 * @param key 32-byte OPRF key from {@link generatePirKey}.
 * @param keys n keywords.
 * @returns n × 32 bytes.
 */
export function evaluateDirect(key: Uint8Array, keys: readonly string[]): Uint8Array {
  return x25519Batch(key, hashKeysToCurve(keys));
}

/**
 * Server side, online: k · B for every blinded point B.
 * @param key 32-byte OPRF key.
 * @param blinded n × 32 bytes as sent by the client.
 * @returns n × 32 bytes.
 * @throws RangeError if the length is not a multiple of 32 or a point has low order (its result
 *   would be zero: a malformed or hostile request, never produced by {@link blindKeys}).
 */
export function evaluateBlinded(key: Uint8Array, blinded: Uint8Array): Uint8Array {
  if (blinded.length % PIR_POINT_BYTES !== 0) {
    throw new RangeError(
      `PIR request must be n × ${PIR_POINT_BYTES} bytes of blinded points, got ${blinded.length} bytes`,
    );
  }
  const out = x25519Batch(key, blinded);
  for (let off = 0; off < out.length; off += PIR_POINT_BYTES) {
    if (isZeroPoint(out, off)) {
      throw new RangeError(
        `PIR request point #${off / PIR_POINT_BYTES} is a low-order point; a client never sends one`,
      );
    }
  }
  return out;
}

/** Client secret state between {@link blindKeys} and unblinding. */
export interface BlindedKeys {
  /** The keywords, in request order. */
  readonly keys: readonly string[];
  /** n × 32 bytes: the unblinding scalar of each key. */
  readonly unblind: Uint8Array;
  /** n × 32 bytes: the request sent to the server. */
  readonly request: Uint8Array;
}

/**
 * Client side: blinds keywords for one request.
 * @throws RangeError for a key that is not well-formed Unicode.
 */
export function blindKeys(keys: readonly string[]): BlindedKeys {
  const points = hashKeysToCurve(keys);
  const request = new Uint8Array(points.length);
  const unblind = new Uint8Array(points.length);
  for (let i = 0; i < keys.length; i++) {
    const { blind, unblind: s } = drawBlindingPair();
    const off = i * PIR_POINT_BYTES;
    request.set(x25519Batch(blind, points.subarray(off, off + PIR_POINT_BYTES)), off);
    unblind.set(s, off);
  }
  return { keys: [...keys], unblind, request };
}

/**
 * Client side: removes the blinding from the server's answer.
 * @returns n × 32 bytes: k · H1(x) for each key, equal to {@link evaluateDirect}'s output.
 * @throws RangeError if the answer's length does not match the request or a point is zero.
 */
export function unblindAnswer(state: BlindedKeys, answer: Uint8Array): Uint8Array {
  if (answer.length !== state.request.length) {
    throw new RangeError(
      `PIR answer has ${answer.length} bytes; the request had ${state.keys.length} points of ${PIR_POINT_BYTES} bytes`,
    );
  }
  const out = new Uint8Array(answer.length);
  for (let off = 0; off < answer.length; off += PIR_POINT_BYTES) {
    if (isZeroPoint(answer, off)) {
      throw new RangeError(`PIR answer point #${off / PIR_POINT_BYTES} is zero`);
    }
    out.set(
      x25519Batch(
        state.unblind.subarray(off, off + PIR_POINT_BYTES),
        answer.subarray(off, off + PIR_POINT_BYTES),
      ),
      off,
    );
  }
  return out;
}

/**
 * The outer hash H2: SHAKE256("FedGrid PIR v1 out" ‖ len(x) ‖ x ‖ k·H1(x)), cut into a
 * {@link PIR_TAG_BYTES}-byte tag and a `labelBytes`-byte pad that encrypts the label by XOR.
 * Binding x into the outer hash is what makes 2HashDH a PRF on x (JKK14 §3).
 */
export function deriveTagAndPad(
  keyword: string,
  evaluated: Uint8Array,
  labelBytes: number,
): Uint8Array {
  const kw = Buffer.from(keyword, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(kw.length);
  return new Uint8Array(
    createHash('shake256', { outputLength: PIR_TAG_BYTES + labelBytes })
      .update(OUT_DOMAIN)
      .update(len)
      .update(kw)
      .update(evaluated)
      .digest(),
  );
}
