/**
 * Shared pieces of the SSHE-LR protocol (docs/protocols/hetero-sshe-lr.md): message tags, the
 * statistical masking parameter, and message checks. Every per-batch tag is used once in each
 * direction, so the guest and the host run the same code with the roles swapped.
 */
import type { PaillierPublicKey } from '@fedgrid/crypto';
import { ComponentError } from '../spec.js';

/** σ: statistical security of every mask, in bits (the masked value is 2^−σ-close to uniform). */
export const STAT_BITS = 40;

export const tag = {
  setup: 'setup',
  /** The initial shares of the sender's (zero) weights that the receiver keeps. */
  shares: 'shares',
  /** [[w^sender_j · 2^(W·k)]] under the sender's key: its shares of the receiver's weights. */
  bases: (e: number, b: number) => `${e}/${b}/bases`,
  /** Masked packed products X·[[w]] under the receiver's key. */
  z: (e: number, b: number) => `${e}/${b}/z`,
  /** [[d′^sender]] under the sender's key: its share of the scaled error, one per row. */
  d: (e: number, b: number) => `${e}/${b}/d`,
  /** Masked encrypted gradient Xᵀ·[[d′]] under the receiver's key. */
  grad: (e: number, b: number) => `${e}/${b}/grad`,
  /** End of epoch: the host's masked loss part (under the guest's key). */
  lossHost: (e: number) => `${e}/loss-host`,
  /** End of epoch: the guest's masked loss part plus the host's (under the host's key). */
  lossGuest: (e: number) => `${e}/loss-guest`,
  /** End of epoch: the decoded loss, host → guest. */
  loss: (e: number) => `${e}/loss`,
  /** After training: the sender's shares of the receiver's weights. */
  reveal: 'reveal',
};

/** What each party announces before training. */
export interface SetupHeader {
  rows: number;
  /** Columns of its weight vector (the guest's include the intercept). */
  cols: number;
  /** Its own Paillier public key (JSON). */
  publicKey: unknown;
}

/**
 * @returns the blob when it holds exactly `count` ciphertexts of `pub`.
 * @throws ComponentError PROTOCOL otherwise.
 */
export function expectCiphertexts(
  blob: Uint8Array | undefined,
  count: number,
  pub: PaillierPublicKey,
  what: string,
): Uint8Array {
  if (!blob || blob.length !== count * pub.cipherBytes) {
    throw new ComponentError(
      'PROTOCOL',
      `${what}: expected ${count} ciphertexts of ${pub.cipherBytes} bytes, got ${blob?.length ?? 0} bytes`,
    );
  }
  return blob;
}
