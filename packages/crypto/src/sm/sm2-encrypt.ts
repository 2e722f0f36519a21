/**
 * SM2 public-key encryption (GM/T 0003.4-2012 §6, GB/T 32918.4-2016), ciphertext C1 ‖ C3 ‖ C2:
 * C1 = k·G (65 bytes, uncompressed), C3 = SM3(x2 ‖ M ‖ y2) (32 bytes), C2 = M ⊕ KDF(x2 ‖ y2, |M|),
 * where (x2, y2) = k·P_B. Curve arithmetic from @noble/curves; the steps are written here.
 */
import { timingSafeEqual } from 'node:crypto';
import { bigToBytes, decodeSm2Point, SM2_P256, type Sm2Curve } from './sm2-curve.js';
import { randomScalarIn, sm2PrivateScalar } from './sm2-sign.js';
import { sm3, sm3Kdf } from './sm3.js';

/** Bytes SM2 encryption adds to a message: C1 (65) + C3 (32). */
export const SM2_ENCRYPT_OVERHEAD = 97;

/**
 * Encryption steps A2–A8 with a given k; returns undefined when t is all zero (A6: redraw k).
 * @internal exported for the standard's fixed-k test vector only.
 */
export function sm2EncryptWithK(
  curve: Sm2Curve,
  publicKey: Uint8Array,
  message: Uint8Array,
  k: bigint,
): Uint8Array | undefined {
  const pb = decodeSm2Point(publicKey, curve);
  const c1 = curve.Point.BASE.multiply(k).toBytes(false);
  const { x, y } = pb.multiply(k).toAffine();
  const x2 = bigToBytes(x, curve.bytes);
  const y2 = bigToBytes(y, curve.bytes);
  const t = sm3Kdf(Uint8Array.of(...x2, ...y2), message.length);
  if (message.length > 0 && t.every((v) => v === 0)) return undefined;
  const c2 = message.map((v, i) => v ^ (t[i] as number));
  const c3 = sm3(x2, message, y2);
  const out = new Uint8Array(c1.length + c3.length + c2.length);
  out.set(c1, 0);
  out.set(c3, c1.length);
  out.set(c2, c1.length + c3.length);
  return out;
}

/**
 * Encrypts `message` to an SM2 public key (GM/T 0003.4-2012 §6.1).
 * @returns C1 ‖ C3 ‖ C2, message.length + 97 bytes.
 * @throws RangeError for a public key that is not a curve point.
 */
export function sm2Encrypt(
  publicKey: Uint8Array,
  message: Uint8Array,
  curve: Sm2Curve = SM2_P256,
): Uint8Array {
  for (;;) {
    const c = sm2EncryptWithK(curve, publicKey, message, randomScalarIn(1n, curve.n - 1n));
    if (c) return c;
  }
}

/**
 * Decrypts C1 ‖ C3 ‖ C2 (GM/T 0003.4-2012 §7.1).
 * @throws RangeError for an invalid private key; Error('SM2 decryption failed …') for a C1 off
 *   the curve, a zero KDF output or a C3 mismatch (wrong key or altered ciphertext).
 */
export function sm2Decrypt(
  privateKey: Uint8Array,
  ciphertext: Uint8Array,
  curve: Sm2Curve = SM2_P256,
): Uint8Array {
  const d = sm2PrivateScalar(privateKey, curve);
  const w = curve.bytes;
  const c1Len = 2 * w + 1;
  if (ciphertext.length < c1Len + 32) {
    throw new Error(`SM2 decryption failed: ciphertext shorter than ${c1Len + 32} bytes`);
  }
  let c1;
  try {
    c1 = decodeSm2Point(ciphertext.subarray(0, c1Len), curve); // B1
  } catch {
    throw new Error('SM2 decryption failed: C1 is not a curve point');
  }
  const { x, y } = c1.multiply(d).toAffine(); // B3
  const x2 = bigToBytes(x, w);
  const y2 = bigToBytes(y, w);
  const c3 = ciphertext.subarray(c1Len, c1Len + 32);
  const c2 = ciphertext.subarray(c1Len + 32);
  const t = sm3Kdf(Uint8Array.of(...x2, ...y2), c2.length); // B4
  if (c2.length > 0 && t.every((v) => v === 0)) throw new Error('SM2 decryption failed: t = 0');
  const m = c2.map((v, i) => v ^ (t[i] as number)); // B5
  if (!timingSafeEqual(sm3(x2, m, y2), c3)) {
    throw new Error('SM2 decryption failed: C3 does not match (wrong key or altered ciphertext)');
  }
  return m;
}
