/**
 * Split finding on histograms with XGBoost's second-order gain (Chen & Guestrin 2016, eq. 7):
 *
 *   gain = ½ · [ G_L²/(H_L + λ) + G_R²/(H_R + λ) − G²/(H + λ) ],   leaf weight w = −G/(H + λ)
 *
 * A candidate "bin b of feature f" sends bins 0…b left. Both children must keep
 * Σh ≥ minChildWeight; a split is made only if its gain exceeds γ. Among equal gains the first
 * candidate scanned wins (features in ascending order, bins ascending), which the federated
 * trainer reproduces exactly.
 *
 * Rows missing the feature (its missing bin, with sums G_m, H_m) are tried on the right, then —
 * when there are any — on the left, and go where the gain is larger (XGBoost's sparsity-aware
 * split finding, Chen & Guestrin 2016 Algorithm 3); a tie keeps them right.
 *
 * A categorical feature binned one bin per category gets set splits (LightGBM's categorical
 * split finding, Ke et al. 2017 and its docs' "categorical feature support"; Fisher 1958): with
 * at most `maxCatToOnehot` non-empty categories each one against the rest, otherwise the
 * categories sorted by G/(H + catSmooth) and every proper prefix of that order as the left set.
 * The gain is the same formula; missing rows are tried right then left as above.
 */

export interface SplitRule {
  lambda: number;
  minChildWeight: number;
}

/** The best candidate so far; feature −1 while none beats the threshold. */
export interface BestSplit {
  gain: number;
  feature: number;
  bin: number;
  /** Whether rows missing the feature go left. */
  missingLeft: boolean;
  /** A set split on a categorical feature: the bins (categories) going left, ascending. */
  leftBins?: number[] | undefined;
}

/** A fresh best-split record that only candidates with gain > `gamma` can replace. */
export function noSplit(gamma: number): BestSplit {
  return { gain: gamma, feature: -1, bin: -1, missingLeft: false };
}

/** Sums of a feature's missing bin at a node; rows = 0 when none is missing. */
export interface MissingSums {
  G: number;
  H: number;
  /** Whether any row of the node misses the feature (only then is "left" tried). */
  any: boolean;
}

/** G²/(H + λ), 0 when H + λ = 0. */
export function nodeScore(G: number, H: number, lambda: number): number {
  const d = H + lambda;
  return d > 0 ? (G * G) / d : 0;
}

/** The leaf weight −G/(H + λ) times the learning rate (0 when H + λ = 0). */
export function leafWeight(G: number, H: number, lambda: number, learningRate: number): number {
  const d = H + lambda;
  return d > 0 ? (-G / d) * learningRate : 0;
}

/**
 * Scans one feature's per-bin sums: candidates b = 0 … thresholds − 1 with G_L, H_L the sums of
 * bins 0…b (read at G[start + b], H[start + b]); replaces `best` by any strictly better one.
 * @param totG,totH the node's sums over all its rows (missing ones included).
 * @param feature the key recorded in `best` (e.g. the column index in the joined table).
 * @param missing the node's sums of rows missing the feature, if the feature has a missing bin.
 */
export function scanFeature(
  G: Float64Array,
  H: Float64Array,
  start: number,
  thresholds: number,
  totG: number,
  totH: number,
  rule: SplitRule,
  best: BestSplit,
  feature: number,
  missing?: MissingSums,
): void {
  const parent = nodeScore(totG, totH, rule.lambda);
  const tryLeft = missing?.any === true;
  let gl = 0;
  let hl = 0;
  const consider = (l: number, h: number, b: number, left: boolean) => {
    const hr = totH - h;
    if (h < rule.minChildWeight || hr < rule.minChildWeight) return;
    const gain =
      0.5 * (nodeScore(l, h, rule.lambda) + nodeScore(totG - l, hr, rule.lambda) - parent);
    if (gain > best.gain) {
      best.gain = gain;
      best.feature = feature;
      best.bin = b;
      best.missingLeft = left;
      best.leftBins = undefined;
    }
  };
  for (let b = 0; b < thresholds; b++) {
    gl += G[start + b] as number;
    hl += H[start + b] as number;
    consider(gl, hl, b, false);
    if (tryLeft) consider(gl + missing.G, hl + missing.H, b, true);
  }
}

