/**
 * CryptoPool (2 worker threads) against the in-thread classes: pooled Paillier operations must
 * give what PaillierEncryptor / PaillierDecryptor / PaillierEvaluator give in this thread
 * (deterministic operations byte for byte, randomised ones by decryption), and pooled X25519 /
 * hashMultiply what x25519Batch(scalar, hashToPoints(ids)) gives, for batch sizes around the
 * chunking boundaries (0, 1, 17 = one chunk of 16 plus one, 1000 = four chunks).
 */
import { createPrivateKey, createPublicKey, diffieHellman, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CryptoPool,
  PaillierDecryptor,
  PaillierEncryptor,
  PaillierEvaluator,
  encodeFixed,
  generatePaillierKeyPair,
  hashToPoints,
  quantizeColumns,
  x25519Batch,
  type PaillierKeyPair,
  type PooledPaillier,
} from '@fedgrid/crypto';

const SIZES = [0, 1, 17, 1000];

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

function reals(seed: number, count: number): Float64Array {
  const next = prng(seed);
  return Float64Array.from(
    { length: count },
    () => (next() - 0.5) * 2 * 10 ** Math.floor(next() * 8 - 2),
  );
}

function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function ciphertexts(ct: Uint8Array, w: number): string[] {
  const out: string[] = [];
  for (let off = 0; off < ct.length; off += w) out.push(toHex(ct.subarray(off, off + w)));
  return out;
}

/** X25519 through node:crypto (an independent reference for a few points). */
function x25519Ref(scalar: Uint8Array, u: Uint8Array): string {
  const prefix = Buffer.from('302e020100300506032b656e04220420', 'hex');
  const privateKey = createPrivateKey({
    key: Buffer.concat([prefix, scalar]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(u).toString('base64url') },
    format: 'jwk',
  });
  return diffieHellman({ privateKey, publicKey }).toString('hex');
}

/**
 * Indices checked by (slow) in-thread decryption: all of a small batch; for a large one, both
 * sides of every chunk boundary the pool can produce (16-item minimum chunks, 4 chunks of 250
 * for 1000 items) plus every 50th.
 */
function sample(count: number): number[] {
  if (count <= 17) return Array.from({ length: count }, (_, i) => i);
  const s = new Set<number>([0, 1, 15, 16, 17, count - 2, count - 1]);
  for (const b of [250, 500, 750]) for (const k of [b - 1, b, b + 1]) s.add(k);
  for (let i = 0; i < count; i += 50) s.add(i);
  return [...s].filter((i) => i >= 0 && i < count).sort((a, b) => a - b);
}

/** The ciphertexts at `idx`, concatenated. */
function pick(ct: Uint8Array, w: number, idx: number[]): Uint8Array {
  const out = new Uint8Array(idx.length * w);
  idx.forEach((i, k) => out.set(ct.subarray(i * w, (i + 1) * w), k * w));
  return out;
}

let pool: CryptoPool;
let kp: PaillierKeyPair;
let pp: PooledPaillier;
let enc: PaillierEncryptor;
let dec: PaillierDecryptor;
let ev: PaillierEvaluator;
let W: number;

beforeAll(async () => {
  pool = new CryptoPool({ threads: 2 });
  kp = await generatePaillierKeyPair();
  pp = await pool.paillier(kp.publicKey);
  enc = PaillierEncryptor.create(kp.publicKey);
  dec = new PaillierDecryptor(kp.privateKey);
  ev = new PaillierEvaluator(kp.publicKey);
  W = kp.publicKey.cipherBytes;
});

afterAll(async () => {
  await pool?.close();
});

