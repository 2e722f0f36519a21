/**
 * Encoding of categorical columns held as integer codes (a step before WOE/IV, standard 001
 * appendix A.1 table 2, step 8): one-hot (each column `name` becomes one 0/1 column
 * `name=value` per category, in ascending category order, at the original column's place) or
 * label encoding (each code becomes its index 0..k−1 among the ascending categories).
 * Missing values (NaN) stay missing: NaN in every one-hot column of the row, NaN as a label.
 */
import { frameColumn, type Frame } from '../frame.js';
import { columnIndices, frameFromColumns, mapColumns } from './columns.js';
import { observedValues } from './column-stats.js';
import { PreprocessError } from './errors.js';

export type EncodeMethod = 'one-hot' | 'label';

/**
 * What to do with a category not seen when fitting: `error` (throw) or `ignore` (one-hot: an
 * all-zero row, as scikit-learn's handle_unknown='ignore'; label: NaN, i.e. missing).
 */
export type UnseenCategory = 'error' | 'ignore';

export interface FittedCategories {
  column: string;
  /** The distinct observed codes, ascending. */
  categories: number[];
  /**
   * For a string (categorical-typed) column: the category of each code in `categories`, as the
   * fitted frame's `columnTypes` named it. Codes are only meaningful within one dataset (the index
   * of the category among that dataset's ascending levels); with `levels` an encoding is applied
   * to another dataset by category, not by code (serving, batch prediction on new data).
   */
  levels?: string[];
}

/**
 * The categories of each named column.
 * @throws PreprocessError COLUMN_UNKNOWN; NOT_INTEGER naming the first non-integer value (codes
 *   must be integers); TOO_MANY_CATEGORIES when a column has more than `maxCategories`.
 */
export function fitCategories(
  frame: Frame,
  columns: readonly string[],
  maxCategories: number,
): FittedCategories[] {
  const js = columnIndices(frame, columns);
  return columns.map((column, k) => {
    const v = observedValues(frameColumn(frame, js[k] as number));
    const bad = v.find((x) => !Number.isInteger(x));
    if (bad !== undefined)
      throw new PreprocessError(
        'NOT_INTEGER',
        `column '${column}' is listed as categorical but holds ${bad}; categories must be integer codes`,
        { column, value: bad },
      );
    const categories = [...new Set(v)].sort((a, b) => a - b);
    if (categories.length > maxCategories)
      throw new PreprocessError(
        'TOO_MANY_CATEGORIES',
        `column '${column}' has ${categories.length} categories, more than maxCategories = ${maxCategories}`,
        { column, categories: categories.length, maxCategories },
      );
    const t = frame.columnTypes?.[column];
    return t?.type === 'categorical'
      ? { column, categories, levels: categories.map((c) => t.levels[c] ?? String(c)) }
      : { column, categories };
  });
}

/** A code no fitted category has: stands for an unseen category after {@link byCategory}. */
const UNSEEN_CODE = -1;

/**
 * The frame with each fitted column that records `levels` re-coded from the frame's own codes
 * to the fitted codes, matching by category (the frame's `columnTypes` levels). A category the
 * fit did not see becomes {@link UNSEEN_CODE} (`unseen` = 'ignore') or an error.
 * @throws PreprocessError UNSEEN_CATEGORY naming the column, row and category.
 */
function byCategory(
  frame: Frame,
  fitted: readonly FittedCategories[],
  unseen: UnseenCategory,
): Frame {
  const todo = fitted.filter(
    (f) => f.levels && frame.columnTypes?.[f.column]?.type === 'categorical',
  );
  if (todo.length === 0) return frame;
  const js = columnIndices(
    frame,
    todo.map((f) => f.column),
  );
  const columnTypes = { ...frame.columnTypes };
  const owns = todo.map((f) => {
    const own = frame.columnTypes?.[f.column] as { type: 'categorical'; levels: string[] };
    // The column will hold the fitted codes: its levels are the fitted frame's.
    const levels: string[] = [];
    f.categories.forEach((c, i) => (levels[c] = (f.levels as string[])[i] as string));
    columnTypes[f.column] = { type: 'categorical', levels: Array.from(levels, (l) => l ?? '') };
    return own;
  });
  return mapColumns(
    frame,
    js,
    (src, k) => {
      const f = todo[k] as FittedCategories;
      const own = owns[k] as { levels: string[] };
      const code = new Map((f.levels as string[]).map((l, i) => [l, f.categories[i] as number]));
      const data = new Float64Array(src.length);
      for (let i = 0; i < src.length; i++) {
        const v = src[i] as number;
        if (Number.isNaN(v)) {
          data[i] = v;
          continue;
        }
        const level = own.levels[v] ?? String(v);
        const c = code.get(level);
        if (c === undefined && unseen === 'error')
          throw new PreprocessError(
            'UNSEEN_CATEGORY',
            `column '${f.column}' row ${i + 1} holds category '${level}', not seen when the encoding was fitted (encode's unseen: 'ignore' encodes it as all-zero / missing instead)`,
            { column: f.column, row: i, value: level },
          );
        data[i] = c ?? UNSEEN_CODE;
      }
      return data;
    },
    columnTypes,
  );
}

