/**
 * Batched X25519 scalar multiplication (RFC 7748 §5): one secret scalar times many points,
 * the kernel of ECDH-PSI. Native (AVX-512 IFMA 8-way or OpenSSL) when the addon is present,
 * node:crypto otherwise. All-zero results (low-order input points) come back as zeros.
 */
import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { nativeBinding } from '../kernels/native.js';

/** Bytes of an X25519 scalar and of a u-coordinate. */
export const X25519_BYTES = 32;

const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** A fresh secret scalar (clamped by every multiplication, RFC 7748 §5). */
export function generateScalar(): Uint8Array {
  return new Uint8Array(randomBytes(X25519_BYTES));
}

/** Which implementation {@link x25519Batch} uses in this thread. */
export function x25519Backend(): 'native-ifma' | 'native-openssl' | 'node-crypto' {
  const native = nativeBinding();
  if (!native) return 'node-crypto';
  return native.x25519Info().backend === 'ifma' ? 'native-ifma' : 'native-openssl';
}

/**
 * out[i] = X25519(scalar, points[i]).
 * @param scalar 32 bytes.
 * @param points n × 32 bytes (little-endian u-coordinates; bit 255 ignored).
 * @returns n × 32 bytes.
 * @throws RangeError on malformed lengths.
 */
export function x25519Batch(scalar: Uint8Array, points: Uint8Array): Uint8Array {
  if (scalar.length !== X25519_BYTES)
    throw new RangeError(`scalar must be 32 bytes, got ${scalar.length}`);
  if (points.length % X25519_BYTES !== 0) {
    throw new RangeError(`points must be n × 32 bytes, got ${points.length}`);
  }
  const out = new Uint8Array(points.length);
  const native = nativeBinding();
  if (native) {
    native.x25519Batch(scalar, points, out);
    return out;
  }
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, scalar]),
    format: 'der',
    type: 'pkcs8',
  });
  for (let off = 0; off < points.length; off += X25519_BYTES) {
    const u = Buffer.from(points.buffer, points.byteOffset + off, X25519_BYTES);
    out.set(multiplyOne(privateKey, u), off);
  }
  return out;
}

function multiplyOne(privateKey: KeyObject, u: Buffer): Uint8Array {
  const publicKey = createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: u.toString('base64url') },
    format: 'jwk',
  });
  try {
    return diffieHellman({ privateKey, publicKey });
  } catch {
    return new Uint8Array(X25519_BYTES); // OpenSSL refuses the all-zero shared secret
  }
}
