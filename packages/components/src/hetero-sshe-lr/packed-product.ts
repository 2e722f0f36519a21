/**
 * Secure matrix–vector product X·w with X held in the clear by one party (the matrix owner) and
 * w known to the other (the key owner) only — in SSHE-LR, w is the key owner's share of the
 * matrix owner's weights. Output: additive shares of X·w mod 2^ℓ (one per row of the batch).
 *
 *   key owner → matrix owner   [[w_j · 2^(W·k)]], j < cols, k < K (its own key)
 *   matrix owner               P_p = Π_{j,k} [[w_j·2^(W·k)]]^(x_{pK+k, j}) = [[Σ_k 2^(W·k)·(X·w)_{pK+k}]]
 *                              plus a fresh encryption of Σ_k 2^(W·k)·m_{pK+k} (masks, see masking.ts)
 *   matrix owner → key owner   the ⌈|R|/K⌉ packed ciphertexts; the key owner decrypts and cuts
 *                              them into K slots of W bits: its shares; the matrix owner keeps −m.
 *
 * Packing K rows per ciphertext (the key owner encrypts K shifted copies of each weight share)
 * divides the decryptions — the dominant cost of the step — by K at the price of cols·K instead
 * of cols encryptions per batch; the number of multi-exponentiation terms is unchanged.
 */
import type { PaillierEvaluator, PooledPaillier } from '@fedgrid/crypto';
import { ComponentError } from '../spec.js';
import { FOLD_CAP_BITS, type SecureFeatures } from './features.js';
import { addEncrypted, drawMasks, maskedBits } from './masking.js';
import { RING_BITS, ring } from './ring.js';
import type { OwnKey, PeerKey } from './setup.js';

/** How K rows share one Paillier plaintext. */
export interface PackLayout {
  /** |(X·w)_i| < 2^bound for any ring elements w_j and features within the public range. */
  bound: number;
  /** W: bits per slot (a masked value). */
  slotBits: number;
  /** K: rows per ciphertext. */
  slots: number;
}

/**
 * The packing for products of a `cols`-column matrix under a key of `keyBits` bits. Public:
 * both parties derive it from the parameters and the column count.
 * @throws ComponentError PARAMS when not even one slot fits.
 */
export function packLayout(keyBits: number, cols: number, quantBits: number): PackLayout {
  const bound = RING_BITS + quantBits + FOLD_CAP_BITS + Math.ceil(Math.log2(cols));
  const slotBits = maskedBits(bound);
  // Plaintexts stay below 2^(keyBits−2) < n.
  const slots = Math.floor((keyBits - 2) / slotBits);
  if (slots < 1)
    throw new ComponentError(
      'PARAMS',
      `a ${keyBits}-bit key cannot hold a ${slotBits}-bit masked product`,
    );
  return { bound, slotBits, slots };
}

/**
 * Key owner: [[w_j · 2^(W·k)]] for every j < w.length and k < K, j-major (cols·K ciphertexts).
 */
export function packedBases(
  own: OwnKey,
  w: readonly bigint[],
  layout: PackLayout,
): Promise<Uint8Array> {
  const plain: bigint[] = [];
  for (const wj of w)
    for (let k = 0; k < layout.slots; k++) plain.push(wj << BigInt(layout.slotBits * k));
  return own.pp.encryptRing(plain);
}

/**
 * A copy of `cts` with ciphertext i raised to 2^foldOf(i) (its plaintext times 2^foldOf(i)):
 * one batched exponentiation per distinct fold.
 */
export function foldCiphertexts(
  ev: PaillierEvaluator,
  cts: Uint8Array,
  foldOf: (i: number) => number,
): Uint8Array {
  const w = ev.publicKey.cipherBytes;
  const count = cts.length / w;
  const byFold = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const f = foldOf(i);
    if (f > 0) byFold.set(f, [...(byFold.get(f) ?? []), i]);
  }
  if (byFold.size === 0) return cts;
  const out = cts.slice();
  for (const [f, idx] of byFold) {
    const batch = new Uint8Array(idx.length * w);
    idx.forEach((i, k) => batch.set(cts.subarray(i * w, (i + 1) * w), k * w));
    const powered = ev.arith.pow(batch, 1n << BigInt(f));
    idx.forEach((i, k) => out.set(powered.subarray(k * w, (k + 1) * w), i * w));
  }
  return out;
}

