/**
 * Split finding on histograms with XGBoost's second-order gain (Chen & Guestrin 2016, eq. 7):
 *
 *   gain = ½ · [ G_L²/(H_L + λ) + G_R²/(H_R + λ) − G²/(H + λ) ],   leaf weight w = −G/(H + λ)
 *
 * A candidate "bin b of feature f" sends bins 0…b left. Both children must keep
 * Σh ≥ minChildWeight; a split is made only if its gain exceeds γ. Among equal gains the first
 * candidate scanned wins (features in ascending order, bins ascending), which the federated
 * trainer reproduces exactly.
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
}

/** A fresh best-split record that only candidates with gain > `gamma` can replace. */
export function noSplit(gamma: number): BestSplit {
  return { gain: gamma, feature: -1, bin: -1 };
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
 * @param totG,totH the node's sums over all its rows.
 * @param feature the key recorded in `best` (e.g. the column index in the joined table).
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
): void {
  const parent = nodeScore(totG, totH, rule.lambda);
  let gl = 0;
  let hl = 0;
  for (let b = 0; b < thresholds; b++) {
    gl += G[start + b] as number;
    hl += H[start + b] as number;
    const hr = totH - hl;
    if (hl < rule.minChildWeight || hr < rule.minChildWeight) continue;
    const gr = totG - gl;
    const gain = 0.5 * (nodeScore(gl, hl, rule.lambda) + nodeScore(gr, hr, rule.lambda) - parent);
    if (gain > best.gain) {
      best.gain = gain;
      best.feature = feature;
      best.bin = b;
    }
  }
}
