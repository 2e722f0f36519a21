/**
 * Client-level differential privacy on the server: the Gaussian mechanism over clipped client
 * deltas, as in DP-FedAvg (McMahan, Ramage, Talwar, Zhang, "Learning Differentially Private
 * Recurrent Language Models", ICLR 2018, Algorithm 1 with the fixed-denominator estimator).
 *
 * Privacy holds for the adjacency "add or remove one client's whole data set". Account for it
 * with {@link RdpAccountant} using the client sampling rate q and the noise multiplier z.
 */
import { clipToNorm, type ClipResult } from './robust.js';
import { CryptoRandom, fillStandardNormal, type UniformSource } from './secure-random.js';
import { checkPositive, checkVector, checkVectors } from './vectors.js';

/**
 * Clips one client delta to L2 norm `clipNorm` (the per-client clipping of McMahan et al. 2018,
 * Algorithm 1, `ClipFn`): `Δ · min(1, C / ‖Δ‖₂)`.
 *
 * @param delta a client delta (`client model − global model`), length d.
 * @param clipNorm the clip norm C, finite and > 0.
 * @returns a clipped copy, the original norm and whether it was clipped.
 * @throws RangeError on an empty or non-finite delta or a bad clip norm.
 */
export function clipUpdate(delta: Float64Array, clipNorm: number): ClipResult {
  return clipToNorm(delta, clipNorm);
}

/**
 * Adds independent N(0, σ²) noise to every coordinate of `vector`, **in place**, and returns the
 * same array (the Gaussian mechanism, Dwork & Roth, "The Algorithmic Foundations of Differential
 * Privacy", 2014, Section 3.5.3). In place on purpose: a caller that ignores the return value
 * still releases the noisy vector, never the exact one. Copy first (`Float64Array.from`) to keep
 * the original.
 *
 * @param vector the vector to perturb (length d), overwritten with the noisy values.
 * @param sigma the noise standard deviation σ in the vector's units (for DP: z · sensitivity),
 *   finite and ≥ 0 (0 leaves the vector unchanged).
 * @param rng uniform source; default a fresh {@link CryptoRandom} (node:crypto). Pass a
 *   `SeededRandom` only in tests: seeded noise gives no privacy.
 * @returns `vector` itself.
 * @throws RangeError on an empty or non-finite vector or σ not finite and ≥ 0 (the vector is
 *   then left unchanged).
 */
export function addGaussianNoise(
  vector: Float64Array,
  sigma: number,
  rng: UniformSource = new CryptoRandom(),
): Float64Array {
  checkVector(vector, 'addGaussianNoise: vector');
  checkPositive(sigma, 'addGaussianNoise: sigma', true);
  if (sigma === 0) return vector;
  const noise = fillStandardNormal(new Float64Array(vector.length), rng);
  for (let j = 0; j < vector.length; j++) {
    vector[j] = (vector[j] as number) + sigma * (noise[j] as number);
  }
  return vector;
}

/** Options of {@link dpAggregate}. */
export interface DpAggregateOptions {
  /** Per-client clip norm C (L2), finite and > 0. */
  clipNorm: number;
  /** Noise multiplier z ≥ 0: the sum gets N(0, (z·C)²) noise per coordinate. */
  noiseMultiplier: number;
  /** Uniform source for the noise; default {@link CryptoRandom}. */
  rng?: UniformSource;
  /**
   * Denominator: the expected number of clients per round, `q · N` (McMahan et al. 2018's
   * fixed-denominator estimator). Default: `deltas.length`, which is only right when the
   * number of participants is fixed and public (e.g. sampling exactly m clients).
   */
  expectedClients?: number;
}

/** Result of {@link dpAggregate}. */
export interface DpAggregateResult {
  /** `(Σ clip(Δ_k) + N(0, (z·C)² I)) / expectedClients`, the noisy average delta. */
  aggregate: Float64Array;
  /** How many deltas had norm > C and were scaled down. */
  clippedCount: number;
  /** Standard deviation of the noise on each coordinate of `aggregate`: `z·C / expectedClients`. */
  noiseStd: number;
}

/**
 * DP-FedAvg server aggregation with uniform client weights (McMahan et al. 2018, Algorithm 1):
 * clip each client delta to norm C, sum, add Gaussian noise N(0, (z·C)²) per coordinate (the
 * sum's L2 sensitivity is C), and divide by the expected number of clients.
 *
 * Add the result to the global model (or feed `global + aggregate` to a
 * {@link ServerOptimizer}). `clippedCount` is not private: release it only through
 * {@link AdaptiveClipping}, which noises it.
 *
 * @param deltas K ≥ 1 client deltas (`client model − global model`), K × d.
 * @throws RangeError on bad deltas, C not finite and > 0, z not finite and ≥ 0, or
 *   `expectedClients` not finite and > 0.
 */
export function dpAggregate(deltas: Float64Array[], opts: DpAggregateOptions): DpAggregateResult {
  const d = checkVectors(deltas, 'dpAggregate: deltas');
  const {
    clipNorm,
    noiseMultiplier,
    rng = new CryptoRandom(),
  } = opts ?? ({} as DpAggregateOptions);
  checkPositive(clipNorm, 'dpAggregate: clipNorm');
  checkPositive(noiseMultiplier, 'dpAggregate: noiseMultiplier', true);
  const expected = opts.expectedClients ?? deltas.length;
  checkPositive(expected, 'dpAggregate: expectedClients');
  const sum = new Float64Array(d);
  let clippedCount = 0;
  for (const delta of deltas) {
    const c = clipToNorm(delta, clipNorm);
    if (c.clipped) clippedCount++;
    for (let j = 0; j < d; j++) sum[j] = (sum[j] as number) + (c.vector[j] as number);
  }
  const noisy = addGaussianNoise(sum, noiseMultiplier * clipNorm, rng);
  for (let j = 0; j < d; j++) noisy[j] = (noisy[j] as number) / expected;
  return { aggregate: noisy, clippedCount, noiseStd: (noiseMultiplier * clipNorm) / expected };
}
