/**
 * Rows of strings → a typed {@link Frame}: the part of registration every source shares (a CSV
 * file, and any other source that yields a header and rows of text cells with line numbers).
 *
 * Column types are declared per column or detected from the first `sampleRows` data rows (as
 * DuckDB's CSV sniffer samples rows); the rest of the rows are then read strictly in those types,
 * so memory stays one buffered sample plus the numeric matrix. Each problem names the line,
 * column and field; nothing is returned unless every row is valid.
 */
import type { ColumnType, Frame } from '@fedgrid/ml';
import {
  DECLARED_COLUMN_TYPES,
  PARSERS,
  detectColumnKind,
  isMissing,
  parseNumber,
  type ColumnKind,
  type DeclaredColumnType,
} from './column-types.js';
import { excerpt } from './excerpt.js';

export interface TableProblem {
  line: number;
  column?: number;
  field?: string;
  message: string;
}

export interface ColumnSummary {
  name: string;
  /**
   * `integer` or `float` for a numeric column (integer: every present value is one); else the
   * column's type. Partners see only the name and this type.
   */
  type: 'integer' | 'float' | 'categorical' | 'boolean' | 'datetime';
  /** Numeric, boolean (0/1), datetime (seconds since the epoch); NaN (null in JSON) for categories. */
  min: number;
  max: number;
  mean: number;
  /** Missing cells (empty, NA, NaN, null, n/a; NaT too in a datetime column). */
  missing: number;
  /** Categorical: how many distinct categories (the owner's view only). */
  categories?: number;
  /** How the type came about: declared by the owner, or detected from the sample. */
  typeSource?: 'declared' | 'detected';
}

export interface LabelSummary {
  name: string;
  type: 'integer' | 'float';
  distinct: number;
  /** Count per value, when there are at most 20 distinct values. */
  counts?: Record<string, number>;
}

export interface TableBuilderOptions {
  /** Name of the id column. */
  idColumn: string;
  /** Name of the label column, if this table has labels (always numeric). */
  labelColumn?: string;
  /** Types the owner declares, by column name; other columns are detected. */
  columnTypes?: Record<string, DeclaredColumnType>;
  /** Data rows whose cells decide the detected types. @default 20480 (DuckDB's sample size) */
  sampleRows?: number;
  /** A categorical column with more distinct values than this is refused. @default 10000 */
  maxCategories?: number;
  /** Stop collecting after this many problems. @default 20 */
  maxErrors?: number;
}

export interface BuiltTable {
  frame: Frame;
  features: ColumnSummary[];
  label?: LabelSummary;
}

export interface Column {
  /** Index in the record. */
  src: number;
  name: string;
  kind: ColumnKind;
  declared: boolean;
  /** Categorical: value → code in order of first appearance (re-coded ascending at the end). */
  codes?: Map<string, number>;
}

/**
 * Builds a frame from a header and rows, validating as it goes. Call {@link setHeader} once, then
 * {@link addRow} per data row, then {@link finish}. `problems` collects every problem (up to
 * `maxErrors`); `full` says when to stop feeding rows.
 */
export class TableBuilder {
  readonly problems: TableProblem[] = [];
  private readonly maxErrors: number;
  protected readonly sampleRows: number;
  protected readonly maxCategories: number;
  protected header: string[] | undefined;
  protected idIdx = -1;
  protected labelIdx = -1;
  protected featIdx: number[] = [];
  protected columns: Column[] | undefined;
  private sample: { record: string[]; line: number }[] = [];
  private readonly ids: string[] = [];
  private readonly idLine = new Map<string, number>();
  private readonly labels: number[] = [];
  private values: Float64Array = new Float64Array(0);
  protected rows = 0;
  private seenRows = 0;

  constructor(protected readonly options: TableBuilderOptions) {
    this.maxErrors = options.maxErrors ?? 20;
    this.sampleRows = options.sampleRows ?? 20_480;
    this.maxCategories = options.maxCategories ?? 10_000;
  }

  /** Whether `maxErrors` problems were found (stop reading). */
  get full(): boolean {
    return this.problems.length >= this.maxErrors;
  }

  /** Whether a header was set. */
  get hasHeader(): boolean {
    return this.header !== undefined;
  }

  /** Data rows given so far (valid or not). */
  get rowCount(): number {
    return this.seenRows;
  }

  add(p: TableProblem): void {
    if (this.problems.length < this.maxErrors) this.problems.push(p);
  }

