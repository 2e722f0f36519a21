/**
 * Local column filters of feature selection. Each returns the reason a column is dropped, or
 * undefined; the columns are judged on the party's own data only.
 */
import { columnStatistics, frameColumn, type ColumnStatistics, type Frame } from '@fedgrid/ml';
import type { FeatureSelectionParams } from './params.js';

/** Why a column was dropped. */
export type DropReason =
  | 'exclude'
  | 'missing-ratio'
  | 'variance'
  | 'coefficient-of-variation'
  | 'iv-threshold'
  | 'iv-top-k'
  | 'correlation';

export interface Candidate {
  name: string;
  index: number;
  /** IV from the binning model, when the column was binned. */
  iv?: number;
  /** Listed in `include`: no filter drops it. */
  forced: boolean;
  dropped?: DropReason;
}

/**
 * Applies exclude, missing-ratio, variance, coefficient-of-variation and IV-threshold filters in
 * that order (IV top-k and correlation follow, see the programs). Mutates `dropped`.
 */
export function applyStatisticFilters(
  frame: Frame,
  candidates: Candidate[],
  p: Partial<FeatureSelectionParams>,
  excluded: ReadonlySet<string>,
): void {
  const rows = frame.ids.length;
  for (const c of candidates) {
    if (c.forced) continue;
    if (c.index < 0 || c.index >= frame.featureNames.length) continue;
    // Each candidate's column alone, in place when the frame is column-backed.
    const s = columnStatistics({ rows, cols: 1, data: frameColumn(frame, c.index) }, [])[0] as
      ColumnStatistics | undefined;
    if (!s) continue;
    const variance = s.variance;
    if (excluded.has(c.name)) c.dropped = 'exclude';
    else if (p.maxMissingRatio !== undefined && s.missingRatio > p.maxMissingRatio)
      c.dropped = 'missing-ratio';
    else if (p.minVariance !== undefined && !(variance >= p.minVariance)) c.dropped = 'variance';
    else if (
      p.minCoefficientOfVariation !== undefined &&
      s.mean !== 0 &&
      !(s.std / Math.abs(s.mean) >= p.minCoefficientOfVariation)
    )
      c.dropped = 'coefficient-of-variation';
    else if (p.minIv !== undefined && c.iv !== undefined && c.iv < p.minIv)
      c.dropped = 'iv-threshold';
  }
}

/** Pearson r of columns a and b of `frame` over the rows where both are present (NaN if undefined). */
export function pairwisePearson(frame: Frame, a: number, b: number): number {
  const ca = frameColumn(frame, a);
  const cb = frameColumn(frame, b);
  const rows = ca.length;
  let n = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < rows; i++) {
    const u = ca[i] as number;
    const v = cb[i] as number;
    if (Number.isNaN(u) || Number.isNaN(v)) continue;
    n++;
    sa += u;
    sb += v;
  }
  if (n < 2) return NaN;
  const ma = sa / n;
  const mb = sb / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < rows; i++) {
    const u = ca[i] as number;
    const v = cb[i] as number;
    if (Number.isNaN(u) || Number.isNaN(v)) continue;
    sab += (u - ma) * (v - mb);
    saa += (u - ma) ** 2;
    sbb += (v - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

/**
 * Correlation filter on the surviving candidates: for each pair with |r| > threshold (in the
 * order of decreasing IV, or column order without IVs) keep the first, drop the second.
 */
export function applyCorrelationFilter(
  frame: Frame,
  candidates: Candidate[],
  threshold: number,
): void {
  const alive = candidates
    .filter((c) => !c.dropped)
    .sort((x, y) => (y.iv ?? -Infinity) - (x.iv ?? -Infinity) || x.index - y.index);
  const kept: Candidate[] = [];
  for (const c of alive) {
    const clash =
      !c.forced && kept.some((k) => Math.abs(pairwisePearson(frame, k.index, c.index)) > threshold);
    if (clash) c.dropped = 'correlation';
    else kept.push(c);
  }
}

/** Keeps the top `k` of `ivs` (ties by position): a keep flag per entry. */
export function topK(ivs: readonly number[], k: number): boolean[] {
  const order = ivs.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  const keep = new Array<boolean>(ivs.length).fill(false);
  for (let r = 0; r < Math.min(k, order.length); r++)
    keep[(order[r] as readonly [number, number])[1]] = true;
  return keep;
}
