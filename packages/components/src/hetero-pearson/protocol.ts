/**
 * Shared pieces of hetero-pearson (docs/protocols/hetero-pearson.md): message tags, input
 * checks and the report layout.
 */
import type { Frame } from '@fedgrid/ml';
import { ComponentError } from '../spec.js';

export const tag = {
  /** guest → host: [[Z_g]], column-major (d_g × n ciphertexts). */
  z: 'z',
  /** host → guest: [[Z_gᵀ·Q_h]], d_g × d_h ciphertexts, row-major. */
  products: 'products',
  /** guest → host: the d_g × d_h cross-correlation (f64, row-major). */
  result: 'result',
};

/** Header of the host's products message. */
export interface ProductsHeader {
  /** Fractional bits of every product (fracBits + quantBits). */
  scale: number;
  /** Per host column: constant (its correlations are undefined). */
  constant: boolean[];
  features: string[];
}

/** Header of the guest's result message. */
export interface ResultHeader {
  guestFeatures: string[];
  rows: number;
  cols: number;
}

/**
 * Pearson needs complete, finite data and more rows than the other party has columns (with
 * d ≥ n the other party could solve Z_gᵀ·Z_h for the unknown standardised columns).
 * @throws ComponentError MISSING_VALUES, TOO_FEW_ROWS.
 */
export function checkPearsonInput(frame: Frame, party: string, otherFeatures: number): void {
  const { rows, cols, data } = frame.x;
  for (let j = 0; j < cols; j++) {
    let bad = 0;
    for (let i = 0; i < rows; i++) if (!Number.isFinite(data[i * cols + j] as number)) bad++;
    if (bad > 0) {
      throw new ComponentError(
        'MISSING_VALUES',
        `${party}: feature '${frame.featureNames[j]}' has ${bad} missing or infinite values; Pearson correlation needs complete columns — fill or drop them first`,
        { party, feature: frame.featureNames[j], missing: bad },
      );
    }
  }
  if (rows <= otherFeatures + 1) {
    throw new ComponentError(
      'TOO_FEW_ROWS',
      `${party}: ${rows} aligned rows for a partner with ${otherFeatures} features; hetero-pearson needs more rows than the partner has columns, or the correlations would reveal the standardised columns`,
      { rows, otherFeatures },
    );
  }
}

/** A rows × cols row-major matrix as nested arrays, NaN as null (JSON). */
export function nested(m: Float64Array, rows: number, cols: number): (number | null)[][] {
  return Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, k) => {
      const v = m[i * cols + k] as number;
      return Number.isFinite(v) ? v : null;
    }),
  );
}
