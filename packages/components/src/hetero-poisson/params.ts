import { z } from 'zod';
import { heteroLrParams } from '../hetero-lr/params.js';

/**
 * HeteroPoisson's parameters: those of the coordinated GLMs (FATE's names), a smaller default
 * step (the exponential mean makes large steps diverge), and an optional exposure column.
 */
export const heteroPoissonParams = heteroLrParams.extend({
  learningRate: z.number().positive().default(0.05),
  /** First-order rules only: the Poisson loss has no bounded curvature for a fixed Newton block. */
  optimizer: z.enum(['sgd', 'rmsprop', 'adam']).default('sgd'),
  /**
   * A guest column holding each row's exposure t > 0 (time at risk, policy years, …): it is not a
   * feature; log t is added to the linear predictor (FATE's exposure_colname).
   */
  exposure: z.string().min(1).optional(),
});
export type HeteroPoissonParams = z.infer<typeof heteroPoissonParams>;
