import { z } from 'zod';
import { heteroLrParams } from '../hetero-lr/params.js';

/**
 * HeteroLinR's parameters: those of the coordinated GLMs (FATE's names) with defaults that
 * converge on raw columns without tuning. The squared error has a constant Hessian, so each party
 * takes block-diagonal Newton steps on its own columns ('newton': the Gram matrix of its own
 * standardised columns, never shared) over the whole data set per step; on FATE's motor data this
 * reaches scikit-learn's Ridge optimum within 0.5 % in about 20 epochs where mini-batch SGD
 * stopped 5 % short after 30 (docs/QUALITY.md). `optimizer: 'sgd'` with `batchSize: 512` gives
 * FATE's rule back.
 */
export const heteroLinRParams = heteroLrParams.extend({
  optimizer: z.enum(['sgd', 'rmsprop', 'adam', 'newton']).default('newton'),
  /** Rows per step; ≤ 0: all rows (a Newton step wants the whole gradient). @default -1 */
  batchSize: z.number().int().default(-1),
  /** Epochs at most; Newton steps usually stop on `tol` well before. @default 50 */
  maxIter: z.number().int().min(1).max(10_000).default(50),
  /** Early-stop tolerance on the loss change between epochs. @default 1e-5 */
  tol: z.number().min(0).default(1e-5),
});
