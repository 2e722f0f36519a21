/**
 * Pooled CRT encryption for the private-key holder ({@link PaillierCrtEncryptor}): the tables of
 * h_s mod p² and mod q² are built once, on a worker, into shared memory; batches are split across
 * the pool's threads. About twice the rate of {@link PooledPaillier.encryptRing} for the same
 * ciphertexts.
 */
import { packBigUints } from '../kernels/bytes.js';
import { DEFAULT_TABLE_WINDOW } from '../paillier/encryptor.js';
import { PaillierCrtEncryptor } from '../paillier/crt-encryptor.js';
import { privateKeyToJson, type PaillierPrivateKey } from '../paillier/keys.js';
import type { CryptoPool } from './crypto-pool.js';
import type { CrtKeyRef } from './crt-encrypt-task.js';

export class PooledCrtEncryptor {
  private constructor(
    private readonly pool: CryptoPool,
    readonly privateKey: PaillierPrivateKey,
    private readonly ref: CrtKeyRef,
  ) {}

  /** Builds the shared tables (window bits per digit; 2 × 8 MB at 2048 bits and window 8). */
  static async create(
    pool: CryptoPool,
    privateKey: PaillierPrivateKey,
    window = DEFAULT_TABLE_WINDOW,
  ): Promise<PooledCrtEncryptor> {
    const sizes = PaillierCrtEncryptor.tableSizes(privateKey, window);
    const ref: CrtKeyRef = {
      privateKey: privateKeyToJson(privateKey),
      tableP: new Uint8Array(new SharedArrayBuffer(sizes.p)),
      tableQ: new Uint8Array(new SharedArrayBuffer(sizes.q)),
      window,
    };
    await pool.run('paillierCrtBuildTables', ref);
    return new PooledCrtEncryptor(pool, privateKey, ref);
  }

  /**
   * Encrypts plaintexts already in [0, n).
   * @returns ms.length × cipherBytes bytes, in input order.
   */
  encryptRing(ms: readonly bigint[]): Promise<Uint8Array> {
    const w = Math.ceil(this.privateKey.publicKey.bits / 8);
    return this.pool.map('paillierCrtEncryptRing', ms.length, (s, e) => ({
      ...this.ref,
      ring: packBigUints(ms.slice(s, e), w),
    }));
  }
}
