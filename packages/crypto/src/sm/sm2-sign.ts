/**
 * SM2 digital signatures (GM/T 0003.2-2012, GB/T 32918.2-2016) with the user-identity digest ZA
 * and the default user ID "1234567812345678".
 *
 * Why not node:crypto: this Node (OpenSSL 3.0) signs SM2 keys imported from PKCS#8/SPKI with an
 * empty distinguishing ID (ZA over ENTL = 0) and offers no way to set it, and SM2-curve keys it
 * generates itself are EC keys that sign ECDSA-with-SM3; neither matches the standard's default
 * ID. The curve arithmetic comes from @noble/curves (audited, maintained); the SM2 algorithm
 * steps (§6.1 A1–A7, §7.1 B1–B7) are written here.
 */
import { randomBytes } from 'node:crypto';
import {
  bigToBytes,
  bytesToBig,
  decodeSm2Point,
  SM2_DEFAULT_USER_ID,
  SM2_P256,
  sm2Za,
  type Sm2Curve,
} from './sm2-curve.js';
import { sm3 } from './sm3.js';

/** Bytes of an SM2 private key (big-endian d) and of each signature half. */
export const SM2_PRIVATE_KEY_BYTES = 32;
/** Bytes of an uncompressed SM2 public key 04‖x‖y. */
export const SM2_PUBLIC_KEY_BYTES = 65;
/** Bytes of a raw SM2 signature r‖s. */
export const SM2_SIGNATURE_BYTES = 64;

