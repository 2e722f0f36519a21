/**
 * Adaptive clip norm for DP-FedAvg: the clip norm follows a target quantile of the client update
 * norms, learnt privately from a noisy count of unclipped clients.
 *
 * Andrew, Thakkar, McMahan, Ramaswamy, "Differentially Private Learning with Adaptive
 * Clipping", NeurIPS 2021 (Algorithm 1 and Theorem 1; geometric update rule).
 */
import { CryptoRandom, standardNormal, type UniformSource } from './secure-random.js';
import { checkPositive } from './vectors.js';

/** Options of {@link AdaptiveClipping}. */
export interface AdaptiveClippingOptions {
  /** Initial clip norm C₀ > 0. Default 0.1 (the paper's choice). */
  initialClipNorm?: number;
  /** Target quantile γ ∈ (0, 1) of the update norms that should be unclipped. Default 0.5. */
  targetQuantile?: number;
  /** Clip-norm learning rate η_C > 0 of the geometric update. Default 0.2 (the paper's choice). */
  learningRate?: number;
  /**
   * Standard deviation σ_b ≥ 0 of the Gaussian noise on the unclipped count (in clients). The
   * paper suggests σ_b = (expected clients per round) / 20. 0 is not private. Required.
   */
  countStddev: number;
}

/** JSON-serialisable state of {@link AdaptiveClipping}. */
export interface AdaptiveClippingState {
  version: 1;
  clipNorm: number;
  targetQuantile: number;
  learningRate: number;
  countStddev: number;
  rounds: number;
}

/** Input of {@link AdaptiveClipping.update}: one round's clip indicators. */
export interface ClipCountInput {
  /** Clients of this round whose delta norm was ≤ the current clip norm. */
  unclippedCount: number;
  /** Clients that took part in this round (≥ unclippedCount). */
  clientCount: number;
  /** Denominator m: expected clients per round. Default `clientCount`. */
  expectedClients?: number;
}

/**
 * Private quantile tracking of the clip norm (Andrew et al. 2021, Algorithm 1). After each round,
 * with `b_i = 1[‖Δ_i‖ ≤ C]`:
 *
 *   b̃ = (Σ_i (b_i − ½) + N(0, σ_b²)) / m + ½,   C ← C · exp(−η_C (b̃ − γ)).
 *
 * Centring b_i at ½ gives the count sensitivity ½, so by Theorem 1 a round with update noise
 * multiplier z_Δ and count noise σ_b is as private as one Gaussian mechanism with multiplier
 * `z = (z_Δ⁻² + (2σ_b)⁻²)^(−½)`; see {@link AdaptiveClipping.updateNoiseMultiplier}.
 * Account with that z.
 */
export class AdaptiveClipping {
  private clip: number;
  private rounds: number;
  private readonly targetQuantile: number;
  private readonly learningRate: number;
  private readonly countStddev: number;
  private readonly rng: UniformSource;

  /**
   * @param rng uniform source for the count noise; default {@link CryptoRandom}.
   * @throws RangeError when an option is out of range (see {@link AdaptiveClippingOptions}).
   */
  constructor(opts: AdaptiveClippingOptions, rng: UniformSource = new CryptoRandom()) {
    const {
      initialClipNorm = 0.1,
      targetQuantile = 0.5,
      learningRate = 0.2,
      countStddev,
    } = opts ?? ({} as AdaptiveClippingOptions);
    checkPositive(initialClipNorm, 'AdaptiveClipping: initialClipNorm');
    if (typeof targetQuantile !== 'number' || !(targetQuantile > 0 && targetQuantile < 1)) {
      throw new RangeError(
        `AdaptiveClipping: targetQuantile = ${String(targetQuantile)} must be in (0, 1)`,
      );
    }
    checkPositive(learningRate, 'AdaptiveClipping: learningRate');
    checkPositive(countStddev, 'AdaptiveClipping: countStddev (σ_b; the paper uses m / 20)', true);
    this.clip = initialClipNorm;
    this.targetQuantile = targetQuantile;
    this.learningRate = learningRate;
    this.countStddev = countStddev;
    this.rounds = 0;
    this.rng = rng;
  }

