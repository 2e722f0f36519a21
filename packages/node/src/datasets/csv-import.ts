/**
 * Streaming import of a table into a {@link Frame}: one id column, an optional label column,
 * every other column a typed feature (numeric, categorical, boolean or date/time: declared or
 * detected, see table-builder.ts). The table comes from any source (sources/source.ts: a CSV,
 * TSV, text, JSON Lines, XML or Parquet file, a PostgreSQL or MySQL table or query); every
 * source's rows of strings go through the same {@link TableBuilder}, so column types apply to
 * all of them. Every problem is reported with its place (line, column, field), up to
 * `maxErrors` of them, and nothing is returned unless the whole table is valid.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { Frame } from '@fedgrid/ml';
import { FedGridError } from '../errors/errors.js';
import { parseNumber } from './column-types.js';
import type { ColumnarSnapshotWriter } from './columnar-snapshot.js';
import { csvSource } from './sources/csv.source.js';
import { StreamingTableBuilder } from './streaming-table-builder.js';
import { SourceRecordError, type SourceRecord, type TableReader } from './sources/source.js';
import {
  TableBuilder,
  type ColumnSummary,
  type LabelSummary,
  type TableBuilderOptions,
  type TableProblem,
} from './table-builder.js';

export { excerpt } from './excerpt.js';

export interface CsvImportOptions {
  /** The file's path (also what messages and `details.file` name). */
  path: string;
  /**
   * The file, already opened (and checked against the node's data directories, see
   * dataset-files.ts); read instead of opening `path`, and closed when done.
   */
  file?: FileHandle;
  /** Name of the id column. */
  idColumn: string;
  /** Name of the label column, if this table has labels. */
  labelColumn?: string;
  /** Stop after this many problems. @default 20 */
  maxErrors?: number;
  /** Declared column types by name; the others are detected (see column-types.ts). */
  columnTypes?: TableBuilderOptions['columnTypes'];
  /** Rows whose cells decide detected types. @default 20480 */
  sampleRows?: number;
}

export type { ColumnSummary, LabelSummary } from './table-builder.js';

export interface CsvImportResult {
  frame: Frame;
  features: ColumnSummary[];
  label?: LabelSummary;
  sha256: string;
  bytes: number;
}

export type CsvProblem = TableProblem;

/**
 * Reads one cell as a number (kept for callers of the numeric-only reader).
 * @see parseNumber
 */
export const parseCell = parseNumber;

function problemsError(file: string, problems: CsvProblem[], truncated: boolean): FedGridError {
  const first = problems[0] as CsvProblem;
  const where = `${file}:${first.line}${first.column ? `:${first.column}` : ''}`;
  const more =
    problems.length > 1 ? ` (and ${problems.length - 1}${truncated ? '+' : ''} more problems)` : '';
  return new FedGridError(
    'CSV_INVALID',
    `${where}: ${first.message}${more}; nothing was registered`,
    {
      file,
      problems,
    },
  );
}

/**
 * Imports a CSV file (see {@link importTable}); `options.file`, if given, is read instead of
 * opening `options.path`.
 * @throws FedGridError DATASET_FILE_UNREADABLE if the file cannot be read, CSV_INVALID with
 *   `details.problems` (line, column, field, message) for content errors.
 */
export async function importCsv(options: CsvImportOptions): Promise<CsvImportResult> {
  const { path } = options;
  let handle: FileHandle | undefined = options.file;
  try {
    const st = handle ? await handle.stat() : await stat(path);
    if (!st.isFile()) throw new Error('not a regular file');
    handle ??= await open(path, 'r');
  } catch (err) {
    await handle?.close();
    throw new FedGridError(
      'DATASET_FILE_UNREADABLE',
      `cannot read dataset file ${path}: ${(err as Error).message}`,
      { file: path },
    );
  }
  const reader = await csvSource.open(
    { kind: 'csv', path },
    { openFile: () => Promise.resolve({ handle: handle as FileHandle, realPath: path }), env: {} },
  );
  return importTable(reader, options);
}

/** How {@link importTable} reads its table. */
export interface TableImportOptions {
  /** Name of the id column. */
  idColumn: string;
  /** Name of the label column, if this table has labels. */
  labelColumn?: string;
  /** Stop after this many problems. @default 20 */
  maxErrors?: number;
  /** Declared column types by name; the others are detected (see column-types.ts). */
  columnTypes?: TableBuilderOptions['columnTypes'];
  /** Rows whose cells decide detected types. @default 20480 */
  sampleRows?: number;
}

/**
 * Imports the table a source reads (sources/source.ts) through the {@link TableBuilder}: the
 * same column types, missing values and checks for every source kind. The reader is closed in
 * every case.
 * @throws FedGridError CSV_INVALID with `details.problems` for content errors; the source's own
 *   DATASET_SOURCE_* errors (connection, login, query).
 */
