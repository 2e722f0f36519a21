/**
 * Hash-to-point for ECDH-PSI with the interconnection suite ⟨Curve25519, SHA-256, direct hash
 * as x⟩: the SHA-256 digest of an id's UTF-8 bytes is used as the X25519 u-coordinate
 * (RFC 7748 decoding masks bit 255, so the map is SHA-256 mod 2^255, then mod p).
 */
import { hash } from 'node:crypto';
import { X25519_BYTES } from './x25519.js';

/** A lone UTF-16 surrogate: such strings have no UTF-8 encoding. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether an id has a UTF-8 encoding (no lone UTF-16 surrogates), i.e. can be hashed to a point. */
export function isWellFormedId(id: string): boolean {
  return !LONE_SURROGATE.test(id);
}

/**
 * @param ids n identifiers.
 * @returns n × 32 bytes of u-coordinates, in input order.
 * @throws RangeError for an id that is not well-formed Unicode (it would hash like U+FFFD and
 *   collide with other such ids).
 */
export function hashToPoints(ids: readonly string[]): Uint8Array {
  const out = new Uint8Array(ids.length * X25519_BYTES);
  for (let i = 0; i < ids.length; i++) {
    if (!isWellFormedId(ids[i] as string)) {
      throw new RangeError(
        `id ${JSON.stringify(ids[i])} (#${i}) is not well-formed Unicode and cannot be hashed as UTF-8`,
      );
    }
    // One-shot crypto.hash (Node ≥ 20.12): 2–4× cheaper per id than a createHash object.
    out.set(hash('sha256', ids[i] as string, 'buffer'), i * X25519_BYTES);
  }
  return out;
}
