/**
 * Histogram gradient-boosted trees in one place: the plaintext twin of SecureBoost (Cheng et al.
 * 2019, arXiv:1901.08755 — "lossless": the federated protocol computes the same model) and of
 * XGBoost's hist method (Chen & Guestrin 2016). Binary, multiclass (softmax, one tree per class
 * per round) and regression objectives; quantile bins; row/column subsampling; early stopping.
 */
import type { Matrix } from '../matrix.js';
import { binMatrix, binOffsets, type BinnedMatrix } from './binning.js';
import { EarlyStopping } from './early-stopping.js';
import { growTree } from './grow.js';
import { featureImportance, type FeatureImportance } from './importance.js';
import {
  encodeLabels,
  prepareObjective,
  quantizeInPlace,
  transformScores,
  type TransformedScores,
} from './objective.js';
import { resolveGbdtParams, type GbdtObjective, type GbdtParams } from './params.js';
import { sampleColumns, sampleRows } from './sampling.js';
import { leafOfBinned, leafOfRaw, type GbdtTree } from './tree.js';

/** A trained model (JSON-serialisable). */
export interface GbdtModel {
  objective: GbdtObjective;
  /** Score columns K. */
  outputs: number;
  /** binary: [0, 1]; multiclass: class values by index; regression: []. */
  classes: number[];
  /** Initial raw score per output. */
  baseScores: number[];
  /** Trees in training order (round by round; within a round class 0, 1, …). */
  trees: GbdtTree[];
}

export interface GbdtTrainOptions {
  /** Rows scored after every round for early stopping (and reported in `history.validation`). */
  validation?: { x: Matrix; y: ArrayLike<number> };
  /** Bins of `x` made earlier with binMatrix(x, params.bins, categories) (skips binning). */
  binned?: BinnedMatrix;
  /**
   * Per column of `x`: its number of categories k when it holds category codes 0 … k − 1 to be
   * split by category sets (LightGBM-style, split.ts scanCategorical), else undefined.
   */
  categories?: readonly (number | undefined)[];
}

export interface GbdtResult {
  model: GbdtModel;
  /** Rounds kept (all, or up to the best validation round when early stopping triggered). */
  rounds: number;
  /** Mean training (and validation) loss after each round trained. */
  history: { train: number[]; validation: number[] };
  importance: FeatureImportance;
}

/**
 * Trains boosted trees.
 * @param x rows × features, row-major, finite.
 * @param y one label per row (see {@link prepareObjective}).
 * @throws RangeError on bad parameters, labels, shapes, or early stopping without validation.
 */
export function trainGbdt(
  x: Matrix,
  y: ArrayLike<number>,
  params: Partial<GbdtParams> = {},
  options: GbdtTrainOptions = {},
): GbdtResult {
  const p = resolveGbdtParams(params);
  const n = x.rows;
  if (y.length !== n) throw new RangeError(`${n} rows but ${y.length} labels`);
  if (n === 0) throw new RangeError('no rows to train on');
  if (p.earlyStoppingRounds > 0 && !options.validation)
    throw new RangeError('earlyStoppingRounds needs a validation set');
  const { objective, labels, classes } = prepareObjective(p.objective, y);
  const val = options.validation;
  const valLabels = val ? encodeLabels(p.objective, classes, val.y) : undefined;
  const binned = options.binned ?? binMatrix(x, p.bins, options.categories);
  const offsets = binOffsets(binned);
  const K = objective.outputs;
  const base = objective.initScores(labels);
  const raw = new Float64Array(n * K);
  for (let i = 0; i < n; i++) raw.set(base, i * K);
  const vRaw = val ? new Float64Array(val.x.rows * K) : undefined;
  if (vRaw && val) for (let i = 0; i < val.x.rows; i++) vRaw.set(base, i * K);
  const g = new Float64Array(K * n);
  const h = new Float64Array(K * n);
  const trees: GbdtTree[] = [];
  const history = { train: [] as number[], validation: [] as number[] };
  const stopper = p.earlyStoppingRounds > 0 ? new EarlyStopping(p.earlyStoppingRounds) : undefined;
  for (let r = 0; r < p.trees; r++) {
    objective.gradients(labels, raw, g, h);
    if (p.gradientFracBits !== undefined) {
      quantizeInPlace(g, p.gradientFracBits);
      quantizeInPlace(h, p.gradientFracBits);
    }
    const rows = sampleRows(n, p.subsample, p.seed, r);
    for (let k = 0; k < K; k++) {
      const features = sampleColumns(x.cols, p.colsample, p.seed, r, k);
      const tree = growTree(
        {
          binned,
          offsets,
          g: g.subarray(k * n, (k + 1) * n),
          h: h.subarray(k * n, (k + 1) * n),
          features,
          params: p,
          ...(options.categories ? { categories: options.categories } : {}),
        },
        rows,
        r,
        k,
      );
      trees.push(tree);
      for (let i = 0; i < n; i++) raw[i * K + k]! += leafOfBinned(tree, binned, i).value;
      if (vRaw && val)
        for (let i = 0; i < val.x.rows; i++) vRaw[i * K + k]! += leafOfRaw(tree, val.x, i).value;
    }
    history.train.push(objective.loss(labels, raw));
    if (vRaw && valLabels) {
      const vl = objective.loss(valLabels, vRaw);
      history.validation.push(vl);
      if (stopper?.update(vl)) break;
    }
  }
  const rounds =
    stopper && history.validation.length > 0 ? stopper.bestRounds : history.train.length;
  const kept = trees.filter((t) => t.round < rounds);
  return {
    model: {
      objective: p.objective,
      outputs: K,
      classes,
      baseScores: Array.from(base),
      trees: kept,
    },
    rounds,
    history,
    importance: featureImportance(kept, x.cols),
  };
}

/** Raw scores (rows × K) of a model on x (rows × features). */
export function predictRawGbdt(model: GbdtModel, x: Matrix): Float64Array {
  const K = model.outputs;
  const raw = new Float64Array(x.rows * K);
  for (let i = 0; i < x.rows; i++) raw.set(model.baseScores, i * K);
  for (const t of model.trees)
    for (let i = 0; i < x.rows; i++) raw[i * K + t.cls]! += leafOfRaw(t, x, i).value;
  return raw;
}

/** Predictions of a model on x (rows × features): see {@link transformScores}. */
export function predictGbdt(
  model: GbdtModel,
  x: Matrix,
): TransformedScores & { raw: Float64Array } {
  const raw = predictRawGbdt(model, x);
  return { raw, ...transformScores(model.objective, raw, model.outputs) };
}
