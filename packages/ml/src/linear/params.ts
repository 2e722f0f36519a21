/**
 * Hyper-parameters of (vertical and plaintext) logistic regression, with FATE's names and
 * defaults where FATE has them. The same object drives the federated trainer and its plaintext
 * twin, so that "same hyper-parameters" means the same code path.
 */

export type Penalty = 'l2' | 'l1' | 'none';
export type OptimizerName = 'sgd' | 'rmsprop' | 'adam' | 'newton';
export type EarlyStop = 'diff' | 'abs' | 'none';

export interface LogisticRegressionParams {
  /** Epochs (passes over the data). @default 30 */
  maxIter: number;
  /** Rows per mini-batch; ≤ 0 means the whole data set in one batch. @default 512 */
  batchSize: number;
  /** Initial step size. @default 0.15 */
  learningRate: number;
  /** Learning-rate decay per epoch t: lr_t = lr / (1 + decay·t) (or its square root). @default 0 */
  decay: number;
  /** Use lr / √(1 + decay·t) instead of lr / (1 + decay·t). @default false */
  decaySqrt: boolean;
  /** Regularisation. @default 'l2' */
  penalty: Penalty;
  /** Regularisation strength α (the intercept is never penalised). @default 0.01 */
  alpha: number;
  /**
   * Update rule, applied by each party to its own weights: per-coordinate 'sgd', 'rmsprop',
   * 'adam', or 'newton' — a Newton step on the party's own block of the Hessian (its own columns'
   * Gram matrix, never shared), damped for the number of parties; see {@link Optimizer}.
   * `learningRate` and `decay` do not apply to 'newton'. @default 'sgd'
   */
  optimizer: OptimizerName;
  /** Early-stop tolerance on the loss. @default 1e-4 */
  tol: number;
  /** 'diff': stop when |loss_t − loss_{t−1}| < tol; 'abs': when loss_t < tol. @default 'diff' */
  earlyStop: EarlyStop;
  /** Fit an intercept (held by the guest). @default true */
  fitIntercept: boolean;
  /** Seed of the shared mini-batch order (not secret). @default 42 */
  seed: number;
  /**
   * Train on standardised columns ((x − mean) / std from the training rows; in vertical FL each
   * party its own columns) and report weights in the original units. @default false here; the
   * hetero GLM components default it to true.
   */
  standardize?: boolean;
}

export const DEFAULT_LR_PARAMS: LogisticRegressionParams = {
  maxIter: 30,
  batchSize: 512,
  learningRate: 0.15,
  decay: 0,
  decaySqrt: false,
  penalty: 'l2',
  alpha: 0.01,
  optimizer: 'sgd',
  tol: 1e-4,
  earlyStop: 'diff',
  fitIntercept: true,
  seed: 42,
};

/** Learning rate of epoch t (0-based). */
export function learningRateAt(p: LogisticRegressionParams, epoch: number): number {
  const f = 1 + p.decay * epoch;
  return p.learningRate / (p.decaySqrt ? Math.sqrt(f) : f);
}

/**
 * Whether training should stop after an epoch with loss `loss` (previous: `prev`). 'diff' is
 * relative for losses above 1: |loss − prev| < tol · max(1, |prev|), so one tolerance suits a
 * loss in any unit (squared error of a label in the thousands as well as a log-loss).
 */
export function shouldStop(
  p: LogisticRegressionParams,
  loss: number,
  prev: number | undefined,
): boolean {
  if (!Number.isFinite(loss)) return false;
  if (p.earlyStop === 'abs') return loss < p.tol;
  if (p.earlyStop === 'diff')
    return prev !== undefined && Math.abs(prev - loss) < p.tol * Math.max(1, Math.abs(prev));
  return false;
}
