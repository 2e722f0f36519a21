/**
 * The {@link TableBuilder} for registration in bounded memory (issue 17 item 4): the same header
 * checks, sampled type detection and cell rules, but rows leave in column batches (for a
 * columnar snapshot, columnar-snapshot.ts) as they are read, and the column summaries are
 * accumulated as they pass. What stays in memory grows with the rows only by an 8-byte hash per
 * id (the duplicate-id check) — not by the table's width — plus the categories' value lists and
 * up to {@link LABEL_DISTINCT_CAP} distinct labels.
 *
 * Duplicate ids: each id's 53-bit hash (two 32-bit FNV-1a variants) is kept; after the last row
 * the hashes are sorted and equal neighbours found; only rows whose hash repeats are read back
 * from the written batches and compared as text, so a hash collision is never reported as a
 * duplicate, and a real duplicate is reported at its line with the line of its first
 * occurrence, as the in-memory builder does.
 */
import type { ColumnType } from '@fedgrid/ml';
import type { Batch } from './columnar-snapshot.js';
import { excerpt } from './excerpt.js';
import {
  TableBuilder,
  type Column,
  type ColumnSummary,
  type LabelSummary,
  type TableBuilderOptions,
} from './table-builder.js';

/** Distinct label values counted exactly; beyond, `distinct` is a lower bound (a regression label). */
export const LABEL_DISTINCT_CAP = 1 << 20;

/** A 53-bit hash of an id (FNV-1a 32 on UTF-16 code units, two offsets), as a double. */
export function idHash(id: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return (a >>> 0) * 2 ** 21 + ((b >>> 0) & 0x1fffff);
}

interface Stat {
  min: number;
  max: number;
  sum: number;
  missing: number;
  integer: boolean;
}

/** What {@link StreamingTableBuilder.finish} returns besides the batches already taken. */
export interface StreamedTable {
  rows: number;
  features: ColumnSummary[];
  label?: LabelSummary;
  featureNames: string[];
  /** Non-numeric columns, categories with their levels in ascending order. */
  columnTypes: Record<string, ColumnType>;
  /** Per categorical column: stored code (first appearance) → code of its ascending level. */
  codeMaps: Record<string, number[]>;
}

export interface StreamingTableBuilderOptions extends TableBuilderOptions {
  /** Rows per batch. @default 32768 */
  batchRows?: number;
}

/**
 * Streams rows into column batches. Use as a {@link TableBuilder} (setHeader, addRow), taking
 * finished batches with {@link takeBatches} after each row; then {@link lastBatch}, then
 * {@link checkDuplicates} with the batches written, then {@link finishStream}.
 */
export class StreamingTableBuilder extends TableBuilder {
  private readonly batchRows: number;
  private batch: Batch | undefined;
  private fill = 0;
  private readonly ready: Batch[] = [];
  private stats: Stat[] = [];
  private readonly labelCounts = new Map<number, number>();
  private labelCapped = false;
  private hashes = new Float64Array(1024);
  private streamed = 0;
  private scratch = new Float64Array(0);

  constructor(options: StreamingTableBuilderOptions) {
    super(options);
    this.batchRows = options.batchRows ?? 32_768;
  }

  /** The feature columns (after the types are decided; empty before). */
  get featureNames(): string[] {
    return (this.columns ?? []).map((c) => c.name);
  }

  /** Whether the types are decided (the first batch can be written). */
  get typesDecided(): boolean {
    return this.columns !== undefined;
  }

  /** Batches completed since the last call. */
  takeBatches(): Batch[] {
    return this.ready.splice(0);
  }

  private newBatch(): Batch {
    const width = (this.columns as Column[]).length;
    return {
      ids: [],
      lines: new Float64Array(this.batchRows),
      ...(this.labelIdx >= 0 ? { labels: new Float64Array(this.batchRows) } : {}),
      columns: Array.from({ length: width }, () => new Float64Array(this.batchRows)),
    };
  }

  private static cut(b: Batch, n: number): Batch {
    return {
      ids: b.ids,
      lines: b.lines.subarray(0, n),
      ...(b.labels ? { labels: b.labels.subarray(0, n) } : {}),
      columns: b.columns.map((c) => c.subarray(0, n)),
    };
  }

