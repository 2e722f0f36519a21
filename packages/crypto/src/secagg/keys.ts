/**
 * Key agreement of secure aggregation (Bonawitz et al., CCS 2017, §3 "Key agreement"):
 * X25519 key pairs (RFC 7748) and the SHA-256 derivation of pairwise keys, bound to a
 * purpose, the round label and both client ids.
 */
import { createHash } from 'node:crypto';
import { X25519_BYTES, generateScalar, x25519Batch } from '../ecdh/x25519.js';

/** An X25519 key pair: 32-byte secret scalar, 32-byte public u-coordinate. */
export interface X25519KeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

/** The X25519 base point u = 9. */
const BASE_POINT = (() => {
  const b = new Uint8Array(X25519_BYTES);
  b[0] = 9;
  return b;
})();

/** What a derived key is for (domain separation). */
export type PairKeyPurpose = 'mask' | 'share';

/** A fresh X25519 key pair (secret from the CSPRNG, public = X25519(secret, 9)). */
export function generateKeyPair(): X25519KeyPair {
  const secretKey = generateScalar();
  return { secretKey, publicKey: publicKeyOf(secretKey) };
}

/** X25519(secretKey, 9): the public key of a 32-byte secret scalar. */
export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  return x25519Batch(secretKey, BASE_POINT);
}

/**
 * X25519(secretKey, p) for every public key p.
 * @param secretKey 32 bytes.
 * @param publicKeys n keys of 32 bytes.
 * @returns n shared secrets of 32 bytes, in order.
 * @throws RangeError on a malformed key; Error if a public key is of low order (all-zero
 *   shared secret), naming its position.
 */
export function agreeMany(secretKey: Uint8Array, publicKeys: readonly Uint8Array[]): Uint8Array[] {
  const points = new Uint8Array(publicKeys.length * X25519_BYTES);
  publicKeys.forEach((p, i) => {
    if (!(p instanceof Uint8Array) || p.length !== X25519_BYTES)
      throw new RangeError(`public key ${i} must be ${X25519_BYTES} bytes`);
    points.set(p, i * X25519_BYTES);
  });
  const out = x25519Batch(secretKey, points);
  return publicKeys.map((_, i) => {
    const s = out.subarray(i * X25519_BYTES, (i + 1) * X25519_BYTES);
    if (s.every((b) => b === 0))
      throw new Error(`public key ${i} is of low order (X25519 gave the all-zero secret)`);
    return s;
  });
}

function u32(x: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(x);
  return b;
}

/**
 * A 32-byte key for one purpose between two clients:
 * SHA-256("fedgrid/secagg/v1/" ‖ purpose ‖ 0x00 ‖ len(label) ‖ label ‖ a ‖ b ‖ shared), with
 * len and the ids as 32-bit big-endian integers and the label in UTF-8. Callers order (a, b):
 * mask seeds use (min, max) so both ends agree; share keys use (sender, recipient).
 */
export function derivePairKey(
  purpose: PairKeyPurpose,
  label: string,
  a: number,
  b: number,
  shared: Uint8Array,
): Uint8Array {
  const l = Buffer.from(label, 'utf8');
  const h = createHash('sha256');
  h.update(`fedgrid/secagg/v1/${purpose}\0`);
  h.update(u32(l.length));
  h.update(l);
  h.update(u32(a));
  h.update(u32(b));
  h.update(shared);
  return new Uint8Array(h.digest());
}

/**
 * The pairwise mask seed s_{u,v} (symmetric in u and v).
 * @param shared X25519(s_u^SK, s_v^PK) = X25519(s_v^SK, s_u^PK).
 */
export function pairMaskSeed(label: string, u: number, v: number, shared: Uint8Array): Uint8Array {
  return derivePairKey('mask', label, Math.min(u, v), Math.max(u, v), shared);
}
