/**
 * `dataset.import`: registration's import of a generated rows × 20-column table (an id, a 0/1
 * label and 18 numeric features, one value in 50 missing) through the same source reader and
 * streaming import a node uses (importTableToSnapshot: validated row by row, written as a
 * columnar snapshot), in a child process whose peak RSS (`peak_rss_mb`) is reported beside rows
 * per second. The file and the snapshot are written to a temporary directory and removed
 * afterwards; the file's generation is not timed, the snapshot's writing is.
 *
 * `dataset.read` (with `readLayouts`): the snapshot then read by the feature components' work —
 * every column described, `keep` columns kept and made row-major for a training — in a child
 * per layout: `rows` (a row-major frame: what components received before the column view) and
 * `columns` (column-backed: columns read in place, `x` built for the kept columns only).
 *
 * `dataset.preprocess` (with `preprocessSteps`): the snapshot then run through a preprocessing
 * component (`scale`, `missing-values`) as a task runs it — input read, the component's program,
 * output dataset written — in a child per step and layout: `rows` (a row-major input and output:
 * the components before they read columns) and `columns` (column-backed in and out).
 */
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SeededRandom } from '@fedgrid/ml';
import { result, sig, type BenchResult } from '../report.js';

const FEATURES = 18;

/** File formats the bench writes (each a source kind of the same name). */
export const IMPORT_FORMATS = ['csv', 'jsonl'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/**
 * Writes the table as CSV or JSON Lines (the same values; missing: an empty CSV cell, a JSON
 * null), respecting the writer's back-pressure.
 */
async function writeTable(path: string, rows: number, format: ImportFormat): Promise<void> {
  const out = createWriteStream(path);
  const rand = new SeededRandom(17);
  const names = ['id', 'y', ...Array.from({ length: FEATURES }, (_, j) => `f${j + 1}`)];
  if (format === 'csv') out.write(`${names.join(',')}\n`);
  const batch: string[] = [];
  for (let i = 0; i < rows; i++) {
    const cells = [`c${i}`, rand.next() < 0.3 ? '1' : '0'];
    for (let j = 0; j < FEATURES; j++) {
      const v = rand.next();
      cells.push(v < 0.02 ? '' : j % 3 === 0 ? String(Math.floor(v * 1000)) : (v * 100).toFixed(4));
    }
    batch.push(
      format === 'csv'
        ? cells.join(',')
        : `{${cells.map((c, k) => `"${names[k] as string}":${k === 0 ? `"${c}"` : c === '' ? 'null' : c}`).join(',')}}`,
    );
    if (batch.length === 4096 || i === rows - 1) {
      if (!out.write(`${batch.join('\n')}\n`))
        await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      batch.length = 0;
    }
  }
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
}

export interface DatasetImportOptions {
  /** Table sizes (rows). */
  rows: number[];
  /** File formats, each size imported in each. @default ['csv'] */
  formats?: readonly ImportFormat[];
  /** Also read each snapshot in these layouts (`dataset.read`). @default [] */
  readLayouts?: readonly ('rows' | 'columns')[];
  /** Columns `dataset.read` keeps for the training. @default 5 */
  keep?: number;
  /** Also run these preprocessing components on each snapshot, in each of `readLayouts`. */
  preprocessSteps?: readonly ('scale' | 'missing-values')[];
  log?: (line: string) => void;
}

/** `dataset.read` of `snapshot` in each layout, each in its own child process. */
async function benchRead(
  snapshot: string,
  rows: number,
  opts: DatasetImportOptions,
): Promise<BenchResult[]> {
  const child = fileURLToPath(new URL('../dataset-read-child.js', import.meta.url));
  const keep = opts.keep ?? 5;
  const out: BenchResult[] = [];
  for (const layout of opts.readLayouts ?? []) {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [child, snapshot, layout, String(keep)],
      { maxBuffer: 1 << 20 },
    );
    const r = JSON.parse(stdout.trim()) as {
      rows: number;
      columns: number;
      seconds: number;
      max_rss_kb: number;
    };
    if (r.rows !== rows) throw new Error(`dataset.read: read ${r.rows} rows of ${rows}`);
    const peak = sig(r.max_rss_kb / 1024, 4);
    opts.log?.(
      `dataset.read rows=${rows} layout=${layout} keep=${keep}: ${r.seconds.toFixed(2)} s, peak RSS ${peak} MB`,
    );
    out.push(
      result(
        'dataset.read',
        { rows, columns: r.columns + 2, layout, keep },
        r.seconds,
        rows,
        'rows',
        {
          peak_rss_mb: peak,
        },
      ),
    );
  }
  return out;
}