/** An SM2 key pair: d (32 bytes big-endian) and P = d·G (65 bytes, 04‖x‖y). */
export interface Sm2KeyPair {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

/** Options of {@link sm2Sign} / {@link sm2Verify}. */
export interface Sm2SignOptions {
  /** The signer's distinguishing identifier; default {@link SM2_DEFAULT_USER_ID}. */
  id?: string | Uint8Array;
  /**
   * {@link sm2Sign} only: the signer's public key, to skip deriving it from the private key
   * (one base-point multiplication). Must belong to the private key, or the signature will not
   * verify.
   */
  publicKey?: Uint8Array;
}

/** A uniformly random integer in [lo, hi] from the system CSPRNG (rejection sampling). */
export function randomScalarIn(lo: bigint, hi: bigint): bigint {
  const span = hi - lo + 1n;
  const bytes = Math.ceil(span.toString(2).length / 8) + 8;
  const limit = (1n << BigInt(bytes * 8)) - ((1n << BigInt(bytes * 8)) % span);
  for (;;) {
    const r = bytesToBig(randomBytes(bytes));
    if (r < limit) return lo + (r % span);
  }
}

/**
 * Reads and range-checks an SM2 private key: d ∈ [1, n − 2] (GM/T 0003.1 §6.1; 1 + d must be
 * invertible mod n).
 * @throws RangeError for a wrong length or out-of-range d.
 */
export function sm2PrivateScalar(privateKey: Uint8Array, curve: Sm2Curve = SM2_P256): bigint {
  if (privateKey.length !== curve.bytes) {
    throw new RangeError(`SM2 private key must be ${curve.bytes} bytes, got ${privateKey.length}`);
  }
  const d = bytesToBig(privateKey);
  if (d < 1n || d > curve.n - 2n) throw new RangeError('SM2 private key is out of range [1, n-2]');
  return d;
}

/** A fresh SM2 key pair (GM/T 0003.1 §6.1). */
export function sm2GenerateKeyPair(curve: Sm2Curve = SM2_P256): Sm2KeyPair {
  const d = randomScalarIn(1n, curve.n - 2n);
  return {
    privateKey: bigToBytes(d, curve.bytes),
    publicKey: curve.Point.BASE.multiply(d).toBytes(false),
  };
}

/** P = d·G as 65 bytes 04‖x‖y. @throws RangeError for an invalid private key. */
export function sm2PublicKeyFromPrivate(
  privateKey: Uint8Array,
  curve: Sm2Curve = SM2_P256,
): Uint8Array {
  return curve.Point.BASE.multiply(sm2PrivateScalar(privateKey, curve)).toBytes(false);
}

/** e = SM3(ZA ‖ M) as an integer (GM/T 0003.2 §6.1 A1–A2). */
function messageDigest(
  curve: Sm2Curve,
  publicKey: Uint8Array,
  message: Uint8Array,
  id: string | Uint8Array,
): bigint {
  return bytesToBig(sm3(sm2Za(decodeSm2Point(publicKey, curve), id, curve), message));
}

/**
 * Signing steps A3–A7 with a given nonce source; returns undefined when k must be redrawn.
 * @internal exported for the standard's fixed-k test vector only.
 */
export function sm2SignDigestWithK(curve: Sm2Curve, d: bigint, e: bigint, k: bigint) {
  const { n } = curve;
  const x1 = curve.Point.BASE.multiply(k).toAffine().x;
  const r = (e + x1) % n;
  if (r === 0n || r + k === n) return undefined;
  const s = (curve.Point.Fn.inv(1n + d) * (((k - r * d) % n) + n)) % n;
  if (s === 0n) return undefined;
  const out = new Uint8Array(2 * curve.bytes);
  out.set(bigToBytes(r, curve.bytes), 0);
  out.set(bigToBytes(s, curve.bytes), curve.bytes);
  return out;
}

/**
 * SM2 signature of `message` (GM/T 0003.2-2012 §6.1) with a fresh random k per attempt.
 * @param privateKey 32 bytes.
 * @param message any bytes (the ZA prefix is added here; do not pre-hash).
 * @returns 64 bytes r‖s (big-endian; see {@link sm2SignatureToDer} for the ASN.1 form).
 * @throws RangeError for an invalid private key.
 */
export function sm2Sign(
  privateKey: Uint8Array,
  message: Uint8Array,
  options: Sm2SignOptions = {},
  curve: Sm2Curve = SM2_P256,
): Uint8Array {
  const d = sm2PrivateScalar(privateKey, curve);
  const publicKey = options.publicKey ?? curve.Point.BASE.multiply(d).toBytes(false);
  const e = messageDigest(curve, publicKey, message, options.id ?? SM2_DEFAULT_USER_ID);
  for (;;) {
    const sig = sm2SignDigestWithK(curve, d, e, randomScalarIn(1n, curve.n - 1n));
    if (sig) return sig;
  }
}

/**
 * Verifies an SM2 signature (GM/T 0003.2-2012 §7.1).
 * @param publicKey 65-byte 04‖x‖y (or 33-byte compressed) public key.
 * @param signature 64 bytes r‖s.
 * @returns false for a wrong or malformed signature.
 * @throws RangeError for a public key that is not a curve point.
 */
export function sm2Verify(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  options: Sm2SignOptions = {},
  curve: Sm2Curve = SM2_P256,
): boolean {
  const point = decodeSm2Point(publicKey, curve);
  if (signature.length !== 2 * curve.bytes) return false;
  const { n } = curve;
  const r = bytesToBig(signature.subarray(0, curve.bytes));
  const s = bytesToBig(signature.subarray(curve.bytes));
  if (r < 1n || r >= n || s < 1n || s >= n) return false; // B1, B2
  const e = bytesToBig(sm3(sm2Za(point, options.id ?? SM2_DEFAULT_USER_ID, curve), message));
  const t = (r + s) % n; // B5
  if (t === 0n) return false;
  const sum = curve.Point.BASE.mulAddUnsafe(s, point, t); // B6: s·G + t·P
  if (sum.is0()) return false;
  return (e + sum.toAffine().x) % n === r; // B7
}

function derInteger(x: Uint8Array): Uint8Array {
  let i = 0;
  while (i < x.length - 1 && x[i] === 0) i++;
  const body = x[i]! & 0x80 ? Uint8Array.of(0, ...x.subarray(i)) : x.subarray(i);
  return Uint8Array.of(0x02, body.length, ...body);
}

/** r‖s → DER SEQUENCE { INTEGER r, INTEGER s } (GM/T 0009-2012 §7.3 SM2Signature). */
export function sm2SignatureToDer(signature: Uint8Array): Uint8Array {
  if (signature.length !== SM2_SIGNATURE_BYTES) {
    throw new RangeError(`SM2 signature must be 64 bytes, got ${signature.length}`);
  }
  const body = [...derInteger(signature.subarray(0, 32)), ...derInteger(signature.subarray(32))];
  return Uint8Array.of(0x30, body.length, ...body);
}

/**
 * DER SM2Signature → r‖s.
 * @throws RangeError for anything but a minimal SEQUENCE of two INTEGERs of at most 32 bytes.
 */
export function sm2SignatureFromDer(der: Uint8Array): Uint8Array {
  const fail = (why: string): never => {
    throw new RangeError(`not a DER SM2 signature: ${why}`);
  };
  if (der[0] !== 0x30 || der[1] !== der.length - 2) fail('expected SEQUENCE of the whole length');
  const out = new Uint8Array(SM2_SIGNATURE_BYTES);
  let off = 2;
  for (let half = 0; half < 2; half++) {
    if (der[off] !== 0x02) fail('expected INTEGER');
    const len = der[off + 1] ?? 0;
    let body = der.subarray(off + 2, off + 2 + len);
    if (body.length !== len || len === 0) fail('truncated INTEGER');
    if (body[0]! & 0x80) fail('negative INTEGER');
    if (body[0] === 0 && body.length > 1) body = body.subarray(1);
    if (body.length > 32) fail('INTEGER longer than 32 bytes');
    out.set(body, half * 32 + 32 - body.length);
    off += 2 + len;
  }
  if (off !== der.length) fail('trailing bytes');
  return out;
}
