/**
 * A party's features as integers for the secure products, at a PUBLIC scale: every entry stands
 * for x_ij ≈ exps_ij · 2^baseFold_j · 2^−S with S = {@link FEATURE_SCALE_BITS}. Each column is
 * first quantised to `quantBits` bits relative to its largest magnitude (as the coordinated
 * HeteroLR does); the gap 2^(S − s_j) to the public scale is then split between the exponent
 * (as far as a signed 32-bit exponent allows) and a power of two applied to the ciphertext bases
 * (`baseFold`). The public scale means the peer learns nothing about this party's feature
 * magnitudes from the scales it must use when truncating shares.
 *
 * Columns are quantised once on all rows (not per batch): the same integers enter the local and
 * the homomorphic halves of every product, so shares always add up exactly.
 */
import type { Matrix } from '@fedgrid/ml';
import { ComponentError } from '../spec.js';

/** S: fractional bits of features in every secure product. */
export const FEATURE_SCALE_BITS = 28;
/** Largest total fold S − s_j (features up to 2^(quantBits + 30 − S) in magnitude). */
export const FOLD_CAP_BITS = 30;

export interface SecureFeatures {
  rows: number;
  cols: number;
  /** rows × cols signed integers, row-major (|exps| < 2^31). */
  exps: Int32Array;
  /** The same as bigints (for the local halves of the products in the ring). */
  bigExps: bigint[];
  /** Per column: the power of two applied to ciphertexts (and to local products). */
  baseFold: Int32Array;
}

/**
 * @param x rows × features.
 * @param intercept append a column of ones (the guest's intercept) as the last column.
 * @throws ComponentError FEATURE_RANGE when a feature is too large for the public scale.
 */
export function secureFeatures(
  x: Matrix,
  quantBits: number,
  intercept: boolean,
  names: readonly string[],
): SecureFeatures {
  const cols = x.cols + (intercept ? 1 : 0);
  const { rows } = x;
  const value = (i: number, j: number): number =>
    j < x.cols ? (x.data[i * x.cols + j] as number) : 1;
  const exps = new Int32Array(rows * cols);
  const baseFold = new Int32Array(cols);
  const expFoldMax = 31 - quantBits;
  const limit = 2 ** quantBits - 1;
  for (let j = 0; j < cols; j++) {
    let maxAbs = 0;
    for (let i = 0; i < rows; i++) maxAbs = Math.max(maxAbs, Math.abs(value(i, j)));
    const s =
      maxAbs === 0
        ? FEATURE_SCALE_BITS
        : Math.min(FEATURE_SCALE_BITS, quantBits - 1 - Math.floor(Math.log2(maxAbs)));
    const fold = FEATURE_SCALE_BITS - s;
    if (fold > FOLD_CAP_BITS) {
      throw new ComponentError(
        'FEATURE_RANGE',
        `feature '${names[j] ?? `#${j}`}' reaches ${maxAbs}, beyond the fixed-point range of hetero-sshe-lr (|x| < 2^${quantBits + FOLD_CAP_BITS - FEATURE_SCALE_BITS}); standardise or scale the features first`,
        { feature: names[j], maxAbs },
      );
    }
    const expFold = Math.min(fold, expFoldMax);
    baseFold[j] = fold - expFold;
    // q = round(x·2^s) has at most quantBits bits; q·2^expFold fits a signed 32-bit exponent.
    const scale = 2 ** s;
    const shift = 2 ** expFold;
    for (let i = 0; i < rows; i++) {
      const q = Math.max(-limit, Math.min(limit, Math.round(value(i, j) * scale)));
      exps[i * cols + j] = q * shift;
    }
  }
  return { rows, cols, exps, bigExps: Array.from(exps, (e) => BigInt(e)), baseFold };
}
