/**
 * Divergence of an iterative fit, judged on its loss history (one mean loss per epoch): whoever
 * sees the loss (the plaintext trainer, the federated arbiter) fails the fit instead of reporting
 * a model that ran away.
 */

/** How far the loss may climb above its best before the fit counts as diverged. */
export const DIVERGENCE_RISE = 0.5;
/** Epochs in a row the loss may rise (ending 10% above the best) before it counts. */
export const DIVERGENCE_WINDOW = 5;

/**
 * Why a loss history shows divergence, or undefined when it does not: a non-finite loss; a loss
 * more than {@link DIVERGENCE_RISE} (relative) above the best so far; or a loss that rose in each
 * of the last {@link DIVERGENCE_WINDOW} epochs and ends more than 10% above the best
 * (mini-batch noise moves the loss by less).
 */
export function divergence(history: readonly number[]): string | undefined {
  const n = history.length;
  if (n === 0) return undefined;
  const last = history[n - 1] as number;
  if (!Number.isFinite(last)) return `the loss became ${last} in epoch ${n}`;
  const best = Math.min(...history);
  const margin = (rel: number) => best + rel * Math.max(Math.abs(best), 1e-12);
  if (last > margin(DIVERGENCE_RISE))
    return `the loss rose from ${fmt(best)} to ${fmt(last)} (epoch ${n})`;
  if (n > DIVERGENCE_WINDOW && last > margin(0.1)) {
    let rising = true;
    for (let k = n - DIVERGENCE_WINDOW; k < n; k++)
      if (!((history[k] as number) > (history[k - 1] as number))) rising = false;
    if (rising)
      return `the loss rose in each of the last ${DIVERGENCE_WINDOW} epochs, from ${fmt(best)} to ${fmt(last)}`;
  }
  return undefined;
}

/** Thrown by a plaintext trainer whose loss diverged (see {@link divergence}). */
export class DivergedError extends Error {
  readonly code = 'DIVERGED';
  constructor(
    readonly reason: string,
    readonly lossHistory: readonly number[],
  ) {
    super(`training diverged: ${reason}; lower learningRate, or keep standardize on (the default)`);
    this.name = 'DivergedError';
  }
}

const fmt = (v: number) =>
  Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(3) : v.toFixed(4);
