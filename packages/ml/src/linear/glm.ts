/**
 * Generalised linear models trained by mini-batch gradient descent with the schedule, optimiser
 * and early stop that the federated trainers use: logistic (exact, or with the Taylor
 * approximation HeteroLR computes), linear (squared error; HeteroLinR) and Poisson (log link;
 * HeteroPoisson). One code path for every family, so that a federated model and its plaintext
 * twin differ only in where the arithmetic happens.
 */
import { matTVec, matVec, selectEntries, selectRows, type Matrix } from '../matrix.js';
import { divergence, DivergedError } from './divergence.js';
import { Optimizer } from './optimizer.js';
import { learningRateAt, shouldStop, type LogisticRegressionParams } from './params.js';
import { epochBatches } from './schedule.js';
import {
  applyStandardization,
  fitStandardization,
  unstandardizeWeights,
  type ColumnStandardization,
} from './standardize.js';

/** A loss on the linear predictor z = x·w + b and its derivative in z. */
export interface GlmFamily {
  name: 'logistic' | 'logistic-taylor' | 'linear' | 'poisson';
  /** Per-row loss at linear predictor z and label y. */
  loss(z: number, y: number): number;
  /** ∂loss/∂z: the residual that multiplies x in the gradient. */
  residual(z: number, y: number): number;
  /** The mean response: σ(z), z or e^z. */
  mean(z: number): number;
  /**
   * An upper bound of ∂²loss/∂z² over all z and y, where one exists (optimizer 'newton' needs
   * it): 1 for squared error, ¼ for the logistic loss; none for Poisson (e^z is unbounded).
   */
  curvature?: number;
}

export interface GlmModel {
  /** One weight per feature column, in the columns' original units. */
  weights: Float64Array;
  intercept: number;
  /** The column statistics the trainer standardised with (`standardize: true`). */
  standardization?: ColumnStandardization;
}

export interface GlmTrainResult {
  model: GlmModel;
  /** Mean training loss per epoch (penalty included). */
  lossHistory: number[];
  epochs: number;
  converged: boolean;
}

/** The logistic function 1 / (1 + e^(−z)), computed without overflow. */
export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Logistic loss log(1 + e^(−y′z)), y′ = 2y − 1, for 0/1 labels. */
export const LOGISTIC: GlmFamily = {
  name: 'logistic',
  loss: (z, y) => {
    const m = -(2 * y - 1) * z;
    return m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m));
  },
  residual: (z, y) => sigmoid(z) - y,
  mean: sigmoid,
  curvature: 0.25,
};

/**
 * Second-order Taylor expansion of the logistic loss around 0 (Hardy et al. 2017; FATE):
 * log 2 − y′z/2 + z²/8, residual z/4 + 1/2 − y.
 */
export const TAYLOR_LOGISTIC: GlmFamily = {
  name: 'logistic-taylor',
  loss: (z, y) => Math.LN2 - 0.5 * (2 * y - 1) * z + 0.125 * z * z,
  residual: (z, y) => 0.25 * z + 0.5 - y,
  mean: sigmoid,
  curvature: 0.25,
};

/** Squared error ½(z − y)² (linear regression; FATE HeteroLinR). */
export const LINEAR: GlmFamily = {
  name: 'linear',
  loss: (z, y) => 0.5 * (z - y) ** 2,
  residual: (z, y) => z - y,
  curvature: 1,
  mean: (z) => z,
};

/**
 * Poisson negative log-likelihood with the log link, e^z − y·z (the constant log y! dropped;
 * FATE HeteroPoisson). Labels are counts ≥ 0.
 */
export const POISSON: GlmFamily = {
  name: 'poisson',
  loss: (z, y) => Math.exp(z) - y * z,
  residual: (z, y) => Math.exp(z) - y,
  mean: Math.exp,
};

/**
 * Trains a GLM on `x` (rows × features) and labels `y` (0/1 for logistic, reals for linear,
 * counts for Poisson), with an optional per-row offset added to z (Poisson exposure: log t).
 * With `params.standardize` it trains on standardised columns and returns weights in the
 * original units.
 * @throws RangeError if `y` (or `offset`) does not have one entry per row.
 * @throws DivergedError when the loss runs away ({@link divergence}).
 */
export function trainGlm(
  xRaw: Matrix,
  y: Float64Array,
  params: LogisticRegressionParams,
  family: GlmFamily,
  options: { offset?: Float64Array } = {},
): GlmTrainResult {
  if (y.length !== xRaw.rows) throw new RangeError(`${y.length} labels for ${xRaw.rows} rows`);
  const scaling = params.standardize ? fitStandardization(xRaw, params.fitIntercept) : undefined;
  const x = scaling ? applyStandardization(xRaw, scaling) : xRaw;
  const { offset } = options;
  if (offset && offset.length !== x.rows)
    throw new RangeError(`${offset.length} offsets for ${x.rows} rows`);
  const size = x.cols + (params.fitIntercept ? 1 : 0);
  const w = new Float64Array(size);
  const opt = new Optimizer(params, size, x.cols);
  if (params.optimizer === 'newton') {
    if (family.curvature === undefined)
      throw new RangeError(
        `optimizer 'newton' needs a loss of bounded curvature (logistic or linear), not ${family.name}; use 'adam' or 'sgd'`,
      );
    // The plaintext twin holds every column: one block, the full Hessian, no damping.
    opt.precondition(x, {
      curvature: family.curvature,
      intercept: params.fitIntercept,
      parties: 1,
    });
  }
  const lossHistory: number[] = [];
  let converged = false;
  let epoch = 0;
  for (; epoch < params.maxIter; epoch++) {
    const lr = learningRateAt(params, epoch);
    let lossSum = 0;
    for (const batch of epochBatches(x.rows, params.batchSize, params.seed, epoch)) {
      const xb = selectRows(x, batch);
      const yb = selectEntries(y, batch);
      const ob = offset ? selectEntries(offset, batch) : undefined;
      const z = matVec(xb, w.subarray(0, x.cols), params.fitIntercept ? (w[x.cols] as number) : 0);
      const d = new Float64Array(z.length);
      let batchLoss = 0;
      for (let i = 0; i < z.length; i++) {
        const zi = (z[i] as number) + (ob ? (ob[i] as number) : 0);
        const yi = yb[i] as number;
        d[i] = family.residual(zi, yi);
        batchLoss += family.loss(zi, yi);
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
    const diverged = divergence(lossHistory);
    if (diverged !== undefined) throw new DivergedError(diverged, lossHistory);
    if (shouldStop(params, loss, prev)) {
      converged = true;
      epoch++;
      break;
    }
  }
  const intercept = params.fitIntercept ? (w[x.cols] as number) : 0;
  if (scaling) {
    const { weights, interceptShare } = unstandardizeWeights(w.subarray(0, x.cols), scaling);
    return {
      model: { weights, intercept: intercept + interceptShare, standardization: scaling },
      lossHistory,
      epochs: epoch,
      converged,
    };
  }
  return {
    model: { weights: w.slice(0, x.cols), intercept },
    lossHistory,
    epochs: epoch,
    converged,
  };
}

/** The mean response of every row (rows of `x`), with an optional per-row offset. */
export function predictGlm(
  model: GlmModel,
  x: Matrix,
  family: GlmFamily,
  offset?: Float64Array,
): Float64Array {
  const z = matVec(x, model.weights, model.intercept);
  return z.map((zi, i) => family.mean(zi + (offset ? (offset[i] as number) : 0)));
}
