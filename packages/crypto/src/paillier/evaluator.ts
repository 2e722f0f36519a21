/**
 * Homomorphic operations on Paillier ciphertexts that need only the public key:
 *   [[a]]·[[b]] = [[a + b]],  [[a]]^k = [[k·a]],  Π_i [[d_i]]^{x_ij} = [[Σ_i x_ij·d_i]].
 */
import { packBigUints, readBigUintLE, writeBigUintLE } from '../kernels/bytes.js';
import type { ModArith } from '../kernels/mod-arith.js';
import { createModArith } from '../kernels/select.js';
import type { PaillierPublicKey } from './keys.js';

export class PaillierEvaluator {
  readonly arith: ModArith;

  constructor(
    readonly publicKey: PaillierPublicKey,
    arith?: ModArith,
  ) {
    this.arith = arith ?? createModArith(publicKey.nSquared);
  }

  /** Element-wise [[a_i + b_i]] (or [[a_i + b]] when `b` is one ciphertext). */
  add(a: Uint8Array, b: Uint8Array): Uint8Array {
    return this.arith.mul(a, b);
  }

  /** Element-wise [[a_i + m_i]] for ring plaintexts m_i ∈ [0, n), without fresh randomness. */
  addPlainRing(a: Uint8Array, ms: readonly bigint[]): Uint8Array {
    const n = this.publicKey.n;
    return this.arith.mul(
      a,
      packBigUints(
        ms.map((m) => 1n + m * n),
        this.publicKey.cipherBytes,
      ),
    );
  }

  /**
   * Element-wise [[k_i · a_i]] for signed integer scalars (one exponentiation each; a negative
   * scalar inverts the ciphertext first).
   */
  mulScalar(a: Uint8Array, ks: readonly bigint[]): Uint8Array {
    const w = this.publicKey.cipherBytes;
    if (a.length !== ks.length * w)
      throw new RangeError(`need ${ks.length} ciphertexts, got ${a.length / w}`);
    const out = new Uint8Array(a.length);
    const minusOne = new Int32Array([-1]);
    for (let i = 0; i < ks.length; i++) {
      let c = a.subarray(i * w, (i + 1) * w);
      let k = ks[i] as bigint;
      if (k < 0n) {
        c = this.arith.multiExp(c, minusOne, 1);
        k = -k;
      }
      out.set(this.arith.pow(c, k), i * w);
    }
    return out;
  }

  /**
   * Encrypted matrix–vector product Xᵀ·[[d]]: out[j] = [[Σ_i exps[i·columns + j] · d_i]].
   * @param cts N ciphertexts [[d_i]].
   * @param exps N × columns quantised signed integers (see {@link quantizeColumns}).
   * @returns columns ciphertexts.
   */
  dotColumns(cts: Uint8Array, exps: Int32Array, columns: number): Uint8Array {
    return this.arith.multiExp(cts, exps, columns);
  }

  /** Σ over all ciphertexts of a batch: one ciphertext [[Σ_i a_i]]. */
  sum(a: Uint8Array): Uint8Array {
    const w = this.publicKey.cipherBytes;
    const count = a.length / w;
    let acc: Uint8Array = a.slice(0, w);
    for (let i = 1; i < count; i++) acc = this.arith.mul(acc, a.subarray(i * w, (i + 1) * w));
    if (count === 0) {
      acc = new Uint8Array(w);
      writeBigUintLE(1n, w, acc); // [[0]] with randomiser 1
    }
    return acc;
  }

  /** The ciphertext at `index` as a bigint (for tests and debugging). */
  at(a: Uint8Array, index: number): bigint {
    const w = this.publicKey.cipherBytes;
    return readBigUintLE(a, index * w, w);
  }
}