  protected override ingest(record: string[], line: number): void {
    const cols = this.columns as Column[];
    const width = cols.length;
    if (!this.batch) {
      this.batch = this.newBatch();
      this.fill = 0;
      if (this.stats.length !== width) {
        this.stats = cols.map(() => ({
          min: Infinity,
          max: -Infinity,
          sum: 0,
          missing: 0,
          integer: true,
        }));
        this.scratch = new Float64Array(width);
      }
    }
    const { idColumn } = this.options;
    const id = record[this.idIdx] as string;
    if (id === '')
      this.add({ line, column: this.idIdx + 1, field: idColumn, message: 'missing id' });
    else {
      if (this.streamed === this.hashes.length) {
        const grown = new Float64Array(this.hashes.length * 2);
        grown.set(this.hashes);
        this.hashes = grown;
      }
      this.hashes[this.streamed++] = idHash(id);
    }
    const label = this.parseRow(record, line, this.scratch, 0);
    if (this.problems.length) return; // nothing will be registered: stop storing
    const b = this.batch;
    const r = this.fill++;
    b.ids.push(id);
    b.lines[r] = line;
    if (b.labels) {
      b.labels[r] = label;
      if (!this.labelCapped) {
        this.labelCounts.set(label, (this.labelCounts.get(label) ?? 0) + 1);
        if (this.labelCounts.size > LABEL_DISTINCT_CAP) this.labelCapped = true;
      }
    }
    for (let k = 0; k < width; k++) {
      const v = this.scratch[k] as number;
      (b.columns[k] as Float64Array)[r] = v;
      const s = this.stats[k] as Stat;
      if (Number.isNaN(v)) {
        s.missing++;
        continue;
      }
      if ((cols[k] as Column).codes) continue;
      if (v < s.min) s.min = v;
      if (v > s.max) s.max = v;
      s.sum += v;
      if (s.integer && !Number.isInteger(v)) s.integer = false;
    }
    if (this.fill === this.batchRows) {
      this.ready.push(b);
      this.batch = undefined;
    }
  }

  /** Decides the types if the table was shorter than the sample, and hands out the last batch. */
  lastBatch(): Batch[] {
    // As TableBuilder.finish: the buffered sample is read (its value problems found) here.
    if (!this.columns && this.featIdx.length) this.decideTypes();
    if (this.batch && this.fill > 0)
      this.ready.push(StreamingTableBuilder.cut(this.batch, this.fill));
    this.batch = undefined;
    return this.takeBatches();
  }

  /**
   * Hashes of ids seen more than once (usually none): the rows to compare as text.
   */
  repeatedHashes(): Set<number> {
    // Sorted in place: the hashes are not needed after this (no second 8 bytes per row).
    const sorted = this.hashes.subarray(0, this.streamed).sort();
    const out = new Set<number>();
    for (let i = 1; i < sorted.length; i++)
      if (sorted[i] === sorted[i - 1]) out.add(sorted[i] as number);
    this.hashes = new Float64Array(0);
    this.streamed = 0;
    return out;
  }

  /**
   * Reports duplicate ids among the rows whose hash repeats, reading the written batches back.
   * @param batches the batches as written, in order
   */
  async checkDuplicates(repeated: Set<number>, batches: AsyncIterable<Batch>): Promise<void> {
    if (repeated.size === 0) return;
    const first = new Map<string, number>();
    const { idColumn } = this.options;
    for await (const b of batches)
      for (let i = 0; i < b.ids.length; i++) {
        const id = b.ids[i] as string;
        if (id === '' || !repeated.has(idHash(id))) continue;
        const line = b.lines[i] as number;
        const at = first.get(id);
        if (at === undefined) first.set(id, line);
        else
          this.add({
            line,
            column: this.idIdx + 1,
            field: idColumn,
            message: `duplicate id '${excerpt(id)}' (first on line ${at})`,
          });
      }
  }

  /**
   * The summaries of what was streamed (undefined when there were problems), the same as
   * {@link TableBuilder.finish} gives for the same rows.
   */
  finishStream(): StreamedTable | undefined {
    if (!this.header || !this.columns || this.problems.length) return undefined;
    const rows = this.rowCount;
    const columnTypes: Record<string, ColumnType> = {};
    const codeMaps: Record<string, number[]> = {};
    const features: ColumnSummary[] = this.columns.map((c, k) => {
      const s = this.stats[k] ?? {
        min: Infinity,
        max: -Infinity,
        sum: 0,
        missing: 0,
        integer: true,
      };
      if (c.codes) {
        const levels = [...c.codes.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        const map = new Array<number>(c.codes.size);
        levels.forEach((l, i) => (map[c.codes!.get(l) as number] = i));
        columnTypes[c.name] = { type: 'categorical', levels };
        codeMaps[c.name] = map;
        return {
          name: c.name,
          type: 'categorical',
          min: NaN,
          max: NaN,
          mean: NaN,
          missing: s.missing,
          categories: levels.length,
          typeSource: c.declared ? 'declared' : 'detected',
        };
      }
      if (c.kind === 'boolean' || c.kind === 'datetime') columnTypes[c.name] = { type: c.kind };
      const present = rows - s.missing;
      return {
        name: c.name,
        type: c.kind === 'numeric' ? (s.integer ? 'integer' : 'float') : c.kind,
        min: s.min,
        max: s.max,
        mean: present ? s.sum / present : NaN,
        missing: s.missing,
        typeSource: c.declared ? 'declared' : 'detected',
      };
    });
    let label: LabelSummary | undefined;
    if (this.labelIdx >= 0) {
      const counts = this.labelCounts;
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
      rows,
      features,
      ...(label ? { label } : {}),
      featureNames: this.columns.map((c) => c.name),
      columnTypes,
      codeMaps,
    };
  }
}
