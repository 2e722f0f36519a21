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
    }
  };
  for (let b = 0; b < thresholds; b++) {
    gl += G[start + b] as number;
    hl += H[start + b] as number;
    consider(gl, hl, b, false);
    if (tryLeft) consider(gl + missing.G, hl + missing.H, b, true);
  }
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
