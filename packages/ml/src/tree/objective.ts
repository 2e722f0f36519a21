/**
 * Boosting objectives: first and second derivatives of the loss in the raw score (XGBoost's
 * second-order approximation; FATE's BCE, CE and L2 losses), the initial score, the mean loss,
 * and the map from raw scores to predictions.
 *
 * Raw scores are rows × K row-major (K = 1, or the number of classes for multiclass); g and h are
 * K × rows class-major, so that class k's derivatives are one contiguous subarray.
 */
import type { GbdtObjective } from './params.js';

export interface Objective {
  readonly name: GbdtObjective;
  /** Score columns K: 1 for binary and regression, the number of classes for multiclass. */
  readonly outputs: number;
  /** The constant initial raw score per output (K values). */
  initScores(y: Float64Array): Float64Array;
  /** Writes g and h (K × rows) at the raw scores (rows × K). */
  gradients(y: Float64Array, raw: Float64Array, g: Float64Array, h: Float64Array): void;
  /** Mean loss (binary/multiclass: log loss, regression: mean squared error). */
  loss(y: Float64Array, raw: Float64Array): number;
}

/** The predictions of raw scores (rows × K). */
export interface TransformedScores {
  /** binary: P(y = 1); regression: the value; multiclass: the index of the most probable class. */
  scores: Float64Array;
  /** multiclass: rows × K probabilities, row-major. */
  probabilities?: Float64Array;
}

const EPS = 1e-15;

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Softmax of row i of raw (rows × K) into out[0..K). */
function softmaxRow(raw: Float64Array, i: number, k: number, out: Float64Array): void {
  let max = -Infinity;
  for (let c = 0; c < k; c++) max = Math.max(max, raw[i * k + c] as number);
  let sum = 0;
  for (let c = 0; c < k; c++) {
    const e = Math.exp((raw[i * k + c] as number) - max);
    out[c] = e;
    sum += e;
  }
  for (let c = 0; c < k; c++) out[c] = (out[c] as number) / sum;
}

const binary: Objective = {
  name: 'binary',
  outputs: 1,
  initScores(y) {
    let pos = 0;
    for (let i = 0; i < y.length; i++) pos += y[i] as number;
    const p = Math.min(1 - 1e-12, Math.max(1e-12, pos / Math.max(1, y.length)));
    return Float64Array.of(Math.log(p / (1 - p)));
  },
  gradients(y, raw, g, h) {
    for (let i = 0; i < y.length; i++) {
      const p = sigmoid(raw[i] as number);
      g[i] = p - (y[i] as number);
      h[i] = p * (1 - p);
    }
  },
  loss(y, raw) {
    let s = 0;
    for (let i = 0; i < y.length; i++) {
      const p = Math.min(1 - EPS, Math.max(EPS, sigmoid(raw[i] as number)));
      s -= y[i] === 1 ? Math.log(p) : Math.log(1 - p);
    }
    return s / y.length;
  },
};

const regression: Objective = {
  name: 'regression',
  outputs: 1,
  initScores(y) {
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] as number;
    return Float64Array.of(y.length ? s / y.length : 0);
  },
  gradients(y, raw, g, h) {
    for (let i = 0; i < y.length; i++) {
      g[i] = (raw[i] as number) - (y[i] as number);
      h[i] = 1;
    }
  },
  loss(y, raw) {
    let s = 0;
    for (let i = 0; i < y.length; i++) s += ((raw[i] as number) - (y[i] as number)) ** 2;
    return s / y.length;
  },
};

function multiclass(k: number): Objective {
  return {
    name: 'multiclass',
    outputs: k,
    initScores(y) {
      // log of the class priors (softmax is shift-invariant; an absent class gets a tiny prior)
      const counts = new Float64Array(k);
      for (let i = 0; i < y.length; i++) counts[y[i] as number]! += 1;
      return counts.map((c) => Math.log(Math.max(c, 1e-12) / Math.max(1, y.length)));
    },
    gradients(y, raw, g, h) {
      const n = y.length;
      const p = new Float64Array(k);
      for (let i = 0; i < n; i++) {
        softmaxRow(raw, i, k, p);
        const yi = y[i] as number;
        for (let c = 0; c < k; c++) {
          const pc = p[c] as number;
          g[c * n + i] = pc - (c === yi ? 1 : 0);
          h[c * n + i] = pc * (1 - pc);
        }
      }
    },
    loss(y, raw) {
      const p = new Float64Array(k);
      let s = 0;
      for (let i = 0; i < y.length; i++) {
        softmaxRow(raw, i, k, p);
        s -= Math.log(Math.max(EPS, p[y[i] as number] as number));
      }
      return s / y.length;
    },
  };
}

