/**
 * The SM2 elliptic curve (GM/T 0003.5-2012, GB/T 32918.5-2017: the recommended 256-bit curve
 * "sm2p256v1") as an @noble/curves short-Weierstrass group, and the user-identity digest ZA of
 * GM/T 0003.2-2012 §5.5.
 */
import { weierstrass, type WeierstrassPoint } from '@noble/curves/abstract/weierstrass.js';
import { sm3 } from './sm3.js';

/** An SM2-style curve: the recommended one, or (in tests) the GM/T 0003 example curves. */
export interface Sm2Curve {
  readonly p: bigint;
  readonly n: bigint;
  readonly a: bigint;
  readonly b: bigint;
  readonly Gx: bigint;
  readonly Gy: bigint;
  /** Bytes of a field element / scalar. */
  readonly bytes: number;
  readonly Point: ReturnType<typeof weierstrass<bigint>>;
}

/** Builds an {@link Sm2Curve} (cofactor 1) from its parameters. */
export function sm2CurveFromParams(params: {
  p: bigint;
  n: bigint;
  a: bigint;
  b: bigint;
  Gx: bigint;
  Gy: bigint;
}): Sm2Curve {
  const Point = weierstrass({ ...params, h: 1n });
  Point.BASE.precompute(8); // lazy: the table is built on the first base multiplication
  return { ...params, bytes: 32, Point };
}

const hex = (s: string): bigint => BigInt('0x' + s.replace(/\s+/g, ''));

/** The recommended SM2 curve (GM/T 0003.5-2012 §2). */
export const SM2_P256: Sm2Curve = sm2CurveFromParams({
  p: hex('FFFFFFFE FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFF 00000000 FFFFFFFF FFFFFFFF'),
  a: hex('FFFFFFFE FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFF 00000000 FFFFFFFF FFFFFFFC'),
  b: hex('28E9FA9E 9D9F5E34 4D5A9E4B CF6509A7 F39789F5 15AB8F92 DDBCBD41 4D940E93'),
  n: hex('FFFFFFFE FFFFFFFF FFFFFFFF FFFFFFFF 7203DF6B 21C6052B 53BBF409 39D54123'),
  Gx: hex('32C4AE2C 1F198119 5F990446 6A39C994 8FE30BBF F2660BE1 715A4589 334C74C7'),
  Gy: hex('BC3736A2 F4F6779C 59BDCEE3 6B692153 D0A9877C C62A4740 02DF32E5 2139F0A0'),
});

/** The default user ID of GM/T 0009-2012 §10 / GB/T 35276 ("1234567812345678"). */
export const SM2_DEFAULT_USER_ID = '1234567812345678';

/** An SM2 point. */
export type Sm2Point = WeierstrassPoint<bigint>;

/** Big-endian fixed-width encoding of a non-negative integer. */
export function bigToBytes(x: bigint, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = bytes - 1; i >= 0; i--, x >>= 8n) out[i] = Number(x & 0xffn);
  if (x !== 0n) throw new RangeError(`integer does not fit in ${bytes} bytes`);
  return out;
}

/** Big-endian bytes → integer. */
export function bytesToBig(b: Uint8Array): bigint {
  let x = 0n;
  for (const v of b) x = (x << 8n) | BigInt(v);
  return x;
}

/**
 * Decodes an SM2 public key (SEC1 uncompressed 04‖x‖y, 65 bytes, or compressed 02/03‖x) and
 * checks it is a point of the curve other than the identity (GM/T 0003.1 §6.2 / §7.2).
 * @throws RangeError naming the problem.
 */
export function decodeSm2Point(bytes: Uint8Array, curve: Sm2Curve = SM2_P256): Sm2Point {
  let point: Sm2Point;
  try {
    point = curve.Point.fromBytes(bytes);
    point.assertValidity();
  } catch (e) {
    throw new RangeError(
      `not an SM2 curve point (expected 65-byte 04‖x‖y or 33-byte 02/03‖x): ${(e as Error).message}`,
    );
  }
  if (point.is0()) throw new RangeError('SM2 point is the identity');
  return point;
}

/**
 * ZA = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A), GM/T 0003.2-2012 §5.5.
 * @param id the signer's distinguishing identifier (UTF-8), default {@link SM2_DEFAULT_USER_ID}.
 * @param publicKey the signer's public point.
 * @throws RangeError for an id of 8192 bytes or more (ENTL is 16 bits of bit length).
 */
export function sm2Za(
  publicKey: Sm2Point,
  id: string | Uint8Array = SM2_DEFAULT_USER_ID,
  curve: Sm2Curve = SM2_P256,
): Uint8Array {
  const idBytes = typeof id === 'string' ? new TextEncoder().encode(id) : id;
  if (idBytes.length >= 8192) {
    throw new RangeError(`SM2 user id must be under 8192 bytes, got ${idBytes.length}`);
  }
  const bits = idBytes.length * 8;
  const { x, y } = publicKey.toAffine();
  const w = curve.bytes;
  return sm3(
    new Uint8Array([bits >> 8, bits & 0xff]),
    idBytes,
    bigToBytes(curve.a, w),
    bigToBytes(curve.b, w),
    bigToBytes(curve.Gx, w),
    bigToBytes(curve.Gy, w),
    bigToBytes(x, w),
    bigToBytes(y, w),
  );
}
