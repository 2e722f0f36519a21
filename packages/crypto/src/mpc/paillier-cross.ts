/**
 * The homomorphic step of dealer-free (Gilboa) triples, run by the party without the Paillier
 * private key: from the key owner's [[a0]], [[b0]] and its own shares a1, b1 it forms
 * [[a0·b1 + b0·a1 + ρ]] (two scalar multiplications by 64-bit shares, one fresh encryption of
 * the mask ρ, two ciphertext products per element). The fresh encryption of ρ re-randomises the
 * reply, so the key owner learns only a0·b1 + b0·a1 + ρ (statistically hidden by ρ, material.ts).
 * Element-wise: any contiguous range of elements can be computed on its own (the pool splits by
 * elements, pool/mpc-work-pool.ts).
 */
import type { PaillierEncryptor } from '../paillier/encryptor.js';
import type { PaillierEvaluator } from '../paillier/evaluator.js';

/** Bytes of one packed mask ρ < 2^{129+σ} = 2^169 (σ = 40): 22 bytes. */
export const CROSS_RHO_BYTES = 22;

/**
 * [[a0_i·b1_i + b0_i·a1_i + ρ_i]] for i < n.
 * @param cts [[a0]] (n ciphertexts) then [[b0]] (n ciphertexts): 2n × cipherBytes bytes.
 * @param a this party's a1 shares (n); @param b its b1 shares (n); @param rho masks (n).
 * @returns n × cipherBytes bytes.
 * @throws RangeError when the sizes disagree.
 */
export function paillierCrossTerms(
  enc: PaillierEncryptor,
  ev: PaillierEvaluator,
  cts: Uint8Array,
  a: BigUint64Array,
  b: BigUint64Array,
  rho: readonly bigint[],
): Uint8Array {
  const n = rho.length;
  const w = ev.publicKey.cipherBytes;
  if (a.length !== n || b.length !== n || cts.length !== 2 * n * w)
    throw new RangeError(
      `cross terms of ${n} triples need ${n} shares of a and b and ${2 * n} ciphertexts; got ${a.length}, ${b.length} and ${cts.length / w}`,
    );
  const t1 = ev.mulScalar(cts.subarray(0, n * w), Array.from(b));
  const t2 = ev.mulScalar(cts.subarray(n * w), Array.from(a));
  return ev.add(ev.add(t1, t2), enc.encryptRing(rho));
}
