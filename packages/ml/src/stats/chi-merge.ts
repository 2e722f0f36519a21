/**
 * ChiMerge (R. Kerber, "ChiMerge: Discretization of numeric attributes", AAAI 1992), on two
 * classes (event / non-event): starting from fine initial bins, repeatedly merge the adjacent pair
 * with the smallest χ² statistic
 *   χ² = Σ_{i ∈ pair} Σ_{c ∈ {event, non-event}} (A_ic − E_ic)² / E_ic,  E_ic = R_i·C_c / N_pair
 * (terms with E_ic = 0 count 0) while more than `maxBins` bins remain, or while the smallest χ²
 * is below `threshold` and more than `minBins` remain. 3.841 is the χ² quantile at α = 0.05 with
 * one degree of freedom.
 */

export interface ChiMergeOptions {
  /** Stop merging by count once at most this many bins remain. */
  maxBins: number;
  /** Keep merging pairs whose χ² is below this. */
  threshold: number;
  /** @default 2 */
  minBins?: number;
}

/** χ² of two adjacent bins (events a1/b1, non-events a2/b2). */
export function chiSquarePair(e1: number, n1: number, e2: number, n2: number): number {
  const r1 = e1 + n1;
  const r2 = e2 + n2;
  const ce = e1 + e2;
  const cn = n1 + n2;
  const total = r1 + r2;
  if (total === 0) return 0;
  let chi = 0;
  for (const [a, r, c] of [
    [e1, r1, ce],
    [n1, r1, cn],
    [e2, r2, ce],
    [n2, r2, cn],
  ] as const) {
    const exp = (r * c) / total;
    if (exp > 0) chi += (a - exp) ** 2 / exp;
  }
  return chi;
}

/**
 * Merges adjacent bins by ChiMerge.
 * @param events per initial bin, in value order.
 * @param nonEvents per initial bin.
 * @returns `ends`: for each merged bin, one past the index of its last initial bin (ascending;
 *   the last is events.length), and the merged counts.
 */
export function chiMerge(
  events: readonly number[],
  nonEvents: readonly number[],
  options: ChiMergeOptions,
): { ends: number[]; events: number[]; nonEvents: number[] } {
  if (events.length !== nonEvents.length) {
    throw new RangeError(`${events.length} event counts for ${nonEvents.length} bins`);
  }
  const minBins = Math.max(1, options.minBins ?? 2);
  const ev = events.slice();
  const ne = nonEvents.slice();
  const ends = events.map((_, b) => b + 1);
  const chiAt = (k: number) =>
    chiSquarePair(ev[k] as number, ne[k] as number, ev[k + 1] as number, ne[k + 1] as number);
  const chi = ev.slice(0, -1).map((_, k) => chiAt(k));
  while (ev.length > minBins) {
    let best = 0;
    for (let k = 1; k < chi.length; k++) if ((chi[k] as number) < (chi[best] as number)) best = k;
    if (ev.length <= options.maxBins && !((chi[best] as number) < options.threshold)) break;
    ev[best] = (ev[best] as number) + (ev[best + 1] as number);
    ne[best] = (ne[best] as number) + (ne[best + 1] as number);
    ends[best] = ends[best + 1] as number;
    ev.splice(best + 1, 1);
    ne.splice(best + 1, 1);
    ends.splice(best + 1, 1);
    chi.splice(best, 1);
    if (best < chi.length) chi[best] = chiAt(best);
    if (best > 0) chi[best - 1] = chiAt(best - 1);
  }
  return { ends, events: ev, nonEvents: ne };
}

/** The cut points that remain when initial bins (given by `cuts`) are merged into `ends`. */
export function mergedCuts(cuts: readonly number[], ends: readonly number[]): number[] {
  return ends.slice(0, -1).map((e) => cuts[e - 1] as number);
}
