/**
 * The mini-batch SGD step on secret-shared weights, local to each party (it is linear):
 *   w ← w·(1 − lr·α) − (lr / (4|R|))·G,   G = Xᵀ·d′ at scale F + S, d′ = 4·(σ̃(z) − y)
 * (the L2 term only on penalised coordinates: never on the intercept). Both products are brought
 * to one scale F + S + F_c and truncated ONCE back to F. The guest's share then contains its
 * fresh gradient mask, so it is uniform and the truncation errs by more than one unit in the last
 * place only with probability ≤ |w|·2^(F+S+F_c−ℓ) ≤ |w|·2^−80.
 */
import { ComponentError } from '../spec.js';
import { FEATURE_SCALE_BITS } from './features.js';
import { encodeRing, ring, RING_BITS, truncateShare, type ShareParty } from './ring.js';

export interface StepCoefficients {
  /** Per coordinate: (1 − lr·α) (or 1) at scale S + F_c. */
  decay: bigint[];
  /** lr / (4|R|) at scale F_c. */
  step: bigint;
  /** S + F_c: the truncation after the step. */
  shift: number;
}

/** Significant bits kept of the step size lr/(4|R|). */
const STEP_BITS = 40;

/**
 * The public coefficients of one step (both parties compute the same).
 * @param penalised per coordinate, whether the L2 penalty applies.
 * @throws ComponentError PARAMS when the step size underflows the fixed-point range.
 */
export function stepCoefficients(
  lr: number,
  alpha: number,
  l2: boolean,
  batchRows: number,
  penalised: readonly boolean[],
  fracBits: number,
): StepCoefficients {
  const c = lr / (4 * batchRows);
  // Keep F + S + F_c ≤ ℓ − 80 so that weights up to 2^10 truncate safely (see above).
  const budget = RING_BITS - 80 - fracBits - FEATURE_SCALE_BITS;
  const fc = Math.min(STEP_BITS + Math.max(0, Math.ceil(-Math.log2(c))), budget);
  const step = encodeRing(c, fc);
  if (step < 1n << 20n) {
    throw new ComponentError(
      'PARAMS',
      `the step learningRate/(4·batch) = ${c} is below the fixed-point range (2^${20 - fc}); raise learningRate or lower fracBits`,
    );
  }
  const shift = FEATURE_SCALE_BITS + fc;
  const keep = encodeRing(1 - lr * alpha, shift);
  const one = 1n << BigInt(shift);
  return { decay: penalised.map((p) => (l2 && p ? keep : one)), step, shift };
}

/** One party's shares of the stepped weights from its shares of w and of G. */
export function stepShares(
  w: readonly bigint[],
  g: readonly bigint[],
  coef: StepCoefficients,
  party: ShareParty,
): bigint[] {
  return w.map((wj, j) =>
    truncateShare(
      ring(wj * (coef.decay[j] as bigint) - (g[j] as bigint) * coef.step),
      coef.shift,
      party,
    ),
  );
}
