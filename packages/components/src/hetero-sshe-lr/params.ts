/**
 * Parameters of the two-party SSHE-LR (`hetero-sshe-lr`), with FATE's names and the defaults of
 * the coordinated HeteroLR where they mean the same thing. Only what is linear in the secret
 * shares is offered: plain SGD with an L2 penalty (or none). L1 (a soft threshold) and adaptive
 * optimisers (RMSprop, Adam: a division by a secret) would need secure comparisons or divisions;
 * the coordinated `hetero-lr` has them.
 */
import { DEFAULT_LR_PARAMS, type LogisticRegressionParams } from '@fedgrid/ml';
import { z } from 'zod';

const d = DEFAULT_LR_PARAMS;

export const heteroSsheLrParams = z
  .object({
    /** Epochs (passes over the data). */
    maxIter: z.number().int().min(1).max(10_000).default(d.maxIter),
    /** Rows per mini-batch; ≤ 0 means one batch of all rows. */
    batchSize: z.number().int().default(d.batchSize),
    learningRate: z.number().positive().default(d.learningRate),
    /** lr_t = learningRate / (1 + decay·t) (or its square root with decaySqrt). */
    decay: z.number().min(0).default(d.decay),
    decaySqrt: z.boolean().default(d.decaySqrt),
    penalty: z
      .enum(['l2', 'none'], {
        error:
          "hetero-sshe-lr supports penalty 'l2' or 'none' (an L1 step is a soft threshold, which needs a secure comparison on secret-shared weights; use hetero-lr for L1)",
      })
      .default('l2'),
    alpha: z.number().min(0).default(d.alpha),
    optimizer: z
      .literal('sgd', {
        error:
          "hetero-sshe-lr supports optimizer 'sgd' only (RMSprop and Adam divide by secret-shared moments; use hetero-lr for them)",
      })
      .default('sgd'),
    tol: z.number().min(0).default(d.tol),
    /** 'diff': stop when the loss changes by less than tol; 'abs': when it is below tol. */
    earlyStop: z.enum(['diff', 'abs', 'none']).default(d.earlyStop),
    /**
     * Compute the (Taylor) training loss securely every epoch and reveal it to both parties.
     * Costs a few big-exponent operations per batch; early stop on the loss needs it.
     */
    computeLoss: z.boolean().default(true),
    fitIntercept: z.boolean().default(d.fitIntercept),
    /** Seed of the shared mini-batch order (public). */
    seed: z.number().int().min(0).default(d.seed),
    /** Bits of each party's own Paillier modulus (≥ 2048 for 112-bit security). */
    keyBits: z
      .union([z.literal(2048), z.literal(3072), z.literal(4096)], {
        error: 'keyBits must be 2048, 3072 or 4096 (Paillier modulus length)',
      })
      .default(2048),
    /** Fractional bits of shared reals (weights, z, gradients) in the ring Z_2^192. */
    fracBits: z.number().int().min(16).max(40).default(32),
    /** Bits per quantised feature value in the secure products (relative precision 2^−bits). */
    quantBits: z.number().int().min(8).max(28).default(24),
    /** Window of the DJN fixed-base tables (bigger: faster encryption, more memory). */
    tableWindow: z.number().int().min(4).max(14).default(8),
  })
  .superRefine((p, ctx) => {
    if (p.earlyStop !== 'none' && !p.computeLoss) {
      ctx.addIssue({
        code: 'custom',
        path: ['computeLoss'],
        message: `earlyStop '${p.earlyStop}' watches the loss: set computeLoss: true, or earlyStop: 'none'`,
      });
    }
  });
export type HeteroSsheLrParams = z.infer<typeof heteroSsheLrParams>;

/** The plain-LR view of the parameters: what the plaintext twin trains with. */
export function ssheLrParams(p: HeteroSsheLrParams): LogisticRegressionParams {
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
  };
}
