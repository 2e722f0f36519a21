/**
 * The strategy hooks of the round loop (server.ts): client weights, round commands, admission of
 * updates, aggregation (weighted mean or a robust rule), differential privacy around it, and the
 * server optimiser over the pseudo-gradient. Privacy and robustness wrap the aggregation rule
 * instead of editing it, as Flower's DP and SecAgg wrappers do.
 *
 * With DP the mean is unweighted over the m sampled clients and each update is clipped to C, so
 * one client changes the mean by at most C/m; Gaussian noise of std z·C/m then gives client-level
 * DP (McMahan et al. 2018), accounted per round with sampling rate q = m/N. That q credits privacy
 * amplification by subsampling, which holds only while the adversary does not know who was
 * sampled (Balle, Barthe & Gaboardi, NeurIPS 2018), so under DP the sample is drawn from the
 * aggregator's CSPRNG, not from the public job seed.
 */
import { securePermutation } from '@fedgrid/crypto';
import {
  AdaptiveClipping,
  addGaussianNoise,
  clipToNorm,
  coordinateMedian,
  createServerOptimizer,
  flagOutliers,
  krum,
  RdpAccountant,
  SeededRandom,
  ServerOptimizer,
  trimmedMean,
  weightedMean,
  type AdaptiveClippingState,
  type RdpAccountantState,
  type ServerOptimizerState,
} from '@fedgrid/ml';
import { ComponentError } from '../spec.js';
import type { HomoRoundParams } from './params.js';
import type { TrainCommand, UpdateHeader } from './protocol.js';

export interface ClientUpdate {
  client: string;
  header: UpdateHeader;
  /** Δ = θ_local − θ_global (clipped by the client under dp.mode 'client'). */
  delta: Float64Array;
}

export interface StrategyState {
  optimizer: ServerOptimizerState;
  accountant?: RdpAccountantState;
  clipping?: AdaptiveClippingState;
}

export class HomoStrategy {
  private readonly optimizer: ServerOptimizer;
  private readonly accountant?: RdpAccountant;
  private readonly clipping?: AdaptiveClipping;
  /**
   * Noise multiplier of the model update: z itself, or with adaptive clipping the smaller z_Δ
   * that leaves room for the noisy clip count (Andrew et al. 2021, Theorem 1), so that the
   * round as a whole is accounted with z.
   */
  private readonly updateNoise: number;
  /** q of the round being run: sampled / available clients (1 until {@link sample} runs). */
  private sampleRate = 1;

  /**
   * @param totalClients clients of the job (N before any removal).
   * @param draw uniform integer in [0, bound) for the DP client sample; default the CSPRNG
   *   (`node:crypto.randomInt`). Inject a source only in tests.
   */
  constructor(
    private readonly p: HomoRoundParams,
    private readonly totalClients: number,
    state?: StrategyState,
    private readonly draw?: (bound: number) => number,
  ) {
    const s = p.strategy;
    const opts = {
      kind: s.name,
      ...(s.serverLearningRate !== undefined ? { learningRate: s.serverLearningRate } : {}),
      ...(s.beta1 !== undefined ? { beta1: s.beta1 } : {}),
      ...(s.beta2 !== undefined ? { beta2: s.beta2 } : {}),
      ...(s.tau !== undefined ? { tau: s.tau } : {}),
    };
    this.optimizer = state ? ServerOptimizer.restore(state.optimizer) : createServerOptimizer(opts);
    if (p.dp.mode !== 'off') {
      this.accountant = state?.accountant
        ? RdpAccountant.restore(state.accountant)
        : new RdpAccountant();
      if (p.dp.adaptive)
        this.clipping = state?.clipping
          ? AdaptiveClipping.restore(state.clipping)
          : new AdaptiveClipping({
              initialClipNorm: p.dp.clipNorm,
              targetQuantile: p.dp.targetQuantile,
              learningRate: p.dp.clipLearningRate,
              // Andrew et al. 2021: σ_b = expected clients per round / 20.
              countStddev: Math.max(p.minClients, p.fraction * totalClients) / 20,
            });
    }
    this.updateNoise = p.dp.mode === 'off' ? 0 : this.noiseFor(p.dp.noiseMultiplier);
  }

