/**
 * Fixed-point encoding of signed reals into the Paillier plaintext ring Z_n.
 *
 * A real x is represented by the integer round(x · 2^fracBits); negatives map to n − |v|. Only
 * integers with |v| ≤ ⌊n/3⌋ are valid (the convention of python-paillier / FATE): a decrypted
 * value in the gap (⌊n/3⌋, n − ⌊n/3⌋) can only come from an overflow, and is reported as one
 * instead of being silently wrapped.
 */

/** Raised when a value does not fit the plaintext range, before encryption or after decryption. */
export class PaillierOverflowError extends RangeError {
  readonly code = 'ERR_PAILLIER_OVERFLOW';
  constructor(message: string) {
    super(message);
    this.name = 'PaillierOverflowError';
  }
}

/** x · 2^k without intermediate overflow or underflow (k may be far outside ±1023). */
export function scaleByPow2(x: number, k: number): number {
  let r = x;
  let left = k;
  while (left !== 0 && Number.isFinite(r) && r !== 0) {
    const step = Math.max(-1000, Math.min(1000, left));
    r *= 2 ** step;
    left -= step;
  }
  return r;
}

/** The exact binary form of a finite double: x = mantissa · 2^exponent. */
function decompose(x: number): { mantissa: bigint; exponent: number } {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  const hi = dv.getUint32(0);
  const lo = dv.getUint32(4);
  const sign = hi >>> 31 ? -1n : 1n;
  const biased = (hi >>> 20) & 0x7ff;
  let frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased !== 0) frac |= 1n << 52n;
  return { mantissa: sign * frac, exponent: (biased === 0 ? 1 : biased) - 1075 };
}

/**
 * round(x · 2^fracBits) as an exact bigint (halves round up, as Math.round).
 * @param fracBits number of fractional bits (0–1000): the absolute precision is 2^−fracBits.
 * @throws RangeError for NaN or ±Infinity (the value has no encoding).
 */
export function encodeFixed(x: number, fracBits: number): bigint {
  if (!Number.isFinite(x)) throw new RangeError(`cannot encode ${x} as a fixed-point number`);
  if (!Number.isInteger(fracBits) || fracBits < 0 || fracBits > 1000) {
    throw new RangeError(`fracBits must be an integer in [0, 1000], got ${fracBits}`);
  }
  if (x === 0) return 0n;
  const scaled = x * 2 ** fracBits; // exact: a power-of-two scaling, unless it overflows
  if (Number.isFinite(scaled)) {
    // |scaled| ≥ 2^53 is already an integer; below that Math.round is exact.
    return BigInt(Math.abs(scaled) < 2 ** 53 ? Math.round(scaled) : scaled);
  }
  // The scaled value exceeds a double: scale the exact binary form instead.
  const { mantissa, exponent } = decompose(x);
  const e = exponent + fracBits;
  if (e >= 0) return mantissa << BigInt(e);
  const shift = BigInt(-e);
  return (mantissa + (1n << (shift - 1n))) >> shift; // floor(v + ½), as Math.round
}

/**
 * The real number v · 2^−fracBits, correctly rounded to a double (round to nearest, ties to
 * even; except for results in the subnormal range). `fracBits` may be negative.
 */
export function decodeFixed(v: bigint, fracBits: number): number {
  const mag = v < 0n ? -v : v;
  const bits = mag.toString(2).length;
  if (bits <= 1023 && fracBits <= 1022 && fracBits >= -1022) {
    // Number(v) is correctly rounded and scaling by a power of two is exact.
    return scaleByPow2(Number(v), -fracBits);
  }
  // Keep 64 significant bits plus a sticky bit for everything shifted out, so that the single
  // rounding in Number() is the correct one (no double rounding).
  const s = Math.max(0, bits - 64);
  let r = mag >> BigInt(s);
  if (s > 0 && (mag & ((1n << BigInt(s)) - 1n)) !== 0n) r |= 1n;
  const out = scaleByPow2(Number(r), s - fracBits);
  return v < 0n ? -out : out;
}

/** Signed integers in Z_n with overflow detection. */
export class PlaintextRing {
  /** ⌊n/3⌋: the largest magnitude a valid plaintext may have. */
  readonly maxInt: bigint;

  constructor(readonly n: bigint) {
    this.maxInt = n / 3n;
  }

  /**
   * Maps a signed integer into [0, n).
   * @throws PaillierOverflowError if |v| > ⌊n/3⌋.
   */
  toRing(v: bigint): bigint {
    if (v > this.maxInt || -v > this.maxInt) {
      throw new PaillierOverflowError(
        `plaintext of ${v.toString(2).length} bits exceeds the Paillier range ±n/3 ` +
          `(${this.maxInt.toString(2).length} bits); lower the fixed-point precision or scale the inputs`,
      );
    }
    return v < 0n ? this.n + v : v;
  }

  /**
   * Maps a decrypted element of [0, n) back to a signed integer.
   * @throws PaillierOverflowError if it lies in the overflow gap.
   */
  fromRing(v: bigint): bigint {
    if (v <= this.maxInt) return v;
    if (v >= this.n - this.maxInt) return v - this.n;
    throw new PaillierOverflowError(
      'decrypted value lies outside ±n/3: a homomorphic sum or product overflowed the plaintext ' +
        'space; lower the fixed-point precision or the batch size',
    );
  }
}
