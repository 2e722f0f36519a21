/**
 * A multi-layer perceptron on TensorFlow.js for horizontal federated learning: every party holds
 * the same architecture, trains locally from the global parameters (FedAvg, McMahan et al.
 * 2017), optionally with the FedProx proximal term (μ/2)·‖w − w_global‖² added to its local loss
 * (Li et al. 2020, "Federated Optimization in Heterogeneous Networks", eq. 2), and exchanges one
 * flat parameter vector.
 *
 * Flat parameter layout (`getWeights` / `setWeights` / `proximal.global`): for each dense layer
 * in order — hidden layers from the input side, then the output layer — its kernel
 * (fanIn × fanOut, row-major: entry [i, j] at i·fanOut + j, input unit i → output unit j) followed
 * by its bias (fanOut). This is the order of Keras `model.getWeights()` flattened.
 *
 * Call `await initMlpBackend()` once before `createMlp`. Each `fit` call builds a fresh
 * optimizer (no state carried between federated rounds) and frees every tensor it made.
 *
 * Numbers are float32 inside tfjs: `setWeights` rounds to float32, `getWeights` returns those
 * float32 values widened to float64 (so get → set → get is exact).
 */
import type * as TfCore from '@tensorflow/tfjs';
import type { Matrix } from '../matrix.js';
import { SeededRandom } from '../random.js';
import { tfOrThrow } from './backend.js';
import { glorotUniformInit } from './init.js';
import { mlpLayerShapes, resolveMlpSpec } from './spec.js';
import type { MlpLayerShape, MlpSpec, ResolvedMlpSpec } from './spec.js';

type Tf = typeof TfCore;
type Tensor2D = TfCore.Tensor2D;
type Scalar = TfCore.Scalar;

export interface MlpFitOptions {
  /** Passes over the local rows (integer ≥ 1). */
  epochs: number;
  /** Rows per mini-batch (integer ≥ 1; the last batch of an epoch may be smaller). */
  batchSize: number;
  /** Step size (> 0). */
  learningRate: number;
  /** Plain mini-batch SGD or Adam (Kingma & Ba 2015); its state starts afresh each call. @default 'sgd' */
  optimizer?: 'sgd' | 'adam';
  /**
   * FedProx: adds (μ/2)·‖w − global‖² to each batch's loss (μ ≥ 0; `global` in the flat layout,
   * parameterCount long). With plain SGD the pull is stable only while learningRate·μ < 2
   * (at learningRate·μ = 1 every step restarts from `global`); μ = 0 is plain local training.
   */
  proximal?: { mu: number; global: Float64Array };
  /** Seed of the row shuffle (one permutation per epoch); combine with the round number. @default the model's seed */
  seed?: number;
}

export interface MlpFitResult {
  /** Mean data loss per epoch (cross-entropy or mean squared error, without the proximal term), over the batches of that epoch weighted by batch rows. */
  loss: number[];
}

export interface Mlp {
  readonly spec: ResolvedMlpSpec;
  /** Input features. */
  readonly inputs: number;
  /** Length of the flat parameter vector. */
  readonly parameterCount: number;
  /** All parameters, in the flat layout described at the top of this module (float32 values). */
  getWeights(): Float64Array;
  /**
   * Replaces all parameters (rounded to float32).
   * @throws RangeError if `flat.length ≠ parameterCount` or a value is not finite.
   */
  setWeights(flat: Float64Array): void;
  /**
   * Local training by mini-batch gradient descent on x (rows × inputs) and labels y (rows):
   * binary 0/1, multiclass integer class 0 … K−1, regression any finite value.
   * @throws RangeError on shape mismatch, bad labels or options.
   */
  fit(x: Matrix, y: Float64Array, opts: MlpFitOptions): Promise<MlpFitResult>;
  /**
   * binary: P(y = 1) per row (rows); multiclass: class probabilities (rows × K, row-major);
   * regression: predicted values (rows).
   * @throws RangeError if `x.cols ≠ inputs`.
   */
  predict(x: Matrix): Float64Array;
  /** Frees the model's tensors; the model cannot be used afterwards. */
  dispose(): void;
}

/**
 * Builds an MLP with seeded Glorot-uniform kernels and zero biases (same spec, inputs and seed →
 * identical weights on any backend).
 * @param inputs number of features (columns of x).
 * @param seed integer seed of the initial weights and the default shuffle seed.
 * @throws Error if `await initMlpBackend()` has not completed.
 * @throws RangeError for an invalid spec (see `resolveMlpSpec`), inputs or seed.
 */
export function createMlp(spec: MlpSpec, inputs: number, seed: number): Mlp {
  const resolved = resolveMlpSpec(spec);
  const layers = mlpLayerShapes(resolved, inputs);
  if (!Number.isInteger(seed)) throw new RangeError(`seed = ${seed}: use an integer seed`);
  const tf = tfOrThrow();
  return new TfMlp(tf, resolved, inputs, layers, seed);
}

class TfMlp implements Mlp {
  readonly parameterCount: number;
  private readonly kernels: TfCore.Variable[] = [];
  private readonly biases: TfCore.Variable[] = [];
  private disposed = false;