  private noiseFor(z: number): number {
    if (!this.clipping) return z;
    const sigmaB = this.clipping.state().countStddev;
    if (2 * sigmaB <= z)
      throw new ComponentError(
        'BAD_PARAMS',
        `dp.adaptive with noiseMultiplier ${z} needs a clip-count noise above z/2, but ${this.totalClients} clients give σ_b = ${sigmaB}; lower dp.noiseMultiplier below ${2 * sigmaB} or turn dp.adaptive off`,
        { field: 'dp.noiseMultiplier' },
      );
    return AdaptiveClipping.updateNoiseMultiplier(z, sigmaB);
  }

  private get clipNorm(): number {
    return this.clipping ? this.clipping.clipNorm : this.p.dp.clipNorm;
  }

  /**
   * Configure hook: the round's clients, m = max(minClients, ⌈fraction · N⌉) of the N available.
   * Under DP: a uniformly random m-subset from the aggregator's CSPRNG, in random order (the
   * order numbers the clients in SecAgg, so a sorted sample would tell a client whether clients
   * listed before it were sampled); no function of the job seed, and a client learns only
   * whether it is in it. Without DP nothing rests on the sample being secret: a PRNG seeded by
   * (seed, round), sorted, so that a resumed run repeats an uninterrupted one exactly.
   * Sets the sampling rate q = m/N that the accountant charges for the round.
   */
  sample(round: number, available: readonly string[]): string[] {
    const want = Math.min(
      available.length,
      Math.max(this.p.minClients, Math.ceil(this.p.fraction * available.length)),
    );
    this.sampleRate = available.length > 0 ? want / available.length : 1;
    if (this.p.dp.mode !== 'off') {
      const order = securePermutation(available.length, this.draw);
      return Array.from(order.subarray(0, want), (i) => available[i] as string);
    }
    const order = new SeededRandom((this.p.seed * 7919 + round) >>> 0).permutation(
      available.length,
    );
    return [...order.subarray(0, want)].sort((a, b) => a - b).map((i) => available[i] as string);
  }

  /** Weights of the sampled clients' updates, summing to 1 (uniform under DP). */
  clientWeights(examples: readonly number[]): number[] {
    const total = examples.reduce((a, b) => a + b, 0);
    if (this.p.dp.mode !== 'off' || total === 0) return examples.map(() => 1 / examples.length);
    return examples.map((n) => n / total);
  }

  /** The train command of every sampled client (in sampled order). */
  commands(round: number, sampled: readonly string[], weights: readonly number[]): TrainCommand[] {
    return sampled.map((_, k) => ({
      type: 'train',
      round,
      weight: weights[k] as number,
      ...(this.p.dp.mode === 'client' ? { clipNorm: this.clipNorm } : {}),
    }));
  }

  /** Admission check: updates whose norm is out of bounds or a robust outlier. */
  admit(updates: readonly ClientUpdate[]): { flagged: { client: string; reason: string }[] } {
    const r = this.p.robust;
    const flagged: { client: string; reason: string }[] = [];
    if (r.minUpdateNorm > 0)
      for (const u of updates) {
        let sq = 0;
        for (const v of u.delta) sq += v * v;
        const norm = Math.sqrt(sq);
        if (norm < r.minUpdateNorm)
          flagged.push({
            client: u.client,
            reason: `update norm ${norm.toExponential(2)} below ${r.minUpdateNorm}: contributes nothing`,
          });
      }
    if (r.maxUpdateNorm === 0 && r.zScore === 0) return { flagged };
    const res = flagOutliers(
      updates.map((u) => u.delta),
      {
        ...(r.maxUpdateNorm > 0 ? { maxNorm: r.maxUpdateNorm } : {}),
        // zScore 0 turns the norm-outlier and sign tests off (only the bound applies).
        ...(r.zScore > 0 ? { zScore: r.zScore } : { zScore: Infinity, minCosine: -1 }),
      },
    );
    res.flagged.forEach((i, k) => {
      const client = (updates[i] as ClientUpdate).client;
      if (!flagged.some((f) => f.client === client))
        flagged.push({ client, reason: res.reasons[k] ?? 'outlier' });
    });
    return { flagged };
  }