/** `dataset.preprocess` of `snapshot`: each step in each layout, each in its own child process. */
async function benchPreprocess(
  snapshot: string,
  rows: number,
  opts: DatasetImportOptions,
): Promise<BenchResult[]> {
  const child = fileURLToPath(new URL('../preprocess-child.js', import.meta.url));
  const out: BenchResult[] = [];
  const output = `${snapshot}.out`;
  for (const step of opts.preprocessSteps ?? [])
    for (const layout of opts.readLayouts ?? []) {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [child, snapshot, layout, step, output],
        { maxBuffer: 1 << 20 },
      );
      await rm(output, { force: true });
      const r = JSON.parse(stdout.trim()) as {
        rows: number;
        columns: number;
        seconds: number;
        max_rss_kb: number;
        checksum: number;
      };
      if (r.rows !== rows) throw new Error(`dataset.preprocess: wrote ${r.rows} rows of ${rows}`);
      const peak = sig(r.max_rss_kb / 1024, 4);
      opts.log?.(
        `dataset.preprocess rows=${rows} step=${step} layout=${layout}: ${r.seconds.toFixed(2)} s, peak RSS ${peak} MB, checksum ${r.checksum}`,
      );
      out.push(
        result(
          'dataset.preprocess',
          { rows, columns: r.columns + 2, step, layout },
          r.seconds,
          rows,
          'rows',
          { peak_rss_mb: peak },
        ),
      );
    }
  return out;
}

/** @throws Error when the child fails or imports a different number of rows. */
export async function benchDatasetImport(opts: DatasetImportOptions): Promise<BenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'fedgrid-bench-import-'));
  const child = fileURLToPath(new URL('../dataset-import-child.js', import.meta.url));
  const out: BenchResult[] = [];
  try {
    for (const rows of opts.rows)
      for (const format of opts.formats ?? ['csv']) {
        const file = join(dir, `table-${rows}.${format}`);
        await writeTable(file, rows, format);
        const bytes = (await stat(file)).size;
        const snapshot = join(dir, `table-${rows}.fgds`);
        const { stdout } = await promisify(execFile)(
          process.execPath,
          [child, file, format, snapshot],
          { maxBuffer: 1 << 20 },
        );
        const r = JSON.parse(stdout.trim()) as {
          rows: number;
          columns: number;
          seconds: number;
          max_rss_kb: number;
          snapshot_bytes: number;
        };
        if (r.rows !== rows) throw new Error(`dataset.import: imported ${r.rows} rows of ${rows}`);
        const peak = sig(r.max_rss_kb / 1024, 4);
        opts.log?.(
          `dataset.import rows=${rows} columns=${r.columns} ${format}: ${Math.round(rows / r.seconds).toLocaleString('en')} rows/s, peak RSS ${peak} MB, file ${(bytes / 2 ** 20).toFixed(0)} MiB`,
        );
        out.push(
          result('dataset.import', { rows, columns: r.columns, format }, r.seconds, rows, 'rows', {
            peak_rss_mb: peak,
            file_mb: sig(bytes / 2 ** 20, 4),
            snapshot_mb: sig(r.snapshot_bytes / 2 ** 20, 4),
          }),
        );
        await rm(file, { force: true });
        out.push(...(await benchRead(snapshot, rows, opts)));
        out.push(...(await benchPreprocess(snapshot, rows, opts)));
        await rm(snapshot, { force: true });
      }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}
