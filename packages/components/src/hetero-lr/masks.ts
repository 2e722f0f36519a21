/**
 * Zero-sum masks between hosts (the pairwise-mask idea of Bonawitz et al., CCS 2017): hosts i < j
 * agree on a seed by X25519 and expand it with AES-128-CTR; host i adds the stream, host j
 * subtracts it, so the masks cancel in the guest's sum and the guest learns only Σ_k u_k.
 * Values live in Z_2^64 as fixed-point integers (32 fractional bits).
 */
import {
  createCipheriv,
  createHash,
  diffieHellman,
  generateKeyPairSync,
  createPublicKey,
  type KeyObject,
} from 'node:crypto';

export const MASK_FRAC_BITS = 32;

/** An ephemeral X25519 key pair; `publicRaw` is the 32-byte u-coordinate to send. */
export function ephemeralKey(): { privateKey: KeyObject; publicRaw: Uint8Array } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const jwk = publicKey.export({ format: 'jwk' });
  return { privateKey, publicRaw: Buffer.from(jwk.x as string, 'base64url') };
}

/** The pairwise mask stream (n × int64) from our private key and the peer's public key. */
export function maskStream(
  privateKey: KeyObject,
  peerPublicRaw: Uint8Array,
  session: string,
  n: number,
): BigInt64Array {
  const peer = createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(peerPublicRaw).toString('base64url') },
    format: 'jwk',
  });
  const shared = diffieHellman({ privateKey, publicKey: peer });
  const key = createHash('sha256').update(shared).update(session).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const bytes = cipher.update(Buffer.alloc(n * 8));
  return new BigInt64Array(bytes.buffer, bytes.byteOffset, n);
}

/** Fixed-point encoding into Z_2^64 (wrapping), 32 fractional bits. */
export function toRing64(values: Float64Array): BigInt64Array {
  return BigInt64Array.from(values, (v) =>
    BigInt.asIntN(64, BigInt(Math.round(v * 2 ** MASK_FRAC_BITS))),
  );
}

export function fromRing64(values: BigInt64Array): Float64Array {
  return Float64Array.from(values, (v) => Number(v) / 2 ** MASK_FRAC_BITS);
}
