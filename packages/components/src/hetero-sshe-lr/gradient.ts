/**
 * Secure transposed product Xᵀ·d′ with X held in the clear by one party (the matrix owner) and
 * d′ known to the other (the key owner) only — in SSHE-LR, d′ is the key owner's share of the
 * scaled error, so the result is the cross half of the matrix owner's gradient. Output:
 * additive shares of Xᵀ·d′ mod 2^ℓ (one per column), at the public feature scale.
 *
 *   key owner → matrix owner   [[d′_i]] (its own key), one per row of the batch
 *   matrix owner               [[G_j]] = (Π_i [[d′_i]]^(x_ij))^(2^baseFold_j), masked (masking.ts)
 *   matrix owner → key owner   the cols masked ciphertexts; the key owner decrypts its shares
 */
import { ComponentError } from '../spec.js';
import { FOLD_CAP_BITS, type SecureFeatures } from './features.js';
import { addEncrypted, drawMasks } from './masking.js';
import { foldCiphertexts } from './packed-product.js';
import { RING_BITS } from './ring.js';
import type { PeerKey } from './setup.js';

/** |(Xᵀ·d)_j| < 2^bound for ring elements d_i over `rows` rows of features in the public range. */
export function gradientBound(rows: number, quantBits: number): number {
  return RING_BITS + quantBits + FOLD_CAP_BITS + Math.ceil(Math.log2(Math.max(1, rows)));
}

/**
 * Matrix owner: the masked [[Xᵀ·d′]] for the batch `rows`, and its shares.
 * @param encD |rows| ciphertexts [[d′_i]] under the peer's key, in batch order.
 * @returns masked: cols ciphertexts under the peer's key; shares: −m_j mod 2^ℓ per column.
 */
export async function maskedGradient(
  peer: PeerKey,
  encD: Uint8Array,
  x: SecureFeatures,
  rows: Uint32Array,
  quantBits: number,
): Promise<{ masked: Uint8Array; shares: bigint[] }> {
  const { cols } = x;
  const m = rows.length;
  if (encD.length !== m * peer.pub.cipherBytes) {
    throw new ComponentError(
      'PROTOCOL',
      `expected ${m} encrypted errors, got ${encD.length} bytes`,
    );
  }
  const exps = new Int32Array(m * cols);
  for (let r = 0; r < m; r++) {
    const i = rows[r] as number;
    exps.set(x.exps.subarray(i * cols, (i + 1) * cols), r * cols);
  }
  const products = await peer.pp.dotColumns(encD, exps, cols);
  const folded = foldCiphertexts(peer.ev, products, (j) => x.baseFold[j] as number);
  const masks = drawMasks(cols, gradientBound(m, quantBits));
  return { masked: await addEncrypted(peer, folded, masks.plain), shares: masks.shares };
}