  /** The next global model from individual updates (plain aggregation). */
  aggregate(global: Float64Array, updates: readonly ClientUpdate[]): Float64Array {
    let deltas = updates.map((u) => u.delta);
    let unclipped = updates.map((u) => u.header.unclipped ?? true);
    if (this.p.dp.mode === 'server') {
      const clipped = deltas.map((d) => clipToNorm(d, this.clipNorm));
      deltas = clipped.map((c) => c.vector);
      unclipped = clipped.map((c) => !c.clipped);
    }
    const weights = this.clientWeights(updates.map((u) => u.header.examples));
    const r = this.p.robust;
    let mean: Float64Array;
    if (r.aggregator === 'median') mean = coordinateMedian(deltas);
    else if (r.aggregator === 'trimmed-mean') mean = trimmedMean(deltas, r.trim);
    else if (r.aggregator === 'krum') mean = krum(deltas, r.byzantine, 1).aggregate;
    else if (r.aggregator === 'multi-krum')
      mean = krum(deltas, r.byzantine, Math.max(1, deltas.length - r.byzantine)).aggregate;
    else mean = weightedMean(deltas, weights);
    return this.finish(global, mean, updates.length, unclipped);
  }

  /**
   * The next global model from a securely aggregated sum Σ_k w_k·Δ_k over the included clients,
   * whose weights sum to `weightSum` (less than 1 when sampled clients dropped).
   */
  applySum(
    global: Float64Array,
    sum: Float64Array,
    weightSum: number,
    updates: readonly ClientUpdate[],
  ): Float64Array {
    const mean = sum.map((v) => v / weightSum);
    return this.finish(
      global,
      mean,
      updates.length,
      updates.map((u) => u.header.unclipped ?? true),
    );
  }

  private finish(
    global: Float64Array,
    meanDelta: Float64Array,
    m: number,
    unclipped: readonly boolean[],
  ): Float64Array {
    let noisy = meanDelta;
    if (this.accountant) {
      const z = this.p.dp.noiseMultiplier;
      noisy = addGaussianNoise(meanDelta, (this.updateNoise * this.clipNorm) / m);
      // q of the sample, not m/N of the updates that arrived: a dropped client was still
      // sampled with probability q (charging less would under-report ε).
      this.accountant.step({ noiseMultiplier: z, sampleRate: this.sampleRate });
      this.clipping?.update({
        unclippedCount: unclipped.filter(Boolean).length,
        clientCount: unclipped.length,
      });
    }
    const aggregated = global.map((g, i) => g + (noisy[i] as number));
    return this.optimizer.step(global, aggregated);
  }

  /** DP: the clip bound of the next round and the (ε, δ) spent so far. */
  privacy(): { clipNorm?: number; epsilon?: number; delta?: number } {
    if (!this.accountant) return {};
    return {
      clipNorm: this.clipNorm,
      epsilon: this.accountant.epsilon(this.p.dp.delta).epsilon,
      delta: this.p.dp.delta,
    };
  }

  state(): StrategyState {
    return {
      optimizer: this.optimizer.state(),
      ...(this.accountant ? { accountant: this.accountant.state() } : {}),
      ...(this.clipping ? { clipping: this.clipping.state() } : {}),
    };
  }
}
