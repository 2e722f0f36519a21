import { DEFAULT_LR_PARAMS, type LogisticRegressionParams } from '@fedgrid/ml';
import { z } from 'zod';

const d = DEFAULT_LR_PARAMS;

export const heteroLrParams = z.object({
  maxIter: z.number().int().min(1).max(10_000).default(d.maxIter),
  batchSize: z.number().int().default(d.batchSize),
  learningRate: z.number().positive().default(d.learningRate),
  decay: z.number().min(0).default(d.decay),
  decaySqrt: z.boolean().default(d.decaySqrt),
  penalty: z.enum(['l2', 'l1', 'none']).default(d.penalty),
  alpha: z.number().min(0).default(d.alpha),
  /**
   * 'newton': each party steps with the inverse of its own block of the Hessian (its own
   * columns' Gram matrix, computed and kept locally), damped by 2/(parties + 1); no learning
   * rate. Needs penalty 'l2' or 'none'.
   */
  optimizer: z.enum(['sgd', 'rmsprop', 'adam', 'newton']).default(d.optimizer),
  tol: z.number().min(0).default(d.tol),
  earlyStop: z.enum(['diff', 'abs', 'none']).default(d.earlyStop),
  fitIntercept: z.boolean().default(d.fitIntercept),
  /**
   * Each party standardises its own columns on its own rows (mean and standard deviation stay
   * with it) and reports weights in the original units: one step size then suits raw columns of
   * any scale. @default true
   */
  standardize: z.boolean().default(true),
  seed: z.number().int().min(0).default(d.seed),
  /** Paillier modulus length (≥ 2048 for 112-bit security). */
  keyBits: z.union([z.literal(2048), z.literal(3072), z.literal(4096)]).default(2048),
  /** Fractional bits of the fixed-point encoding of per-row values (u, m): precision 2^−fracBits. */
  fracBits: z.number().int().min(16).max(48).default(32),
  /** Bits per quantised feature value in encrypted inner products (relative precision 2^−bits). */
  quantBits: z.number().int().min(8).max(30).default(24),
  /** Window of the DJN fixed-base table (bigger: faster encryption, more memory). */
  tableWindow: z.number().int().min(4).max(14).default(8),
});
export type HeteroLrParams = z.infer<typeof heteroLrParams>;

/** The plain-LR view of the parameters (what the plaintext twin uses). */
export function lrParams(p: HeteroLrParams): LogisticRegressionParams {
  return {
    maxIter: p.maxIter,
    batchSize: p.batchSize,
    learningRate: p.learningRate,
    decay: p.decay,
    decaySqrt: p.decaySqrt,
    penalty: p.penalty,
    alpha: p.alpha,
    optimizer: p.optimizer,
    tol: p.tol,
    earlyStop: p.earlyStop,
    fitIntercept: p.fitIntercept,
    seed: p.seed,
    standardize: p.standardize,
  };
}

/** Bits of the uniform masks on gradients sent to the arbiter (≥ 40 bits above any gradient). */
export const MASK_BITS = 160;
