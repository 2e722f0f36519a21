/**
 * Column-backed frames (frame.ts): columns read in place, `x` built only when read and equal to
 * the row-major layout, and the helpers keeping a frame column-backed (select rows / columns,
 * replace columns) agreeing with their row-major twins.
 */
import { describe, expect, it } from 'vitest';
import {
  asNumericColumns,
  columnFrame,
  frameColumn,
  replaceFrameColumns,
  selectFrameColumns,
  selectFrameRows,
  type Frame,
} from '@fedgrid/ml';

const a = Float64Array.from([1, 2, NaN, 4]);
const b = Float64Array.from([0, 1, 1, 0]);
const c = Float64Array.from([10, 20, 30, 40]);
const parts = {
  ids: ['p', 'q', 'r', 's'],
  columns: [a, b, c],
  featureNames: ['a', 'b', 'c'],
  labels: Float64Array.from([1, 0, 1, 0]),
  labelName: 'y',
  columnTypes: { b: { type: 'categorical' as const, levels: ['no', 'yes'] } },
};
const rowMajor: Frame = {
  ids: parts.ids,
  x: { rows: 4, cols: 3, data: Float64Array.from([1, 0, 10, 2, 1, 20, NaN, 1, 30, 4, 0, 40]) },
  featureNames: parts.featureNames,
  labels: parts.labels,
  labelName: 'y',
  columnTypes: parts.columnTypes,
};

/** A column-backed frame whose `x` may not be read (a row-major copy of the table). */
function columnsOnly(): Frame {
  const f = columnFrame(parts);
  Object.defineProperty(f, 'x', {
    enumerable: true,
    get() {
      throw new Error('x read: a row-major copy of the whole table');
    },
  });
  return f;
}

describe('column-backed frames', () => {
  it('columns are the arrays given (no copy); x is the row-major layout, built once', () => {
    const f = columnFrame(parts);
    expect(frameColumn(f, 'a')).toBe(a);
    expect(frameColumn(f, 2)).toBe(c);
    expect(Array.from(f.x.data)).toEqual(Array.from(rowMajor.x.data));
    expect(f.x).toBe(f.x);
    expect([f.x.rows, f.x.cols]).toEqual([4, 3]);
    // A row-major frame gives a copy of its column.
    const copy = frameColumn(rowMajor, 'b');
    expect(Array.from(copy)).toEqual([0, 1, 1, 0]);
    expect(() => frameColumn(rowMajor, 'z')).toThrow(/no feature column 'z'/);
    expect(() => frameColumn(rowMajor, 3)).toThrow(/out of range/);
  });

  it('a spread copy is a plain row-major frame (columns do not travel with a new x)', () => {
    const f = columnFrame(parts);
    const g = { ...f, x: { rows: 4, cols: 3, data: new Float64Array(12) } };
    expect(g.columns).toBeUndefined();
    expect(frameColumn(g, 'a')[0]).toBe(0);
  });

  it('refuses columns of the wrong length or number', () => {
    expect(() => columnFrame({ ...parts, columns: [a, b] })).toThrow(/2 columns for 3/);
    expect(() => columnFrame({ ...parts, columns: [a, b, c.subarray(1)] })).toThrow(
      /column 'c' has 3 values for 4 rows/,
    );
  });

  it('select rows / columns and replace columns stay column-backed and agree with row-major', () => {
    const rows = [3, 0, 2];
    const r1 = selectFrameRows(columnsOnly(), rows);
    const r2 = selectFrameRows(rowMajor, rows);
    expect(r1.columns).toBeDefined();
    expect(r1.ids).toEqual(r2.ids);
    expect(Array.from(r1.x.data)).toEqual(Array.from(r2.x.data));
    expect(Array.from(r1.labels!)).toEqual(Array.from(r2.labels!));

    const s1 = selectFrameColumns(columnsOnly(), ['c', 'b']);
    const s2 = selectFrameColumns(rowMajor, ['c', 'b']);
    expect(frameColumn(s1, 'c')).toBe(c);
    expect(s1.featureNames).toEqual(['c', 'b']);
    expect(s1.x.cols).toBe(2);
    expect(Array.from(s1.x.data)).toEqual(Array.from(s2.x.data));
    expect(s1.columnTypes).toEqual(parts.columnTypes);
    expect(selectFrameColumns(rowMajor, ['a']).columnTypes).toBeUndefined();
    expect(() => selectFrameColumns(rowMajor, ['nope'])).toThrow(/no feature column 'nope'/);

    const woe = new Map([['b', Float64Array.from([0.5, -0.5, -0.5, 0.5])]]);
    const p1 = replaceFrameColumns(columnsOnly(), woe);
    const p2 = replaceFrameColumns(rowMajor, woe);
    expect(frameColumn(p1, 'a')).toBe(a);
    expect(p1.columnTypes).toBeUndefined();
    expect(p2.columnTypes).toBeUndefined();
    expect(Array.from(p1.x.data)).toEqual(Array.from(p2.x.data));
    expect(Array.from(frameColumn(p2, 'b'))).toEqual([0.5, -0.5, -0.5, 0.5]);
    expect(() => replaceFrameColumns(rowMajor, new Map([['a', new Float64Array(2)]]))).toThrow(
      /'a': 2 values for 4 rows/,
    );

    const n1 = asNumericColumns(columnsOnly(), ['b']);
    expect(n1.columns).toBeDefined();
    expect(n1.columnTypes).toBeUndefined();
  });
});
