/**
 * Weight of evidence and information value per bin, with FATE's conventions
 * (federatedml.feature.binning, `fill_sufficient_statistics`):
 *   event rate  e_b = events_b / E,  non-event rate  n_b = nonEvents_b / N
 *   (E, N: totals over all bins; when a bin has no events or no non-events, both counts of that
 *   bin get the adjustment factor a added: e_b = (events_b + a)/E, n_b = (nonEvents_b + a)/N),
 *   WOE_b = ln(e_b / n_b),  IV_b = (e_b − n_b)·WOE_b,  IV = Σ_b IV_b.
 * Events are label 1.
 */

export interface WoeResult {
  eventRate: number[];
  nonEventRate: number[];
  woe: number[];
  ivPerBin: number[];
  iv: number;
}

/**
 * @param events per bin: rows with label 1.
 * @param nonEvents per bin: rows with label 0.
 * @param adjustment added to both counts of a bin with a zero count (FATE default 0.5).
 * @throws RangeError when the two arrays differ in length or a count is negative.
 */
export function woeIv(
  events: readonly number[],
  nonEvents: readonly number[],
  adjustment = 0.5,
): WoeResult {
  if (events.length !== nonEvents.length) {
    throw new RangeError(`${events.length} event counts for ${nonEvents.length} bins`);
  }
  let E = 0;
  let N = 0;
  for (let b = 0; b < events.length; b++) {
    const e = events[b] as number;
    const ne = nonEvents[b] as number;
    if (!(e >= 0 && ne >= 0)) throw new RangeError(`bin ${b}: negative count (${e}, ${ne})`);
    E += e;
    N += ne;
  }
  const r: WoeResult = { eventRate: [], nonEventRate: [], woe: [], ivPerBin: [], iv: 0 };
  for (let b = 0; b < events.length; b++) {
    let e = events[b] as number;
    let ne = nonEvents[b] as number;
    if (e === 0 || ne === 0) {
      e += adjustment;
      ne += adjustment;
    }
    const er = e / Math.max(E, 1);
    const nr = ne / Math.max(N, 1);
    const woe = Math.log(er / nr);
    const iv = (er - nr) * woe;
    r.eventRate.push(er);
    r.nonEventRate.push(nr);
    r.woe.push(woe);
    r.ivPerBin.push(iv);
    r.iv += iv;
  }
  return r;
}

/** Events and non-events per bin from bin indices and 0/1 labels (rows with bin −1 skipped). */
export function binLabelCounts(
  bins: Int32Array,
  labels: ArrayLike<number>,
  count: number,
): { events: number[]; nonEvents: number[] } {
  const events = new Array<number>(count).fill(0);
  const nonEvents = new Array<number>(count).fill(0);
  for (let i = 0; i < bins.length; i++) {
    const b = bins[i] as number;
    if (b < 0) continue;
    if ((labels[i] as number) === 1) events[b] = (events[b] as number) + 1;
    else nonEvents[b] = (nonEvents[b] as number) + 1;
  }
  return { events, nonEvents };
}
