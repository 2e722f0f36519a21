/**
 * SM4 (GB/T 32907-2016, GM/T 0002-2012) from node:crypto's OpenSSL, and authenticated
 * encryption built from it. This Node's OpenSSL offers SM4-ECB/CBC/CTR/CFB/OFB but no SM4-GCM,
 * so authenticated encryption is encrypt-then-MAC: SM4-CTR with a random 128-bit initial counter
 * block, then HMAC-SM3 over (AAD length, AAD, counter block, ciphertext), checked in constant
 * time before anything is decrypted.
 */
import { createCipheriv, createDecipheriv, randomBytes, timingSafeEqual } from 'node:crypto';
import { hmacSm3, SM3_BYTES } from './sm3.js';

/** Bytes of an SM4 key and block. */
export const SM4_BYTES = 16;
/** Bytes of an {@link sm4Seal} key: 16 for SM4-CTR then 16 for HMAC-SM3. */
export const SM4_SEAL_KEY_BYTES = 32;
/** Bytes {@link sm4Seal} adds to a plaintext: 16-byte counter block + 32-byte tag. */
export const SM4_SEAL_OVERHEAD = SM4_BYTES + SM3_BYTES;

function checkLength(what: string, b: Uint8Array, n: number): void {
  if (b.length !== n) throw new RangeError(`${what} must be ${n} bytes, got ${b.length}`);
}

/**
 * SM4 applied to whole 16-byte blocks without chaining (ECB): for test vectors and as a block
 * primitive only, never for messages.
 * @throws RangeError unless key is 16 bytes and data a multiple of 16 bytes.
 */
export function sm4EncryptBlocks(key: Uint8Array, data: Uint8Array): Uint8Array {
  checkLength('SM4 key', key, SM4_BYTES);
  if (data.length % SM4_BYTES !== 0) {
    throw new RangeError(`SM4 blocks must be a multiple of 16 bytes, got ${data.length}`);
  }
  const c = createCipheriv('sm4-ecb', key, null).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

/** Inverse of {@link sm4EncryptBlocks}. */
export function sm4DecryptBlocks(key: Uint8Array, data: Uint8Array): Uint8Array {
  checkLength('SM4 key', key, SM4_BYTES);
  if (data.length % SM4_BYTES !== 0) {
    throw new RangeError(`SM4 blocks must be a multiple of 16 bytes, got ${data.length}`);
  }
  const d = createDecipheriv('sm4-ecb', key, null).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([d.update(data), d.final()]));
}

function lengthPrefix(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
}

/**
 * Authenticated SM4 encryption (SM4-CTR + HMAC-SM3, encrypt-then-MAC).
 * @param key 32 bytes: SM4 key ‖ HMAC-SM3 key (e.g. 32 bytes from SM2 key exchange).
 * @param plaintext any length.
 * @param aad additional data bound to the ciphertext but not encrypted.
 * @returns counter block (16) ‖ ciphertext (plaintext.length) ‖ tag (32).
 * @throws RangeError for a key that is not 32 bytes.
 */
export function sm4Seal(
  key: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array = new Uint8Array(0),
): Uint8Array {
  checkLength('sm4Seal key', key, SM4_SEAL_KEY_BYTES);
  const iv = randomBytes(SM4_BYTES);
  const c = createCipheriv('sm4-ctr', key.subarray(0, SM4_BYTES), iv);
  const ct = Buffer.concat([c.update(plaintext), c.final()]);
  const tag = hmacSm3(key.subarray(SM4_BYTES), lengthPrefix(aad.length), aad, iv, ct);
  const out = new Uint8Array(SM4_SEAL_OVERHEAD + ct.length);
  out.set(iv, 0);
  out.set(ct, SM4_BYTES);
  out.set(tag, SM4_BYTES + ct.length);
  return out;
}

/**
 * Opens an {@link sm4Seal} output.
 * @throws RangeError for a wrong key length or a sealed message shorter than 48 bytes;
 *   Error('SM4 sealed message failed authentication …') when the tag does not match (wrong key,
 *   wrong AAD, or altered bytes) — nothing is decrypted then.
 */
export function sm4Open(
  key: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array = new Uint8Array(0),
): Uint8Array {
  checkLength('sm4Open key', key, SM4_SEAL_KEY_BYTES);
  if (sealed.length < SM4_SEAL_OVERHEAD) {
    throw new RangeError(
      `SM4 sealed message must be at least ${SM4_SEAL_OVERHEAD} bytes, got ${sealed.length}`,
    );
  }
  const iv = sealed.subarray(0, SM4_BYTES);
  const ct = sealed.subarray(SM4_BYTES, sealed.length - SM3_BYTES);
  const tag = sealed.subarray(sealed.length - SM3_BYTES);
  const expected = hmacSm3(key.subarray(SM4_BYTES), lengthPrefix(aad.length), aad, iv, ct);
  if (!timingSafeEqual(expected, tag)) {
    throw new Error(
      'SM4 sealed message failed authentication (wrong key, wrong associated data, or altered bytes)',
    );
  }
  const d = createDecipheriv('sm4-ctr', key.subarray(0, SM4_BYTES), iv);
  return new Uint8Array(Buffer.concat([d.update(ct), d.final()]));
}
