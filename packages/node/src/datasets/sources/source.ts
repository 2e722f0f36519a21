/**
 * The dataset source interface (standard 002 §9.2.2, 000 §7.3: a node reads databases and text,
 * XML and key-value files). A source kind turns its spec — a file path, a table or a query —
 * into a {@link TableReader}: a header and then rows of raw string cells, streamed. What the
 * cells mean (numbers, categories, dates, missing values) is decided by the registration
 * pipeline (csv-import.ts), the same for every kind, so that a new kind is one file in this
 * folder and nothing else (see registry.ts and docs/objects/dataset-sources.md).
 */
import type { FileHandle } from 'node:fs/promises';
import type { z } from 'zod';

/** One record of a source: its cells as text, and where it is (for messages). */
export interface SourceRecord {
  /** Cells in header order; '' for a missing (NULL, absent) value. */
  cells: string[];
  /**
   * Where the record is, 1-based: the line of a text, JSON Lines or XML file; for a Parquet
   * file or a database result the position it would have in a CSV export (header line 1, the
   * first row line 2).
   */
  line: number;
}

/**
 * An open source: `records` yields the header first, then every row, once. A content problem
 * is thrown as a {@link SourceRecordError} (with line and column); connection and query
 * problems as FedGridError with a DATASET_SOURCE_* code.
 */
export interface TableReader {
  /** How messages name the source: a file path, or `postgres table public.loans`. */
  where: string;
  records: AsyncIterable<SourceRecord>;
  /**
   * SHA-256 (hex) and size (bytes) of what was read, once `records` is exhausted: of the file's
   * bytes for a file, of the canonical text of the rows (cells JSON-encoded, one line per row,
   * header first) for a database.
   */
  digest(): { sha256: string; bytes: number };
  /** Releases the file or connection; safe to call twice and after an error. */
  close(): Promise<void>;
}

/** A content problem at a place in the source; turned into a CSV_INVALID-style problem. */
export class SourceRecordError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = 'SourceRecordError';
  }
}

/** What a source may use of the node. */
export interface SourceContext {
  /**
   * Opens a file under the node's data directories (datasets.allowedDirs; symlinks resolved,
   * the node's own files refused).
   * @throws FedGridError DATASET_PATH_NOT_ALLOWED, DATASET_FILE_UNREADABLE
   */
  openFile(path: string): Promise<{ handle: FileHandle; realPath: string }>;
  /** The node's environment (process.env), where password variables are looked up. */
  env: Readonly<Record<string, string | undefined>>;
}

/** A kind of source: its spec's schema (a zod object with `kind`) and how to open one. */
export interface SourceKind<S extends { kind: string } = { kind: string }> {
  /** The `kind` value of its specs, e.g. `csv`, `postgres`. */
  kind: string;
  /** One line for help and docs. */
  summary: string;
  /** Validates a spec (the `kind` field included). It never holds a secret itself. */
  schema: z.ZodType<S>;
  /** True if the spec names a file (`path`) read under the node's data directories. */
  file: boolean;
  /** @throws FedGridError for a spec that cannot be opened (see {@link TableReader}). */
  open(spec: S, ctx: SourceContext): Promise<TableReader>;
}

/** Declares a source kind (type helper: keeps the spec type of `open` tied to its schema). */
export function defineSource<S extends { kind: string }>(k: SourceKind<S>): SourceKind<S> {
  return k;
}

/**
 * Cell text of a value a JSON, XML, Parquet or database reader returned: null/undefined → ''
 * (missing), numbers and bigints in decimal, booleans as true/false, dates as ISO 8601.
 * @returns undefined for a value that is not a scalar (object, array, bytes): the caller reports
 *   it at its place.
 */
export function cellText(v: unknown): string | undefined {
  if (v === null || v === undefined) return '';
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return Number.isNaN(v) ? '' : String(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString();
      return undefined;
  }
}
