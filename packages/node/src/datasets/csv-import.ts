/**
 * Streaming import of a CSV table into a {@link Frame}: one id column, an optional label column,
 * every other column a typed feature (numeric, categorical, boolean or date/time: declared or
 * detected, see table-builder.ts). Every problem is reported with file, line, column and
 * field, up to `maxErrors` of them, and nothing is returned unless the whole file is valid.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat, type FileHandle } from 'node:fs/promises';
import { parse, type Info } from 'csv-parse';
import type { Frame } from '@fedgrid/ml';
import { FedGridError } from '../errors/errors.js';
import { parseNumber } from './column-types.js';
import { excerpt } from './excerpt.js';
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

/** csv-parse error codes, described without quoting the file. */
const PARSE_ERRORS: Record<string, string> = {
  CSV_INVALID_CLOSING_QUOTE:
    'a character follows a closing quote (expected a delimiter or the end of the line)',
  INVALID_OPENING_QUOTE: 'a quote opens in the middle of an unquoted field',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'a character follows a closing quote',
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed',
  CSV_MAX_RECORD_SIZE: 'a row is too long',
  CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: 'rows have different numbers of fields',
  CSV_INVALID_ARGUMENT: 'the file cannot be parsed as CSV',
};

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
 * @throws FedGridError DATASET_FILE_UNREADABLE if the file cannot be read, CSV_INVALID with
 *   `details.problems` (line, column, field, message) for content errors.
 */
export async function importCsv(options: CsvImportOptions): Promise<CsvImportResult> {
  const { path, idColumn, labelColumn } = options;
  const maxErrors = options.maxErrors ?? 20;
  try {
    const st = options.file ? await options.file.stat() : await stat(path);
    if (!st.isFile()) throw new Error('not a regular file');
  } catch (err) {
    await options.file?.close();
    throw new FedGridError(
      'DATASET_FILE_UNREADABLE',
      `cannot read dataset file ${path}: ${(err as Error).message}`,
      { file: path },
    );
  }
  const hash = createHash('sha256');
  let bytes = 0;
  const source = options.file ? options.file.createReadStream() : createReadStream(path);
  source.on('data', (chunk) => {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  });
  const parser = source.pipe(
    parse({ bom: true, skip_empty_lines: true, relax_column_count: true, info: true, trim: true }),
  );

  const builder = new TableBuilder({
    idColumn,
    ...(labelColumn !== undefined ? { labelColumn } : {}),
    maxErrors,
    ...(options.columnTypes ? { columnTypes: options.columnTypes } : {}),
    ...(options.sampleRows ? { sampleRows: options.sampleRows } : {}),
  });
  const add = (p: CsvProblem) => builder.add(p);
  let lastLine = 0;
  let parseFailed = false;

  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: Info;
    }>) {
      const line = info.lines;
      lastLine = line;
      if (!builder.hasHeader) {
        builder.setHeader(record, line);
        if (builder.problems.length) break;
        continue;
      }
      builder.addRow(record, line);
      if (builder.full) break;
    }
  } catch (err) {
    parseFailed = true;
    const e = err as Error & { lines?: number; code?: string };
    if (e.code === 'CSV_QUOTE_NOT_CLOSED') {
      // csv-parse reports where it gave up (the end of the file); the quote opened on the line
      // after the last complete record.
      add({
        line: lastLine + 1,
        message: 'a quoted field opened on this line is never closed (unterminated quote)',
      });
    } else {
      // csv-parse's own messages quote the offending field; name the kind of problem instead.
      add({
        line: e.lines ?? lastLine + 1,
        message: `malformed CSV: ${PARSE_ERRORS[e.code ?? ''] ?? `unreadable CSV (${excerpt(e.code ?? 'unknown error')})`}`,
      });
    }
  } finally {
    source.destroy();
  }
  if (!builder.hasHeader && builder.problems.length === 0)
    add({ line: 1, message: 'the file is empty (expected a header line)' });
  if (builder.hasHeader && builder.rowCount === 0 && builder.problems.length === 0)
    add({ line: 2, message: 'the file has a header but no data rows' });
  // finish() also reads the buffered sample (value problems in it are found only then).
  const built = builder.hasHeader && !parseFailed ? builder.finish() : undefined;
  const problems = [...builder.problems].sort((x, y) => x.line - y.line);
  if (!built || problems.length) throw problemsError(path, problems, problems.length >= maxErrors);
  return { ...built, sha256: hash.digest('hex'), bytes };
}