  /** The clip norm C to use in the next round. */
  get clipNorm(): number {
    return this.clip;
  }

  /**
   * Geometric update of the clip norm from this round's (un-noised) unclipped count; the noise
   * N(0, σ_b²) is added here.
   *
   * @returns the new clip norm and the noisy unclipped fraction b̃ used.
   * @throws RangeError when the counts are not integers with 0 ≤ unclipped ≤ clients, or
   *   `expectedClients` is not finite and > 0.
   */
  update(input: ClipCountInput): { clipNorm: number; noisyFraction: number } {
    const { unclippedCount, clientCount } = input ?? ({} as ClipCountInput);
    if (!Number.isInteger(clientCount) || clientCount < 0) {
      throw new RangeError(
        `AdaptiveClipping.update: clientCount = ${String(clientCount)} must be an integer ≥ 0`,
      );
    }
    if (!Number.isInteger(unclippedCount) || unclippedCount < 0 || unclippedCount > clientCount) {
      throw new RangeError(
        `AdaptiveClipping.update: unclippedCount = ${String(unclippedCount)} must be an integer in 0 … clientCount (${clientCount})`,
      );
    }
    const m = input.expectedClients ?? clientCount;
    checkPositive(m, 'AdaptiveClipping.update: expectedClients (or clientCount)');
    const noise = this.countStddev > 0 ? this.countStddev * standardNormal(this.rng) : 0;
    const noisyFraction = (unclippedCount - clientCount / 2 + noise) / m + 0.5;
    this.clip *= Math.exp(-this.learningRate * (noisyFraction - this.targetQuantile));
    this.rounds++;
    return { clipNorm: this.clip, noisyFraction };
  }

  /** JSON-serialisable state (the random source is not part of it). */
  state(): AdaptiveClippingState {
    return {
      version: 1,
      clipNorm: this.clip,
      targetQuantile: this.targetQuantile,
      learningRate: this.learningRate,
      countStddev: this.countStddev,
      rounds: this.rounds,
    };
  }

  /**
   * Rebuilds from {@link AdaptiveClipping.state}.
   *
   * @throws RangeError on a malformed state.
   */
  static restore(
    state: AdaptiveClippingState,
    rng: UniformSource = new CryptoRandom(),
  ): AdaptiveClipping {
    if (typeof state !== 'object' || state === null || state.version !== 1) {
      throw new RangeError('AdaptiveClipping.restore: expected a state object with version 1');
    }
    if (!Number.isInteger(state.rounds) || state.rounds < 0) {
      throw new RangeError(
        `AdaptiveClipping.restore: rounds = ${String(state.rounds)} must be an integer ≥ 0`,
      );
    }
    const a = new AdaptiveClipping(
      {
        initialClipNorm: state.clipNorm,
        targetQuantile: state.targetQuantile,
        learningRate: state.learningRate,
        countStddev: state.countStddev,
      },
      rng,
    );
    a.rounds = state.rounds;
    return a;
  }

  /**
   * The update noise multiplier z_Δ that, together with count noise σ_b, gives a total noise
   * multiplier z (Andrew et al. 2021, Theorem 1): `z_Δ = (z⁻² − (2σ_b)⁻²)^(−½)`.
   *
   * @param noiseMultiplier the total z you account for, > 0.
   * @param countStddev σ_b > z / 2.
   * @throws RangeError when `2σ_b ≤ z` (the count alone would use the whole budget).
   */
  static updateNoiseMultiplier(noiseMultiplier: number, countStddev: number): number {
    checkPositive(noiseMultiplier, 'AdaptiveClipping.updateNoiseMultiplier: noiseMultiplier');
    checkPositive(countStddev, 'AdaptiveClipping.updateNoiseMultiplier: countStddev');
    if (2 * countStddev <= noiseMultiplier) {
      throw new RangeError(
        `AdaptiveClipping.updateNoiseMultiplier: countStddev = ${countStddev} must exceed ` +
          `noiseMultiplier / 2 = ${noiseMultiplier / 2}: raise σ_b (e.g. expected clients / 20)`,
      );
    }
    return (noiseMultiplier ** -2 - (2 * countStddev) ** -2) ** -0.5;
  }
}
