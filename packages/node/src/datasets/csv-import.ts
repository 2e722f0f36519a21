/**
 * Streaming import of a CSV table into a {@link Frame}: one id column, an optional label column,
 * every other column a numeric feature. Every problem is reported with file, line, column and
 * field, up to `maxErrors` of them, and nothing is returned unless the whole file is valid.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat, type FileHandle } from 'node:fs/promises';
import { parse, type Info } from 'csv-parse';
import type { Frame } from '@fedgrid/ml';
import { FedGridError } from '../errors/errors.js';

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
}

export interface ColumnSummary {
  name: string;
  /** 'integer' if every present value is an integer, else 'float'. */
  type: 'integer' | 'float';
  min: number;
  max: number;
  mean: number;
  /** Empty, NA, NaN or null cells. */
  missing: number;
}

export interface LabelSummary {
  name: string;
  type: 'integer' | 'float';
  distinct: number;
  /** Count per value, when there are at most 20 distinct values. */
  counts?: Record<string, number>;
}

export interface CsvImportResult {
  frame: Frame;
  features: ColumnSummary[];
  label?: LabelSummary;
  sha256: string;
  bytes: number;
}

export interface CsvProblem {
  line: number;
  column?: number;
  field?: string;
  message: string;
}

/** Longest excerpt of file content quoted in a message or problem (characters). */
const EXCERPT_CHARS = 40;
// Control characters are exactly what this matches.
const UNPRINTABLE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff'\\]/u;

/**
 * A short, escaped excerpt of file content for error messages: at most {@link EXCERPT_CHARS}
 * characters (an ellipsis marks a cut), control, invisible and bidirectional characters, quotes
 * and backslashes escaped — so that an error never carries more than a glimpse of the file, nor
 * anything a terminal or log viewer would interpret.
 */
export function excerpt(s: string): string {
  let out = '';
  for (const ch of s) {
    const piece = UNPRINTABLE.test(ch)
      ? ch === "'" || ch === '\\'
        ? `\\${ch}`
        : `\\u${(ch.codePointAt(0) as number).toString(16).padStart(4, '0')}`
      : ch;
    if (out.length + piece.length > EXCERPT_CHARS - 1) return `${out}…`;
    out += piece;
  }
  return out;
}

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

/** Cells read as missing (compared lower-cased, after trimming): pandas' common NA markers. */
const MISSING = new Set(['', 'na', 'nan', 'null', 'n/a']);

/**
 * A decimal number as pandas reads one: optional sign, digits with an optional fraction (or a
 * fraction alone), optional exponent. `Number()` alone would also take `0x10`, `0b101`, `0o17`
 * (as 16, 5, 15) and `Infinity`; those are refused here, and so are `1_000` and `1 000`.
 */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const RADIX = /^[+-]?0[xXbBoO]/;

/**
 * Reads one cell as a number: `{ value }` (NaN for a missing cell) or `{ problem }` saying why
 * it is not one. Surrounding whitespace (also inside quotes) is ignored.
 */
