/**
 * Two-party additive secret sharing of fixed-point reals over the ring Z_2^ℓ, ℓ = 192
 * (Mohassel & Zhang, "SecureML", IEEE S&P 2017, §4.1). A real x at f fractional bits is the
 * ring element round(x·2^f) mod 2^ℓ; a sharing is ⟨x⟩_0 + ⟨x⟩_1 = x (mod 2^ℓ). Addition and
 * multiplication by public integers are local. After a product the scale doubles; each party
 * truncates its own share ({@link truncateShare}), which is correct up to one unit in the last
 * place except with probability ≤ 2^(bits(x)+1−ℓ) when the guest's share is uniform — so ℓ is
 * large enough that values of up to 2^120 (scale included) fail with probability below 2^−70.
 *
 * Party 0 is always the guest and party 1 the host.
 */
import {
  packBigUints,
  randomBits,
  unpackBigUints,
  decodeFixed,
  encodeFixed,
} from '@fedgrid/crypto';

/** ℓ: bits of the sharing ring. */
export const RING_BITS = 192;
/** Bytes of one ring element on the wire. */
export const RING_BYTES = RING_BITS / 8;
const MODULUS = 1n << BigInt(RING_BITS);

/** Which rule a party applies when truncating: the guest 0, the host 1. */
export type ShareParty = 0 | 1;

/** x mod 2^ℓ, in [0, 2^ℓ). */
export function ring(x: bigint): bigint {
  return BigInt.asUintN(RING_BITS, x);
}

/** The ring element of a real at `fracBits` fractional bits. @throws RangeError for NaN/∞. */
export function encodeRing(x: number, fracBits: number): bigint {
  return ring(encodeFixed(x, fracBits));
}

/** The real a ring element stands for (signed: the upper half of the ring is negative). */
export function decodeRing(v: bigint, fracBits: number): number {
  return decodeFixed(BigInt.asIntN(RING_BITS, v), fracBits);
}

/** `count` uniform ring elements (CSPRNG). */
export function randomRingVector(count: number): bigint[] {
  return Array.from({ length: count }, () => randomBits(RING_BITS));
}

/**
 * One party's share of ⌊x / 2^bits⌋ from its share of x (SecureML's local truncation): party 0
 * shifts its share, party 1 shifts the negation of its share and negates back.
 */
export function truncateShare(share: bigint, bits: number, party: ShareParty): bigint {
  const s = BigInt(bits);
  return party === 0 ? share >> s : ring(-((MODULUS - share) >> s));
}

/** Ring elements as count × {@link RING_BYTES} little-endian bytes. */
export function packRing(values: readonly bigint[]): Uint8Array {
  return packBigUints(values, RING_BYTES);
}

/** The inverse of {@link packRing}. @throws RangeError when the length is not `count` elements. */
export function unpackRing(bytes: Uint8Array | undefined, count: number): bigint[] {
  if (!bytes || bytes.length !== count * RING_BYTES) {
    throw new RangeError(
      `expected ${count} ring elements (${count * RING_BYTES} bytes), got ${bytes?.length ?? 0} bytes`,
    );
  }
  return unpackBigUints(bytes, RING_BYTES);
}
