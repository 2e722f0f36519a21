/**
 * [[Σ_i e_i·m_i]] from ciphertexts [[m_i]] and non-negative exponents e_i of up to ℓ = 192 bits,
 * without one 192-bit exponentiation per term: each exponent is cut into 24-bit limbs
 * e_i = Σ_l e_il·2^(24·l), one multi-exponentiation on the pool gives o_l = [[Σ_i e_il·m_i]] for
 * every limb at once, and Horner's rule joins them: (…(o_7^(2^24)·o_6)^(2^24)…)·o_0, i.e.
 * 168 squarings for the whole inner product.
 */
import type { PaillierEvaluator, PooledPaillier } from '@fedgrid/crypto';
import { RING_BITS } from './ring.js';

const LIMB_BITS = 24;
const LIMBS = Math.ceil(RING_BITS / LIMB_BITS);

/**
 * @param cts count ciphertexts.
 * @param exps count exponents in [0, 2^ℓ).
 * @throws RangeError for a negative or too long exponent.
 */
export async function bigInnerProduct(
  pp: PooledPaillier,
  ev: PaillierEvaluator,
  cts: Uint8Array,
  exps: readonly bigint[],
): Promise<Uint8Array> {
  const limbs = new Int32Array(exps.length * LIMBS);
  const mask = (1n << BigInt(LIMB_BITS)) - 1n;
  exps.forEach((e, i) => {
    if (e < 0n || e >> BigInt(RING_BITS) !== 0n)
      throw new RangeError(`exponent ${i} is not a ring element`);
    let v = e;
    for (let l = 0; l < LIMBS; l++) {
      limbs[i * LIMBS + l] = Number(v & mask);
      v >>= BigInt(LIMB_BITS);
    }
  });
  const parts = await pp.dotColumns(cts, limbs, LIMBS);
  const w = ev.publicKey.cipherBytes;
  let acc = parts.subarray((LIMBS - 1) * w, LIMBS * w);
  for (let l = LIMBS - 2; l >= 0; l--) {
    acc = ev.add(ev.arith.pow(acc, 1n << BigInt(LIMB_BITS)), parts.subarray(l * w, (l + 1) * w));
  }
  return acc;
}
