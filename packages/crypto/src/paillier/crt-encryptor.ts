/**
 * Paillier encryption by the holder of the private key, with the Chinese remainder theorem:
 *
 *   [[m]] = (1 + m·n) · h_s^r mod n²,   h_s^r mod n² = CRT(h_s^r mod p², h_s^r mod q²)
 *
 * The DJN randomiser (Damgård–Jurik–Nielsen 2010 §4.1; r uniform in [0, 2^⌈k/2⌉), the PPCA SGB
 * length) is computed as two fixed-base powers modulo p² and q² — half-length moduli, so each
 * multiplication costs about a quarter — and recombined (Garner). The ciphertexts are the same
 * values {@link PaillierEncryptor} computes for the same r; only a party that knows p and q can
 * compute them this way (in SecureBoost the guest, which encrypts its own gradients).
 */
import { packBigUints, readBigUintLE, writeBigUintLE } from '../kernels/bytes.js';
import type { FixedBaseTable, ModArith } from '../kernels/mod-arith.js';
import { modInverse } from '../kernels/mod-arith-portable.js';
import { createModArith } from '../kernels/select.js';
import { randomExponents } from '../random.js';
import { DEFAULT_TABLE_WINDOW } from './encryptor.js';
import type { PaillierPrivateKey } from './keys.js';

/** Fixed-base tables of h_s modulo p² and q². */
export interface CrtTables {
  p: FixedBaseTable;
  q: FixedBaseTable;
}

export class PaillierCrtEncryptor {
  private readonly qSqInvP: Uint8Array;

  private constructor(
    readonly privateKey: PaillierPrivateKey,
    private readonly arithN: ModArith,
    private readonly arithP: ModArith,
    private readonly arithQ: ModArith,
    readonly tables: CrtTables,
  ) {
    const inv = modInverse(privateKey.qSquared % privateKey.pSquared, privateKey.pSquared);
    this.qSqInvP = packBigUints([inv], arithP.width);
  }

  /** Byte sizes of the two tables for a key and window on the current backend. */
  static tableSizes(privateKey: PaillierPrivateKey, window: number): { p: number; q: number } {
    const bits = privateKey.publicKey.randomBits;
    return {
      p: createModArith(privateKey.pSquared).fixedBaseTableSize(bits, window),
      q: createModArith(privateKey.qSquared).fixedBaseTableSize(bits, window),
    };
  }

  /**
   * Builds the tables of h_s mod p² and mod q² (into `into`, e.g. SharedArrayBuffer views of
   * {@link tableSizes} bytes, so that threads share one copy). Costs 2·⌈k/2/w⌉·2^w
   * multiplications modulo p² (or q²).
   */
  static buildTables(
    privateKey: PaillierPrivateKey,
    window = DEFAULT_TABLE_WINDOW,
    into?: { p: Uint8Array; q: Uint8Array },
  ): CrtTables {
    const { pSquared, qSquared, publicKey } = privateKey;
    const bits = publicKey.randomBits;
    return {
      p: createModArith(pSquared).fixedBaseTable(publicKey.hs % pSquared, bits, window, into?.p),
      q: createModArith(qSquared).fixedBaseTable(publicKey.hs % qSquared, bits, window, into?.q),
    };
  }

  /**
   * @param options.window fixed-base window bits. @default 8
   * @param options.tables tables built earlier by {@link buildTables} on the same backend.
   * @throws RangeError if the tables are too short for the key's randomiser length.
   */
  static create(
    privateKey: PaillierPrivateKey,
    options: { window?: number; tables?: CrtTables } = {},
  ): PaillierCrtEncryptor {
    const tables = options.tables ?? PaillierCrtEncryptor.buildTables(privateKey, options.window);
    const need = privateKey.publicKey.randomBits;
    if (tables.p.expBits < need || tables.q.expBits < need)
      throw new RangeError(`CRT tables cover ${tables.p.expBits}-bit exponents, key needs ${need}`);
    return new PaillierCrtEncryptor(
      privateKey,
      createModArith(privateKey.publicKey.nSquared),
      createModArith(privateKey.pSquared),
      createModArith(privateKey.qSquared),
      tables,
    );
  }

  /**
   * h_s^r mod n² for the given exponents.
   * @param exps count × ⌈randomBits/8⌉ little-endian exponents (see randomExponents).
   * @returns count × cipherBytes bytes.
   */
  randomizersFor(exps: Uint8Array): Uint8Array {
    const { pSquared, qSquared, publicKey } = this.privateKey;
    const rp = this.arithP.fixedBasePow(this.tables.p, exps);
    const rq = this.arithQ.fixedBasePow(this.tables.q, exps);
    const wp = this.arithP.width;
    const wq = this.arithQ.width;
    const count = rp.length / wp;
    // Garner: R = r_q + q²·((r_p − r_q)·(q²)⁻¹ mod p²), the product on the native kernel.
    const rqs = new Array<bigint>(count);
    const diff = new Uint8Array(count * wp);
    for (let i = 0; i < count; i++) {
      const a = readBigUintLE(rp, i * wp, wp);
      const b = readBigUintLE(rq, i * wq, wq);
      rqs[i] = b;
      let d = a - b;
      while (d < 0n) d += pSquared;
      while (d >= pSquared) d -= pSquared;
      writeBigUintLE(d, wp, diff, i * wp);
    }
    const t = this.arithP.mul(diff, this.qSqInvP);
    const w = publicKey.cipherBytes;
    const out = new Uint8Array(count * w);
    for (let i = 0; i < count; i++)
      writeBigUintLE((rqs[i] as bigint) + qSquared * readBigUintLE(t, i * wp, wp), w, out, i * w);
    return out;
  }

  /** `count` fresh randomisers h_s^r mod n², count × cipherBytes bytes. */
  randomizers(count: number): Uint8Array {
    return this.randomizersFor(randomExponents(count, this.privateKey.publicKey.randomBits));
  }

  /**
   * Encrypts plaintexts in [0, n).
   * @returns ms.length × cipherBytes bytes.
   */
  encryptRing(ms: readonly bigint[]): Uint8Array {
    const n = this.privateKey.publicKey.n;
    const plain = packBigUints(
      ms.map((m) => 1n + m * n),
      this.privateKey.publicKey.cipherBytes,
    );
    return this.arithN.mul(plain, this.randomizers(ms.length));
  }
}
