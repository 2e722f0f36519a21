/**
 * Shared pieces of hetero-pearson (docs/protocols/hetero-pearson.md): message tags, input
 * checks and the report layout.
 */
import type { PartyName } from '@fedgrid/federation';
import type { Frame } from '@fedgrid/ml';
import { ComponentError, type ProgramContext } from '../spec.js';

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
 * Minimum aligned rows: n ≥ max({@link PEARSON_MIN_ROWS}, {@link PEARSON_ROWS_PER_FEATURE} ×
 * (d_g + d_h)). R = Z_gᵀ·Z_h/n gives the guest d_g linear equations in each host column's n
 * standardised values (and the host d_h in each guest column's); with Σz = 0 and Σz² = n, n = d + 2
 * rows let a party solve them exactly. Ten rows per column keeps the equations to a tenth of the
 * unknowns on either side, so a party's best linear reconstruction of a column it is not
 * genuinely correlated with explains about d/n ≤ 10 % of its variance; the floor of 100 keeps any
 * one row's share of a correlation to about 1 % (docs/protocols/hetero-pearson.md).
 */
export const PEARSON_MIN_ROWS = 100;
export const PEARSON_ROWS_PER_FEATURE = 10;
/**
 * Cross-job budget of each data owner: the equations revealed about its columns to one partner,
 * over every job on one dataset, stay ≤ n/10 — the same ratio as one job at the row minimum, so a
 * first job that passes the minimum always fits and repeating it with other columns does not.
 */
export const PEARSON_BUDGET_PER_ROW = 0.1;
/** What the disclosure ledger counts: one unit = one partner column correlated with ours. */
export const PEARSON_DISCLOSURE_KIND = 'pearson-columns';

/** Rows needed for a party with `own` columns and a partner with `other` columns. */
export function pearsonMinRows(own: number, other: number): number {
  return Math.max(PEARSON_MIN_ROWS, PEARSON_ROWS_PER_FEATURE * (own + other));
}

/**
 * Pearson needs complete, finite data and enough rows that the revealed correlations leave the
 * other party's columns undetermined ({@link pearsonMinRows}). Each data owner runs this itself
 * before revealing anything.
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
  const needed = pearsonMinRows(cols, otherFeatures);
  if (rows < needed) {
    throw new ComponentError(
      'TOO_FEW_ROWS',
      `${party}: ${rows} aligned rows for ${cols} own and ${otherFeatures} partner features; hetero-pearson needs at least max(${PEARSON_MIN_ROWS}, ${PEARSON_ROWS_PER_FEATURE} × (${cols} + ${otherFeatures})) = ${needed} rows, or the correlations would let a party solve for the other's standardised columns — align more rows or correlate fewer columns`,
      { party, rows, features: cols, otherFeatures, minRows: needed },
    );
  }
}

/**
 * Charges the data owner's disclosure ledger (when the node provides one) before anything about
 * its columns reaches `partner`: `partnerColumns` equations per own column, on `rows` rows.
 * @throws ComponentError DISCLOSURE_BUDGET_EXCEEDED from the ledger.
 */
export async function chargePearson(
  ctx: ProgramContext<unknown>,
  partner: PartyName,
  partnerColumns: number,
  rows: number,
): Promise<void> {
  if (!ctx.disclosure) return;
  const b = await ctx.disclosure.charge({
    partner,
    kind: PEARSON_DISCLOSURE_KIND,
    amount: partnerColumns,
    rows,
    budgetPerRow: PEARSON_BUDGET_PER_ROW,
  });
  ctx.log(
    'info',
    `disclosure budget: ${b.used} of ${b.limit} ${PEARSON_DISCLOSURE_KIND} used towards ${partner}`,
    { ...b },
  );
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
