/**
 * Paillier (g = n + 1, DJN randomiser h_s^r) against independent references:
 * - textbook BigInt formulas written here (square-and-multiply, extended Euclid, λ/μ decryption,
 *   c = (1 + m·n)·h_s^r mod n²), never the package's own modPow/modInverse/unpackBigUints;
 * - node:crypto's checkPrimeSync for the primes;
 * - exact rational arithmetic (BigInt) for the fixed-point encoding.
 * Every encryption / evaluation / decryption test runs on every arithmetic backend: the default
 * native one, native forced to OpenSSL BN (FEDGRID_NATIVE_IFMA=0 at context creation) and the
 * portable BigInt one.
 */
import { checkPrimeSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  PaillierDecryptor,
  PaillierEncryptor,
  PaillierEvaluator,
  PaillierOverflowError,
  PlaintextRing,
  PortableModArith,
  createModArith,
  decodeFixed,
  encodeFixed,
  generatePaillierKeyPair,
  makePrivateKey,
  makePublicKey,
  nativeBinding,
  nativeLoadError,
  privateKeyFromJson,
  privateKeyToJson,
  publicKeyFromJson,
  publicKeyToJson,
  quantizeColumns,
  type ModArith,
  type PaillierKeyPair,
  type PaillierPrivateKey,
  type PaillierPublicKey,
} from '@fedgrid/crypto';

// ---------------------------------------------------------------------------------------------
// Independent BigInt references.

function powMod(base: bigint, exp: bigint, m: bigint): bigint {
  let b = ((base % m) + m) % m;
  let e = exp;
  let r = 1n % m;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b) [a, b] = [b, a % b];
  return a;
}

function invMod(a: bigint, m: bigint): bigint {
  let [r0, r1] = [((a % m) + m) % m, m];
  let [s0, s1] = [1n, 0n];
  while (r1) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new Error('not invertible');
  return ((s0 % m) + m) % m;
}