  /** Checks the header: names present and distinct, id/label columns there, declared types valid. */
  setHeader(header: string[], line: number): void {
    const { idColumn, labelColumn } = this.options;
    this.header = header;
    const seen = new Map<string, number>();
    header.forEach((name, i) => {
      if (name === '')
        this.add({ line, column: i + 1, message: `column ${i + 1} has an empty name` });
      else if (seen.has(name))
        this.add({
          line,
          column: i + 1,
          field: excerpt(name),
          message: `column name '${excerpt(name)}' repeats column ${(seen.get(name) as number) + 1}`,
        });
      seen.set(name, i);
    });
    this.idIdx = header.indexOf(idColumn);
    if (this.idIdx < 0)
      this.add({
        line,
        field: idColumn,
        message: `id column '${excerpt(idColumn)}' is not in the header (${header.length} column names); pass the right --id`,
      });
    if (labelColumn !== undefined) {
      this.labelIdx = header.indexOf(labelColumn);
      if (this.labelIdx < 0)
        this.add({
          line,
          field: labelColumn,
          message: `label column '${excerpt(labelColumn)}' is not in the header (${header.length} column names); pass the right --label`,
        });
    }
    const declared = this.options.columnTypes ?? {};
    for (const [name, type] of Object.entries(declared)) {
      if (!(DECLARED_COLUMN_TYPES as readonly string[]).includes(type))
        this.add({
          line,
          field: excerpt(name),
          message: `column '${excerpt(name)}' is declared '${excerpt(String(type))}'; column types are ${DECLARED_COLUMN_TYPES.join(', ')}`,
        });
      else if (!seen.has(name))
        this.add({
          line,
          field: excerpt(name),
          message: `column '${excerpt(name)}' has a declared type but is not in the header`,
        });
      else if (name === idColumn || name === labelColumn)
        this.add({
          line,
          field: excerpt(name),
          message: `column '${excerpt(name)}' is the ${name === idColumn ? 'id' : 'label'} column; its type cannot be declared`,
        });
    }
    if (this.problems.length) return;
    this.featIdx = header
      .map((_, i) => i)
      .filter((i) => i !== this.idIdx && i !== this.labelIdx)
      .filter((i) => declared[header[i] as string] !== 'ignore');
    if (this.featIdx.length === 0)
      this.add({ line, message: 'the table has no feature columns besides the id and label' });
  }

  /** One data row (its fields as text) and the line it ends on. */
  addRow(record: string[], line: number): void {
    const header = this.header as string[];
    this.seenRows++;
    if (record.length !== header.length) {
      this.add({
        line,
        message: `row has ${record.length} fields, the header has ${header.length}`,
      });
      return;
    }
    if (this.columns) this.ingest(record, line);
    else {
      this.sample.push({ record, line });
      if (this.sample.length >= this.sampleRows) this.decideTypes();
    }
  }

  /** The types of the feature columns from the declarations and the buffered sample. */
  protected decideTypes(): void {
    const header = this.header as string[];
    const declared = this.options.columnTypes ?? {};
    this.columns = this.featIdx.map((src) => {
      const name = header[src] as string;
      const d = declared[name];
      const kind =
        d && d !== 'ignore'
          ? d
          : detectColumnKind(
              (function* (rows) {
                for (const r of rows) yield (r.record[src] as string).trim();
              })(this.sample),
            );
      return {
        src,
        name,
        kind,
        declared: d !== undefined,
        ...(kind === 'categorical' ? { codes: new Map<string, number>() } : {}),
      };
    });
    this.values = new Float64Array(Math.max(1024, this.sample.length) * this.columns.length);
    const buffered = this.sample;
    this.sample = [];
    for (const { record, line } of buffered) {
      if (this.full) break;
      this.ingest(record, line);
    }
  }