/** The first value (row order) of a fitted column that is not one of its categories. */
export function firstUnseenCategory(
  frame: Frame,
  fitted: readonly FittedCategories[],
): { column: string; row: number; value: number } | undefined {
  const js = columnIndices(
    frame,
    fitted.map((f) => f.column),
  );
  for (const [k, f] of fitted.entries()) {
    const known = new Set(f.categories);
    const data = frameColumn(frame, js[k] as number);
    for (let i = 0; i < data.length; i++) {
      const v = data[i] as number;
      if (!Number.isNaN(v) && !known.has(v)) return { column: f.column, row: i, value: v };
    }
  }
  return undefined;
}

/**
 * The frame with the fitted columns encoded (other columns, rows, ids and labels unchanged).
 * @throws PreprocessError COLUMN_UNKNOWN; UNSEEN_CATEGORY (with `unseen` = 'error') naming the
 *   column, row and value; NAME_COLLISION when a one-hot name `name=value` already exists.
 */
export function applyEncoding(
  frame: Frame,
  fitted: readonly FittedCategories[],
  method: EncodeMethod,
  unseen: UnseenCategory,
): Frame {
  frame = byCategory(frame, fitted, unseen);
  if (unseen === 'error') {
    const u = firstUnseenCategory(frame, fitted);
    if (u)
      throw new PreprocessError(
        'UNSEEN_CATEGORY',
        `column '${u.column}' row ${u.row + 1} holds category ${u.value}, not seen when the encoding was fitted`,
        u,
      );
  }
  const js = columnIndices(
    frame,
    fitted.map((f) => f.column),
  );
  const byColumn = new Map(js.map((j, k) => [j, fitted[k] as FittedCategories]));
  // Output columns: per input column either itself or its block of one-hot columns.
  const names: string[] = [];
  const plan: { src: number; category?: number; index?: Map<number, number> }[] = [];
  frame.featureNames.forEach((name, j) => {
    const f = byColumn.get(j);
    if (f && method === 'one-hot') {
      for (const c of f.categories) {
        names.push(`${name}=${c}`);
        plan.push({ src: j, category: c });
      }
    } else {
      names.push(name);
      plan.push(f ? { src: j, index: new Map(f.categories.map((c, i) => [c, i])) } : { src: j });
    }
  });
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n))
      throw new PreprocessError(
        'NAME_COLLISION',
        `encoding would create column '${n}' twice; rename the existing column`,
        { column: n },
      );
    seen.add(n);
  }
  // Types of the output: one-hot columns are numeric 0/1 (the source's entry goes); a label
  // encoded column keeps its categorical type with the levels of the fitted codes.
  let columnTypes = frame.columnTypes ? { ...frame.columnTypes } : undefined;
  for (const f of fitted) {
    const t = columnTypes?.[f.column];
    if (!columnTypes || !t) continue;
    if (method === 'one-hot' || t.type !== 'categorical') delete columnTypes[f.column];
    else
      columnTypes[f.column] = {
        type: 'categorical',
        levels: f.categories.map((c) => t.levels[c] ?? String(c)),
      };
  }
  if (columnTypes && Object.keys(columnTypes).length === 0) columnTypes = undefined;
  // Column by column: a column kept as it is is shared (column-backed) and the others are
  // written into new arrays, never a rows × width pass over a row-major table. Output columns
  // come in source order: only the current source column is held.
  let current: { j: number; values: Float64Array } | undefined;
  const source = (j: number): Float64Array => {
    if (current?.j !== j) current = { j, values: frameColumn(frame, j) };
    return current.values;
  };
  const rows = frame.ids.length;
  const column = (k: number): Float64Array => {
    const p = plan[k] as (typeof plan)[number];
    const src = source(p.src);
    if (p.category === undefined && !p.index) return src;
    const out = new Float64Array(rows);
    if (p.category !== undefined)
      for (let i = 0; i < rows; i++) {
        const v = src[i] as number;
        out[i] = Number.isNaN(v) ? NaN : v === p.category ? 1 : 0;
      }
    else {
      const index = p.index as Map<number, number>;
      for (let i = 0; i < rows; i++) out[i] = index.get(src[i] as number) ?? NaN;
    }
    return out;
  };
  return frameFromColumns(frame, { featureNames: names, column, columnTypes });
}
