/**
 * CRT encryption by the private-key holder: its randomisers h_s^r mod n² must be the very values
 * the standard fixed-base power gives for the same exponents r (byte for byte), and its
 * ciphertexts must decrypt to the plaintexts, in-thread and on the pool. One 2048-bit key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CryptoPool,
  PaillierCrtEncryptor,
  PaillierDecryptor,
  PaillierEncryptor,
  PooledCrtEncryptor,
  createModArith,
  generatePaillierKeyPair,
  randomBits,
  randomExponents,
  type PaillierKeyPair,
} from '@fedgrid/crypto';

let keys: PaillierKeyPair;
let pool: CryptoPool;

beforeAll(async () => {
  keys = await generatePaillierKeyPair(2048);
  pool = new CryptoPool({ threads: 2 });
});
afterAll(async () => {
  await pool?.close();
});

describe('PaillierCrtEncryptor', () => {
  it('computes exactly h_s^r mod n² for given exponents', () => {
    const crt = PaillierCrtEncryptor.create(keys.privateKey, { window: 6 });
    const std = PaillierEncryptor.create(keys.publicKey, { window: 6 });
    const exps = randomExponents(40, keys.publicKey.randomBits);
    exps.fill(0, 0, 128); // r = 0 for the first row: the randomiser 1
    const reference = createModArith(keys.publicKey.nSquared).fixedBasePow(std.table, exps);
    const mine = crt.randomizersFor(exps);
    expect(Buffer.from(mine).equals(Buffer.from(reference))).toBe(true);
    expect(mine[0]).toBe(1);
  });

  it('encrypts so that decryption gives the plaintexts back, with fresh randomness', async () => {
    const n = keys.publicKey.n;
    const ms = [0n, 1n, n - 1n, n / 3n, ...Array.from({ length: 60 }, () => randomBits(2040) % n)];
    const dec = new PaillierDecryptor(keys.privateKey);
    const crt = PaillierCrtEncryptor.create(keys.privateKey);
    const a = crt.encryptRing(ms);
    expect(dec.decryptRing(a)).toEqual(ms);
    const b = crt.encryptRing(ms);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    const pooled = await PooledCrtEncryptor.create(pool, keys.privateKey);
    const c = await pooled.encryptRing(ms);
    expect(c.length).toBe(ms.length * keys.publicKey.cipherBytes);
    expect(dec.decryptRing(c)).toEqual(ms);
    expect(await pooled.encryptRing([])).toHaveLength(0);
  });

  it('refuses tables too short for the key', () => {
    const small = createModArith(keys.privateKey.pSquared).fixedBaseTable(3n, 64, 4);
    expect(() =>
      PaillierCrtEncryptor.create(keys.privateKey, { tables: { p: small, q: small } }),
    ).toThrow(/64-bit exponents/);
  });
});
