/**
 * Binary-classification metrics (T/SIGA smart-manufacturing FL guide, appendix B; FATE's
 * evaluation component): auc, ks, accuracy, precision, recall, f1, logloss, plus ROC and KS
 * curve points. Labels are 0/1; scores are predicted probabilities of class 1.
 */

export interface BinaryMetrics {
  auc: number;
  ks: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  logloss: number;
}

export interface RocPoint {
  fpr: number;
  tpr: number;
  threshold: number;
}

export interface KsPoint {
  threshold: number;
  tpr: number;
  fpr: number;
  ks: number;
}

function check(labels: ArrayLike<number>, scores: ArrayLike<number>): void {
  if (labels.length !== scores.length) {
    throw new RangeError(
      `labels (${labels.length}) and scores (${scores.length}) differ in length`,
    );
  }
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1)
      throw new RangeError(`label ${i} is ${y}; binary labels must be 0 or 1`);
  }
}

/**
 * Area under the ROC curve by the Mann–Whitney U statistic with average ranks for ties.
 * @returns NaN when only one class is present.
 */
export function auc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  check(labels, scores);
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (scores[a] as number) - (scores[b] as number),
  );
  let rankSumPos = 0;
  let nPos = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1] as number] === scores[order[i] as number]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k] as number] === 1) {
        rankSumPos += avgRank;
        nPos++;
      }
    }
    i = j + 1;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * The full ROC curve: one point per distinct score (descending thresholds), starting at (0,0).
 */
export function rocCurve(labels: ArrayLike<number>, scores: ArrayLike<number>): RocPoint[] {
  check(labels, scores);
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (scores[b] as number) - (scores[a] as number),
  );
  let nPos = 0;
  for (let i = 0; i < n; i++) nPos += labels[i] as number;
  const nNeg = n - nPos;
  const points: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: Infinity }];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < n; k++) {
    const idx = order[k] as number;
    if (labels[idx] === 1) tp++;
    else fp++;
    const next = order[k + 1];
    if (next === undefined || scores[next] !== scores[idx]) {
      points.push({
        fpr: nNeg ? fp / nNeg : 0,
        tpr: nPos ? tp / nPos : 0,
        threshold: scores[idx] as number,
      });
    }
  }
  return points;
}

/** KS statistic: max over thresholds of TPR − FPR. */
export function ks(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  let best = 0;
  for (const p of rocCurve(labels, scores)) best = Math.max(best, p.tpr - p.fpr);
  return best;
}

/** KS curve points (TPR, FPR and their gap per threshold). */
export function ksCurve(labels: ArrayLike<number>, scores: ArrayLike<number>): KsPoint[] {
  return rocCurve(labels, scores).map((p) => ({
    threshold: p.threshold,
    tpr: p.tpr,
    fpr: p.fpr,
    ks: p.tpr - p.fpr,
  }));
}

/**
 * Keeps at most `maxPoints` points of a curve, evenly spaced, always keeping the first and last.
 */
export function downsample<T>(points: readonly T[], maxPoints = 200): T[] {
  if (points.length <= maxPoints) return points.slice();
  const out: T[] = [];
  for (let k = 0; k < maxPoints; k++) {
    out.push(points[Math.round((k * (points.length - 1)) / (maxPoints - 1))] as T);
  }
  return out;
}

/** Mean cross-entropy; probabilities are clipped to [1e−15, 1 − 1e−15]. */
export function logloss(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  check(labels, scores);
  const eps = 1e-15;
  let s = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1 - eps, Math.max(eps, scores[i] as number));
    s += labels[i] === 1 ? -Math.log(p) : -Math.log(1 - p);
  }
  return s / labels.length;
}

/**
 * All binary metrics; accuracy, precision, recall and f1 at `threshold` (score ≥ threshold
 * predicts 1). Precision/recall/f1 are 0 when undefined (no predicted or no actual positives).
 */
export function binaryMetrics(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  threshold = 0.5,
): BinaryMetrics {
  check(labels, scores);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const pred = (scores[i] as number) >= threshold ? 1 : 0;
    if (pred === 1 && labels[i] === 1) tp++;
    else if (pred === 1) fp++;
    else if (labels[i] === 1) fn++;
    else tn++;
  }
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  return {
    auc: auc(labels, scores),
    ks: ks(labels, scores),
    accuracy: labels.length ? (tp + tn) / labels.length : NaN,
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    logloss: logloss(labels, scores),
  };
}
