/**
 * Parameter rules and the abort error of secure aggregation (Bonawitz et al., CCS 2017,
 * §4–6; Bell et al., CCS 2020, §4).
 */

/**
 * Thrown when a round cannot complete (too few clients survive a stage, or finishing would
 * leak more than the sum). The round must be abandoned; no party learns any input.
 */
export class SecAggAbortError extends Error {
  override readonly name = 'SecAggAbortError';
}

/**
 * Checks a reconstruction threshold against the share counts (neighbour counts) of the
 * clients: t must be an integer with maxShares/2 < t ≤ minShares. t ≤ minShares so that a
 * client's secrets can be rebuilt at all; t > maxShares/2 so that a server that lies about
 * who dropped cannot collect t shares of both b_u and s_u^SK from honest clients.
 * @throws RangeError saying which bound fails and how to fix it.
 */
export function checkThreshold(threshold: number, minShares: number, maxShares: number): void {
  if (!Number.isInteger(threshold) || threshold < 1)
    throw new RangeError(`threshold must be a positive integer, got ${threshold}`);
  if (threshold > minShares)
    throw new RangeError(
      `threshold ${threshold} exceeds the ${minShares} neighbours (shares) of a client: ` +
        `use a threshold ≤ ${minShares} or more neighbours`,
    );
  if (2 * threshold <= maxShares)
    throw new RangeError(
      `threshold ${threshold} must exceed half the ${maxShares} neighbours (shares) of a client ` +
        `(so a server lying about dropouts cannot learn both secrets of one client): ` +
        `use a threshold ≥ ${Math.floor(maxShares / 2) + 1}`,
    );
}

/**
 * The default threshold for k shares: ⌈2k/3⌉, but at least ⌊k/2⌋ + 1 (tolerates about a third
 * of a client's neighbours dropping).
 */
export function defaultThreshold(k: number): number {
  return Math.max(Math.floor(k / 2) + 1, Math.ceil((2 * k) / 3));
}
