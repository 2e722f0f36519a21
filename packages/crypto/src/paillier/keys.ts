/**
 * Paillier key pairs with g = n + 1 and a DJN-style fixed randomiser base h_s.
 *
 * References: P. Paillier, "Public-key cryptosystems based on composite degree residuosity
 * classes", EUROCRYPT 1999; I. Damgård, M. Jurik, J. B. Nielsen, "A generalization of Paillier's
 * public-key system with applications to electronic voting", IJIS 2010, §4.1 (h_s = h^n mod n²
 * with h = −x² mod n; encryption randomiser h_s^r with r < 2^⌈k/2⌉, the length the PPCA SGB
 * specification fixes).
 */
import { createHash, generatePrime } from 'node:crypto';
import { promisify } from 'node:util';
import { bitLength } from '../kernels/bytes.js';
import { modInverse, modPow } from '../kernels/mod-arith-portable.js';
import { randomBelow } from '../random.js';

const generatePrimeAsync = promisify(generatePrime) as unknown as (
  bits: number,
  options: { bigint: true },
) => Promise<bigint>;

/** Key lengths FedGrid accepts: ≥ 2048 bits gives ≥ 112-bit security (NIST SP 800-57). */
export const PAILLIER_KEY_BITS = [2048, 3072, 4096] as const;
export type PaillierKeyBits = (typeof PAILLIER_KEY_BITS)[number];

/** A Paillier public key (g = n + 1 implied). */
export interface PaillierPublicKey {
  readonly bits: number;
  /** The RSA modulus n = p·q. */
  readonly n: bigint;
  /** n². */
  readonly nSquared: bigint;
  /** DJN randomiser base h_s = h^n mod n² (an n-th residue of unknown discrete logarithm). */
  readonly hs: bigint;
  /** Bit length of the random exponent r in h_s^r: ⌈bits / 2⌉. */
  readonly randomBits: number;
  /** Bytes per ciphertext: ⌈bits(n²) / 8⌉. */
  readonly cipherBytes: number;
  /** Short stable identifier: first 16 hex digits of SHA-256(n ‖ h_s). */
  readonly id: string;
}

/** The private half: the factorisation and the CRT decryption constants. */
export interface PaillierPrivateKey {
  readonly publicKey: PaillierPublicKey;
  readonly p: bigint;
  readonly q: bigint;
  readonly pSquared: bigint;
  readonly qSquared: bigint;
  /** h_p = L_p(g^(p−1) mod p²)^(−1) mod p. */
  readonly hp: bigint;
  /** h_q = L_q(g^(q−1) mod q²)^(−1) mod q. */
  readonly hq: bigint;
  /** q^(−1) mod p, for the CRT recombination. */
  readonly qInvP: bigint;
}

export interface PaillierKeyPair {
  readonly publicKey: PaillierPublicKey;
  readonly privateKey: PaillierPrivateKey;
}

/** Serialised public key (JSON-safe). */
export interface PaillierPublicKeyJson {
  kind: 'paillier';
  bits: number;
  n: string;
  hs: string;
}

/** Serialised private key (JSON-safe). Keep it on its owner's node only. */
export interface PaillierPrivateKeyJson {
  kind: 'paillier-private';
  publicKey: PaillierPublicKeyJson;
  p: string;
  q: string;
}

function keyId(n: bigint, hs: bigint): string {
  return createHash('sha256')
    .update(n.toString(16))
    .update(':')
    .update(hs.toString(16))
    .digest('hex')
    .slice(0, 16);
}

/** Builds a public key from n and h_s, deriving the cached quantities. */
export function makePublicKey(n: bigint, hs: bigint): PaillierPublicKey {
  const bits = bitLength(n);
  const nSquared = n * n;
  if (hs <= 1n || hs >= nSquared) throw new RangeError('Paillier h_s must lie in (1, n²)');
  return {
    bits,
    n,
    nSquared,
    hs,
    randomBits: Math.ceil(bits / 2),
    cipherBytes: Math.ceil(bitLength(nSquared) / 8),
    id: keyId(n, hs),
  };
}

/** L_p(x) = (x − 1) / p. */
function lFunction(x: bigint, p: bigint): bigint {
  return (x - 1n) / p;
}

