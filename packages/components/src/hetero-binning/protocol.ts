/**
 * Messages of hetero-binning (docs/protocols/hetero-binning.md) and the bin shuffle.
 */
import { randomInt } from 'node:crypto';
import { ComponentError } from '../spec.js';

/**
 * Fewest rows in any non-empty host bin (chi-merge: any initial bin). The host learns each of its
 * bins' label balance (WOE with the bin size it knows fixes events_b), so a bin of one row reveals
 * that row's label, and a bin of a few rows nearly so. Ten follows the threshold rule of
 * statistical disclosure control (published cells of fewer than 10 — CMS: 11 — are suppressed):
 * every revealed count then covers at least ten rows. Empty bins reveal nothing and pass.
 */
export const MIN_BIN_ROWS = 10;

/**
 * Refuses bins with 0 < rows < {@link MIN_BIN_ROWS}.
 * @param where names the party and feature, e.g. "host-0 feature 'x3'".
 * @throws ComponentError BIN_TOO_SMALL naming the bin size, the rule and the fix.
 */
export function checkBinSizes(sizes: readonly number[], where: string): void {
  const small = sizes.filter((s) => s > 0 && s < MIN_BIN_ROWS);
  if (small.length === 0) return;
  throw new ComponentError(
    'BIN_TOO_SMALL',
    `${where}: ${small.length} bin(s) of only ${Math.min(...small)} row(s); hetero-binning reveals each host bin's label balance to the host, so every non-empty bin needs at least ${MIN_BIN_ROWS} rows — use fewer bins (binNum, chiInitBins), merge rare categories or missing values first, or bin more rows`,
    { where, smallest: Math.min(...small), bins: small.length, minBinRows: MIN_BIN_ROWS },
  );
}

export const tag = {
  /** guest → host: [[y_i]] for every aligned row (n ciphertexts). */
  labels: 'labels',
  /** host → guest: per feature, [[Σ_{i∈b} y_i]] and |b| for every bin b, in shuffled order. */
  sums: 'bin-sums',
  /** guest → host: per feature, WOE and IV per (shuffled) bin — or the event counts (chi-merge). */
  result: 'bin-result',
};

export interface SumsHeader {
  /** Per host feature: number of bins (its ciphertexts follow in that order). */
  bins: number[];
  /** Rows per bin, all features concatenated, in the same shuffled order as the ciphertexts. */
  totals: number[];
  /**
   * Per host feature: true when the host asks for the event counts instead of WOE (a numeric
   * feature under chi-merge, merged by the host). The guest agrees only when method is chi-merge.
   */
  returnCounts: boolean[];
}

/** One entry per host feature, in the host's order; arrays in its shuffled bin order. */
export type FeatureResult =
  { woe: number[]; ivPerBin: number[]; iv: number } | { events: number[] };

export interface ResultHeader {
  features: FeatureResult[];
}

/** A uniformly random permutation of 0 … n−1 (Fisher–Yates with a CSPRNG). */
export function randomPermutation(n: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [p[i], p[j]] = [p[j] as number, p[i] as number];
  }
  return p;
}

/** out[k] = values[perm[k]]: the values in shuffled order. */
export function permute<T>(values: readonly T[], perm: readonly number[]): T[] {
  return perm.map((i) => values[i] as T);
}

/** The inverse of {@link permute}: out[perm[k]] = shuffled[k]. */
export function unpermute<T>(shuffled: readonly T[], perm: readonly number[]): T[] {
  const out = new Array<T>(perm.length);
  perm.forEach((i, k) => (out[i] = shuffled[k] as T));
  return out;
}