describe('CryptoPool', () => {
  it('runs the requested number of threads', () => {
    expect(pool.threads).toBe(2);
    expect(pp.cipherBytes).toBe(W);
    expect(pp.ring.n).toBe(kp.publicKey.n);
  });

  describe.each(SIZES)('Paillier, batch of %i', (count) => {
    it('pooled encrypt decrypts in-thread to the encoded values', async () => {
      const values = reals(100 + count, count);
      const ct = await pp.encrypt(values, 32);
      expect(ct.length).toBe(count * W);
      const idx = sample(count);
      expect(dec.decryptSigned(pick(ct, W, idx))).toEqual(
        idx.map((i) => encodeFixed(values[i]!, 32)),
      );
    });

    it('pooled decrypt / decryptRing equal the in-thread decryptor', async () => {
      const values = reals(200 + count, count);
      const ct = enc.encrypt(values, 24);
      const here = dec.decrypt(ct, 24);
      expect(await pp.decrypt(kp.privateKey, ct, 24)).toEqual(here);
      here.forEach((v, i) => expect(Math.abs(v - values[i]!)).toBeLessThanOrEqual(2 ** -25));
      const part = ct.subarray(0, Math.min(count, 17) * W);
      expect(await pp.decryptRing(kp.privateKey, part)).toEqual(dec.decryptRing(part));
    });

    it('pooled encryptRing decrypts to the ring elements (including n − 1 and the gap)', async () => {
      const n = kp.publicKey.n;
      const next = prng(300 + count);
      const ms = Array.from({ length: count }, (_, i) =>
        i === 0 ? n - 1n : i === 1 ? n / 2n : BigInt(Math.floor(next() * 2 ** 52)) * BigInt(i),
      );
      const ct = await pp.encryptRing(ms);
      expect(ct.length).toBe(count * W);
      const idx = sample(count);
      expect(dec.decryptRing(pick(ct, W, idx))).toEqual(idx.map((i) => ms[i]));
    });

    it('pooled rerandomize: every ciphertext changes, the plaintexts do not', async () => {
      const values = reals(400 + count, count);
      const ct = enc.encrypt(values, 32);
      const rr = await pp.rerandomize(ct);
      expect(rr.length).toBe(ct.length);
      const before = ciphertexts(ct, W);
      ciphertexts(rr, W).forEach((c, i) => expect(c).not.toBe(before[i]));
      const idx = sample(count);
      expect(dec.decryptSigned(pick(rr, W, idx))).toEqual(
        idx.map((i) => encodeFixed(values[i]!, 32)),
      );
    });

    it('pooled add equals the in-thread evaluator byte for byte (element-wise and broadcast)', async () => {
      const av = reals(500 + count, count);
      const a = enc.encrypt(av, 16);
      const b = enc.encrypt(reals(600 + count, count), 16);
      const sum = await pp.add(a, b);
      expect(toHex(sum)).toBe(toHex(ev.add(a, b)));
      const one = enc.encrypt([7.5], 16);
      const bc = await pp.add(a, one);
      expect(toHex(bc)).toBe(toHex(ev.add(a, one)));
      const idx = sample(count);
      const want = idx.map((i) => encodeFixed(av[i]!, 16) + encodeFixed(7.5, 16));
      expect(dec.decryptSigned(pick(bc, W, idx))).toEqual(want);
    });

    it('pooled dotColumns equals the in-thread evaluator byte for byte, and Σ e_ij·d_i', async () => {
      const cols = 3;
      const x = reals(700 + count, count * cols);
      const { exps } = quantizeColumns(x, count, cols, 20);
      const d = reals(800 + count, count);
      const ct = enc.encrypt(d, 16);
      const got = await pp.dotColumns(ct, exps, cols);
      const here = ev.dotColumns(ct, exps, cols);
      expect(here.length).toBe(cols * W);
      expect(got).toBeInstanceOf(Uint8Array);
      expect(toHex(got)).toBe(toHex(here));
      const dInt = Array.from(d, (v) => encodeFixed(v, 16));
      const want = Array.from({ length: cols }, (_, j) =>
        dInt.reduce((acc, v, i) => acc + BigInt(exps[i * cols + j]!) * v, 0n),
      );
      expect(dec.decryptSigned(got)).toEqual(want);
    });
  });

  it('pooled operations check their arguments', async () => {
    const ct = enc.encrypt([1, 2], 8);
    const other = await generatePaillierKeyPair();
    const call = (fn: () => Promise<unknown>) => (async () => fn())();
    await expect(call(() => pp.rerandomize(ct.subarray(1)))).rejects.toThrow(RangeError);
    await expect(call(() => pp.add(ct.subarray(1), ct.subarray(1)))).rejects.toThrow(RangeError);
    await expect(call(() => pp.dotColumns(ct, new Int32Array(5), 3))).rejects.toThrow(RangeError);
    await expect(call(() => pp.decryptRing(other.privateKey, ct))).rejects.toThrow(RangeError);
  });

  describe.each(SIZES)('X25519, batch of %i', (count) => {
    const ids = Array.from(
      { length: count },
      (_, i) => `user-${i}-${'é'.repeat(i % 3)}@fedgrid.example`,
    );

    it('pooled x25519 equals x25519Batch in this thread', async () => {
      const scalar = new Uint8Array(randomBytes(32));
      const points = new Uint8Array(randomBytes(32 * count));
      const got = await pool.x25519(scalar, points);
      expect(got.length).toBe(32 * count);
      expect(toHex(got)).toBe(toHex(x25519Batch(scalar, points)));
      for (const i of [0, Math.floor(count / 2), count - 1].filter((k) => k >= 0 && k < count)) {
        expect(toHex(got.subarray(32 * i, 32 * i + 32))).toBe(
          x25519Ref(scalar, points.subarray(32 * i, 32 * i + 32)),
        );
      }
    });

    it('pooled hashMultiply equals x25519Batch(scalar, hashToPoints(ids)), in input order', async () => {
      const scalar = new Uint8Array(randomBytes(32));
      const got = await pool.hashMultiply(scalar, ids);
      expect(got.length).toBe(32 * count);
      expect(toHex(got)).toBe(toHex(x25519Batch(scalar, hashToPoints(ids))));
      expect(toHex(await pool.x25519(scalar, hashToPoints(ids)))).toBe(toHex(got));
      if (count > 0) {
        const last = count - 1;
        expect(toHex(got.subarray(32 * last))).toBe(x25519Ref(scalar, hashToPoints([ids[last]!])));
      }
    });
  });

  it('pooled hashMultiply reports ids that are not well-formed Unicode', async () => {
    const scalar = new Uint8Array(randomBytes(32));
    const ids = Array.from({ length: 40 }, (_, i) => `id-${i}`);
    ids[33] = 'bad-\uD800';
    await expect(pool.hashMultiply(scalar, ids)).rejects.toThrow(/well-formed/);
  });

  it('close() resolves (and a pool of 0 requested threads still has one)', async () => {
    const p = new CryptoPool({ threads: 0 });
    expect(p.threads).toBe(1);
    const scalar = new Uint8Array(randomBytes(32));
    const points = new Uint8Array(randomBytes(64));
    expect(toHex(await p.x25519(scalar, points))).toBe(toHex(x25519Batch(scalar, points)));
    await expect(p.close()).resolves.toBeUndefined();
  });
});
