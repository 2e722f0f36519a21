/**
 * Plaintext logistic regression with the same schedule, optimiser and early stop as the
 * federated HeteroLR: the baseline FedGrid compares federated models against, and (with
 * `taylor: true`) an exact reference for the federated arithmetic.
 */
import { matVec, type Matrix } from '../matrix.js';
import {
  LOGISTIC,
  sigmoid,
  TAYLOR_LOGISTIC,
  trainGlm,
  type GlmModel,
  type GlmTrainResult,
} from './glm.js';
import type { LogisticRegressionParams } from './params.js';

export type LogisticModel = GlmModel;
export type TrainResult = GlmTrainResult;

export { sigmoid };

/**
 * Second-order Taylor expansion of the logistic loss around 0 (Hardy et al. 2017; FATE):
 * log(1 + e^(−y′z)) ≈ log 2 − y′z/2 + z²/8 with y′ = 2y − 1; its gradient in z is
 * d = z/4 + 1/2 − y, i.e. σ(z) − y with σ(z) ≈ 1/2 + z/4.
 */
export const taylorLoss: (z: number, y: number) => number = TAYLOR_LOGISTIC.loss;

/** Exact logistic loss log(1 + e^(−y′z)), computed stably. */
export const logisticLoss: (z: number, y: number) => number = LOGISTIC.loss;

/**
 * Trains on `x` (rows × features) and 0/1 labels `y`.
 * @param options.taylor use the Taylor-approximated loss and gradient (what HeteroLR computes).
 * @throws RangeError if `y` does not have one label per row.
 */
export function trainLogisticRegression(
  x: Matrix,
  y: Float64Array,
  params: LogisticRegressionParams,
  options: { taylor?: boolean } = {},
): TrainResult {
  return trainGlm(x, y, params, options.taylor ? TAYLOR_LOGISTIC : LOGISTIC);
}

/** P(y = 1 | x) for every row. */
export function predictProba(model: LogisticModel, x: Matrix): Float64Array {
  return matVec(x, model.weights, model.intercept).map(sigmoid);
}
