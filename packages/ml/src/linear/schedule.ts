/**
 * The mini-batch schedule: which rows form each batch of each epoch. Deterministic in the seed,
 * so every party of a vertical job (and the plaintext twin) walks the same batches.
 */
import { SeededRandom } from '../random.js';

/**
 * Row indices of every batch of one epoch: a fresh permutation per epoch, cut into batches of
 * `batchSize` (the last may be shorter). `batchSize` ≤ 0 or ≥ rows gives one batch of all rows
 * in order.
 */
export function epochBatches(
  rows: number,
  batchSize: number,
  seed: number,
  epoch: number,
): Uint32Array[] {
  if (batchSize <= 0 || batchSize >= rows) return [Uint32Array.from({ length: rows }, (_, i) => i)];
  const perm = new SeededRandom((seed * 1_000_003 + epoch) >>> 0).permutation(rows);
  const out: Uint32Array[] = [];
  for (let s = 0; s < rows; s += batchSize)
    out.push(perm.subarray(s, Math.min(rows, s + batchSize)));
  return out;
}