/** A prepared objective with the labels in its encoding. */
export interface PreparedObjective {
  objective: Objective;
  /** binary: 0/1; multiclass: class index 0…K−1; regression: the values. */
  labels: Float64Array;
  /** binary: [0, 1]; multiclass: the class values in index order; regression: []. */
  classes: number[];
}

/**
 * Checks the labels for an objective and encodes them.
 * binary accepts 0/1 and −1/1; multiclass takes the distinct values (at least 2) as classes,
 * sorted; regression any finite values.
 * @throws RangeError naming the offending value.
 */
export function prepareObjective(name: GbdtObjective, y: ArrayLike<number>): PreparedObjective {
  const labels = Float64Array.from(y as ArrayLike<number>);
  for (let i = 0; i < labels.length; i++)
    if (!Number.isFinite(labels[i] as number))
      throw new RangeError(`label ${i} is ${labels[i]}; labels must be finite`);
  if (name === 'regression') return { objective: regression, labels, classes: [] };
  const values = [...new Set(labels)].sort((a, b) => a - b);
  if (name === 'binary') {
    const ok =
      values.length <= 2 &&
      values.every((v) => v === 0 || v === 1 || v === -1) &&
      !(values.includes(-1) && values.includes(0));
    if (!ok)
      throw new RangeError(
        `binary labels must be 0/1 (or −1/1), got ${values.slice(0, 10).join(', ')}`,
      );
    return { objective: binary, labels: labels.map((v) => (v === 1 ? 1 : 0)), classes: [0, 1] };
  }
  if (values.length < 2)
    throw new RangeError(`multiclass labels need at least 2 classes, got ${values.length}`);
  const index = new Map(values.map((v, c) => [v, c]));
  return {
    objective: multiclass(values.length),
    labels: labels.map((v) => index.get(v) as number),
    classes: values,
  };
}

/**
 * Labels of further rows (validation, evaluation) in the encoding of a prepared objective.
 * @throws RangeError for a value the training labels do not have (classification) or a non-finite one.
 */
export function encodeLabels(
  name: GbdtObjective,
  classes: readonly number[],
  y: ArrayLike<number>,
): Float64Array {
  if (name !== 'multiclass') return prepareObjective(name, y).labels;
  const index = new Map(classes.map((c, k) => [c, k]));
  return Float64Array.from(y as ArrayLike<number>, (v, i) => {
    const k = index.get(v);
    if (k === undefined)
      throw new RangeError(`label ${i} is ${v}, not one of the classes ${classes.join(', ')}`);
    return k;
  });
}

/** The objective for a name and its number of outputs (for prediction from a stored model). */
export function objectiveFor(name: GbdtObjective, outputs: number): Objective {
  if (name === 'binary') return binary;
  if (name === 'regression') return regression;
  return multiclass(outputs);
}

/**
 * Raw scores (rows × K) to predictions: the sigmoid (binary), the identity (regression), or
 * softmax probabilities and their argmax (multiclass; ties to the lower index).
 */
export function transformScores(
  name: GbdtObjective,
  raw: Float64Array,
  outputs: number,
): TransformedScores {
  if (name === 'binary') return { scores: raw.map(sigmoid) };
  if (name === 'regression') return { scores: raw.slice() };
  const n = raw.length / outputs;
  const probabilities = new Float64Array(raw.length);
  const scores = new Float64Array(n);
  const p = new Float64Array(outputs);
  for (let i = 0; i < n; i++) {
    softmaxRow(raw, i, outputs, p);
    let best = 0;
    for (let c = 0; c < outputs; c++) {
      probabilities[i * outputs + c] = p[c] as number;
      if ((p[c] as number) > (p[best] as number)) best = c;
    }
    scores[i] = best;
  }
  return { scores, probabilities };
}

/** Rounds every entry to a multiple of 2^−fracBits (what fixed-point encoding keeps). */
export function quantizeInPlace(v: Float64Array, fracBits: number): void {
  const s = 2 ** fracBits;
  for (let i = 0; i < v.length; i++) v[i] = Math.round((v[i] as number) * s) / s;
}
