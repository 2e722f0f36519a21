/**
 * SM3 (GM/T 0004-2012, GB/T 32905-2016) from node:crypto's OpenSSL, HMAC-SM3 (RFC 2104 over
 * SM3) and the SM3 key-derivation function of GM/T 0003.3-2012 §5.4.3 / GM/T 0003.4 §5.4.3.
 */
import { createHash, createHmac } from 'node:crypto';

/** Bytes of an SM3 digest. */
export const SM3_BYTES = 32;

/**
 * SM3 digest of the concatenation of `parts`.
 * @returns 32 bytes.
 */
export function sm3(...parts: readonly (Uint8Array | string)[]): Uint8Array {
  const h = createHash('sm3');
  for (const part of parts) h.update(part);
  return new Uint8Array(h.digest());
}

/**
 * HMAC-SM3 (RFC 2104 with SM3, block size 64 bytes).
 * @returns 32 bytes.
 */
export function hmacSm3(key: Uint8Array, ...parts: readonly Uint8Array[]): Uint8Array {
  const h = createHmac('sm3', key);
  for (const part of parts) h.update(part);
  return new Uint8Array(h.digest());
}

/**
 * The SM3 key-derivation function of GM/T 0003.3-2012 §5.4.3: K = Hv(Z‖ct=1) ‖ Hv(Z‖ct=2) ‖ …
 * with a 32-bit big-endian counter, truncated to `keyBytes`.
 * @param z shared secret bit string.
 * @param keyBytes output length in bytes (klen / 8), 1 … 2^32 − 1 digests' worth.
 * @throws RangeError for a negative or non-integer length.
 */
export function sm3Kdf(z: Uint8Array, keyBytes: number): Uint8Array {
  if (!Number.isInteger(keyBytes) || keyBytes < 0) {
    throw new RangeError(`sm3Kdf: keyBytes must be a non-negative integer, got ${keyBytes}`);
  }
  const out = new Uint8Array(keyBytes);
  const ct = new Uint8Array(4);
  const view = new DataView(ct.buffer);
  for (let off = 0, i = 1; off < keyBytes; off += SM3_BYTES, i++) {
    view.setUint32(0, i);
    const block = sm3(z, ct);
    out.set(block.subarray(0, Math.min(SM3_BYTES, keyBytes - off)), off);
  }
  return out;
}