export async function importTable(
  reader: TableReader,
  options: TableImportOptions,
): Promise<CsvImportResult> {
  const path = reader.where;
  const { idColumn, labelColumn } = options;
  const maxErrors = options.maxErrors ?? 20;
  const builder = new TableBuilder({
    idColumn,
    ...(labelColumn !== undefined ? { labelColumn } : {}),
    maxErrors,
    ...(options.columnTypes ? { columnTypes: options.columnTypes } : {}),
    ...(options.sampleRows ? { sampleRows: options.sampleRows } : {}),
  });
  let parseFailed = false;

  try {
    for await (const { cells: record, line } of reader.records as AsyncIterable<SourceRecord>) {
      if (!builder.hasHeader) {
        builder.setHeader(record, line);
        if (builder.problems.length) break;
        continue;
      }
      builder.addRow(record, line);
      if (builder.full) break;
    }
  } catch (err) {
    if (!(err instanceof SourceRecordError)) throw err;
    parseFailed = true;
    builder.add({
      line: err.line,
      ...(err.column !== undefined ? { column: err.column } : {}),
      message: err.message,
    });
  } finally {
    await reader.close();
  }
  if (!builder.hasHeader && builder.problems.length === 0)
    builder.add({ line: 1, message: 'the file is empty (expected a header line)' });
  if (builder.hasHeader && builder.rowCount === 0 && builder.problems.length === 0)
    builder.add({ line: 2, message: 'the file has a header but no data rows' });
  // finish() also reads the buffered sample (value problems in it are found only then).
  const built = builder.hasHeader && !parseFailed ? builder.finish() : undefined;
  const problems = [...builder.problems].sort((x, y) => x.line - y.line);
  if (!built || problems.length) throw problemsError(path, problems, problems.length >= maxErrors);
  return { ...built, ...reader.digest() };
}

/** What {@link importTableToSnapshot} found (the rows themselves are in the snapshot). */
export interface StreamedImportResult {
  rows: number;
  features: ColumnSummary[];
  label?: LabelSummary;
  featureNames: string[];
  sha256: string;
  bytes: number;
}

/**
 * Imports the table a source reads straight into a columnar snapshot (columnar-snapshot.ts), in
 * bounded memory: rows are validated as they stream and leave in column batches; the summaries
 * are accumulated on the way (StreamingTableBuilder). The same checks, types, problems and
 * summaries as {@link importTable}; the snapshot holds the same frame. The snapshot is committed
 * only when every row is valid, and removed otherwise; the reader is closed in every case.
 * @param create opens the snapshot once the feature columns are known (after the sample).
 * @throws FedGridError CSV_INVALID with `details.problems`, the source's errors, the writer's
 *   storage errors (STORAGE_FULL, ...).
 */
export async function importTableToSnapshot(
  reader: TableReader,
  options: TableImportOptions & { batchRows?: number },
  create: (featureNames: string[], labelName?: string) => Promise<ColumnarSnapshotWriter>,
): Promise<StreamedImportResult> {
  const path = reader.where;
  const { idColumn, labelColumn } = options;
  const maxErrors = options.maxErrors ?? 20;
  const builder = new StreamingTableBuilder({
    idColumn,
    ...(labelColumn !== undefined ? { labelColumn } : {}),
    maxErrors,
    ...(options.columnTypes ? { columnTypes: options.columnTypes } : {}),
    ...(options.sampleRows ? { sampleRows: options.sampleRows } : {}),
    ...(options.batchRows ? { batchRows: options.batchRows } : {}),
  });
  let writer: ColumnarSnapshotWriter | undefined;
  const flush = async (batches: ReturnType<StreamingTableBuilder['takeBatches']>) => {
    if (!batches.length || builder.problems.length) return;
    writer ??= await create(builder.featureNames, labelColumn);
    for (const b of batches) await writer.writeBatch(b);
  };
  let parseFailed = false;
  let committed = false;
  try {
    try {
      for await (const { cells: record, line } of reader.records as AsyncIterable<SourceRecord>) {
        if (!builder.hasHeader) {
          builder.setHeader(record, line);
          if (builder.problems.length) break;
          continue;
        }
        builder.addRow(record, line);
        if (builder.full) break;
        await flush(builder.takeBatches());
      }
    } catch (err) {
      if (!(err instanceof SourceRecordError)) throw err;
      parseFailed = true;
      builder.add({
        line: err.line,
        ...(err.column !== undefined ? { column: err.column } : {}),
        message: err.message,
      });
    } finally {
      await reader.close();
    }
    if (!builder.hasHeader && builder.problems.length === 0)
      builder.add({ line: 1, message: 'the file is empty (expected a header line)' });
    if (builder.hasHeader && builder.rowCount === 0 && builder.problems.length === 0)
      builder.add({ line: 2, message: 'the file has a header but no data rows' });
    if (builder.hasHeader && !parseFailed) await flush(builder.lastBatch());
    if (!builder.problems.length && writer)
      await builder.checkDuplicates(builder.repeatedHashes(), writer.scan());
    const built = builder.hasHeader && !parseFailed ? builder.finishStream() : undefined;
    const problems = [...builder.problems].sort((x, y) => x.line - y.line);
    if (!built || !writer || problems.length)
      throw problemsError(path, problems, problems.length >= maxErrors);
    await writer.commit({ columnTypes: built.columnTypes, codeMaps: built.codeMaps });
    committed = true;
    return {
      rows: built.rows,
      features: built.features,
      ...(built.label ? { label: built.label } : {}),
      featureNames: built.featureNames,
      ...reader.digest(),
    };
  } finally {
    if (!committed) await writer?.abort();
  }
}
