/**
 * Joint statistics of a secret-shared column (standard 001 §5.1 d): count, sum, mean,
 * variance, standard deviation, min, max and quantiles, revealed to the result party only.
 *
 * Sum and sum of squares are computed exactly in the ring (the squares by Beaver multiplication
 * without truncation, so they carry 2f fractional bits) and the result party derives
 * mean = S/n and variance = (n·Q − S²)/n² in exact integer arithmetic before one rounding to
 * float64: apart from the input encoding (≤ 2^-(f+1) per value) these results are exact. That
 * requires n·max|x|²·2^{2f} < 2^63 — {@link statsFracBits} picks f from a public bound on |x|.
 * Min, max and quantiles come from one oblivious shuffle and a quickselect with revealed
 * comparisons (`quicksort.ts`; error ≤ 2 units of 2^-f).
 */
import type { Proto } from './messages.js';
import type { MpcParty } from './party.js';
import { orderStatistics } from './quicksort.js';
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
 * Statistics of one shared column, revealed to `target` (see {@link columnsStats}).
 * @returns the statistics at the target, undefined elsewhere.
 * @throws RangeError for an empty column or a level outside [0, 1].
 */
export function* columnStats(
  party: MpcParty,
  x: Ring,
  qs: readonly number[],
  target: number,
): Proto<ColumnStats | undefined> {
  return (yield* columnsStats(party, [x], qs, target))[0];
}

/** Ranks of the two order statistics around level q in n values, and the weight of the upper. */
function quantileRanks(q: number, n: number): [number, number, number] {
  const pos = q * (n - 1);
  const l = Math.floor(pos);
  return [l, Math.min(l + 1, n - 1), pos - l];
}

/**
 * Statistics of several shared columns, revealed to `target` in one batch: Σx of all columns
 * local, Σx² from one batched Beaver multiplication, and min, max and the order statistics
 * around every quantile level from one shuffle-then-quickselect over all columns
 * ({@link orderStatistics}; no full sort: ≈ (2 + 2·log2 r)·n comparisons per column for r
 * ranks). The keys' bound follows from the precondition n·|x|²·2^{2f} < 2^62 of
 * {@link statsFracBits}: every encoding is below 2^31, so the quickselect runs with 32-bit keys.
 * @param xs shares of the columns, encoded at the party's fracBits.
 * @param qs quantile levels in [0, 1].
 * @returns per column, the statistics at the target; undefined entries elsewhere.
 * @throws RangeError for an empty column, a level outside [0, 1], or more than 2^29 rows.
 */
export function* columnsStats(
  party: MpcParty,
  xs: readonly Ring[],
  qs: readonly number[],
  target: number,
): Proto<(ColumnStats | undefined)[]> {
  for (const x of xs) if (x.length === 0) throw new RangeError('statistics of an empty column');
  for (const q of qs)
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} is not in [0, 1]`);
  const C = xs.length;
  const all = new BigUint64Array(xs.reduce((t, x) => t + x.length, 0));
  let off = 0;
  for (const x of xs) {
    all.set(x, off);
    off += x.length;
  }
  const sq = yield* party.mulRing(all, all);
  const ranks = xs.map((x) => {
    const n = x.length;
    return [0, n - 1, ...qs.flatMap((q) => quantileRanks(q, n).slice(0, 2))];
  });
  const picked = yield* orderStatistics(party, xs, ranks, 32);
  // Per column: S, Q, min, max, then the quantiles (lower + frac·(upper − lower)).
  const per = 4 + qs.length;
  const base = new BigUint64Array(C * qs.length);
  const diff = new BigUint64Array(C * qs.length);
  const frac: number[] = [];
  const out = new BigUint64Array(C * per);
  off = 0;
  xs.forEach((x, c) => {
    const n = x.length;
    out[c * per] = party.sum(x)[0]!;
    out[c * per + 1] = party.sum(sq.subarray(off, off + n))[0]!;
    off += n;
    const v = picked[c]!;
    out[c * per + 2] = v[0]!;
    out[c * per + 3] = v[1]!;
    qs.forEach((q, j) => {
      base[c * qs.length + j] = v[2 + 2 * j]!;
      diff[c * qs.length + j] = v[3 + 2 * j]! - v[2 + 2 * j]!;
      frac.push(quantileRanks(q, n)[2]);
    });
  });
  const quant = party.add(base, yield* party.mulPublic(diff, frac));
  xs.forEach((_, c) => out.set(quant.subarray(c * qs.length, (c + 1) * qs.length), c * per + 4));
  const r = yield* party.revealTo(out, target);
  if (!r) return xs.map(() => undefined);
  const f = party.fracBits;
  const scale = 2 ** -f;
  const dec = (v: bigint) => Number(BigInt.asIntN(64, v)) * scale;
  return xs.map((x, c) => {
    const n = x.length;
    const S = BigInt.asIntN(64, r[c * per]!);
    const Q = BigInt.asIntN(64, r[c * per + 1]!);
    const N = BigInt(n);
    const num = N * Q - S * S; // 2f fractional bits, ≥ 0
    const variance = Number(num) / 2 ** (2 * f) / (n * n);
    return {
      count: n,
      sum: Number(S) * scale,
      mean: (Number(S) * scale) / n,
      variance,
      std: Math.sqrt(variance),
      min: dec(r[c * per + 2]!),
      max: dec(r[c * per + 3]!),
      quantiles: qs.map((_, j) => dec(r[c * per + 4 + j]!)),
    };
  });
}
