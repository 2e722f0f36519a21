/**
 * The preprocessing transforms on column-backed frames (issue 17): they read the columns they
 * need in place, never build the row-major `x` of the table, return a column-backed frame that
 * shares every column they leave alone, and give the values and types of the row-major run.
 */
import { describe, expect, it } from 'vitest';
import {
  applyEncoding,
  applyFillValues,
  applyOutlierBounds,
  applyScale,
  columnFrame,
  dropColumns,
  fitCategories,
  fitFillValues,
  fitOutlierBounds,
  fitScale,
  frameColumn,
  rowsWithMissing,
  type Frame,
} from '@fedgrid/ml';

const A = [1, NaN, 3, 10, 2];
const B = [0, 1, 1, NaN, 0];
const C = [5, 6, 7, 8, 9];

/** Column-backed a, b (categorical: levels no, yes), c; `x` throws when read. */
function columnsOnly(): Frame {
  const f = columnFrame({
    ids: ['r0', 'r1', 'r2', 'r3', 'r4'],
    columns: [Float64Array.from(A), Float64Array.from(B), Float64Array.from(C)],
    featureNames: ['a', 'b', 'c'],
    labels: Float64Array.from([0, 1, 0, 1, 1]),
    labelName: 'y',
    columnTypes: { b: { type: 'categorical', levels: ['no', 'yes'] } },
  });
  Object.defineProperty(f, 'x', {
    enumerable: true,
    get() {
      throw new Error('x read');
    },
  });
  return f;
}

/** The same rows row-major. */
function rowMajor(): Frame {
  const data = new Float64Array(15);
  for (let i = 0; i < 5; i++) [A[i]!, B[i]!, C[i]!].forEach((v, j) => (data[i * 3 + j] = v));
  return {
    ids: ['r0', 'r1', 'r2', 'r3', 'r4'],
    x: { rows: 5, cols: 3, data },
    featureNames: ['a', 'b', 'c'],
    labels: Float64Array.from([0, 1, 0, 1, 1]),
    labelName: 'y',
    columnTypes: { b: { type: 'categorical', levels: ['no', 'yes'] } },
  };
}

/** Names, types, labels and every column's values (read by column: `x` of `f` is not read). */
function contents(f: Frame) {
  return {
    names: f.featureNames,
    types: f.columnTypes,
    labels: Array.from(f.labels ?? []),
    columns: f.featureNames.map((_, j) => Array.from(frameColumn(f, j))),
  };
}

describe('preprocessing on column-backed frames', () => {
  it('scale: one new column, the others shared; the row-major run’s values', () => {
    const f = columnsOnly();
    const out = applyScale(f, fitScale(f, ['a'], 'minmax'));
    expect(out.columns?.[1]).toBe(f.columns?.[1]);
    expect(out.columns?.[2]).toBe(f.columns?.[2]);
    expect(out.columns?.[0]).not.toBe(f.columns?.[0]);
    const r = rowMajor();
    expect(contents(out)).toEqual(contents(applyScale(r, fitScale(r, ['a'], 'minmax'))));
    expect(Array.from(frameColumn(out, 'a'))).toEqual([0, NaN, 2 / 9, 1, 1 / 9]);
  });

  it('missing values: gaps found, filled and dropped by column; types kept', () => {
    const f = columnsOnly();
    expect(Array.from(rowsWithMissing(f, ['a', 'b']))).toEqual([1, 3]);
    const fills = fitFillValues(f, [
      { column: 'a', rule: { strategy: 'mean' } },
      { column: 'b', rule: { strategy: 'mode' } },
    ]);
    const out = applyFillValues(f, fills);
    expect(out.filled).toEqual([1, 1]);
    expect(out.frame.columns?.[2]).toBe(f.columns?.[2]);
    expect(out.frame.columnTypes).toEqual(f.columnTypes);
    // The input's own arrays are untouched.
    expect(Array.from(f.columns?.[0] ?? [])).toEqual(A);
    const r = rowMajor();
    expect(contents(out.frame)).toEqual(contents(applyFillValues(r, fills).frame));
    const dropped = dropColumns(f, ['b']);
    expect(dropped.columns).toEqual([f.columns?.[0], f.columns?.[2]]);
    expect(dropped.columnTypes).toBeUndefined();
    expect(contents(dropped)).toEqual(contents(dropColumns(r, ['b'])));
  });

  it('outliers: clipped by column, types kept', () => {
    const f = columnsOnly();
    const b = fitOutlierBounds(f, ['a'], { method: 'iqr', k: 0.5, action: 'clip' });
    const out = applyOutlierBounds(f, b);
    expect(out.changed).toEqual([1]);
    expect(out.frame.columns?.[1]).toBe(f.columns?.[1]);
    const r = rowMajor();
    expect(contents(out.frame)).toEqual(contents(applyOutlierBounds(r, b).frame));
  });

  it('encode: one-hot and label by column, levels kept, other columns shared', () => {
    const f = columnsOnly();
    const fit = fitCategories(f, ['b'], 10);
    expect(fit).toEqual([{ column: 'b', categories: [0, 1], levels: ['no', 'yes'] }]);
    const hot = applyEncoding(f, fit, 'one-hot', 'error');
    expect(hot.featureNames).toEqual(['a', 'b=0', 'b=1', 'c']);
    expect(hot.columns?.[0]).toBe(f.columns?.[0]);
    expect(hot.columns?.[3]).toBe(f.columns?.[2]);
    expect(Array.from(frameColumn(hot, 'b=1'))).toEqual([0, 1, 1, NaN, 0]);
    const r = rowMajor();
    expect(contents(hot)).toEqual(contents(applyEncoding(r, fit, 'one-hot', 'error')));
    const label = applyEncoding(f, fit, 'label', 'error');
    expect(label.columnTypes).toEqual({ b: { type: 'categorical', levels: ['no', 'yes'] } });
    expect(contents(label)).toEqual(contents(applyEncoding(r, fit, 'label', 'error')));
  });
});
