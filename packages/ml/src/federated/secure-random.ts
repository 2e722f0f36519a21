/**
 * Uniform and Gaussian sampling for differential privacy. The default source is the operating
 * system CSPRNG (node:crypto); a {@link SeededRandom} can stand in for reproducible tests.
 */
import { randomBytes } from 'node:crypto';

/** A source of uniform numbers in [0, 1): {@link CryptoRandom}, or `SeededRandom` for tests. */
export interface UniformSource {
  next(): number;
}

const BUFFER_DRAWS = 1024;

/**
 * Uniform doubles in [0, 1) with 53 random bits each, from `node:crypto.randomBytes` (buffered
 * 8 KiB at a time). Use for DP noise; unlike `SeededRandom` its output cannot be predicted.
 */
export class CryptoRandom implements UniformSource {
  private buf = Buffer.alloc(0);
  private pos = 0;

  /** Uniform in [0, 1), a multiple of 2⁻⁵³. */
  next(): number {
    if (this.pos >= this.buf.length) {
      this.buf = randomBytes(8 * BUFFER_DRAWS);
      this.pos = 0;
    }
    const hi = this.buf.readUInt32LE(this.pos) >>> 5; // 27 bits
    const lo = this.buf.readUInt32LE(this.pos + 4) >>> 6; // 26 bits
    this.pos += 8;
    return (hi * 67108864 + lo) / 9007199254740992;
  }
}

/**
 * Fills `out` with independent standard normal draws by the Box–Muller transform (Box &
 * Muller, "A Note on the Generation of Random Normal Deviates", Ann. Math. Stat. 1958), two
 * normals per pair of uniforms.
 *
 * Caveat: floating-point Gaussian samplers leak through the low-order bits in theory (cf.
 * Mironov, "On Significance of the Least Significant Bits for Differential Privacy", CCS 2012);
 * a discrete Gaussian (Canonne, Kamath, Steinke, NeurIPS 2020) avoids that and is not used here.
 */
export function fillStandardNormal(out: Float64Array, rng: UniformSource): Float64Array {
  for (let j = 0; j < out.length; j += 2) {
    const u1 = 1 - rng.next(); // (0, 1]: log is finite
    const u2 = rng.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[j] = r * Math.cos(2 * Math.PI * u2);
    if (j + 1 < out.length) out[j + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/** One standard normal draw (Box–Muller; the second draw of the pair is discarded). */
export function standardNormal(rng: UniformSource): number {
  return fillStandardNormal(new Float64Array(1), rng)[0] as number;
}
