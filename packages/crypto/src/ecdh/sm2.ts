/**
 * ECDH-PSI on the SM2 curve with SM3 hashing: hash-to-curve by try-and-increment and batched
 * x-only scalar multiplication.
 *
 * Points travel as their 32-byte x-coordinate only. A received x stands for the pair ±P, and
 * x(k·P) = x(k·(−P)), so x-only multiplication is well defined and a doubly-blinded x is the same
 * whichever order the scalars were applied in. Multiplication uses the native kernel
 * (native/sm2.c: Montgomery field arithmetic, constant-time fixed-window ladder, one shared
 * inversion per 32 points) when the addon is loaded, else node:crypto's ECDH on the 'SM2' curve
 * (OpenSSL), with the input decompressed from 02‖x and checked to be on the curve. Both give
 * identical bytes. The SM2 curve has cofactor 1, so every curve point except the identity has
 * prime order n.
 */
import { createECDH, randomBytes, type ECDH } from 'node:crypto';
import { bigToBytes, bytesToBig, SM2_P256 } from '../sm/sm2-curve.js';
import { sm3 } from '../sm/sm3.js';
import { isWellFormedId } from './hash-to-point.js';
import { modPow } from '../kernels/mod-arith-portable.js';
import { nativeBinding, type NativeBinding } from '../kernels/native.js';

type Sm2Native = Required<Pick<NativeBinding, 'sm2MulX' | 'sm2XOnCurve' | 'sm2HashToX'>>;

/** The native SM2 kernels, or null (addon not loaded, FEDGRID_NATIVE=0, or built before them). */
function sm2Native(): Sm2Native | null {
  const native = nativeBinding();
  if (
    !native ||
    typeof native.sm2MulX !== 'function' ||
    typeof native.sm2XOnCurve !== 'function' ||
    typeof native.sm2HashToX !== 'function'
  )
    return null;
  return native as Sm2Native;
}

/** Which implementation {@link sm2MultiplyX} and {@link sm2HashToX} use in this thread. */
export function sm2Backend(): 'native' | 'node-crypto' {
  return sm2Native() ? 'native' : 'node-crypto';
}

/** Bytes of an SM2 scalar and of an x-coordinate. */
export const SM2_X_BYTES = 32;

/** Domain-separation tag of {@link sm2HashToX}. */
export const SM2_PSI_DST = 'FedGrid-PSI-SM2-SM3-TAI-v1';
const DST = new TextEncoder().encode(SM2_PSI_DST);

const { p, a, b, n } = SM2_P256;
const HALF = (p - 1n) / 2n;

/** A fresh secret scalar k ∈ [1, n−1] as 32 big-endian bytes. */
export function generateSm2Scalar(): Uint8Array {
  for (;;) {
    const k = bytesToBig(randomBytes(SM2_X_BYTES));
    if (k >= 1n && k < n) return bigToBytes(k, SM2_X_BYTES);
  }
}

/** Whether x is the x-coordinate of an SM2 curve point: x³ + ax + b is a square mod p. */
export function isSm2X(x: bigint): boolean {
  if (x >= p) return false;
  const rhs = (((x * x) % p) * x + a * x + b) % p;
  return rhs === 0n || modPow(rhs, HALF, p) === 1n;
}

/**
 * Hash-to-curve by try-and-increment with SM3: for c = 0, 1, 2, … take
 * x = SM3(DST ‖ c (4 bytes BE) ‖ UTF-8(id)) mod p and return the first x that is the
 * x-coordinate of a curve point (about half of all x are; two tries on average). The map is
 * deterministic, so both parties hash an id to the same point ±P. Not constant-time: the number
 * of tries depends on the id, which leaks only through local timing.
 * With the native addon the whole batch is hashed in C (its own SM3, checked against
 * node:crypto's in the tests; the candidates of all ids still unresolved are checked as one
 * batch per counter value); otherwise SM3 from node:crypto and one BigInt Euler criterion per
 * candidate.
 * @param ids n identifiers.
 * @returns n × 32 bytes of big-endian x-coordinates, in input order.
 * @throws RangeError for an id that is not well-formed Unicode.
 */
export function sm2HashToX(ids: readonly string[]): Uint8Array {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as string;
    if (!isWellFormedId(id)) {
      throw new RangeError(
        `id ${JSON.stringify(id)} (#${i}) is not well-formed Unicode and cannot be hashed as UTF-8`,
      );
    }
  }
  const native = sm2Native();
  return native ? hashToXNative(native, ids) : hashToXPortable(ids);
}

