import { z } from 'zod';
import type { Frame } from '@fedgrid/ml';
import { ComponentError } from '../spec.js';

export const pirParams = z.object({
  /**
   * The server's columns returned as labels (feature names, or its label column's name); empty:
   * every feature column. Each is sent as one float64 (8 bytes) per row.
   */
  labelColumns: z.array(z.string().min(1)).default([]),
  /**
   * Most keys the querier may look up in one job: each is one OPRF evaluation, i.e. one keyword
   * the querier can test against the server's table (docs/protocols/pir.md, "Rate limit").
   */
  maxQueries: z
    .number()
    .int()
    .min(1)
    .max(1 << 24)
    .default(100_000),
  /** Blinded points per message. */
  batchSize: z
    .number()
    .int()
    .min(1)
    .max(1 << 20)
    .default(1 << 15),
});
export type PirParams = z.infer<typeof pirParams>;

/** Ledger kind of the keys a querier has tested against this dataset (one unit = one key). */
export const PIR_DISCLOSURE_KIND = 'pir-keys';
/**
 * Keys a partner may test against a dataset over all jobs, per row of it: each OPRF answer
 * tests one key, so over all jobs a partner learns at most as many rows as the table has.
 */
export const PIR_KEYS_BUDGET_PER_ROW = 1;

/** Bytes of one encrypted-table chunk on the wire (below the 64 MiB gRPC message limit). */
export const TABLE_CHUNK_BYTES = 16 * 2 ** 20;

/** Header of the table announcement, server → querier. */
export interface TableMeta {
  rows: number;
  labelBytes: number;
  columns: string[];
  bytes: number;
  chunks: number;
}

/** Header of the request announcement, querier → server. */
export interface RequestMeta {
  keys: number;
  batches: number;
}

/**
 * The server's label columns, resolved against its frame.
 * @returns per column: 'x' and the feature index, or 'label'.
 * @throws ComponentError COLUMN_UNKNOWN naming the column and the known ones.
 */
export function resolveColumns(
  frame: Frame,
  requested: readonly string[],
  party: string,
): { names: string[]; pick: (row: number, out: Float64Array, at: number) => void } {
  const names = requested.length > 0 ? [...requested] : frame.featureNames.slice();
  if (names.length === 0) {
    throw new ComponentError(
      'COLUMN_UNKNOWN',
      `${party}: the dataset has no feature columns to return; name label columns in labelColumns`,
    );
  }
  const getters = names.map((name) => {
    const j = frame.featureNames.indexOf(name);
    if (j >= 0) return (row: number) => frame.x.data[row * frame.x.cols + j] as number;
    if (frame.labels && frame.labelName === name)
      return (row: number) => (frame.labels as Float64Array)[row] as number;
    const known = [...frame.featureNames, ...(frame.labelName ? [frame.labelName] : [])];
    throw new ComponentError(
      'COLUMN_UNKNOWN',
      `${party}: label column '${name}' is not in the dataset (columns: ${known.join(', ')})`,
      { party, column: name },
    );
  });
  return {
    names,
    pick: (row, out, at) => getters.forEach((g, c) => (out[at + c] = g(row))),
  };
}

/**
 * @throws ComponentError ID_DUPLICATE naming two rows (1-based) with the same id: a PIR table
 *   maps each key to one label.
 */
export function requireDistinctIds(ids: readonly string[], party: string): void {
  const seen = new Map<string, number>();
  ids.forEach((id, i) => {
    const first = seen.get(id);
    if (first !== undefined) {
      throw new ComponentError(
        'ID_DUPLICATE',
        `${party}: rows ${first + 1} and ${i + 1} have the same id; a PIR table needs one row per id`,
        { party, rows: [first + 1, i + 1] },
      );
    }
    seen.set(id, i);
  });
}
