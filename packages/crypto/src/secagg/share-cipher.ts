/**
 * Authenticated encryption of the share pair (b_{u,v}, s^SK_{u,v}) that client u sends to
 * neighbour v through the server (Bonawitz et al., CCS 2017, Fig. 4 round 1): AES-256-GCM
 * under SHA-256(…"share"…, label, u, v, X25519(c_u^SK, c_v^PK)), 96-bit zero nonce (each key
 * encrypts exactly one message), additional data = label ‖ u ‖ v.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { SHAMIR_SHARE_BYTES } from './shamir.js';
import { derivePairKey } from './keys.js';

/** Bytes of the GCM tag. */
const TAG_BYTES = 16;
/** Bytes of an encrypted share pair: two share values and the tag. */
export const ENCRYPTED_SHARE_BYTES = 2 * SHAMIR_SHARE_BYTES + TAG_BYTES;
const NONCE = Buffer.alloc(12);

function aad(label: string, from: number, to: number): Buffer {
  const l = Buffer.from(label, 'utf8');
  const b = Buffer.alloc(12 + l.length);
  b.writeUInt32BE(l.length, 0);
  l.copy(b, 4);
  b.writeUInt32BE(from, 4 + l.length);
  b.writeUInt32BE(to, 8 + l.length);
  return b;
}

/** The two share values one client holds for one neighbour. */
export interface SharePair {
  /** Share of the self-mask seed b. */
  b: Uint8Array;
  /** Share of the mask secret key s^SK. */
  sk: Uint8Array;
}

/**
 * Encrypts a share pair from `from` to `to`.
 * @param shared X25519(c_from^SK, c_to^PK).
 * @returns {@link ENCRYPTED_SHARE_BYTES} bytes: ciphertext ‖ tag.
 */
export function encryptSharePair(
  label: string,
  from: number,
  to: number,
  shared: Uint8Array,
  pair: SharePair,
): Uint8Array {
  const key = derivePairKey('share', label, from, to, shared);
  const c = createCipheriv('aes-256-gcm', key, NONCE);
  c.setAAD(aad(label, from, to));
  const body = Buffer.concat([c.update(pair.b), c.update(pair.sk), c.final(), c.getAuthTag()]);
  return new Uint8Array(body);
}

/**
 * Decrypts and authenticates a share pair.
 * @throws RangeError on a wrong length; Error if authentication fails (wrong key, sender,
 *   recipient or label, or a tampered ciphertext).
 */
export function decryptSharePair(
  label: string,
  from: number,
  to: number,
  shared: Uint8Array,
  ciphertext: Uint8Array,
): SharePair {
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length !== ENCRYPTED_SHARE_BYTES)
    throw new RangeError(`encrypted share must be ${ENCRYPTED_SHARE_BYTES} bytes`);
  const key = derivePairKey('share', label, from, to, shared);
  const d = createDecipheriv('aes-256-gcm', key, NONCE);
  d.setAAD(aad(label, from, to));
  d.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_BYTES));
  let plain: Buffer;
  try {
    plain = Buffer.concat([
      d.update(ciphertext.subarray(0, ciphertext.length - TAG_BYTES)),
      d.final(),
    ]);
  } catch {
    throw new Error(`encrypted share from client ${from} to client ${to} failed authentication`);
  }
  return {
    b: new Uint8Array(plain.subarray(0, SHAMIR_SHARE_BYTES)),
    sk: new Uint8Array(plain.subarray(SHAMIR_SHARE_BYTES)),
  };
}
