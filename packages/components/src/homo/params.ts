/**
 * Parameters of the horizontal round loop, shared by every horizontal training component
 * (homo-lr, homo-linr, homo-nn). Names follow Flower's strategies where it has them
 * (fraction_fit, min_fit_clients, proximal_mu, eta/beta_1/beta_2/tau) in camelCase.
 */
import { z } from 'zod';

export const secAggParams = z
  .object({
    enabled: z.boolean().default(false),
    /**
     * SecAgg+ (Bell et al. 2020): neighbours per client in the masking graph; 0 = every other
     * sampled client (classic SecAgg, Bonawitz et al. 2017).
     */
    neighbours: z.number().int().min(0).default(0),
    /**
     * Shares needed to rebuild a client's secrets, as a fraction of its neighbours (rounded up,
     * and above one half so that a lying server cannot rebuild both secrets of one client).
     */
    thresholdFraction: z.number().gt(0.5).max(1).default(0.67),
    /** Each coordinate of a (weighted) update is clipped to [−clip, clip] before quantisation. */
    clip: z.number().positive().default(4),
    /** Bits per quantised coordinate (the sum of all clients must fit 32 bits). */
    bits: z.number().int().min(8).max(28).default(24),
  })
  .prefault({});

export const dpParams = z
  .object({
    /**
     * 'off'; 'server': the server clips each client's update and adds Gaussian noise to the mean
     * (it sees individual updates); 'client': clients clip their own updates and the server
     * noises the mean (works with SecAgg). Both give client-level (ε, δ) (McMahan et al. 2018).
     */
    mode: z.enum(['off', 'server', 'client']).default('off'),
    /** L2 bound C on each client's update (initial value when adaptive). */
    clipNorm: z.number().positive().default(1),
    /** z: the noise standard deviation is z·C on the sum of clipped updates. */
    noiseMultiplier: z.number().min(0).default(1),
    /** Adaptive clipping (Andrew et al. 2021): C tracks this quantile of update norms. */
    adaptive: z.boolean().default(false),
    targetQuantile: z.number().gt(0).lt(1).default(0.5),
    clipLearningRate: z.number().positive().default(0.2),
    /** δ of the reported (ε, δ). */
    delta: z.number().gt(0).lt(1).default(1e-5),
  })
  .prefault({});

export const robustParams = z
  .object({
    /**
     * How updates are combined: 'mean' (FedAvg's weighted mean), 'median' (coordinate-wise),
     * 'trimmed-mean' (drops the `trim` fraction at both ends), 'krum' / 'multi-krum'.
     */
    aggregator: z.enum(['mean', 'median', 'trimmed-mean', 'krum', 'multi-krum']).default('mean'),
    trim: z.number().min(0).lt(0.5).default(0.2),
    /** Krum's f: clients assumed Byzantine. */
    byzantine: z.number().int().min(0).default(1),
    /** Admission: flag updates whose L2 norm exceeds this (0 = no fixed bound). */
    maxUpdateNorm: z.number().min(0).default(0),
    /** Admission: flag updates whose L2 norm is below this — free riders (0 = off). */
    minUpdateNorm: z.number().min(0).default(0),
    /** Admission: flag robust outliers of the update norms (median ± z·MAD; 0 = off). */
    zScore: z.number().min(0).default(0),
    /**
     * Strikes (flagged or late rounds) after which a client is removed from the job; the first
     * strike logs a warning.
     */
    maxStrikes: z.number().int().min(1).default(3),
  })
  .prefault({});

export const strategyParams = z
  .object({
    /** Server optimiser over the pseudo-gradient (Reddi et al. 2021); 'fedavg' applies the mean. */
    name: z.enum(['fedavg', 'fedadam', 'fedyogi', 'fedadagrad']).default('fedavg'),
    serverLearningRate: z.number().positive().optional(),
    beta1: z.number().min(0).lt(1).optional(),
    beta2: z.number().min(0).lt(1).optional(),
    tau: z.number().positive().optional(),
  })
  .prefault({});

export const homoRoundParams = z.object({
  /** Federated rounds. */
  rounds: z.number().int().min(1).max(10_000).default(20),
  /** Fraction of available clients sampled per round (Flower's fraction_fit). */
  fraction: z.number().gt(0).max(1).default(1),
  /** Fewest clients sampled per round, and fewest updates a round accepts. */
  minClients: z.number().int().min(1).default(2),
  /** Seconds a round waits for updates; later ones are dropped and count as a strike. */
  roundTimeoutSeconds: z.number().positive().default(600),
  /** Local epochs per round. */
  localEpochs: z.number().int().min(1).default(1),
  batchSize: z.number().int().default(64),
  learningRate: z.number().positive().default(0.1),
  /** FedProx proximal term μ (Li et al. 2020); 0 = FedAvg. */
  proximalMu: z.number().min(0).default(0),
  strategy: strategyParams,
  secureAggregation: secAggParams,
  dp: dpParams,
  robust: robustParams,
  /**
   * Hierarchical FL (HierFAVG): clients grouped into edges (party names); edges aggregate their
   * clients every round, the cloud aggregates the edges every `edgeRounds` rounds.
   */
  hierarchy: z
    .object({
      edges: z.array(z.array(z.string().min(1)).min(1)).min(1),
      edgeRounds: z.number().int().min(1).default(2),
    })
    .optional(),
  /** Seed of client sampling, model initialisation and batch order. */
  seed: z.number().int().min(0).default(42),
});
export type HomoRoundParams = z.infer<typeof homoRoundParams>;
