/**
 * A dataset's rows as the owner sees them: a preview (the first rows, for the console) and the
 * whole table as CSV (download). Both read the validated snapshot, never the source again; both
 * are for the owner's users only (local permissions, audited reads) — a partner never gets rows.
 */
import { Readable } from 'node:stream';
import type { Frame } from '@fedgrid/ml';

/** Most rows a preview returns. */
export const MAX_PREVIEW_ROWS = 100;

export interface DatasetPreview {
  /** id column, label column (if any), then the features, in snapshot order. */
  columns: string[];
  /** Row-major; a missing feature value is null. */
  rows: (string | number | null)[][];
  /** Rows in the dataset. */
  total: number;
}

const num = (v: number) => (Number.isNaN(v) ? null : v);

/** The first `limit` rows (at most {@link MAX_PREVIEW_ROWS}) of `frame`. */
export function previewOf(frame: Frame, idColumn: string, limit: number): DatasetPreview {
  const n = Math.min(limit, MAX_PREVIEW_ROWS, frame.x.rows);
  const { cols, data } = frame.x;
  const rows: (string | number | null)[][] = [];
  for (let i = 0; i < n; i++) {
    const row: (string | number | null)[] = [frame.ids[i] as string];
    if (frame.labels) row.push(num(frame.labels[i] as number));
    for (let c = 0; c < cols; c++) row.push(num(data[i * cols + c] as number));
    rows.push(row);
  }
  return {
    columns: [
      idColumn,
      ...(frame.labels ? [frame.labelName ?? 'label'] : []),
      ...frame.featureNames,
    ],
    rows,
    total: frame.x.rows,
  };
}

/** RFC 4180 quoting of one cell (quotes when it holds a comma, quote or line break). */
function cell(s: string): string {
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The whole table as CSV (header first; missing values empty), streamed 4 096 rows at a time:
 * what registration would read back into the same dataset.
 */
export function csvOf(frame: Frame, idColumn: string): Readable {
  const { cols, data, rows } = frame.x;
  const header = [
    idColumn,
    ...(frame.labels ? [frame.labelName ?? 'label'] : []),
    ...frame.featureNames,
  ];
  let i = -1;
  return new Readable({
    read() {
      if (i === -1) {
        i = 0;
        this.push(`${header.map(cell).join(',')}\n`);
        return;
      }
      if (i >= rows) {
        this.push(null);
        return;
      }
      const end = Math.min(rows, i + 4096);
      const lines: string[] = [];
      for (; i < end; i++) {
        const row = [cell(frame.ids[i] as string)];
        if (frame.labels) row.push(String(frame.labels[i]));
        for (let c = 0; c < cols; c++) {
          const v = data[i * cols + c] as number;
          row.push(Number.isNaN(v) ? '' : String(v));
        }
        lines.push(row.join(','));
      }
      this.push(`${lines.join('\n')}\n`);
    },
  });
}
