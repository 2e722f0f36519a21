/**
 * Paillier encryption with DJN-style precomputed obfuscation:
 *   [[m]] = (1 + m·n) · h_s^r mod n²,  r uniform in [0, 2^⌈k/2⌉)
 * where g = n + 1 makes g^m = 1 + m·n (no exponentiation) and h_s^r comes from a fixed-base
 * window table (Damgård–Jurik–Nielsen 2010 §4.1; the PPCA SGB specification's obfuscator).
 *
 * An encryptor is bound to one thread; share its table between threads with
 * {@link PaillierEncryptor.create}'s `table` option (a SharedArrayBuffer-backed table).
 */
import { packBigUints } from '../kernels/bytes.js';
import type { FixedBaseTable, ModArith } from '../kernels/mod-arith.js';
import { createModArith } from '../kernels/select.js';
import { randomExponents } from '../random.js';
import type { PaillierPublicKey } from './keys.js';
import { encodeFixed, PlaintextRing } from './fixed-point.js';

/** Default fixed-base window: 2^8 entries per 8 exponent bits (16 MB at 2048-bit keys). */
export const DEFAULT_TABLE_WINDOW = 8;

export interface EncryptorOptions {
  /**
   * Fixed-base window in bits: larger tables (size ⌈k/2/w⌉·2^w ciphertexts) mean fewer
   * multiplications per encryption (⌈k/2/w⌉).
   * @default 8
   */
  window?: number;
  /** A table for h_s built earlier by the same backend (e.g. shared between workers). */
  table?: FixedBaseTable;
  /** Arithmetic modulo n² to use (for tests: force the portable backend). */
  arith?: ModArith;
}

export class PaillierEncryptor {
  readonly ring: PlaintextRing;

  private constructor(
    readonly publicKey: PaillierPublicKey,
    readonly arith: ModArith,
    readonly table: FixedBaseTable,
  ) {
    this.ring = new PlaintextRing(publicKey.n);
  }

  /**
   * Prepares encryption under `publicKey`, building the h_s table unless one is given.
   * Building costs ⌈k/2/w⌉·2^w multiplications mod n² (≈ 33k for k = 2048, w = 8).
   */
  static create(publicKey: PaillierPublicKey, options: EncryptorOptions = {}): PaillierEncryptor {
    const arith = options.arith ?? createModArith(publicKey.nSquared);
    const table =
      options.table ??
      arith.fixedBaseTable(
        publicKey.hs,
        publicKey.randomBits,
        options.window ?? DEFAULT_TABLE_WINDOW,
      );
    if (table.expBits < publicKey.randomBits) {
      throw new RangeError(
        `h_s table covers ${table.expBits}-bit exponents, key needs ${publicKey.randomBits}`,
      );
    }
    return new PaillierEncryptor(publicKey, arith, table);
  }

  /**
   * Builds an h_s table into `into` (e.g. a Uint8Array over a SharedArrayBuffer of
   * {@link tableSize} bytes) so that several threads can share one copy.
   */
  static buildTable(
    publicKey: PaillierPublicKey,
    window: number,
    into?: Uint8Array,
    arith?: ModArith,
  ): FixedBaseTable {
    const a = arith ?? createModArith(publicKey.nSquared);
    return a.fixedBaseTable(publicKey.hs, publicKey.randomBits, window, into);
  }

  /** Bytes of an h_s table for this key and window on the current backend. */
  static tableSize(publicKey: PaillierPublicKey, window: number, arith?: ModArith): number {
    const a = arith ?? createModArith(publicKey.nSquared);
    return a.fixedBaseTableSize(publicKey.randomBits, window);
  }

  /** `count` fresh randomisers h_s^r mod n², count × cipherBytes bytes. */
  randomizers(count: number): Uint8Array {
    return this.arith.fixedBasePow(this.table, randomExponents(count, this.table.expBits));
  }

  /**
   * Encrypts plaintexts already in [0, n) (see {@link PlaintextRing.toRing}).
   * @returns ms.length × cipherBytes bytes.
   */
  encryptRing(ms: readonly bigint[]): Uint8Array {
    return this.arith.mul(this.noRandomness(ms), this.randomizers(ms.length));
  }

  /**
   * Encrypts signed reals at `fracBits` fractional bits.
   * @throws PaillierOverflowError if a value exceeds ±n/3 after scaling; RangeError for NaN/∞.
   */
  encrypt(values: ArrayLike<number>, fracBits: number): Uint8Array {
    const ms = new Array<bigint>(values.length);
    for (let i = 0; i < values.length; i++)
      ms[i] = this.ring.toRing(encodeFixed(values[i] as number, fracBits));
    return this.encryptRing(ms);
  }

  /**
   * (1 + m·n) mod n² for each m: the deterministic "encryption" with randomiser 1. Adding it to
   * a ciphertext (see {@link PaillierEvaluator.addPlainRing}) adds m; on its own it hides nothing.
   */
  noRandomness(ms: readonly bigint[]): Uint8Array {
    const n = this.publicKey.n;
    const out = new Array<bigint>(ms.length);
    for (let i = 0; i < ms.length; i++) out[i] = 1n + (ms[i] as bigint) * n;
    return packBigUints(out, this.publicKey.cipherBytes);
  }

  /** Multiplies each ciphertext by a fresh randomiser: same plaintexts, unlinkable ciphertexts. */
  rerandomize(cts: Uint8Array): Uint8Array {
    return this.arith.mul(cts, this.randomizers(cts.length / this.publicKey.cipherBytes));
  }
}
