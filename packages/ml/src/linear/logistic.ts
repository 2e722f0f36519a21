/**
 * Plaintext logistic regression with the same schedule, optimiser and early stop as the
 * federated HeteroLR: the baseline FedGrid compares federated models against, and (with
 * `taylor: true`) an exact reference for the federated arithmetic.
 */
import { matTVec, matVec, selectEntries, selectRows, type Matrix } from '../matrix.js';
import { Optimizer } from './optimizer.js';
import { learningRateAt, shouldStop, type LogisticRegressionParams } from './params.js';
import { epochBatches } from './schedule.js';

export interface LogisticModel {
  /** One weight per feature column. */
  weights: Float64Array;
  intercept: number;
}

export interface TrainResult {
  model: LogisticModel;
  /** Mean training loss per epoch (penalty included). */
  lossHistory: number[];
  epochs: number;
  converged: boolean;
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/**
 * Second-order Taylor expansion of the logistic loss around 0 (Hardy et al. 2017; FATE):
 * log(1 + e^(−y′z)) ≈ log 2 − y′z/2 + z²/8 with y′ = 2y − 1; its gradient in z is
 * d = z/4 + 1/2 − y, i.e. σ(z) − y with σ(z) ≈ 1/2 + z/4.
 */
export function taylorLoss(z: number, y: number): number {
  return Math.LN2 - 0.5 * (2 * y - 1) * z + 0.125 * z * z;
}

/** Exact logistic loss log(1 + e^(−y′z)), computed stably. */
export function logisticLoss(z: number, y: number): number {
  const m = -(2 * y - 1) * z;
  return m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m));
}

/**
 * Trains on `x` (rows × features) and 0/1 labels `y`.
 * @param options.taylor use the Taylor-approximated loss and gradient (what HeteroLR computes).
 */
export function trainLogisticRegression(
  x: Matrix,
  y: Float64Array,
  params: LogisticRegressionParams,
  options: { taylor?: boolean } = {},
): TrainResult {
  if (y.length !== x.rows) throw new RangeError(`${y.length} labels for ${x.rows} rows`);
  const size = x.cols + (params.fitIntercept ? 1 : 0);
  const w = new Float64Array(size);
  const opt = new Optimizer(params, size, x.cols);
  const lossHistory: number[] = [];
  let converged = false;
  let epoch = 0;
  for (; epoch < params.maxIter; epoch++) {
    const lr = learningRateAt(params, epoch);
    let lossSum = 0;
    for (const batch of epochBatches(x.rows, params.batchSize, params.seed, epoch)) {
      const xb = selectRows(x, batch);
      const yb = selectEntries(y, batch);
      const weights = w.subarray(0, x.cols);
      const z = matVec(xb, weights, params.fitIntercept ? (w[x.cols] as number) : 0);
      const d = new Float64Array(z.length);
      let batchLoss = 0;
      for (let i = 0; i < z.length; i++) {
        const zi = z[i] as number;
        const yi = yb[i] as number;
        d[i] = options.taylor ? 0.25 * zi + 0.5 - yi : sigmoid(zi) - yi;
        batchLoss += options.taylor ? taylorLoss(zi, yi) : logisticLoss(zi, yi);
      }
      lossSum += batchLoss + opt.penaltyLoss(w) * batch.length;
      const g = new Float64Array(size);
      g.set(matTVec(xb, d).map((v) => v / batch.length));
      if (params.fitIntercept) g[x.cols] = d.reduce((a, b) => a + b, 0) / batch.length;
      opt.step(w, g, lr);
    }
    const loss = lossSum / x.rows;
    const prev = lossHistory[lossHistory.length - 1];
    lossHistory.push(loss);
    if (shouldStop(params, loss, prev)) {
      converged = true;
      epoch++;
      break;
    }
  }
  return {
    model: {
      weights: w.slice(0, x.cols),
      intercept: params.fitIntercept ? (w[x.cols] as number) : 0,
    },
    lossHistory,
    epochs: epoch,
    converged,
  };
}

/** P(y = 1 | x) for every row. */
export function predictProba(model: LogisticModel, x: Matrix): Float64Array {
  return matVec(x, model.weights, model.intercept).map(sigmoid);
}
