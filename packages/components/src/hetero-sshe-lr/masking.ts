/**
 * Turning an encrypted value into two additive shares (the "HE-to-SS" step of Chen et al.,
 * KDD 2021, §4): the party holding [[v]] under its peer's key adds a statistical mask m and
 * keeps −m as its share; the key owner decrypts v + m and keeps it (mod 2^ℓ) as its share.
 * With |v| < 2^bound and m = 2^bound + ρ, ρ uniform in [0, 2^(bound+σ)), the decrypted integer
 * v + m lies in (0, 2^(bound+σ+1)) and is 2^−σ-close to uniform whatever v is; since
 * bound + σ ≥ ℓ, −m mod 2^ℓ is uniform too.
 *
 * The mask is added as a FRESH encryption, which also re-randomises the ciphertext: the key
 * owner generated the ciphertexts the result was computed from, and must not be able to relate
 * the randomness of the result to them.
 */
import { randomBits } from '@fedgrid/crypto';
import { STAT_BITS } from './protocol.js';
import { ring } from './ring.js';
import type { PeerKey } from './setup.js';

export interface Masks {
  /** m_i = 2^bound + ρ_i: what is added under encryption. */
  plain: bigint[];
  /** −m_i mod 2^ℓ: the masking party's shares. */
  shares: bigint[];
}

/** Bits of a masked value (and so of a packing slot) for |v| < 2^bound. */
export function maskedBits(bound: number): number {
  return bound + STAT_BITS + 1;
}

/** `count` masks for values of magnitude below 2^bound. */
export function drawMasks(count: number, bound: number): Masks {
  const offset = 1n << BigInt(bound);
  const plain = Array.from({ length: count }, () => offset + randomBits(bound + STAT_BITS));
  return { plain, shares: plain.map((m) => ring(-m)) };
}

/**
 * [[v_i + m_i]] under the peer's key, with fresh randomness.
 * @param cts count ciphertexts under the peer's key.
 * @param plaintexts count non-negative plaintexts below the peer's n.
 */
export async function addEncrypted(
  peer: PeerKey,
  cts: Uint8Array,
  plaintexts: readonly bigint[],
): Promise<Uint8Array> {
  return peer.ev.add(cts, await peer.pp.encryptRing(plaintexts));
}
