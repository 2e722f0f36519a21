/**
 * Known-answer tests of the SecureBoost histogram kernels: slot packing, bucketed ciphertext sums
 * and cipher compression. The reference for a bucket sum is the plain BigInt product of its
 * ciphertexts mod n² (unique whatever the order of multiplication), so native, portable and
 * pooled results must agree byte for byte, and decryption must give the plaintext sums.
 * One 2048-bit key (the production length; the suite stays at a few seconds).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CryptoPool,
  PaillierDecryptor,
  PaillierEncryptor,
  PlaintextRing,
  compressCiphertexts,
  createModArith,
  generatePaillierKeyPair,
  packSlots,
  pooledCompress,
  pooledSumBuckets,
  readBigUintLE,
  slotCapacity,
  sumBuckets,
  unpackMixedSlots,
  unpackSlots,
  type BucketSumInput,
  type PaillierKeyPair,
} from '@fedgrid/crypto';

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

describe('slot packing', () => {
  it('round-trips signed values at the edges of the slot range', () => {
    const s = 20;
    const vals = [0n, 1n, -1n, (1n << 19n) - 1n, -((1n << 19n) - 1n), 12345n, -54321n];
    const packed = packSlots(vals, s);
    expect(unpackSlots(packed, s, vals.length)).toEqual(vals);
    // A sum of packed values is the packing of the slot sums while every slot stays in range.
    const other = [5n, -7n, 0n, -100n, 100n, 1n, -1n];
    const sum = packed + packSlots(other, s);
    expect(unpackSlots(sum, s, vals.length)).toEqual(vals.map((v, i) => v + (other[i] as bigint)));
  });

  it('rejects values that do not fit and packed values with extra digits', () => {
    expect(() => packSlots([1n << 19n], 20)).toThrow(RangeError);
    expect(() => packSlots([-(1n << 19n)], 20)).toThrow(RangeError);
    expect(() => unpackSlots(1n << 40n, 20, 2)).toThrow(/overflowed/);
  });

  it('decodes mixed widths (least significant first)', () => {
    const widths = [8, 30, 3, 64];
    const vals = [-128n, 536870911n, 3n, -(1n << 62n)];
    let packed = 0n;
    let shift = 0n;
    vals.forEach((v, i) => {
      packed += v << shift;
      shift += BigInt(widths[i] as number);
    });
    expect(unpackMixedSlots(packed, widths)).toEqual(vals);
  });

  it('computes the capacity of a modulus', () => {
    const n = (1n << 2047n) + 12345n; // a 2048-bit number: n/3 has 2046 bits
    expect(slotCapacity(n, 96)).toBe(Math.floor(2046 / 96));
    expect(slotCapacity(n, 2046)).toBe(1);
    expect(slotCapacity(n, 2047)).toBe(0);
  });
});

describe('bucketed sums and compression under Paillier-2048', () => {
  let keys: PaillierKeyPair;
  let enc: PaillierEncryptor;
  let dec: PaillierDecryptor;
  let ring: PlaintextRing;
  let pool: CryptoPool;
  const rowsTotal = 300;
  const nFeatures = 3;
  let plain: bigint[];
  let cts: Uint8Array;
  let input: BucketSumInput;

  beforeAll(async () => {
    keys = await generatePaillierKeyPair(2048);
    enc = PaillierEncryptor.create(keys.publicKey, { window: 4 });
    dec = new PaillierDecryptor(keys.privateKey);
    ring = new PlaintextRing(keys.publicKey.n);
    pool = new CryptoPool({ threads: 2 });
    const next = prng(7);
    // Ciphertexts for 250 of the 300 table rows, in a shuffled order.
    const rows = Array.from({ length: rowsTotal }, (_, i) => i).filter((i) => i % 6 !== 5);
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [rows[i], rows[j]] = [rows[j] as number, rows[i] as number];
    }
    plain = rows.map(() => BigInt(Math.floor((next() - 0.5) * 2 ** 40)));
    cts = enc.encryptRing(plain.map((v) => ring.toRing(v)));
    const codes = new Uint8Array(nFeatures * rowsTotal);
    for (let f = 0; f < nFeatures; f++)
      for (let r = 0; r < rowsTotal; r++)
        // feature 2 puts everything in few buckets, leaving others empty
        codes[f * rowsTotal + r] = f === 2 ? (r % 3) * 2 : Math.floor(next() * (f === 0 ? 8 : 33));
    // Every other table row's ciphertext index: its position in the shuffled list. Take 200.
    const take = rows.slice(0, 200);
    input = {
      cts,
      rows: Uint32Array.from(take),
      ctIndex: Uint32Array.from(take, (_, i) => i),
      codes,
      rowsTotal,
      features: Int32Array.from([0, 1, 2]),
      buckets: Int32Array.from([7, 32, 6]), // bucket 7 of feature 0 and 32 of feature 1 skipped
    };
  });
  afterAll(async () => {
    await pool?.close();
  });

  /** The known answer: per (feature, bucket) the plaintext sum and the product of ciphertexts. */
  function reference(): { sums: bigint[]; products: bigint[] } {
    const n2 = keys.publicKey.nSquared;
    const w = keys.publicKey.cipherBytes;
    const sums: bigint[] = [];
    const products: bigint[] = [];
    input.features.forEach((f, k) => {
      for (let b = 0; b < (input.buckets[k] as number); b++) {
        let s = 0n;
        let p = 1n;
        input.rows.forEach((r, i) => {
          if (input.codes[f * rowsTotal + r] !== b) return;
          const ci = input.ctIndex[i] as number;
          s += plain[ci] as bigint;
          p = (p * readBigUintLE(cts, ci * w, w)) % n2;
        });
        sums.push(s);
        products.push(p);
      }
    });
    return { sums, products };
  }

  function asBigints(bytes: Uint8Array): bigint[] {
    const w = keys.publicKey.cipherBytes;
    return Array.from({ length: bytes.length / w }, (_, i) => readBigUintLE(bytes, i * w, w));
  }

  it('sums every bucket: the product of its ciphertexts, decrypting to the plaintext sum', () => {
    const { sums, products } = reference();
    const arith = createModArith(keys.publicKey.nSquared);
    const out = sumBuckets(arith, input);
    expect(out.length).toBe(45 * keys.publicKey.cipherBytes);
    expect(asBigints(out)).toEqual(products);
    expect(dec.decryptSigned(out)).toEqual(sums);
    // empty buckets (feature 2 has codes 0, 2, 4 only) are the integer 1 = [[0]]
    expect(products.slice(39).map((p) => p === 1n)).toEqual([
      false,
      true,
      false,
      true,
      false,
      true,
    ]);
  });

  it('gives the same bytes on the portable backend and on the pool', async () => {
    const native = sumBuckets(createModArith(keys.publicKey.nSquared), input);
    const portable = sumBuckets(createModArith(keys.publicKey.nSquared, 'portable'), input);
    expect(Buffer.from(portable).equals(Buffer.from(native))).toBe(true);
    const pooled = await pooledSumBuckets(pool, keys.publicKey, input);
    expect(Buffer.from(pooled).equals(Buffer.from(native))).toBe(true);
  });

  it('compresses bucket sums so that one decryption yields several, in order', async () => {
    const { sums } = reference();
    const arith = createModArith(keys.publicKey.nSquared);
    const buckets = sumBuckets(arith, input);
    const slotBits = 52; // |sum| < 200·2^39 < 2^47: room to spare
    const per = slotCapacity(keys.publicKey.n, slotBits);
    expect(per).toBe(39);
    const packed = compressCiphertexts(arith, buckets, slotBits, per);
    expect(packed.length).toBe(2 * keys.publicKey.cipherBytes); // 45 sums → 39 + 6
    const values = dec.decryptSigned(packed);
    const decoded = [
      ...unpackSlots(values[0] as bigint, slotBits, per),
      ...unpackSlots(values[1] as bigint, slotBits, 45 - per),
    ];
    expect(decoded).toEqual(sums);
    const pooled = await pooledCompress(pool, keys.publicKey, buckets, slotBits, 5);
    const single = compressCiphertexts(arith, buckets, slotBits, 5);
    expect(Buffer.from(pooled).equals(Buffer.from(single))).toBe(true);
    expect(pooled.length).toBe(9 * keys.publicKey.cipherBytes);
  });

  it('rejects inconsistent inputs', () => {
    const arith = createModArith(keys.publicKey.nSquared);
    expect(() => sumBuckets(arith, { ...input, ctIndex: input.ctIndex.slice(1) })).toThrow(
      /differ in length/,
    );
    expect(() => sumBuckets(arith, { ...input, features: Int32Array.from([0, 1, 3]) })).toThrow(
      /not a feature/,
    );
    expect(() =>
      sumBuckets(arith, { ...input, ctIndex: Uint32Array.from(input.ctIndex, () => 10_000) }),
    ).toThrow(/outside the 250 ciphertexts/);
    expect(() => compressCiphertexts(arith, input.cts, 1, 3)).toThrow(RangeError);
  });
});
