/**
 * The two ECDH-PSI suites: ⟨Curve25519, SHA-256, direct hash as u⟩ (the interconnection suite,
 * default) and ⟨SM2 curve, SM3, try-and-increment⟩ (the national suite, x-only points). Both carry
 * 32-byte points, so framing, truncation and matching are shared.
 */
import { generateScalar, generateSm2Scalar, type CryptoPool } from '@fedgrid/crypto';
import { ComponentError } from '../spec.js';

export type PsiCurveName = 'x25519' | 'sm2';

export interface PsiCurve {
  /** A fresh secret scalar. */
  scalar(): Uint8Array;
  /** Round 1: k · H(id) for each id. */
  hashMultiply(pool: CryptoPool, k: Uint8Array, ids: readonly string[]): Promise<Uint8Array>;
  /**
   * Round 2: k · P for each received 32-byte point.
   * @throws ComponentError('PROTOCOL') naming `peer` when a received value is not a point.
   */
  multiply(pool: CryptoPool, k: Uint8Array, points: Uint8Array, peer: string): Promise<Uint8Array>;
}

const X25519: PsiCurve = {
  scalar: generateScalar,
  hashMultiply: (pool, k, ids) => pool.hashMultiply(k, ids),
  multiply: (pool, k, points) => pool.x25519(k, points), // every 32-byte string is a u-coordinate
};

const SM2: PsiCurve = {
  scalar: generateSm2Scalar,
  hashMultiply: (pool, k, ids) => pool.sm2HashMultiply(k, ids),
  multiply: async (pool, k, points, peer) => {
    try {
      return await pool.sm2Multiply(k, points);
    } catch (e) {
      throw new ComponentError(
        'PROTOCOL',
        `${peer} sent an SM2-PSI value that is not an SM2 curve x-coordinate (${(e as Error).message})`,
        { peer },
      );
    }
  },
};

export function psiCurve(name: PsiCurveName): PsiCurve {
  return name === 'sm2' ? SM2 : X25519;
}
