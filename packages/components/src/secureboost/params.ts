/**
 * SecureBoost parameters (FATE HeteroSecureBoost names in camelCase; defaults from
 * DEFAULT_GBDT_PARAMS, shared with the plaintext twin) plus the encryption settings.
 */
import { DEFAULT_GBDT_PARAMS, type GbdtObjective, type GbdtParams } from '@fedgrid/ml';
import { z } from 'zod';
import { ComponentError } from '../spec.js';

const d = DEFAULT_GBDT_PARAMS;

export const secureBoostParams = z.object({
  /** binary, multiclass, regression, or auto (inferred from the label column). */
  objective: z.enum(['binary', 'multiclass', 'regression', 'auto']).default(d.objective),
  /** Boosting rounds (multiclass: one tree per class per round). */
  trees: z.number().int().min(1).max(10_000).default(d.trees),
  maxDepth: z.number().int().min(1).max(16).default(d.maxDepth),
  learningRate: z.number().positive().max(10).default(d.learningRate),
  /** Least hessian sum per child. */
  minChildWeight: z.number().min(0).default(d.minChildWeight),
  /** Least rows a node needs to be split. */
  minSampleSplit: z.number().int().min(2).default(d.minSampleSplit),
  /** L2 penalty λ on leaf weights. */
  lambda: z.number().min(0).default(d.lambda),
  /** Least gain γ of a split. */
  gamma: z.number().min(0).default(d.gamma),
  /** Most quantile bins per feature. */
  bins: z.number().int().min(2).max(255).default(d.bins),
  subsample: z.number().positive().max(1).default(d.subsample),
  colsample: z.number().positive().max(1).default(d.colsample),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .default(d.seed),
  /** Stop after this many rounds without a better validation loss (needs `validate` data); 0: off. */
  earlyStoppingRounds: z.number().int().min(0).max(10_000).default(d.earlyStoppingRounds),
  /**
   * Splits on categorical (string) columns: 'set' — one bin per category, the categories ordered
   * by G/(H + catSmooth) and the best prefix sent left (LightGBM-style; ≤ 254 categories);
   * 'threshold' — quantile bins over the category codes and `code ≤ t` splits (the behaviour
   * before set splits). Both route by category name at prediction.
   */
  categoricalSplit: z.enum(['set', 'threshold']).default('set'),
  /** Set splits: smoothing added to H when ordering categories by G/(H + catSmooth). */
  catSmooth: z.number().min(0).max(1e6).default(d.catSmooth),
  /** Set splits: up to this many non-empty categories at a node, one-vs-rest splits only. */
  maxCatToOnehot: z.number().int().min(1).max(254).default(d.maxCatToOnehot),
  /** Paillier modulus length of the guest's key (≥ 2048 bits: 112-bit security). */
  keyBits: z.union([z.literal(2048), z.literal(3072), z.literal(4096)]).default(2048),
  /** Fractional bits of the fixed-point g and h (precision 2^−fracBits; standard 001 asks ≥ 32). */
  fracBits: z.number().int().min(16).max(48).default(32),
  /**
   * Window of the guest's fixed-base tables of the DJN randomiser mod p² and q² (bigger: faster
   * encryption, more memory: 2 × 8 MB at 8 bits for a 2048-bit key).
   */
  tableWindow: z.number().int().min(4).max(14).default(8),
});
export type SecureBoostParams = z.infer<typeof secureBoostParams>;

/**
 * Validates raw parameters.
 * @throws ComponentError PARAMS_INVALID naming the field (details.field) and the rule broken.
 */
export function parseSecureBoostParams(raw: unknown): SecureBoostParams {
  const r = secureBoostParams.safeParse(raw ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue?.path.join('.') || '(params)';
  throw new ComponentError(
    'PARAMS_INVALID',
    `secureboost: parameter '${field}': ${issue?.message ?? 'invalid'}`,
    { field },
  );
}

/** The plaintext-twin parameters of a run (objective resolved, gradients quantised the same way). */
export function gbdtParams(p: SecureBoostParams, objective: GbdtObjective): GbdtParams {
  return {
    objective,
    trees: p.trees,
    maxDepth: p.maxDepth,
    learningRate: p.learningRate,
    minChildWeight: p.minChildWeight,
    minSampleSplit: p.minSampleSplit,
    lambda: p.lambda,
    gamma: p.gamma,
    bins: p.bins,
    subsample: p.subsample,
    colsample: p.colsample,
    seed: p.seed,
    earlyStoppingRounds: p.earlyStoppingRounds,
    catSmooth: p.catSmooth,
    maxCatToOnehot: p.maxCatToOnehot,
    gradientFracBits: p.fracBits,
  };
}