function candidate(counter: number, id: string): Uint8Array {
  const c = new Uint8Array(4);
  new DataView(c.buffer).setUint32(0, counter);
  return sm3(DST, c, id);
}

function hashToXPortable(ids: readonly string[]): Uint8Array {
  const out = new Uint8Array(ids.length * SM2_X_BYTES);
  for (let i = 0; i < ids.length; i++) {
    for (let c = 0; ; c++) {
      const x = bytesToBig(candidate(c, ids[i] as string)) % p;
      if (isSm2X(x)) {
        out.set(bigToBytes(x, SM2_X_BYTES), i * SM2_X_BYTES);
        break;
      }
    }
  }
  return out;
}

const encoder = new TextEncoder();

function hashToXNative(native: Sm2Native, ids: readonly string[]): Uint8Array {
  const parts = ids.map((id) => encoder.encode(id));
  const ends = new Int32Array(ids.length);
  let total = 0;
  parts.forEach((part, i) => {
    total += part.length;
    if (total > 0x7fffffff)
      throw new RangeError('sm2HashToX: ids exceed 2 GiB of UTF-8 in one batch');
    ends[i] = total;
  });
  const bytes = new Uint8Array(total);
  let off = 0;
  for (const part of parts) {
    bytes.set(part, off);
    off += part.length;
  }
  const out = new Uint8Array(ids.length * SM2_X_BYTES);
  native.sm2HashToX(DST, bytes, ends, out);
  return out;
}

function ecdhFor(scalar: Uint8Array): ECDH {
  if (scalar.length !== SM2_X_BYTES)
    throw new RangeError(`SM2 scalar must be 32 bytes, got ${scalar.length}`);
  const k = bytesToBig(scalar);
  if (k < 1n || k >= n) throw new RangeError('SM2 scalar out of range [1, n-1]');
  const ecdh = createECDH('SM2');
  ecdh.setPrivateKey(Buffer.from(scalar));
  return ecdh;
}

/**
 * out[i] = x(k · P_i) where P_i is either curve point with x-coordinate xs[i].
 * @param scalar 32 bytes, k ∈ [1, n−1].
 * @param xs n × 32 bytes of big-endian x-coordinates.
 * @returns n × 32 bytes.
 * @throws RangeError on malformed lengths, an out-of-range scalar, or an x that is not on the
 *   curve (naming its index: a peer that sends such a value is misbehaving).
 */
export function sm2MultiplyX(scalar: Uint8Array, xs: Uint8Array): Uint8Array {
  const native = sm2Native();
  if (!native) return sm2MultiplyXNodeCrypto(scalar, xs);
  checkMultiplyArgs(scalar, xs);
  const out = new Uint8Array(xs.length);
  const bad = native.sm2MulX(scalar, xs, out);
  if (bad >= 0) throw new RangeError(`x-coordinate #${bad} is not on the SM2 curve`);
  return out;
}

function checkMultiplyArgs(scalar: Uint8Array, xs: Uint8Array): void {
  if (xs.length % SM2_X_BYTES !== 0) {
    throw new RangeError(`SM2 x-coordinates must be n × 32 bytes, got ${xs.length}`);
  }
  if (scalar.length !== SM2_X_BYTES)
    throw new RangeError(`SM2 scalar must be 32 bytes, got ${scalar.length}`);
  const k = bytesToBig(scalar);
  if (k < 1n || k >= n) throw new RangeError('SM2 scalar out of range [1, n-1]');
}

/**
 * {@link sm2MultiplyX} on node:crypto's OpenSSL ECDH (the fallback without the native addon;
 * exported so that tests can compare both paths in one process). Same contract and errors.
 */
export function sm2MultiplyXNodeCrypto(scalar: Uint8Array, xs: Uint8Array): Uint8Array {
  checkMultiplyArgs(scalar, xs);
  const ecdh = ecdhFor(scalar);
  const out = new Uint8Array(xs.length);
  const compressed = Buffer.alloc(SM2_X_BYTES + 1);
  compressed[0] = 0x02;
  for (let off = 0; off < xs.length; off += SM2_X_BYTES) {
    compressed.set(xs.subarray(off, off + SM2_X_BYTES), 1);
    let secret: Buffer;
    try {
      secret = ecdh.computeSecret(compressed);
    } catch {
      throw new RangeError(`x-coordinate #${off / SM2_X_BYTES} is not on the SM2 curve`);
    }
    out.set(secret, off + SM2_X_BYTES - secret.length);
  }
  return out;
}