  constructor(
    private readonly tf: Tf,
    readonly spec: ResolvedMlpSpec,
    readonly inputs: number,
    private readonly layers: readonly MlpLayerShape[],
    private readonly seed: number,
  ) {
    this.parameterCount = layers.reduce((s, l) => s + l.fanIn * l.fanOut + l.fanOut, 0);
    const init = glorotUniformInit(layers, seed);
    let o = 0;
    for (const { fanIn, fanOut } of layers) {
      const k = Float32Array.from(init.subarray(o, o + fanIn * fanOut));
      o += fanIn * fanOut;
      const b = Float32Array.from(init.subarray(o, o + fanOut));
      o += fanOut;
      // tidy frees the initial-value tensors; variables survive it.
      this.kernels.push(tf.tidy(() => tf.variable(tf.tensor2d(k, [fanIn, fanOut]), true)));
      this.biases.push(tf.tidy(() => tf.variable(tf.tensor1d(b), true)));
    }
  }

  /** Parameters in flat-layout order. */
  private vars(): TfCore.Variable[] {
    const out: TfCore.Variable[] = [];
    for (let l = 0; l < this.layers.length; l++) out.push(this.kernels[l]!, this.biases[l]!);
    return out;
  }

  private live(): void {
    if (this.disposed) throw new Error('this Mlp has been disposed');
  }

  getWeights(): Float64Array {
    this.live();
    const out = new Float64Array(this.parameterCount);
    let o = 0;
    for (const v of this.vars()) {
      const d = v.dataSync() as Float32Array;
      out.set(d, o);
      o += d.length;
    }
    return out;
  }

  setWeights(flat: Float64Array): void {
    this.live();
    checkFlat(flat, this.parameterCount, 'setWeights');
    const tf = this.tf;
    let o = 0;
    for (const v of this.vars()) {
      const n = v.size;
      const part = Float32Array.from(flat.subarray(o, o + n));
      o += n;
      tf.tidy(() => v.assign(tf.tensor(part, v.shape, 'float32')));
    }
  }

  /** Logits (rows × outputs) of a batch (rows × inputs). */
  private logits(x: Tensor2D): Tensor2D {
    const tf = this.tf;
    let h = x;
    const last = this.layers.length - 1;
    for (let l = 0; l <= last; l++) {
      const z = tf.add(tf.matMul(h, this.kernels[l]!), this.biases[l]!) as Tensor2D;
      if (l === last) return z;
      const a = this.spec.activation;
      h = a === 'relu' ? tf.relu(z) : a === 'tanh' ? tf.tanh(z) : tf.sigmoid(z);
    }
    throw new Error('unreachable: an MLP has at least an output layer');
  }

  /** Mean loss of logits z against targets t (rows × 1, or one-hot rows × K). */
  private dataLoss(z: Tensor2D, t: Tensor2D): Scalar {
    const tf = this.tf;
    switch (this.spec.task) {
      case 'binary':
        // Stable BCE on logits: max(z, 0) − z·t + log(1 + e^−|z|).
        return tf.mean(
          tf.add(tf.sub(tf.relu(z), tf.mul(z, t)), tf.log1p(tf.exp(tf.neg(tf.abs(z))))),
        ) as Scalar;
      case 'multiclass':
        return tf.neg(tf.mean(tf.sum(tf.mul(t, tf.logSoftmax(z)), 1))) as Scalar;
      case 'regression':
        return tf.mean(tf.squaredDifference(z, t)) as Scalar;
    }
  }