/**
 * Π_i bases_i^exps[i·columns + c] for every column c, the columns split across `threads`
 * parallel pool tasks (the pool itself splits by rows, which are few here).
 */
async function dotColumnsParallel(
  pp: PooledPaillier,
  bases: Uint8Array,
  exps: Int32Array,
  rows: number,
  columns: number,
  threads: number,
): Promise<Uint8Array> {
  const chunks = Math.max(1, Math.min(threads * 2, Math.floor(columns / 8)));
  if (chunks === 1) return pp.dotColumns(bases, exps, columns);
  const size = Math.ceil(columns / chunks);
  const parts: Promise<Uint8Array>[] = [];
  for (let c0 = 0; c0 < columns; c0 += size) {
    const cw = Math.min(size, columns - c0);
    const sub = new Int32Array(rows * cw);
    for (let i = 0; i < rows; i++)
      sub.set(exps.subarray(i * columns + c0, i * columns + c0 + cw), i * cw);
    parts.push(pp.dotColumns(bases, sub, cw));
  }
  const done = await Promise.all(parts);
  const out = new Uint8Array(done.reduce((a, d) => a + d.length, 0));
  let off = 0;
  for (const d of done) {
    out.set(d, off);
    off += d.length;
  }
  return out;
}

/**
 * Matrix owner: the masked packed products for the batch `rows` of `x`, and its shares.
 * @param bases the key owner's {@link packedBases} (under the peer's key).
 * @returns masked: ⌈|rows|/K⌉ ciphertexts under the peer's key; shares: −m_r mod 2^ℓ per row.
 */
export async function maskedPackedProduct(
  peer: PeerKey,
  bases: Uint8Array,
  x: SecureFeatures,
  rows: Uint32Array,
  layout: PackLayout,
  threads: number,
): Promise<{ masked: Uint8Array; shares: bigint[] }> {
  const K = layout.slots;
  const { cols } = x;
  const m = rows.length;
  const packs = Math.ceil(m / K);
  const folded = foldCiphertexts(peer.ev, bases, (i) => x.baseFold[Math.floor(i / K)] as number);
  const nb = cols * K;
  const exps = new Int32Array(nb * packs);
  for (let p = 0; p < packs; p++) {
    for (let k = 0; k < K; k++) {
      const r = p * K + k;
      if (r >= m) break;
      const i = rows[r] as number;
      for (let j = 0; j < cols; j++) exps[(j * K + k) * packs + p] = x.exps[i * cols + j] as number;
    }
  }
  const products = await dotColumnsParallel(peer.pp, folded, exps, nb, packs, threads);
  const masks = drawMasks(m, layout.bound);
  const packed = Array.from({ length: packs }, (_, p) => {
    let v = 0n;
    for (let k = Math.min(K, m - p * K) - 1; k >= 0; k--)
      v = (v << BigInt(layout.slotBits)) + (masks.plain[p * K + k] as bigint);
    return v;
  });
  return { masked: await addEncrypted(peer, products, packed), shares: masks.shares };
}

/**
 * Key owner: its shares of the m rows from the decrypted packs (slot k of pack p is row pK + k).
 */
export function unpackShares(
  decrypted: readonly bigint[],
  layout: PackLayout,
  m: number,
): bigint[] {
  const K = layout.slots;
  const W = BigInt(layout.slotBits);
  const slotMask = (1n << W) - 1n;
  const out = new Array<bigint>(m);
  for (let r = 0; r < m; r++) {
    const pack = decrypted[Math.floor(r / K)] as bigint;
    out[r] = ring((pack >> (W * BigInt(r % K))) & slotMask);
  }
  return out;
}