  /** Stores one data row (types decided); see {@link parseRow}. */
  protected ingest(record: string[], line: number): void {
    const { idColumn } = this.options;
    const id = record[this.idIdx] as string;
    if (id === '')
      this.add({ line, column: this.idIdx + 1, field: idColumn, message: 'missing id' });
    else if (this.idLine.has(id))
      this.add({
        line,
        column: this.idIdx + 1,
        field: idColumn,
        message: `duplicate id '${excerpt(id)}' (first on line ${this.idLine.get(id)})`,
      });
    else this.idLine.set(id, line);
    const width = (this.columns as Column[]).length;
    if ((this.rows + 1) * width > this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    const label = this.parseRow(record, line, this.values, this.rows * width);
    if (this.labelIdx >= 0) this.labels.push(label);
    this.ids.push(id);
    this.rows++;
  }

  /**
   * Reads one row's label and feature cells in the decided types: the features into
   * `out[base + k]` (NaN: missing or refused), problems recorded at their line and column.
   * @returns the label (NaN when refused or when the table has none).
   */
  protected parseRow(record: string[], line: number, out: Float64Array, base: number): number {
    const header = this.header as string[];
    const cols = this.columns as Column[];
    const { labelColumn } = this.options;
    let label = NaN;
    if (this.labelIdx >= 0) {
      const raw = record[this.labelIdx] as string;
      const cell = parseNumber(raw);
      if ('problem' in cell)
        this.add({
          line,
          column: this.labelIdx + 1,
          field: labelColumn,
          message: `label '${excerpt(raw)}' ${cell.problem}`,
        });
      else if (cell.missing)
        this.add({ line, column: this.labelIdx + 1, field: labelColumn, message: 'missing label' });
      else label = cell.value;
    }
    const width = cols.length;
    for (let k = 0; k < width; k++) {
      const c = cols[k] as Column;
      const raw = record[c.src] as string;
      if (c.codes) {
        const s = raw.trim();
        if (isMissing(s, 'categorical')) {
          out[base + k] = NaN;
          continue;
        }
        let code = c.codes.get(s);
        if (code === undefined) {
          if (c.codes.size >= this.maxCategories) {
            if (c.codes.size === this.maxCategories)
              this.add({
                line,
                column: c.src + 1,
                field: excerpt(header[c.src] as string),
                message: `categorical column '${excerpt(c.name)}' has more than ${this.maxCategories} distinct values (an identifier or free text?); declare it 'ignore' or derive coarser categories`,
              });
            c.codes.set(s, c.codes.size); // counted once; the table is refused anyway
            out[base + k] = NaN;
            continue;
          }
          code = c.codes.size;
          c.codes.set(s, code);
        }
        out[base + k] = code;
        continue;
      }
      const cell = PARSERS[c.kind as Exclude<ColumnKind, 'categorical'>](raw);
      if ('problem' in cell) {
        const hint = c.declared
          ? ''
          : c.kind === 'numeric'
            ? `; the column is numeric by its first ${this.sampleRows} rows — fix the value, or declare the column 'categorical'`
            : `; the column is ${c.kind} by its first ${this.sampleRows} rows — fix the value, or declare the column 'categorical'`;
        this.add({
          line,
          column: c.src + 1,
          field: excerpt(header[c.src] as string),
          message: `value '${excerpt(raw)}' ${cell.problem}${hint}`,
        });
        out[base + k] = NaN;
      } else out[base + k] = cell.value;
    }
    return label;
  }

  /**
   * The frame and the column summaries, or undefined when there were problems (see
   * `problems`). Categories are re-coded in ascending code-point order of their text, so
   * the codes do not depend on row order.
   */
  finish(): BuiltTable | undefined {
    if (!this.header) return undefined;
    if (!this.columns && this.featIdx.length) this.decideTypes();
    if (this.problems.length) return undefined;
    const cols = this.columns as Column[];
    const width = cols.length;
    const rows = this.rows;
    const data = this.values.slice(0, rows * width);
    const columnTypes: Record<string, ColumnType> = {};
    const features: ColumnSummary[] = cols.map((c, k) => {
      let missing = 0;
      if (c.codes) {
        const levels = [...c.codes.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        const recode = new Float64Array(c.codes.size);
        levels.forEach((l, i) => (recode[c.codes!.get(l) as number] = i));
        for (let i = 0; i < rows; i++) {
          const v = data[i * width + k] as number;
          if (Number.isNaN(v)) missing++;
          else data[i * width + k] = recode[v] as number;
        }
        columnTypes[c.name] = { type: 'categorical', levels };
        return {
          name: c.name,
          type: 'categorical',
          min: NaN,
          max: NaN,
          mean: NaN,
          missing,
          categories: levels.length,
          typeSource: c.declared ? 'declared' : 'detected',
        };
      }
      let min = Infinity;
      let max = -Infinity;
      let sum = 0;
      let integer = true;
      for (let i = 0; i < rows; i++) {
        const v = data[i * width + k] as number;
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
      if (c.kind === 'boolean' || c.kind === 'datetime') columnTypes[c.name] = { type: c.kind };
      return {
        name: c.name,
        type: c.kind === 'numeric' ? (integer ? 'integer' : 'float') : c.kind,
        min,
        max,
        mean: present ? sum / present : NaN,
        missing,
        typeSource: c.declared ? 'declared' : 'detected',
      };
    });
    let label: LabelSummary | undefined;
    let labelArr: Float64Array | undefined;
    if (this.labelIdx >= 0) {
      labelArr = Float64Array.from(this.labels);
      const counts = new Map<number, number>();
      for (const v of labelArr) counts.set(v, (counts.get(v) ?? 0) + 1);
      label = {
        name: this.options.labelColumn as string,
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
        ids: this.ids,
        x: { rows, cols: width, data },
        featureNames: cols.map((c) => c.name),
        ...(labelArr ? { labels: labelArr, labelName: this.options.labelColumn } : {}),
        ...(Object.keys(columnTypes).length ? { columnTypes } : {}),
      },
      features,
      ...(label ? { label } : {}),
    };
  }
}
