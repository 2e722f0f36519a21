/**
 * The server's encrypted keyword table of a dataset (docs/protocols/pir.md, message 1): each row
 * keyed by its id, its label the chosen columns as little-endian float64 (8 bytes per column).
 * Shared by the `pir-query` host program (a fresh table per job) and the node's online PIR route
 * (a table per enabled dataset, rebuilt when the node restarts or the dataset changes).
 */
import { buildPirTable, encodePirTable, generatePirKey } from '@fedgrid/crypto';
import type { Frame } from '@fedgrid/ml';
import { requireWellFormedIds } from '../psi-ecdh/params.js';
import { ComponentError } from '../spec.js';
import { requireDistinctIds, resolveColumns } from './params.js';

/** A built server table: keep `key` secret, send `encoded` and the shape to the querier. */
export interface PirServerTable {
  /** 32-byte OPRF key the table was built with; answers must use it. */
  key: Uint8Array;
  /** {@link encodePirTable} output. */
  encoded: Uint8Array;
  rows: number;
  /** 8 × columns.length. */
  labelBytes: number;
  columns: string[];
}

/** A frame's ids and chosen columns as PIR labels, validated, ready to build a table from. */
export interface PirServerLabels {
  ids: readonly string[];
  /** rows × labelBytes bytes: the columns of each row as little-endian float64. */
  labels: Uint8Array;
  /** 8 × columns.length. */
  labelBytes: number;
  columns: string[];
}

/**
 * The labels of a frame's rows for its PIR table (the cheap part of {@link buildPirServerTable},
 * for a caller that builds the table elsewhere, e.g. on a worker thread).
 * @param labelColumns columns to return (features or the label column); empty: every feature.
 * @param party who serves, named in errors.
 * @throws ComponentError DATA_EMPTY, ID_DUPLICATE, COLUMN_UNKNOWN, or an id error.
 */
export function pirServerLabels(
  frame: Frame,
  labelColumns: readonly string[],
  party: string,
): PirServerLabels {
  requireWellFormedIds(frame.ids, party);
  requireDistinctIds(frame.ids, party);
  if (frame.ids.length === 0) {
    throw new ComponentError('DATA_EMPTY', `${party}: the dataset has no rows to serve`);
  }
  const cols = resolveColumns(frame, labelColumns, party);
  const n = frame.ids.length;
  const values = new Float64Array(n * cols.names.length);
  for (let i = 0; i < n; i++) cols.pick(i, values, i * cols.names.length);
  const labelBytes = 8 * cols.names.length;
  const labels = new Uint8Array(n * labelBytes);
  const dv = new DataView(labels.buffer);
  values.forEach((v, k) => dv.setFloat64(k * 8, v, true));
  return { ids: frame.ids, labels, labelBytes, columns: cols.names };
}

/**
 * Builds the encrypted table of a frame under a fresh OPRF key.
 * @param labelColumns columns to return (features or the label column); empty: every feature.
 * @param party who serves, named in errors.
 * @throws ComponentError DATA_EMPTY, ID_DUPLICATE, COLUMN_UNKNOWN, or an id error.
 */
export function buildPirServerTable(
  frame: Frame,
  labelColumns: readonly string[],
  party: string,
): PirServerTable {
  const l = pirServerLabels(frame, labelColumns, party);
  const key = generatePirKey();
  const encoded = encodePirTable(buildPirTable(key, l.ids, l.labels, l.labelBytes));
  return { key, encoded, rows: l.ids.length, labelBytes: l.labelBytes, columns: l.columns };
}

/**
 * A decrypted label back to its column values.
 * @param label 8 × columns bytes, as {@link buildPirServerTable} encodes them.
 */
export function decodePirLabel(label: Uint8Array, columns: number): number[] {
  const dv = new DataView(label.buffer, label.byteOffset, label.byteLength);
  return Array.from({ length: columns }, (_, c) => dv.getFloat64(8 * c, true));
}
