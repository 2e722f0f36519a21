/**
 * Fixed-point encoding of real vectors into Z_{2^32} for secure aggregation (the usual
 * clip-and-quantise step of SecAgg deployments, e.g. Bonawitz et al. 2019 "Towards Federated
 * Learning at Scale" §6; stochastic rounding as in Suresh et al. 2017 / Kairouz et al. 2021).
 *
 * A value x is clipped to [−clip, clip] and mapped to z = (x + clip)·s with the scale
 * s = (2^bits − 1) / (2·clip), so z ∈ [0, 2^bits − 1]; z is then rounded stochastically:
 * q = ⌊z⌋ + 1 with probability z − ⌊z⌋, else ⌊z⌋ (unbiased: E[q] = z). The sum of `count`
 * quantised vectors is < count·2^bits, so it never wraps mod 2^32 while count·2^bits ≤ 2^32,
 * and decodes as Σx ≈ S/s − count·clip.
 */
import { randomFillSync } from 'node:crypto';

/** Quantisation parameters; the same on every client and at the decoder. */
export interface QuantizeOptions {
  /** Values are clipped to [−clip, clip] (finite, > 0). */
  clip: number;
  /** Bits per quantised value, integer in [1, 31]; default 24. */
  bits?: number;
}

/** Default bits per value: 24 leaves room for 255 clients in a 32-bit sum. */
export const DEFAULT_QUANTIZE_BITS = 24;

function params(opts: QuantizeOptions): { clip: number; bits: number; scale: number } {
  const clip = opts.clip;
  const bits = opts.bits ?? DEFAULT_QUANTIZE_BITS;
  if (!(typeof clip === 'number' && Number.isFinite(clip) && clip > 0))
    throw new RangeError(`clip must be a finite number > 0, got ${clip}`);
  if (!Number.isInteger(bits) || bits < 1 || bits > 31)
    throw new RangeError(`bits must be an integer in [1, 31], got ${bits}`);
  return { clip, bits, scale: (2 ** bits - 1) / (2 * clip) };
}

/** The largest `bits` for which the sum of `count` quantised vectors fits 32 bits. */
function maxBitsFor(count: number): number {
  let b = 31;
  while (b > 0 && count * 2 ** b >= 2 ** 32) b--;
  return b;
}

/**
 * Quantises a real vector for secure aggregation, with stochastic rounding (randomness from
 * the node:crypto CSPRNG, 32 bits per value).
 * @param values L reals; ±Infinity are clipped like any other value.
 * @param opts clip range and bits (default 24).
 * @returns L integers in [0, 2^bits − 1].
 * @throws RangeError on a bad clip or bits, or on a NaN value (index given).
 */
export function quantize(values: Float64Array, opts: QuantizeOptions): Uint32Array {
  const { clip, bits, scale } = params(opts);
  const top = 2 ** bits - 1;
  const n = values.length;
  const out = new Uint32Array(n);
  const rnd = new Uint32Array(n);
  randomFillSync(rnd);
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    if (Number.isNaN(x)) throw new RangeError(`quantize: values[${i}] is NaN`);
    const z = ((x < -clip ? -clip : x > clip ? clip : x) + clip) * scale;
    const f = Math.floor(z);
    const q = rnd[i]! * 2 ** -32 < z - f ? f + 1 : f;
    out[i] = q < 0 ? 0 : q > top ? top : q;
  }
  return out;
}

/**
 * Worst-case per-coordinate error of {@link dequantizeSum} for `count` inputs that lie in
 * [−clip, clip]: count · 2·clip / (2^bits − 1) (each stochastic rounding moves a value by less
 * than one step 1/s). The error is also unbiased (mean 0) with standard deviation at most
 * √count / (2s), which is the typical size.
 * @throws RangeError on bad options or count.
 */
export function quantizationErrorBound(count: number, opts: QuantizeOptions): number {
  const { scale } = params(opts);
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`count must be a non-negative integer, got ${count}`);
  return count / scale;
}

/**
 * Decodes the mod-2^32 sum of `count` vectors produced by {@link quantize} with the same
 * options into the sum of the (clipped) real vectors.
 *
 * Error bound: for inputs within [−clip, clip], every coordinate satisfies
 * |result − Σ x| < count · 2·clip / (2^bits − 1) (see {@link quantizationErrorBound}), plus
 * double rounding (≈ 1e−16 relative); the error is unbiased with standard deviation
 * ≤ √count · clip / (2^bits − 1). Inputs outside the range contribute their clipped value.
 * @param sum L words, Σ of the quantised vectors mod 2^32.
 * @param count number of vectors summed (e.g. `included.length` of a SecAgg round).
 * @returns L reals: the decoded sum (divide by count for the mean).
 * @throws RangeError if count·2^bits ≥ 2^32 (the sum could have wrapped: lower `bits`), or on
 *   bad options or count.
 */
export function dequantizeSum(
  sum: Uint32Array,
  count: number,
  opts: QuantizeOptions,
): Float64Array {
  const { clip, bits, scale } = params(opts);
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`count must be a non-negative integer, got ${count}`);
  if (count * 2 ** bits >= 2 ** 32) {
    const fit = maxBitsFor(count);
    throw new RangeError(
      `the sum of ${count} values of ${bits} bits can wrap around 2^32 (count·2^bits ≥ 2^32): ` +
        (fit >= 1 ? `lower bits to at most ${fit}` : 'too many vectors for a 32-bit sum'),
    );
  }
  const offset = count * clip;
  const out = new Float64Array(sum.length);
  for (let i = 0; i < sum.length; i++) out[i] = sum[i]! / scale - offset;
  return out;
}
