/**
 * Fixed-point encoding of a component's columns with the precision chosen from public sizes
 * (docs/protocols/mpc.md, "Precision of the components").
 */
import type { Ring } from '@fedgrid/crypto';
import { ComponentError } from '../spec.js';

/** Largest fractional-bit count the components use. */
const MAX_FRAC = 40;

/**
 * Fractional bits for sums over `rows` values bounded by `bound`: the largest f ≤ 40 with
 * rows·bound·2^f < 2^61 (no wrap of a sum) and bound·2^f < 2^57 (sort keys below the pad), and
 * for sums of squares the largest fSq with rows·bound²·2^fSq < 2^61 — negative when the squares
 * are large (x² is then encoded in units of 2^−fSq, an error ≤ 2^(−fSq−1) per square, negligible
 * against x² ≥ 2^(−fSq) for any value that matters to the variance).
 * @throws ComponentError BOUND_TOO_LARGE when even f = 0 (or fSq = −40) does not fit the ring.
 */
export function chooseFracBits(rows: number, bound: number): { f: number; fSq: number } {
  const lr = Math.log2(Math.max(1, rows));
  const lb = Math.log2(Math.max(1, bound));
  const f = Math.min(MAX_FRAC, Math.floor(Math.min(62 - lr - lb, 58 - lb)) - 1);
  const fSq = Math.min(MAX_FRAC, Math.floor(62 - lr - 2 * lb) - 1);
  if (f < 0 || fSq < -40)
    throw new ComponentError(
      'BOUND_TOO_LARGE',
      `${rows} rows with |value| ≤ ${bound} do not fit the 64-bit MPC ring (sums need rows·bound < 2^61); lower the parameter 'bound' or rescale the column`,
    );
  return { f, fSq };
}

/**
 * round(v·2^f) as ring elements (two's complement).
 * @throws ComponentError MISSING_VALUES / VALUE_OUT_OF_RANGE naming the column and how many rows
 *   (never the values).
 */
export function encodeColumn(
  values: Float64Array,
  f: number,
  bound: number,
  column: string,
  party: string,
): Ring {
  const out = new BigUint64Array(values.length);
  let missing = 0;
  let outside = 0;
  const scale = 2 ** f;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) missing++;
    else if (Math.abs(v) > bound) outside++;
    else out[i] = BigInt.asUintN(64, BigInt(Math.round(v * scale)));
  }
  if (missing > 0)
    throw new ComponentError(
      'MISSING_VALUES',
      `${party}: column '${column}' has ${missing} missing or non-finite values; impute or drop them first (missing-values component)`,
      { column, rows: missing },
    );
  if (outside > 0)
    throw new ComponentError(
      'VALUE_OUT_OF_RANGE',
      `${party}: column '${column}' has ${outside} values with |value| above the public bound ${bound}; raise the parameter 'bound'`,
      { column, rows: outside },
    );
  return out;
}

/** A ring element at f fractional bits as a float64. */
export function decodeFixed(v: bigint, f: number): number {
  return Number(BigInt.asIntN(64, v)) * 2 ** -f;
}
