/**
 * Hyper-parameters of histogram gradient-boosted trees (XGBoost's second-order boosting, Chen &
 * Guestrin 2016; FATE's HeteroSecureBoost names and defaults where FATE has them). The same
 * object drives the federated SecureBoost trainer and its plaintext twin.
 */

export type GbdtObjective = 'binary' | 'multiclass' | 'regression';

export interface GbdtParams {
  /** binary: logistic loss; multiclass: softmax cross-entropy, one tree per class per round; regression: squared error. @default 'binary' */
  objective: GbdtObjective;
  /** Boosting rounds. @default 20 */
  trees: number;
  /** Depth of every tree (a depth-d tree has at most 2^d leaves). @default 3 */
  maxDepth: number;
  /** Shrinkage η applied to every leaf weight. @default 0.3 */
  learningRate: number;
  /** Least hessian sum Σh each child of a split must keep. @default 1 */
  minChildWeight: number;
  /** Least number of rows a node needs to be split. @default 2 */
  minSampleSplit: number;
  /** L2 penalty λ on leaf weights (w = −G/(H+λ)). @default 0.1 */
  lambda: number;
  /** Least gain γ a split needs (splits with gain ≤ γ are not made). @default 0 */
  gamma: number;
  /** Most bins per feature (quantile binning; at most `bins` − 1 split points). @default 32 */
  bins: number;
  /** Fraction of rows sampled (without replacement) for each round. @default 1 */
  subsample: number;
  /** Fraction of features sampled for each tree. @default 1 */
  colsample: number;
  /** Seed of the row and column sampling (not secret). @default 0 */
  seed: number;
  /** Stop when the validation loss has not improved for this many rounds; 0 disables. @default 0 */
  earlyStoppingRounds: number;
  /**
   * Set splits on categorical features: smoothing added to H when ordering categories by
   * G/(H + catSmooth) (LightGBM cat_smooth). @default 10
   */
  catSmooth: number;
  /**
   * Set splits on categorical features: with at most this many non-empty categories at a node,
   * try each category against the rest instead of ordered prefixes (LightGBM max_cat_to_onehot).
   * @default 4
   */
  maxCatToOnehot: number;
  /**
   * Round g and h to multiples of 2^−gradientFracBits before use, as a federated run with this
   * fixed-point encoding does (makes the twin's sums exact, so both pick the same splits).
   * Undefined: full double precision.
   */
  gradientFracBits?: number;
}

export const DEFAULT_GBDT_PARAMS: GbdtParams = {
  objective: 'binary',
  trees: 20,
  maxDepth: 3,
  learningRate: 0.3,
  minChildWeight: 1,
  minSampleSplit: 2,
  lambda: 0.1,
  gamma: 0,
  bins: 32,
  subsample: 1,
  colsample: 1,
  seed: 0,
  earlyStoppingRounds: 0,
  catSmooth: 10,
  maxCatToOnehot: 4,
};

function need(ok: boolean, field: string, what: string, value: unknown): void {
  if (!ok) throw new RangeError(`GBDT parameter '${field}' must be ${what}, got ${String(value)}`);
}

/**
 * Defaults applied and every field checked.
 * @throws RangeError naming the first bad field.
 */
export function resolveGbdtParams(params: Partial<GbdtParams> = {}): GbdtParams {
  const p: GbdtParams = { ...DEFAULT_GBDT_PARAMS, ...params };
  const int = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
  need(
    ['binary', 'multiclass', 'regression'].includes(p.objective),
    'objective',
    'binary, multiclass or regression',
    p.objective,
  );
  need(int(p.trees, 1, 10_000), 'trees', 'an integer in [1, 10000]', p.trees);
  need(int(p.maxDepth, 1, 16), 'maxDepth', 'an integer in [1, 16]', p.maxDepth);
  need(p.learningRate > 0 && p.learningRate <= 10, 'learningRate', 'in (0, 10]', p.learningRate);
  need(p.minChildWeight >= 0, 'minChildWeight', '≥ 0', p.minChildWeight);
  need(int(p.minSampleSplit, 2, 2 ** 31), 'minSampleSplit', 'an integer ≥ 2', p.minSampleSplit);
  need(p.lambda >= 0 && Number.isFinite(p.lambda), 'lambda', 'finite and ≥ 0', p.lambda);
  need(p.gamma >= 0 && Number.isFinite(p.gamma), 'gamma', 'finite and ≥ 0', p.gamma);
  need(int(p.bins, 2, 255), 'bins', 'an integer in [2, 255]', p.bins);
  need(p.subsample > 0 && p.subsample <= 1, 'subsample', 'in (0, 1]', p.subsample);
  need(p.colsample > 0 && p.colsample <= 1, 'colsample', 'in (0, 1]', p.colsample);
  need(int(p.seed, 0, 2 ** 32 - 1), 'seed', 'an integer in [0, 2^32)', p.seed);
  need(
    int(p.earlyStoppingRounds, 0, 10_000),
    'earlyStoppingRounds',
    'an integer in [0, 10000]',
    p.earlyStoppingRounds,
  );
  need(
    p.catSmooth >= 0 && Number.isFinite(p.catSmooth),
    'catSmooth',
    'finite and ≥ 0',
    p.catSmooth,
  );
  need(int(p.maxCatToOnehot, 1, 254), 'maxCatToOnehot', 'an integer in [1, 254]', p.maxCatToOnehot);
  if (p.gradientFracBits !== undefined)
    need(
      int(p.gradientFracBits, 1, 60),
      'gradientFracBits',
      'an integer in [1, 60]',
      p.gradientFracBits,
    );
  return p;
}
