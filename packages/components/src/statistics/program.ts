/**
 * Statistics, guest and host alike: each party describes its own columns and keeps the report.
 * Nothing is sent; the report never leaves its owner.
 */
import {
  columnStatistics,
  frameColumn,
  type ColumnStatistics,
  type Frame,
  type Matrix,
} from '@fedgrid/ml';
import { ComponentError, input, type ProgramContext, type ProgramResult } from '../spec.js';
import type { StatisticsParams } from './params.js';

/** JSON has no NaN: undefined statistics (empty column, constant column moments) become null. */
const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** Indices of `names` in the frame. @throws ComponentError naming an unknown column. */
export function columnIndices(frame: Frame, names: readonly string[], party: string): number[] {
  if (names.length === 0) return frame.featureNames.map((_, j) => j);
  const index = new Map(frame.featureNames.map((f, j) => [f, j]));
  return names.map((name) => {
    const j = index.get(name);
    if (j === undefined) {
      throw new ComponentError(
        'COLUMN_UNKNOWN',
        `${party}: no feature column '${name}' (columns: ${frame.featureNames.join(', ')})`,
        { party, column: name },
      );
    }
    return j;
  });
}

/** The rows × cols.length sub-matrix of the given columns. */
export function pickColumns(x: Matrix, cols: readonly number[]): Matrix {
  const data = new Float64Array(x.rows * cols.length);
  for (let i = 0; i < x.rows; i++) {
    for (let k = 0; k < cols.length; k++) {
      data[i * cols.length + k] = x.data[i * x.cols + (cols[k] as number)] as number;
    }
  }
  return { rows: x.rows, cols: cols.length, data };
}

export function statisticsProgram(ctx: ProgramContext<StatisticsParams>): Promise<ProgramResult> {
  return Promise.resolve(describeFrame(ctx));
}

function describeFrame(ctx: ProgramContext<StatisticsParams>): ProgramResult {
  const t0 = performance.now();
  const { frame } = input(ctx, 'data', 'dataset');
  const cols = columnIndices(frame, ctx.params.columns, ctx.party);
  const rows = frame.ids.length;
  // One column at a time, each read in place from a column-backed frame: no row-major copy.
  const stats = cols.map(
    (j) =>
      columnStatistics(
        { rows, cols: 1, data: frameColumn(frame, j) },
        ctx.params.quantiles,
      )[0] as ColumnStatistics,
  );
  const features = stats.map((s, k) => {
    const j = cols[k] as number;
    const name = frame.featureNames[j] as string;
    const type = frame.columnTypes?.[name];
    if (type?.type === 'categorical') return categoricalStatistics(frame, j, name, type.levels, s);
    return {
      name,
      ...(type ? { type: type.type } : {}),
      count: s.count,
      missing: s.missing,
      missingRatio: s.missingRatio,
      mean: finite(s.mean),
      std: finite(s.std),
      min: finite(s.min),
      max: finite(s.max),
      quantiles: Object.fromEntries(
        ctx.params.quantiles.map((q, i) => [String(q), finite(s.quantiles[i] as number)]),
      ),
      skewness: finite(s.skewness),
      kurtosis: finite(s.kurtosis),
      unique: s.unique,
    };
  });
  return {
    outputs: {
      report: {
        kind: 'report',
        report: { party: ctx.party, rows: frame.ids.length, features },
      },
    },
    summary: {
      rows: frame.ids.length,
      features: features.length,
      seconds: (performance.now() - t0) / 1000,
    },
  };
}

/**
 * A categorical column's statistics: counts per category (the owner's report: the category
 * names are its data and the report never leaves it), the mode, and no moments — the mean of
 * category codes means nothing.
 */
function categoricalStatistics(
  frame: Frame,
  j: number,
  name: string,
  levels: readonly string[],
  s: { count: number; missing: number; missingRatio: number },
) {
  const counts = new Array<number>(levels.length).fill(0);
  const column = frameColumn(frame, j);
  for (let i = 0; i < column.length; i++) {
    const v = column[i] as number;
    if (!Number.isNaN(v)) counts[v] = (counts[v] ?? 0) + 1;
  }
  let mode = -1;
  counts.forEach((c, k) => {
    if (mode < 0 || c > (counts[mode] as number)) mode = k;
  });
  return {
    name,
    type: 'categorical' as const,
    count: s.count,
    missing: s.missing,
    missingRatio: s.missingRatio,
    unique: counts.filter((c) => c > 0).length,
    categories: Object.fromEntries(levels.map((l, k) => [l, counts[k] as number])),
    mode: mode >= 0 && (counts[mode] as number) > 0 ? (levels[mode] as string) : null,
  };
}
