/**
 * Local training of a linear model from given starting parameters: the client step of
 * horizontal federated learning (FedAvg, McMahan et al. 2017; FedProx, Li et al. 2020) for
 * logistic regression (binary), softmax regression (multiclass) and linear regression.
 *
 * Parameters are one flat vector so that aggregation is model-agnostic:
 * - binary, regression: [w_1 … w_d, b] (d + 1 values);
 * - multiclass with K classes: K blocks of [w_k1 … w_kd, b_k], class-major (K·(d + 1) values).
 */
import type { Matrix } from '../matrix.js';
import { sigmoid } from './glm.js';
import { epochBatches } from './schedule.js';

export type LinearTask = 'binary' | 'multiclass' | 'regression';

export interface LocalSgdOptions {
  task: LinearTask;
  /** multiclass: number of classes K (labels are 0 … K−1). */
  classes?: number;
  /** Passes over the local rows. */
  epochs: number;
  /** Rows per mini-batch; ≤ 0 means all rows in one batch. */
  batchSize: number;
  learningRate: number;
  /** L2 strength α on the weights (never the intercepts). @default 0 */
  alpha?: number;
  /** FedProx: adds (μ/2)·‖θ − θ_global‖² to the local loss (Li et al. 2020, eq. 2). */
  proximal?: { mu: number; global: Float64Array };
  /** Seed of the batch order; combine with the round so every round shuffles afresh. */
  seed: number;
}

export interface LocalSgdResult {
  params: Float64Array;
  /** Mean loss (cross-entropy or ½·squared error, without penalties) per local epoch. */
  loss: number[];
}

/** Length of the flat parameter vector for `features` columns. */
export function linearParamCount(task: LinearTask, features: number, classes = 2): number {
  return task === 'multiclass' ? classes * (features + 1) : features + 1;
}

function checkLabels(task: LinearTask, y: Float64Array, classes: number): void {
  for (let i = 0; i < y.length; i++) {
    const v = y[i] as number;
    if (task === 'binary' && v !== 0 && v !== 1)
      throw new RangeError(`row ${i}: label ${v} is not 0/1 (binary task)`);
    if (task === 'multiclass' && (!Number.isInteger(v) || v < 0 || v >= classes))
      throw new RangeError(`row ${i}: label ${v} is not a class index in 0…${classes - 1}`);
    if (task === 'regression' && !Number.isFinite(v))
      throw new RangeError(`row ${i}: label ${v} is not a finite number`);
  }
}

/**
 * Row scores of a flat linear model: binary → P(y = 1) (rows); regression → value (rows);
 * multiclass → probabilities (rows × K, row-major, softmax).
 * @throws RangeError if `params` does not fit `x.cols` features.
 */
export function predictLinear(
  task: LinearTask,
  params: Float64Array,
  x: Matrix,
  classes = 2,
): Float64Array {
  const d = x.cols;
  const k = task === 'multiclass' ? classes : 1;
  if (params.length !== k * (d + 1))
    throw new RangeError(
      `${params.length} parameters do not fit ${d} features (${task}${task === 'multiclass' ? `, ${k} classes` : ''}: expected ${k * (d + 1)})`,
    );
  const out = new Float64Array(x.rows * k);
  const z = new Float64Array(k);
  for (let i = 0; i < x.rows; i++) {
    const o = i * d;
    for (let c = 0; c < k; c++) {
      const p = c * (d + 1);
      let s = params[p + d] as number;
      for (let j = 0; j < d; j++) s += (x.data[o + j] as number) * (params[p + j] as number);
      z[c] = s;
    }
    if (task === 'binary') out[i] = sigmoid(z[0] as number);
    else if (task === 'regression') out[i] = z[0] as number;
    else {
      let m = -Infinity;
      for (let c = 0; c < k; c++) m = Math.max(m, z[c] as number);
      let sum = 0;
      for (let c = 0; c < k; c++) sum += Math.exp((z[c] as number) - m);
      for (let c = 0; c < k; c++) out[i * k + c] = Math.exp((z[c] as number) - m) / sum;
    }
  }
  return out;
}

/**
 * Mini-batch gradient descent on the local rows, starting from `init` (not modified).
 * @param x rows × d features; @param y one label per row (0/1, class index, or real).
 * @throws RangeError on mismatched shapes or labels outside the task's range.
 */
export function localSgd(
  x: Matrix,
  y: Float64Array,
  init: Float64Array,
  opts: LocalSgdOptions,
): LocalSgdResult {
  const { task } = opts;
  const classes = opts.classes ?? 2;
  const d = x.cols;
  const k = task === 'multiclass' ? classes : 1;
  if (y.length !== x.rows) throw new RangeError(`${y.length} labels for ${x.rows} rows`);
  if (init.length !== k * (d + 1))
    throw new RangeError(`${init.length} starting parameters, expected ${k * (d + 1)}`);
  if (opts.proximal && opts.proximal.global.length !== init.length)
    throw new RangeError('FedProx: the global model has a different length than the local one');
  checkLabels(task, y, classes);
  const theta = init.slice();
  const alpha = opts.alpha ?? 0;
  const loss: number[] = [];
  const grad = new Float64Array(theta.length);
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    let lossSum = 0;
    for (const batch of epochBatches(x.rows, opts.batchSize, opts.seed, epoch)) {
      grad.fill(0);
      const xb = { rows: batch.length, cols: d, data: new Float64Array(batch.length * d) };
      batch.forEach((r, i) => xb.data.set(x.data.subarray(r * d, (r + 1) * d), i * d));
      const p = predictLinear(task, theta, xb, classes);
      for (let i = 0; i < batch.length; i++) {
        const yi = y[batch[i] as number] as number;
        for (let c = 0; c < k; c++) {
          const pc = p[i * k + c] as number;
          let r: number;
          if (task === 'multiclass') {
            r = pc - (yi === c ? 1 : 0);
            if (yi === c) lossSum -= Math.log(Math.max(pc, 1e-15));
          } else if (task === 'binary') {
            r = pc - yi;
            lossSum -= Math.log(Math.max(yi === 1 ? pc : 1 - pc, 1e-15));
          } else {
            r = pc - yi;
            lossSum += 0.5 * r * r;
          }
          const o = c * (d + 1);
          for (let j = 0; j < d; j++)
            grad[o + j] = (grad[o + j] as number) + r * (xb.data[i * d + j] as number);
          grad[o + d] = (grad[o + d] as number) + r;
        }
      }
      const n = batch.length;
      for (let q = 0; q < theta.length; q++) {
        let g = (grad[q] as number) / n;
        const isIntercept = q % (d + 1) === d;
        if (!isIntercept && alpha > 0) g += alpha * (theta[q] as number);
        if (opts.proximal)
          g += opts.proximal.mu * ((theta[q] as number) - (opts.proximal.global[q] as number));
        theta[q] = (theta[q] as number) - opts.learningRate * g;
      }
    }
    loss.push(lossSum / x.rows);
  }
  return { params: theta, loss };
}
