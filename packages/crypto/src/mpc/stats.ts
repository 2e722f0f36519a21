/**
 * Joint statistics of a secret-shared column (standard 001 §5.1 d): count, sum, mean,
 * variance, standard deviation, min, max and quantiles, revealed to the result party only.
 *
 * Sum and sum of squares are computed exactly in the ring (the squares by Beaver multiplication
 * without truncation, so they carry 2f fractional bits) and the result party derives
 * mean = S/n and variance = (n·Q − S²)/n² in exact integer arithmetic before one rounding to
 * float64: apart from the input encoding (≤ 2^-(f+1) per value) these results are exact. That
 * requires n·max|x|²·2^{2f} < 2^63 — {@link statsFracBits} picks f from a public bound on |x|.
 * Min, max and quantiles come from one oblivious sort (error ≤ 2 units of 2^-f).
 */
import type { Proto } from './messages.js';
import type { MpcParty } from './party.js';
import type { Ring } from './ring.js';

/** What the result party learns about one column. */
export interface ColumnStats {
  count: number;
  sum: number;
  mean: number;
  /** Population variance (divisor n). */
  variance: number;
  std: number;
  min: number;
  max: number;
  /** The requested quantiles, in order (linear interpolation, numpy's default). */
  quantiles: number[];
}

/**
 * The largest f (≤ 30) with rows·bound²·2^{2f} < 2^62, so that the sum of squares cannot wrap.
 * @throws RangeError when even f = 0 does not fit (too many rows or too large a bound).
 */
export function statsFracBits(rows: number, bound: number): number {
  const room = 62 - Math.log2(Math.max(1, rows)) - 2 * Math.log2(Math.max(1, bound));
  const f = Math.min(30, Math.floor(room / 2));
  if (f < 0)
    throw new RangeError(
      `${rows} rows with |x| ≤ ${bound} do not fit the 64-bit ring for a sum of squares; split the rows or rescale the column`,
    );
  return f;
}

/**
 * Statistics of one shared column, revealed to `target`.
 * @param x shares of the column, encoded at the party's fracBits (see {@link statsFracBits}).
 * @param qs quantile levels in [0, 1].
 * @returns the statistics at the target, undefined elsewhere.
 * @throws RangeError for an empty column or a level outside [0, 1].
 */
export function* columnStats(
  party: MpcParty,
  x: Ring,
  qs: readonly number[],
  target: number,
): Proto<ColumnStats | undefined> {
  const n = x.length;
  if (n === 0) throw new RangeError('statistics of an empty column');
  const s = party.sum(x);
  const q = party.sum(yield* party.mulRing(x, x));
  const sorted = (yield* party.sort(x)).keys;
  const ends = new BigUint64Array([sorted[0]!, sorted[n - 1]!]);
  const quant = yield* party.pickQuantiles(sorted, qs);
  const all = new BigUint64Array(2 + 2 + qs.length);
  all[0] = s[0]!;
  all[1] = q[0]!;
  all.set(ends, 2);
  all.set(quant, 4);
  const r = yield* party.revealTo(all, target);
  if (!r) return undefined;
  const f = party.fracBits;
  const scale = 2 ** -f;
  const S = BigInt.asIntN(64, r[0]!);
  const Q = BigInt.asIntN(64, r[1]!);
  const N = BigInt(n);
  const num = N * Q - S * S; // 2f fractional bits, ≥ 0
  const variance = Number(num) / 2 ** (2 * f) / (n * n);
  const dec = (v: bigint) => Number(BigInt.asIntN(64, v)) * scale;
  return {
    count: n,
    sum: Number(S) * scale,
    mean: (Number(S) * scale) / n,
    variance,
    std: Math.sqrt(variance),
    min: dec(r[2]!),
    max: dec(r[3]!),
    quantiles: qs.map((_, j) => dec(r[4 + j]!)),
  };
}