/** How set splits on categorical features are searched (LightGBM's names). */
export interface CategorySplitRule {
  /** Added to H when ordering categories by G/(H + catSmooth) (LightGBM cat_smooth). */
  catSmooth: number;
  /** Up to this many non-empty categories: one-vs-rest splits only (LightGBM max_cat_to_onehot). */
  maxCatToOnehot: number;
}

/**
 * Scans one categorical feature's per-category sums (bins start … start + categories − 1) for
 * the best set split; replaces `best` (with `leftBins` set) by any strictly better one. Empty
 * categories (G = H = 0 at this node) are never in a left set. Equal ratios keep bin order, so
 * every party that holds the same sums finds the same split.
 * @param totG,totH the node's sums over all its rows (missing ones included).
 * @param missing the node's sums of rows missing the feature, if the feature has a missing bin.
 */
export function scanCategorical(
  G: Float64Array,
  H: Float64Array,
  start: number,
  categories: number,
  totG: number,
  totH: number,
  rule: SplitRule,
  cat: CategorySplitRule,
  best: BestSplit,
  feature: number,
  missing?: MissingSums,
): void {
  const used: number[] = [];
  for (let c = 0; c < categories; c++)
    if ((H[start + c] as number) !== 0 || (G[start + c] as number) !== 0) used.push(c);
  if (used.length < 2) return;
  const parent = nodeScore(totG, totH, rule.lambda);
  const tryLeft = missing?.any === true;
  const consider = (l: number, h: number, set: () => number[], left: boolean) => {
    const hr = totH - h;
    if (h < rule.minChildWeight || hr < rule.minChildWeight) return;
    const gain =
      0.5 * (nodeScore(l, h, rule.lambda) + nodeScore(totG - l, hr, rule.lambda) - parent);
    if (gain > best.gain) {
      const bins = set();
      best.gain = gain;
      best.feature = feature;
      best.bin = bins.length - 1;
      best.missingLeft = left;
      best.leftBins = bins;
    }
  };
  const tryBoth = (gl: number, hl: number, set: () => number[]) => {
    consider(gl, hl, set, false);
    if (tryLeft) consider(gl + missing.G, hl + missing.H, set, true);
  };
  // Candidates in G/(H + catSmooth) order, so that a mirrored candidate of equal gain (two
  // categories: {a} | {b} and {b} | {a}) loses to the same one whatever the codes' order.
  const ratio = (c: number) =>
    (G[start + c] as number) / ((H[start + c] as number) + cat.catSmooth);
  const order = used.slice().sort((a, b) => ratio(a) - ratio(b) || a - b);
  if (used.length <= cat.maxCatToOnehot) {
    for (const c of order) tryBoth(G[start + c] as number, H[start + c] as number, () => [c]);
    return;
  }
  let gl = 0;
  let hl = 0;
  for (let k = 0; k < order.length - 1; k++) {
    const c = order[k] as number;
    gl += G[start + c] as number;
    hl += H[start + c] as number;
    tryBoth(gl, hl, () => order.slice(0, k + 1).sort((a, b) => a - b));
  }
}

/**
 * Whether a row with bin (category) `code` goes left at a set split: in `leftBins` → left,
 * the missing bin → `missingLeft`, any other category → right.
 */
export function goesLeftSet(
  code: number,
  leftBins: ReadonlySet<number>,
  missingLeft: boolean,
  missingCode: number,
): boolean {
  return code === missingCode ? missingLeft : leftBins.has(code);
}

/** Whether a row with bin `code` goes left at a split on (bin, missingLeft) of a feature. */
export function goesLeftBinned(
  code: number,
  bin: number,
  missingLeft: boolean,
  missingCode: number,
): boolean {
  return code === missingCode ? missingLeft : code <= bin;
}

/** Whether raw value `v` goes left at a split (threshold, missingLeft): NaN follows the flag. */
export function goesLeftRaw(v: number, threshold: number, missingLeft: boolean): boolean {
  return Number.isNaN(v) ? missingLeft : v <= threshold;
}