/** Builds the private key (with CRT constants) from the primes and h_s. */
export function makePrivateKey(p: bigint, q: bigint, hs: bigint): PaillierPrivateKey {
  if (p === q) throw new RangeError('Paillier primes must differ');
  const n = p * q;
  const publicKey = makePublicKey(n, hs);
  const g = n + 1n;
  const pSquared = p * p;
  const qSquared = q * q;
  const hp = modInverse(lFunction(modPow(g, p - 1n, pSquared), p), p);
  const hq = modInverse(lFunction(modPow(g, q - 1n, qSquared), q), q);
  return { publicKey, p, q, pSquared, qSquared, hp, hq, qInvP: modInverse(q, p) };
}

/**
 * Generates a Paillier key pair whose modulus has exactly `bits` bits.
 * Primes come from OpenSSL (node:crypto.generatePrime, off the event loop).
 * @param bits 2048 (default), 3072 or 4096.
 * @throws RangeError for other lengths.
 */
export async function generatePaillierKeyPair(bits: number = 2048): Promise<PaillierKeyPair> {
  if (!(PAILLIER_KEY_BITS as readonly number[]).includes(bits)) {
    throw new RangeError(
      `Paillier key length must be one of ${PAILLIER_KEY_BITS.join(', ')} bits, got ${bits}`,
    );
  }
  for (;;) {
    const [p, q] = await Promise.all([
      generatePrimeAsync(bits / 2, { bigint: true }),
      generatePrimeAsync(bits / 2, { bigint: true }),
    ]);
    const n = p * q;
    if (p === q || bitLength(n) !== bits) continue;
    // gcd(n, (p−1)(q−1)) = 1 holds for equal-length distinct primes; check anyway.
    const phi = (p - 1n) * (q - 1n);
    if (gcd(n, phi) !== 1n) continue;
    const x = randomBelow(n - 2n) + 2n;
    const h = n - ((x * x) % n);
    const hs = modPowCrt(h, n, p, q);
    const privateKey = makePrivateKey(p, q, hs);
    return { publicKey: privateKey.publicKey, privateKey };
  }
}

/** h^n mod n² via the CRT on p² and q² (4× cheaper than directly; keygen only). */
function modPowCrt(h: bigint, n: bigint, p: bigint, q: bigint): bigint {
  const p2 = p * p;
  const q2 = q * q;
  const a = modPow(h % p2, n % (p * (p - 1n)), p2);
  const b = modPow(h % q2, n % (q * (q - 1n)), q2);
  const q2InvP2 = modInverse(q2, p2);
  return b + q2 * (((((a - b) % p2) + p2) * q2InvP2) % p2);
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export function publicKeyToJson(key: PaillierPublicKey): PaillierPublicKeyJson {
  return { kind: 'paillier', bits: key.bits, n: key.n.toString(16), hs: key.hs.toString(16) };
}

/** @throws TypeError when the JSON is not a Paillier public key. */
export function publicKeyFromJson(json: unknown): PaillierPublicKey {
  const j = json as Partial<PaillierPublicKeyJson> | null;
  if (!j || j.kind !== 'paillier' || typeof j.n !== 'string' || typeof j.hs !== 'string') {
    throw new TypeError('not a serialised Paillier public key ({kind: "paillier", n, hs})');
  }
  const key = makePublicKey(BigInt('0x' + j.n), BigInt('0x' + j.hs));
  if (key.bits < 2048)
    throw new RangeError(`Paillier key of ${key.bits} bits is below the 2048-bit minimum`);
  return key;
}

export function privateKeyToJson(key: PaillierPrivateKey): PaillierPrivateKeyJson {
  return {
    kind: 'paillier-private',
    publicKey: publicKeyToJson(key.publicKey),
    p: key.p.toString(16),
    q: key.q.toString(16),
  };
}

/** @throws TypeError when the JSON is not a Paillier private key. */
export function privateKeyFromJson(json: unknown): PaillierPrivateKey {
  const j = json as Partial<PaillierPrivateKeyJson> | null;
  if (!j || j.kind !== 'paillier-private' || typeof j.p !== 'string' || typeof j.q !== 'string') {
    throw new TypeError('not a serialised Paillier private key');
  }
  const pub = publicKeyFromJson(j.publicKey);
  const key = makePrivateKey(BigInt('0x' + j.p), BigInt('0x' + j.q), pub.hs);
  if (key.publicKey.n !== pub.n)
    throw new RangeError('Paillier private key does not match its public key');
  return key;
}