function bitLen(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** x as `width` little-endian bytes (byte by byte, no package helpers). */
function le(x: bigint, width: number): Uint8Array {
  const out = new Uint8Array(width);
  for (let i = 0; i < width; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  if (x !== 0n) throw new Error('does not fit');
  return out;
}

function leMany(xs: readonly bigint[], width: number): Uint8Array {
  const out = new Uint8Array(xs.length * width);
  xs.forEach((x, i) => out.set(le(x, width), i * width));
  return out;
}

function fromLe(bytes: Uint8Array, width: number): bigint[] {
  expect(bytes.length % width).toBe(0);
  const out: bigint[] = [];
  for (let off = 0; off < bytes.length; off += width) {
    let x = 0n;
    for (let k = width - 1; k >= 0; k--) x = (x << 8n) | BigInt(bytes[off + k]!);
    out.push(x);
  }
  return out;
}

/** Textbook Paillier decryption: m = L(c^λ mod n²)·μ mod n, λ = lcm(p−1, q−1), μ = L(g^λ)⁻¹. */
function textbook(p: bigint, q: bigint) {
  const n = p * q;
  const n2 = n * n;
  const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
  const L = (x: bigint) => (x - 1n) / n;
  const mu = invMod(L(powMod(n + 1n, lambda, n2)), n);
  return {
    n,
    n2,
    lambda,
    decrypt: (c: bigint) => (L(powMod(c, lambda, n2)) * mu) % n,
    /** Whether x is an n-th residue mod n² (x^λ ≡ 1 exactly for those, among units). */
    isNthResidue: (x: bigint) => powMod(x, lambda, n2) === 1n,
  };
}

/** Deterministic random numbers (mulberry32), so that failures replay. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function randBig(next: () => number, bits: number): bigint {
  let x = 0n;
  for (let i = 0; i < bits; i += 16) x = (x << 16n) | BigInt(Math.floor(next() * 65536));
  return x & ((1n << BigInt(bits)) - 1n);
}

/** Random reals of mixed magnitudes (1e−3 … 1e6) and signs. */
function randomReals(next: () => number, count: number): number[] {
  return Array.from(
    { length: count },
    () => (next() - 0.5) * 2 * 10 ** Math.floor(next() * 10 - 3),
  );
}

/** A double as an exact rational num / 2^shift (shift ≥ 0), from its IEEE-754 bits. */
function exactDouble(x: number): { num: bigint; shift: bigint } {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  const hi = dv.getUint32(0);
  const lo = dv.getUint32(4);
  const sign = hi >>> 31 ? -1n : 1n;
  const expField = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (expField === 0) e = -1074;
  else {
    mant |= 1n << 52n;
    e = expField - 1075;
  }
  return e >= 0
    ? { num: sign * (mant << BigInt(e)), shift: 0n }
    : { num: sign * mant, shift: BigInt(-e) };
}

/** Correctly rounded (ties to even) double of v / 2^f, for results in the normal range. */
function roundToDouble(v: bigint, f: number): number {
  const neg = v < 0n;
  let mag = neg ? -v : v;
  let exp = -f;
  const L = bitLen(mag);
  if (L > 53) {
    const shift = BigInt(L - 53);
    let q = mag >> shift;
    const rem = mag - (q << shift);
    const half = 1n << (shift - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
    mag = q;
    exp += L - 53;
  }
  // Number(mag) is exact (≤ 2^53); scale in two exact power-of-two steps.
  const r = Number(mag) * 2 ** Math.trunc(exp / 2) * 2 ** (exp - Math.trunc(exp / 2));
  return neg ? -r : r;
}

// ---------------------------------------------------------------------------------------------
// Backends.

type Backend = 'native' | 'native-openssl' | 'portable';
const native = nativeBinding();
const nativeDisabled = process.env.FEDGRID_NATIVE === '0';
const BACKENDS: Backend[] = native ? ['native', 'native-openssl', 'portable'] : ['portable'];

/** Runs fn with FEDGRID_NATIVE_IFMA set for the backend (read when a native context is created). */
function withBackendEnv<T>(backend: Backend, fn: () => T): T {
  const saved = process.env.FEDGRID_NATIVE_IFMA;
  if (backend === 'native-openssl') process.env.FEDGRID_NATIVE_IFMA = '0';
  try {
    return fn();
  } finally {
    if (saved === undefined) delete process.env.FEDGRID_NATIVE_IFMA;
    else process.env.FEDGRID_NATIVE_IFMA = saved;
  }
}

function arithFor(backend: Backend, modulus: bigint): ModArith {
  if (backend === 'portable') return new PortableModArith(modulus);
  return withBackendEnv(backend, () => createModArith(modulus));
}

function encryptorFor(backend: Backend, pub: PaillierPublicKey): PaillierEncryptor {
  // The portable table is built in BigInt: a 4-bit window keeps that at ~4k multiplications.
  return PaillierEncryptor.create(pub, {
    arith: arithFor(backend, pub.nSquared),
    ...(backend === 'portable' ? { window: 4 } : {}),
  });
}

function decryptorFor(backend: Backend, priv: PaillierPrivateKey): PaillierDecryptor {
  if (backend === 'portable') return new PaillierDecryptor(priv, { prefer: 'portable' });
  return withBackendEnv(backend, () => new PaillierDecryptor(priv));
}

function expectBackend(arith: ModArith, backend: Backend): void {
  if (backend === 'portable') expect(arith.backend).toBe('portable');
  else if (backend === 'native-openssl') expect(arith.backend).toBe('native-openssl');
  else expect(arith.backend).toMatch(/^native-/);
}

// ---------------------------------------------------------------------------------------------
// A fixed key from the Mersenne primes 2^521 − 1 and 2^607 − 1 (n of 1128 bits: below FedGrid's
// 2048-bit minimum, which only publicKeyFromJson enforces) with h_s computed here.

const FP = (1n << 521n) - 1n;
const FQ = (1n << 607n) - 1n;
const FN = FP * FQ;
const FN2 = FN * FN;
const FX = 0x5deece66d_2b7e1516_28aed2a6_abf71588_09cf4f3c_762e7160n % FN;
const FH = FN - ((FX * FX) % FN);
const FHS = powMod(FH, FN, FN2);
const fixedTb = textbook(FP, FQ);
const fixedPriv = makePrivateKey(FP, FQ, FHS);
const fixedPub = fixedPriv.publicKey;

let kp: PaillierKeyPair; // a generated 2048-bit key, shared by the backend suites
let tb: ReturnType<typeof textbook>;

beforeAll(async () => {
  kp = await generatePaillierKeyPair();
  tb = textbook(kp.privateKey.p, kp.privateKey.q);
});

describe('native binding', () => {
  it.skipIf(nativeDisabled)(
    'is loaded, so that the native backends are exercised (FEDGRID_NATIVE=0 skips)',
    () => {
      expect(native, `native addon not loaded: ${nativeLoadError() ?? ''}`).not.toBeNull();
    },
  );
});

describe('key generation', () => {
  it('defaults to 2048 bits: exact modulus length, distinct primes, DJN parameters, CRT constants', () => {
    const { publicKey: pub, privateKey: priv } = kp;
    const { p, q } = priv;
    expect(pub.bits).toBe(2048);
    expect(bitLen(pub.n)).toBe(2048);
    expect(p).not.toBe(q);
    expect(p * q).toBe(pub.n);
    expect(checkPrimeSync(p)).toBe(true);
    expect(checkPrimeSync(q)).toBe(true);
    expect(gcd(pub.n, (p - 1n) * (q - 1n))).toBe(1n);
    expect(pub.nSquared).toBe(pub.n * pub.n);
    expect(pub.randomBits).toBe(1024);
    expect(pub.cipherBytes).toBe(512);
    expect(pub.id).toMatch(/^[0-9a-f]{16}$/);
    // h_s is a unit and an n-th residue (h^n) of Z*_{n²}.
    expect(pub.hs > 1n && pub.hs < pub.nSquared).toBe(true);
    expect(gcd(pub.hs, pub.n)).toBe(1n);
    expect(tb.isNthResidue(pub.hs)).toBe(true);
    // CRT constants against their definitions.
    expect(priv.pSquared).toBe(p * p);
    expect(priv.qSquared).toBe(q * q);
    expect((priv.qInvP * q) % p).toBe(1n);
    const g = pub.n + 1n;
    expect((((powMod(g, p - 1n, p * p) - 1n) / p) * priv.hp) % p).toBe(1n);
    expect((((powMod(g, q - 1n, q * q) - 1n) / q) * priv.hq) % q).toBe(1n);
  });

  it('makes a fresh key each time', async () => {
    const other = await generatePaillierKeyPair(2048);
    expect(other.publicKey.n).not.toBe(kp.publicKey.n);
    expect(other.publicKey.hs).not.toBe(kp.publicKey.hs);
    expect(other.publicKey.id).not.toBe(kp.publicKey.id);
  });

  it('generates 3072-bit keys on request', async () => {
    const k3 = await generatePaillierKeyPair(3072);
    const pub = k3.publicKey;
    expect(pub.bits).toBe(3072);
    expect(bitLen(pub.n)).toBe(3072);
    expect(k3.privateKey.p * k3.privateKey.q).toBe(pub.n);
    expect(k3.privateKey.p).not.toBe(k3.privateKey.q);
    expect(pub.randomBits).toBe(1536);
    expect(pub.cipherBytes).toBe(768);
    const values = [0, 1, -1, 123.456, -98765.4321];
    const ct = PaillierEncryptor.create(pub).encrypt(values, 32);
    expect(ct.length).toBe(values.length * 768);
    const back = new PaillierDecryptor(k3.privateKey).decrypt(ct, 32);
    back.forEach((v, i) => expect(Math.abs(v - values[i]!)).toBeLessThanOrEqual(2 ** -33));
  });

  it.each([1024, 2047, 2049, 1536, 0, 2048.5])('rejects %s bits with RangeError', async (bits) => {
    await expect(generatePaillierKeyPair(bits)).rejects.toThrow(RangeError);
  });

  it('makePrivateKey / makePublicKey reject equal primes and h_s outside (1, n²)', () => {
    expect(() => makePrivateKey(FP, FP, 2n)).toThrow(RangeError);
    expect(() => makePublicKey(FN, 1n)).toThrow(RangeError);
    expect(() => makePublicKey(FN, FN2)).toThrow(RangeError);
    expect(() => makePublicKey(FN, FN2 - 1n)).not.toThrow();
  });

  it('the fixed test key is a valid Paillier key (node:crypto confirms the primes)', () => {
    expect(checkPrimeSync(FP)).toBe(true);
    expect(checkPrimeSync(FQ)).toBe(true);
    expect(gcd(FN, (FP - 1n) * (FQ - 1n))).toBe(1n);
    expect(fixedPub.n).toBe(FN);
    expect(fixedPub.bits).toBe(1128);
    expect(fixedPub.randomBits).toBe(564);
    expect(fixedPub.cipherBytes).toBe(Math.ceil(bitLen(FN2) / 8));
    expect(fixedTb.isNthResidue(FHS)).toBe(true);
  });
});

describe('key JSON', () => {
  it('round-trips the public key through JSON text', () => {
    const json = JSON.parse(JSON.stringify(publicKeyToJson(kp.publicKey))) as unknown;
    const back = publicKeyFromJson(json);
    expect(back.n).toBe(kp.publicKey.n);
    expect(back.hs).toBe(kp.publicKey.hs);
    expect(back.bits).toBe(2048);
    expect(back.nSquared).toBe(kp.publicKey.nSquared);
    expect(back.randomBits).toBe(kp.publicKey.randomBits);
    expect(back.cipherBytes).toBe(kp.publicKey.cipherBytes);
    expect(back.id).toBe(kp.publicKey.id);
  });

  it('round-trips the private key; the restored key decrypts what the original encrypted', () => {
    const json = JSON.parse(JSON.stringify(privateKeyToJson(kp.privateKey))) as unknown;
    const back = privateKeyFromJson(json);
    for (const k of ['p', 'q', 'pSquared', 'qSquared', 'hp', 'hq', 'qInvP'] as const) {
      expect(back[k]).toBe(kp.privateKey[k]);
    }
    expect(back.publicKey.n).toBe(kp.publicKey.n);
    expect(back.publicKey.hs).toBe(kp.publicKey.hs);
    const ct = PaillierEncryptor.create(kp.publicKey).encrypt([3.25, -7.5], 8);
    expect(Array.from(new PaillierDecryptor(back).decrypt(ct, 8))).toEqual([3.25, -7.5]);
  });

  it('rejects a private key whose primes do not match its public key', async () => {
    const other = await generatePaillierKeyPair();
    const mine = privateKeyToJson(kp.privateKey);
    const theirs = privateKeyToJson(other.privateKey);
    expect(() => privateKeyFromJson({ ...theirs, publicKey: mine.publicKey })).toThrow(RangeError);
    expect(() => privateKeyFromJson({ ...mine, publicKey: theirs.publicKey })).toThrow(RangeError);
    // One prime swapped for another key's prime.
    expect(() => privateKeyFromJson({ ...mine, q: theirs.q })).toThrow(RangeError);
  });

  it('rejects non-keys with TypeError and keys below 2048 bits with RangeError', () => {
    expect(() => publicKeyFromJson(null)).toThrow(TypeError);
    expect(() => publicKeyFromJson({ kind: 'rsa', n: 'ff', hs: '3' })).toThrow(TypeError);
    expect(() => publicKeyFromJson({ kind: 'paillier', n: 1234, hs: '3' })).toThrow(TypeError);
    expect(() => privateKeyFromJson({ kind: 'paillier', p: '5', q: '7' })).toThrow(TypeError);
    expect(() => privateKeyFromJson(publicKeyToJson(kp.publicKey))).toThrow(TypeError);
    // The fixed 1128-bit key: usable through makePrivateKey, refused from JSON.
    expect(() => publicKeyFromJson(publicKeyToJson(fixedPub))).toThrow(RangeError);
    expect(() => privateKeyFromJson(privateKeyToJson(fixedPriv))).toThrow(RangeError);
  });
});

describe('fixed-point encoding', () => {
  it('encodeFixed rejects NaN, ±Infinity and bad fracBits with RangeError', () => {
    for (const x of [NaN, Infinity, -Infinity])
      expect(() => encodeFixed(x, 32)).toThrow(RangeError);
    for (const f of [-1, 1.5, 1001, NaN]) expect(() => encodeFixed(1, f)).toThrow(RangeError);
  });

  it('encodeFixed is exact for integers ≥ 2^53 (and huge values) at any fracBits', () => {
    const xs = [
      2 ** 53,
      2 ** 53 + 2,
      -(2 ** 60 + 2 ** 8),
      1e300,
      -1.7976931348623157e308,
      2 ** 1023,
    ];
    for (const x of xs) {
      const { num, shift } = exactDouble(x);
      expect(shift).toBe(0n);
      for (const f of [0, 1, 32, 200, 1000]) expect(encodeFixed(x, f)).toBe(num << BigInt(f));
    }
  });

  it('encodeFixed is round(x·2^f): within 1/2 of the exact scaled value (random x and fracBits ≤ 100)', () => {
    const next = prng(11);
    const xs = [
      0,
      -0,
      1,
      -1,
      0.5,
      -0.5,
      1.5,
      -2.5,
      2 ** -40,
      -(2 ** -1074),
      1e9,
      -1e9,
      123456789.123,
    ];
    for (let i = 0; i < 300; i++) xs.push((next() - 0.5) * 10 ** Math.floor(next() * 40 - 20));
    for (const x of xs) {
      for (const f of [0, 8, 32, 52, 53, 100]) {
        const v = encodeFixed(x, f);
        // x·2^f = num / 2^(shift − f): check |v − num/D| ≤ 1/2 exactly, i.e. |2vD − 2num| ≤ D.
        const { num, shift } = exactDouble(x);
        const s = shift - BigInt(f);
        if (s <= 0n) {
          expect(v).toBe(num << -s);
        } else {
          const D = 1n << s;
          const diff = 2n * v * D - 2n * num;
          expect(diff < 0n ? -diff : diff, `x=${x} f=${f}`).toBeLessThanOrEqual(D);
        }
      }
    }
  });

  it('encodeFixed handles a non-integer x whose scaled value overflows a double (fracBits near the documented 1000)', () => {
    // 100000000.5 · 2^1000 ≈ 1.07e309 overflows a double; the exact value is the integer
    // 200000001 · 2^999, which encodeFixed must return (fracBits 0–1000 are documented as valid).
    expect(encodeFixed(-12345678.75, 1000)).toBe(-(49382715n << 998n)); // ≈ −1.3e308: no overflow
    expect(encodeFixed(100000000.5, 1000)).toBe(200000001n << 999n); // ≈ 1.07e309: overflows
    expect(encodeFixed(-123456789.75, 1000)).toBe(-(493827159n << 998n)); // ≈ −1.3e309: overflows
  });

  it('decodeFixed(encodeFixed(x)) is within 2^−fracBits of x', () => {
    const next = prng(12);
    const xs = [0, 1, -1, 1e9, -1e9, 3.141592653589793, ...randomReals(next, 400)];
    for (const x of xs) {
      for (const f of [0, 8, 16, 32, 48]) {
        const back = decodeFixed(encodeFixed(x, f), f);
        // the quantisation (≤ 2^−f−1) plus the final rounding to a double (≤ |x|·2^−53)
        expect(Math.abs(back - x), `x=${x} f=${f}`).toBeLessThanOrEqual(
          2 ** -f + Math.abs(x) * 2 ** -52,
        );
      }
    }
    expect(decodeFixed(encodeFixed(1.5, 1000), 1000)).toBe(1.5);
    expect(decodeFixed(encodeFixed(-1e300, 1000), 1000)).toBe(-1e300);
  });

  it('decodeFixed accepts negative fracBits (values scaled down before quantisation)', () => {
    expect(decodeFixed(3n, -4)).toBe(48);
    expect(decodeFixed(-5n, -1)).toBe(-10);
    expect(decodeFixed(7n, 0)).toBe(7);
  });

  it('decodeFixed is correctly rounded for values below 2^64', () => {
    const next = prng(13);
    for (let i = 0; i < 500; i++) {
      const bits = 1 + Math.floor(next() * 63);
      const v = randBig(next, bits) * (next() < 0.5 ? -1n : 1n);
      const f = Math.floor(next() * 120);
      expect(decodeFixed(v, f), `v=${v} f=${f}`).toBe(roundToDouble(v, f));
    }
  });

  it('decodeFixed is correctly rounded (as documented) also above 64 bits', () => {
    // v/4 = 2^63 + 2^10 + 1/4: just above the midpoint between the doubles 2^63 and 2^63 + 2^11,
    // so the correctly rounded result is 2^63 + 2^11. Truncating v to 64 bits first (v >> 2)
    // lands exactly on the midpoint and rounds to even, 2^63: a double-rounding error.
    const v = (1n << 65n) + (1n << 12n) + 1n;
    expect(roundToDouble(v, 2)).toBe(2 ** 63 + 2 ** 11);
    expect(decodeFixed(v, 2)).toBe(2 ** 63 + 2 ** 11);
    expect(decodeFixed(-v, 2)).toBe(-(2 ** 63 + 2 ** 11));
  });

  it('PlaintextRing maps ±⌊n/3⌋ and rejects anything beyond with PaillierOverflowError', () => {
    const ring = new PlaintextRing(FN);
    const max = FN / 3n;
    expect(ring.maxInt).toBe(max);
    expect(ring.toRing(0n)).toBe(0n);
    expect(ring.toRing(5n)).toBe(5n);
    expect(ring.toRing(-5n)).toBe(FN - 5n);
    expect(ring.toRing(max)).toBe(max);
    expect(ring.toRing(-max)).toBe(FN - max);
    for (const v of [max + 1n, -max - 1n, FN, -FN, 1n << 2000n]) {
      expect(() => ring.toRing(v)).toThrow(PaillierOverflowError);
    }
    try {
      ring.toRing(max + 1n);
    } catch (e) {
      expect(e).toBeInstanceOf(RangeError);
      expect((e as PaillierOverflowError).code).toBe('ERR_PAILLIER_OVERFLOW');
    }
    expect(ring.fromRing(max)).toBe(max);
    expect(ring.fromRing(FN - max)).toBe(-max);
    expect(ring.fromRing(FN - 1n)).toBe(-1n);
    for (const v of [max + 1n, FN - max - 1n, FN / 2n])
      expect(() => ring.fromRing(v)).toThrow(PaillierOverflowError);
  });
});

// ---------------------------------------------------------------------------------------------
// Encryption, evaluation, decryption on every backend.

describe.each(BACKENDS)('%s backend', (backend) => {
  let enc: PaillierEncryptor; // 2048-bit generated key
  let dec: PaillierDecryptor;
  let ev: PaillierEvaluator;
  let fenc: PaillierEncryptor; // fixed 1128-bit key
  let fdec: PaillierDecryptor;
  let W: number;

  beforeAll(() => {
    enc = encryptorFor(backend, kp.publicKey);
    dec = decryptorFor(backend, kp.privateKey);
    ev = new PaillierEvaluator(kp.publicKey, arithFor(backend, kp.publicKey.nSquared));
    fenc = encryptorFor(backend, fixedPub);
    fdec = decryptorFor(backend, fixedPriv);
    W = kp.publicKey.cipherBytes;
  });

  it('uses the requested arithmetic', () => {
    expectBackend(enc.arith, backend);
    expectBackend(ev.arith, backend);
    expectBackend(fenc.arith, backend);
  });

  it('known answer: (1 + m·n)·h_s^r mod n² with a fixed r, from noRandomness · fixedBasePow', () => {
    const w = fixedPub.cipherBytes;
    const eb = Math.ceil(fixedPub.randomBits / 8);
    const r = 0x243f6a88_85a308d3_13198a2e_03707344_a4093822_299f31d0n ** 4n % (1n << 564n);
    const ms = [0n, 1n, 12345678901234567890n, FN / 3n, FN - 1n];
    const want = ms.map((m) => ((1n + m * FN) * powMod(FHS, r, FN2)) % FN2);
    const randomizer = fenc.arith.fixedBasePow(fenc.table, le(r, eb));
    expect(fromLe(randomizer, w)).toEqual([powMod(FHS, r, FN2)]);
    expect(fromLe(fenc.noRandomness(ms), w)).toEqual(ms.map((m) => (1n + m * FN) % FN2));
    const got = fromLe(fenc.arith.mul(fenc.noRandomness(ms), randomizer), w);
    expect(got).toEqual(want);
    // r = 0 and r = 2^564 − 1 (all table windows)
    for (const rr of [0n, (1n << 564n) - 1n]) {
      expect(fromLe(fenc.arith.fixedBasePow(fenc.table, le(rr, eb)), w)).toEqual([
        powMod(FHS, rr, FN2),
      ]);
    }
  });

  it('the CRT decryptor agrees with textbook λ/μ decryption on independently built ciphertexts', () => {
    const next = prng(21);
    const ms = [
      0n,
      1n,
      2n,
      FN / 3n,
      FN - FN / 3n,
      FN - 1n,
      ...Array.from({ length: 6 }, () => randBig(next, 1127) % FN),
    ];
    const cts = ms.map((m) => {
      const r = randBig(next, 564);
      return ((1n + m * FN) * powMod(FHS, r, FN2)) % FN2;
    });
    expect(cts.map((c) => fixedTb.decrypt(c))).toEqual(ms); // the references agree with each other
    expect(fdec.decryptRing(leMany(cts, fixedPub.cipherBytes))).toEqual(ms);
  });

  it('encryptRing: textbook decryption recovers m, the randomiser is an n-th residue, and encryption is randomised', () => {
    const w = fixedPub.cipherBytes;
    const ms = [0n, 7n, FN / 3n, FN - 2n];
    const a = fromLe(fenc.encryptRing(ms), w);
    const b = fromLe(fenc.encryptRing(ms), w);
    ms.forEach((m, i) => {
      const c = a[i]!;
      expect(c < FN2).toBe(true);
      expect(fixedTb.decrypt(c)).toBe(m);
      expect(fixedTb.decrypt(b[i]!)).toBe(m);
      expect(b[i]).not.toBe(c);
      const rnd = (c * invMod(1n + m * FN, FN2)) % FN2;
      expect(rnd).not.toBe(1n);
      expect(fixedTb.isNthResidue(rnd)).toBe(true);
    });
    // On the 2048-bit key too (one value: c^λ mod n² is a 2048-bit exponentiation).
    const c2 = fromLe(enc.encryptRing([424242n]), W)[0]!;
    expect(tb.decrypt(c2)).toBe(424242n);
    expect(tb.isNthResidue((c2 * invMod(1n + 424242n * kp.publicKey.n, tb.n2)) % tb.n2)).toBe(true);
  });

  it('decrypt(encrypt(x)) = x within 2^−33 at fracBits 32: random reals, negatives, 0, ±1, ±1e9', () => {
    const next = prng(22);
    const values = [
      0,
      -0,
      1,
      -1,
      1e9,
      -1e9,
      0.5,
      -(2 ** -32),
      2 ** -40,
      ...randomReals(next, backend === 'portable' ? 11 : 60),
    ];
    const ct = enc.encrypt(values, 32);
    expect(ct.length).toBe(values.length * W);
    const back = dec.decrypt(ct, 32);
    expect(back.length).toBe(values.length);
    values.forEach((x, i) =>
      expect(Math.abs(back[i]! - x), `x=${x}`).toBeLessThanOrEqual(2 ** -33),
    );
    // exactly representable values come back exactly, with the sign
    expect(back.slice(0, 7)).toEqual(Float64Array.from([0, 0, 1, -1, 1e9, -1e9, 0.5]));
    expect(back[7]).toBe(-(2 ** -32));
    // and the signed integers are those of the encoding
    expect(dec.decryptSigned(ct.subarray(0, 6 * W))).toEqual(
      [0, 0, 1, -1, 1e9, -1e9].map((x) => encodeFixed(x, 32)),
    );
  });

  it('ciphertexts are interchangeable between backends', () => {
    const values = [2.5, -3.75, 1e6];
    const ct = enc.encrypt(values, 16);
    for (const other of BACKENDS) {
      expect(Array.from(decryptorFor(other, kp.privateKey).decrypt(ct, 16))).toEqual(values);
    }
  });

  it('add / addPlainRing: ciphertext products mod n², decrypting to the sums', () => {
    const next = prng(23);
    const a = Array.from({ length: 5 }, () => BigInt(Math.floor((next() - 0.5) * 2 ** 40)));
    const b = Array.from({ length: 5 }, () => BigInt(Math.floor((next() - 0.5) * 2 ** 40)));
    const ring = enc.ring;
    const ca = enc.encryptRing(a.map((v) => ring.toRing(v)));
    const cb = enc.encryptRing(b.map((v) => ring.toRing(v)));
    const sum = ev.add(ca, cb);
    const n2 = kp.publicKey.nSquared;
    const A = fromLe(ca, W);
    const B = fromLe(cb, W);
    expect(fromLe(sum, W)).toEqual(A.map((x, i) => (x * B[i]!) % n2));
    expect(dec.decryptSigned(sum)).toEqual(a.map((x, i) => x + b[i]!));
    // broadcast: one ciphertext added to each
    const one = cb.subarray(0, W);
    expect(dec.decryptSigned(ev.add(ca, one))).toEqual(a.map((x) => x + b[0]!));
    // plaintext addition without randomness
    const plain = [5n, -6n, 0n, 1n << 60n, -(1n << 60n)];
    expect(
      dec.decryptSigned(
        ev.addPlainRing(
          ca,
          plain.map((v) => ring.toRing(v)),
        ),
      ),
    ).toEqual(a.map((x, i) => x + plain[i]!));
  });

  it('mulScalar with positive, negative, zero and large bigint scalars', () => {
    const ring = enc.ring;
    const n2 = kp.publicKey.nSquared;
    const a = [3n, -7n, 123456789n, -1n, 5n, 2n, 999n];
    const k = [5n, 11n, -3n, -(1n << 100n), 0n, 1n << 200n, -1n];
    const ca = enc.encryptRing(a.map((v) => ring.toRing(v)));
    const got = ev.mulScalar(ca, k);
    const A = fromLe(ca, W);
    const want = A.map((c, i) => {
      const ki = k[i]!;
      return ki >= 0n ? powMod(c, ki, n2) : powMod(invMod(c, n2), -ki, n2);
    });
    expect(fromLe(got, W)).toEqual(want);
    expect(dec.decryptSigned(got)).toEqual(a.map((x, i) => x * k[i]!));
    expect(() => ev.mulScalar(ca, k.slice(1))).toThrow(RangeError);
  });

  it('sum: one ciphertext of the total; the empty sum is [[0]]', () => {
    const next = prng(24);
    const xs = randomReals(next, 9);
    const ct = enc.encrypt(xs, 20);
    const s = ev.sum(ct);
    expect(s.length).toBe(W);
    const n2 = kp.publicKey.nSquared;
    expect(fromLe(s, W)[0]).toBe(fromLe(ct, W).reduce((acc, c) => (acc * c) % n2, 1n));
    const exact = xs.map((x) => encodeFixed(x, 20)).reduce((p, v) => p + v, 0n);
    expect(dec.decryptSigned(s)).toEqual([exact]);
    expect(dec.decryptSigned(ev.sum(new Uint8Array(0)))).toEqual([0n]);
    expect(dec.decryptSigned(ev.sum(ct.subarray(0, W)))).toEqual([encodeFixed(xs[0]!, 20)]);
  });

  it('dotColumns = Xᵀ·d with quantizeColumns: exact multi-exponentiation and the real-valued product', () => {
    const next = prng(25);
    const rows = 12;
    const cols = 3;
    const x = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      x[i * cols] = (next() - 0.5) * 1e-3;
      x[i * cols + 1] = (next() - 0.5) * 1e4;
      x[i * cols + 2] = Math.floor(next() * 5) - 2; // small integers, zeros included
    }
    const d = randomReals(next, rows);
    const dBits = 24;
    const ct = enc.encrypt(d, dBits);
    const { exps, fracBits } = quantizeColumns(x, rows, cols, 24);
    const got = ev.dotColumns(ct, exps, cols);
    expect(got.length).toBe(cols * W);
    // ciphertext: Π_i c_i^e_ij mod n² (negative exponents through the inverse)
    const n2 = kp.publicKey.nSquared;
    const C = fromLe(ct, W);
    const want = Array.from({ length: cols }, (_, j) =>
      C.reduce((acc, c, i) => {
        const e = BigInt(exps[i * cols + j]!);
        return (acc * (e >= 0n ? powMod(c, e, n2) : powMod(invMod(c, n2), -e, n2))) % n2;
      }, 1n),
    );
    expect(fromLe(got, W)).toEqual(want);
    // plaintext: Σ_i e_ij · round(d_i·2^24), exactly
    const dInt = d.map((v) => encodeFixed(v, dBits));
    const exact = Array.from({ length: cols }, (_, j) =>
      dInt.reduce((acc, v, i) => acc + BigInt(exps[i * cols + j]!) * v, 0n),
    );
    const ints = dec.decryptSigned(got);
    expect(ints).toEqual(exact);
    // and the real product Xᵀd, up to the quantisation of X and d
    for (let j = 0; j < cols; j++) {
      const real = d.reduce((acc, v, i) => acc + x[i * cols + j]! * v, 0);
      let colMax = 0;
      for (let i = 0; i < rows; i++) colMax = Math.max(colMax, Math.abs(x[i * cols + j]!));
      const dSum = d.reduce((acc, v) => acc + Math.abs(v), 0);
      const tol = colMax * 2 ** -24 * dSum + colMax * rows * 2 ** -dBits + 1e-12;
      expect(Math.abs(decodeFixed(ints[j]!, dBits + fracBits[j]!) - real)).toBeLessThanOrEqual(tol);
    }
  });

  it('rerandomize: different ciphertexts, same plaintexts', () => {
    const values = [1.25, -2.5, 0, 1e9];
    const ct = enc.encrypt(values, 32);
    const rr = enc.rerandomize(ct);
    expect(rr.length).toBe(ct.length);
    const A = fromLe(ct, W);
    const B = fromLe(rr, W);
    B.forEach((c, i) => expect(c).not.toBe(A[i]));
    expect(Array.from(dec.decrypt(rr, 32))).toEqual(values);
    // the factor between them is an n-th residue (a pure randomiser)
    expect(tb.isNthResidue((B[0]! * invMod(A[0]!, tb.n2)) % tb.n2)).toBe(true);
  });

  it('a value in the gap (n/3, n − n/3) decrypts to PaillierOverflowError via decryptSigned', () => {
    const max = FN / 3n;
    const gap = [max + 1n, FN / 2n, FN - max - 1n];
    for (const m of gap) {
      const ct = fenc.encryptRing([m]);
      expect(fdec.decryptRing(ct)).toEqual([m]);
      expect(() => fdec.decryptSigned(ct)).toThrow(PaillierOverflowError);
      expect(() => fdec.decrypt(ct, 0)).toThrow(PaillierOverflowError);
    }
    // the edges of the valid range decode to ±⌊n/3⌋
    expect(fdec.decryptSigned(fenc.encryptRing([max, FN - max]))).toEqual([max, -max]);
    // a homomorphic sum that leaves the range is reported, not wrapped
    const big = fenc.encryptRing([max, max]);
    expect(() =>
      fdec.decryptSigned(
        ev2(fixedPub, backend).add(
          big.subarray(0, fixedPub.cipherBytes),
          big.subarray(fixedPub.cipherBytes),
        ),
      ),
    ).toThrow(PaillierOverflowError);
  });

  it('encrypt rejects values beyond ±n/3 after scaling (PaillierOverflowError) and NaN/∞ (RangeError)', () => {
    // 1e300·2^200 ≈ 2^1197 exceeds n/3 ≈ 2^1126 of the fixed key
    expect(() => fenc.encrypt([1, 1e300], 200)).toThrow(PaillierOverflowError);
    expect(() => fenc.encrypt([-1e300], 200)).toThrow(PaillierOverflowError);
    expect(() => fenc.encrypt([1e300], 100)).not.toThrow();
    for (const v of [NaN, Infinity, -Infinity]) {
      const err = thrown(() => enc.encrypt([1, v], 32));
      expect(err).toBeInstanceOf(RangeError);
      expect(err).not.toBeInstanceOf(PaillierOverflowError);
    }
  });

  it('the decryptor rejects batches of the wrong length and unreduced ciphertexts', () => {
    const ct = enc.encrypt([1], 8);
    expect(() => dec.decryptRing(ct.subarray(0, W - 1))).toThrow(RangeError);
    expect(() => dec.decryptRing(new Uint8Array(W + 1))).toThrow(RangeError);
    expect(() => dec.decryptRing(le(kp.publicKey.nSquared, W))).toThrow(RangeError);
    expect(dec.decryptRing(new Uint8Array(0))).toEqual([]);
  });

  it('refuses an h_s table too short for the key', () => {
    const arith = arithFor(backend, fixedPub.nSquared);
    const short = arith.fixedBaseTable(fixedPub.hs, fixedPub.randomBits - 1, 4);
    expect(() => PaillierEncryptor.create(fixedPub, { arith, table: short })).toThrow(RangeError);
  });
});

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

function ev2(pub: PaillierPublicKey, backend: Backend): PaillierEvaluator {
  return new PaillierEvaluator(pub, arithFor(backend, pub.nSquared));
}