  async fit(x: Matrix, y: Float64Array, opts: MlpFitOptions): Promise<MlpFitResult> {
    this.live();
    const n = x.rows;
    this.checkX(x, 'fit');
    if (y.length !== n)
      throw new RangeError(
        `fit: y has ${y.length} labels but x has ${n} rows; give one label per row`,
      );
    if (n === 0) throw new RangeError('fit: x has no rows');
    checkLabels(this.spec, y);
    const { epochs, batchSize, learningRate } = opts;
    if (!Number.isInteger(epochs) || epochs < 1)
      throw new RangeError(`fit: epochs = ${epochs}; use an integer ≥ 1`);
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new RangeError(`fit: batchSize = ${batchSize}; use an integer ≥ 1`);
    if (!Number.isFinite(learningRate) || learningRate <= 0)
      throw new RangeError(`fit: learningRate = ${learningRate}; use a finite number > 0`);
    const kind = opts.optimizer ?? 'sgd';
    if (kind !== 'sgd' && kind !== 'adam')
      throw new RangeError(`fit: optimizer '${String(kind)}' is unknown; use 'sgd' or 'adam'`);
    const prox = opts.proximal;
    if (prox !== undefined) {
      if (!Number.isFinite(prox.mu) || prox.mu < 0)
        throw new RangeError(`fit: proximal.mu = ${prox.mu}; use a finite number ≥ 0`);
      checkFlat(prox.global, this.parameterCount, 'fit: proximal.global');
    }
    const shuffleSeed = opts.seed ?? this.seed;
    if (!Number.isInteger(shuffleSeed))
      throw new RangeError(`fit: seed = ${shuffleSeed}; use an integer seed`);

    const tf = this.tf;
    const vars = this.vars();
    const xs = tf.tensor2d(Float32Array.from(x.data), [n, x.cols]);
    const ys = tf.tidy(() =>
      this.spec.task === 'multiclass'
        ? tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from(y), 'int32'), this.spec.outputs), 'float32')
        : tf.tensor2d(Float32Array.from(y), [n, 1]),
    );
    const anchors = prox !== undefined && prox.mu > 0 ? this.splitFlat(prox.global) : undefined;
    const halfMu = prox !== undefined ? prox.mu / 2 : 0;
    const optimizer = kind === 'adam' ? tf.train.adam(learningRate) : tf.train.sgd(learningRate);
    const rng = new SeededRandom(shuffleSeed);
    const loss: number[] = [];
    try {
      for (let e = 0; e < epochs; e++) {
        const order = new Int32Array(rng.permutation(n).buffer); // values < 2³¹
        let sum = 0;
        for (let s = 0; s < n; s += batchSize) {
          const rowsIdx = order.subarray(s, Math.min(n, s + batchSize));
          const kept: { data?: Scalar } = {};
          const cost = tf.tidy(() => {
            const idx = tf.tensor1d(rowsIdx, 'int32');
            const xb = tf.gather(xs, idx) as Tensor2D;
            const yb = tf.gather(ys, idx) as Tensor2D;
            const value = optimizer.minimize(
              () => {
                const data = this.dataLoss(this.logits(xb), yb);
                if (anchors === undefined) return data;
                kept.data = tf.keep(data); // reported without the proximal term
                const sq = tf.addN(
                  vars.map((v, i) => tf.sum(tf.squaredDifference(v, anchors[i]!))),
                );
                return tf.add(data, tf.mul(halfMu, sq)) as Scalar;
              },
              true,
              vars,
            );
            if (value === null)
              throw new Error('unreachable: minimize(returnCost = true) gave no cost');
            return value;
          });
          const dataLoss = (kept.data ?? cost).dataSync()[0] as number;
          cost.dispose();
          kept.data?.dispose();
          sum += dataLoss * rowsIdx.length;
        }
        loss.push(sum / n);
        // Let other work on the event loop run between epochs.
        await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      optimizer.dispose();
      xs.dispose();
      ys.dispose();
      anchors?.forEach((t) => t.dispose());
    }
    return { loss };
  }

  predict(x: Matrix): Float64Array {
    this.live();
    this.checkX(x, 'predict');
    if (x.rows === 0) return new Float64Array(0);
    const tf = this.tf;
    const out = tf.tidy(() => {
      const z = this.logits(tf.tensor2d(Float32Array.from(x.data), [x.rows, x.cols]));
      const task = this.spec.task;
      return task === 'binary' ? tf.sigmoid(z) : task === 'multiclass' ? tf.softmax(z) : z;
    });
    const values = Float64Array.from(out.dataSync() as Float32Array);
    out.dispose();
    return values;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.vars()) v.dispose();
  }

  /** Tensors shaped like the parameters, from a flat vector. */
  private splitFlat(flat: Float64Array): TfCore.Tensor[] {
    const tf = this.tf;
    let o = 0;
    return this.vars().map((v) => {
      const part = Float32Array.from(flat.subarray(o, o + v.size));
      o += v.size;
      return tf.tensor(part, v.shape, 'float32');
    });
  }

  private checkX(x: Matrix, where: string): void {
    if (x.cols !== this.inputs)
      throw new RangeError(
        `${where}: x has ${x.cols} columns but the model was built for ${this.inputs} inputs`,
      );
    if (x.data.length !== x.rows * x.cols)
      throw new RangeError(
        `${where}: x.data has ${x.data.length} values, expected ${x.rows}×${x.cols}`,
      );
  }
}

function checkFlat(flat: Float64Array, expected: number, where: string): void {
  if (flat.length !== expected)
    throw new RangeError(
      `${where}: got ${flat.length} parameters, the model has ${expected} (flat layout: per layer kernel then bias)`,
    );
  for (let i = 0; i < flat.length; i++)
    if (!Number.isFinite(flat[i] as number))
      throw new RangeError(`${where}: parameter ${i} is ${flat[i]}, not a finite number`);
}

function checkLabels(spec: ResolvedMlpSpec, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) {
    const v = y[i] as number;
    if (spec.task === 'binary' && v !== 0 && v !== 1)
      throw new RangeError(`fit: row ${i} has label ${v}; a binary task needs labels 0 or 1`);
    if (spec.task === 'multiclass' && (!Number.isInteger(v) || v < 0 || v >= spec.outputs))
      throw new RangeError(
        `fit: row ${i} has label ${v}; a ${spec.outputs}-class task needs integer labels 0 … ${spec.outputs - 1}`,
      );
    if (spec.task === 'regression' && !Number.isFinite(v))
      throw new RangeError(`fit: row ${i} has target ${v}; regression targets must be finite`);
  }
}