export function parseCell(raw: string): { value: number; missing?: true } | { problem: string } {
  const s = raw.trim();
  if (MISSING.has(s.toLowerCase())) return { value: NaN, missing: true };
  if (DECIMAL.test(s)) {
    const value = Number(s);
    if (Number.isFinite(value)) return { value };
    return { problem: 'is out of range (beyond ±1.8e308)' };
  }
  if (RADIX.test(s))
    return {
      problem:
        'is not a number: hexadecimal, binary and octal notations are not read as numbers; write it in decimal',
    };
  if (/^[+-]?(inf|infinity)$/i.test(s))
    return { problem: 'is not a number: infinite values are not allowed' };
  return { problem: 'is not a number (expected a decimal such as 12, -3.5 or 1e-3)' };
}

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
  const problems: CsvProblem[] = [];
  const add = (p: CsvProblem) => {
    if (problems.length < maxErrors) problems.push(p);
  };
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

  let header: string[] | undefined;
  let idIdx = -1;
  let labelIdx = -1;
  let featIdx: number[] = [];
  const ids: string[] = [];
  const idLine = new Map<string, number>();
  const labels: number[] = [];
  let values: Float64Array = new Float64Array(0);
  let rows = 0;
  let lastLine = 0;

  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: Info;
    }>) {
      const line = info.lines;
      lastLine = line;
      if (!header) {
        header = record;
        const seen = new Map<string, number>();
        header.forEach((name, i) => {
          if (name === '')
            add({ line, column: i + 1, message: `column ${i + 1} has an empty name` });
          else if (seen.has(name))
            add({
              line,
              column: i + 1,
              field: excerpt(name),
              message: `column name '${excerpt(name)}' repeats column ${(seen.get(name) as number) + 1}`,
            });
          seen.set(name, i);
        });
        idIdx = header.indexOf(idColumn);
        if (idIdx < 0) {
          add({
            line,
            field: idColumn,
            message: `id column '${excerpt(idColumn)}' is not in the header (${header.length} column names); pass the right --id`,
          });
        }
        if (labelColumn !== undefined) {
          labelIdx = header.indexOf(labelColumn);
          if (labelIdx < 0) {
            add({
              line,
              field: labelColumn,
              message: `label column '${excerpt(labelColumn)}' is not in the header (${header.length} column names); pass the right --label`,
            });
          }
        }
        if (problems.length) break;
        featIdx = header.map((_, i) => i).filter((i) => i !== idIdx && i !== labelIdx);
        if (featIdx.length === 0)
          add({ line, message: 'the table has no feature columns besides the id and label' });
        values = new Float64Array(1024 * featIdx.length);
        continue;
      }
      if (record.length !== header.length) {
        add({ line, message: `row has ${record.length} fields, the header has ${header.length}` });
        if (problems.length >= maxErrors) break;
        continue;
      }
      const id = record[idIdx] as string;
      if (id === '') add({ line, column: idIdx + 1, field: idColumn, message: 'missing id' });
      else if (idLine.has(id))
        add({
          line,
          column: idIdx + 1,
          field: idColumn,
          message: `duplicate id '${excerpt(id)}' (first on line ${idLine.get(id)})`,
        });
      else idLine.set(id, line);
      if (labelIdx >= 0) {
        const raw = record[labelIdx] as string;
        const cell = parseCell(raw);
        if ('problem' in cell)
          add({
            line,
            column: labelIdx + 1,
            field: labelColumn,
            message: `label '${excerpt(raw)}' ${cell.problem}`,
          });
        else if (cell.missing)
          add({ line, column: labelIdx + 1, field: labelColumn, message: 'missing label' });
        labels.push('problem' in cell ? NaN : cell.value);
      }
      if ((rows + 1) * featIdx.length > values.length) {
        const grown = new Float64Array(values.length * 2);
        grown.set(values);
        values = grown;
      }
      const base = rows * featIdx.length;
      for (let k = 0; k < featIdx.length; k++) {
        const col = featIdx[k] as number;
        const raw = record[col] as string;
        const cell = parseCell(raw);
        if ('problem' in cell) {
          add({
            line,
            column: col + 1,
            field: excerpt(header[col] as string),
            message: `value '${excerpt(raw)}' ${cell.problem}`,
          });
          values[base + k] = NaN;
        } else values[base + k] = cell.value;
      }
      ids.push(id);
      rows++;
      if (problems.length >= maxErrors) break;
    }
  } catch (err) {
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
  if (!header && problems.length === 0)
    add({ line: 1, message: 'the file is empty (expected a header line)' });
  if (header && rows === 0 && problems.length === 0)
    add({ line: 2, message: 'the file has a header but no data rows' });
  if (problems.length) throw problemsError(path, problems, problems.length >= maxErrors);

  const hdr = header as string[];
  const cols = featIdx.length;
  const data = values.slice(0, rows * cols);
  const features: ColumnSummary[] = featIdx.map((col, k) => {
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    let missing = 0;
    let integer = true;
    for (let i = 0; i < rows; i++) {
      const v = data[i * cols + k] as number;
      if (Number.isNaN(v)) {
        missing++;
        continue;
      }
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
      if (integer && !Number.isInteger(v)) integer = false;
    }
    const present = rows - missing;
    return {
      name: hdr[col] as string,
      type: integer ? 'integer' : 'float',
      min,
      max,
      mean: present ? sum / present : NaN,
      missing,
    };
  });
  let label: LabelSummary | undefined;
  let labelArr: Float64Array | undefined;
  if (labelIdx >= 0) {
    labelArr = Float64Array.from(labels);
    const counts = new Map<number, number>();
    for (const v of labelArr) counts.set(v, (counts.get(v) ?? 0) + 1);
    label = {
      name: labelColumn as string,
      type: [...counts.keys()].every(Number.isInteger) ? 'integer' : 'float',
      distinct: counts.size,
      ...(counts.size <= 20
        ? {
            counts: Object.fromEntries(
              [...counts].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v]),
            ),
          }
        : {}),
    };
  }
  return {
    frame: {
      ids,
      x: { rows, cols, data },
      featureNames: features.map((f) => f.name),
      ...(labelArr ? { labels: labelArr, labelName: labelColumn } : {}),
    },
    features,
    ...(label ? { label } : {}),
    sha256: hash.digest('hex'),
    bytes,
  };
}
