/**
 * Frame column types through the transforms: row selection keeps them, one-hot encoding turns
 * an encoded column into numeric 0/1 columns, label encoding keeps the column categorical with
 * the levels of the fitted codes, and asNumericColumns drops the named entries.
 */
import { describe, expect, it } from 'vitest';
import {
  applyEncoding,
  applyScale,
  asNumericColumns,
  categoricalColumns,
  fitCategories,
  fitScale,
  selectFrameRows,
  type Frame,
} from '@fedgrid/ml';

const frame: Frame = {
  ids: ['a', 'b', 'c', 'd'],
  // region: codes of ['east', 'north', 'south']; flag: boolean; amount: numeric
  x: { rows: 4, cols: 3, data: Float64Array.from([2, 1, 10, 0, 0, 20, 2, 1, 30, NaN, 1, 40]) },
  featureNames: ['region', 'flag', 'amount'],
  columnTypes: {
    region: { type: 'categorical', levels: ['east', 'north', 'south'] },
    flag: { type: 'boolean' },
  },
};

describe('column types through transforms', () => {
  it('row selection keeps them; categoricalColumns lists the categorical ones in column order', () => {
    expect(selectFrameRows(frame, [2, 0]).columnTypes).toEqual(frame.columnTypes);
    expect(categoricalColumns(frame)).toEqual(['region']);
  });

  it('one-hot: the encoded column is gone from the types, its 0/1 columns are numeric', () => {
    const fitted = fitCategories(frame, ['region'], 10);
    expect(fitted).toEqual([{ column: 'region', categories: [0, 2], levels: ['east', 'south'] }]);
    const out = applyEncoding(frame, fitted, 'one-hot', 'error');
    expect(out.featureNames).toEqual(['region=0', 'region=2', 'flag', 'amount']);
    expect(out.columnTypes).toEqual({ flag: { type: 'boolean' } });
    expect(Array.from(out.x.data.subarray(0, 4))).toEqual([0, 1, 1, 10]);
    // A missing category is missing in every one-hot column.
    expect(Array.from(out.x.data.subarray(12, 14))).toEqual([NaN, NaN]);
  });

  it('label encoding keeps the column categorical with the levels of the fitted codes', () => {
    const fitted = fitCategories(frame, ['region'], 10);
    const out = applyEncoding(frame, fitted, 'label', 'error');
    expect(out.columnTypes?.['region']).toEqual({ type: 'categorical', levels: ['east', 'south'] });
    expect([0, 1, 2, 3].map((i) => out.x.data[i * 3])).toEqual([1, 0, 1, NaN]);
  });

  it('a fitted encoding applies to another table by category, not by code (serving, new data)', () => {
    const fitted = fitCategories(frame, ['region'], 10);
    // Another dataset: its own ascending levels, so 'south' is code 1 there, and 'west' is new.
    const other: Frame = {
      ids: ['p', 'q', 'r', 's'],
      x: { rows: 4, cols: 1, data: Float64Array.from([1, 0, NaN, 2]) },
      featureNames: ['region'],
      columnTypes: { region: { type: 'categorical', levels: ['east', 'south', 'west'] } },
    };
    const ignore = applyEncoding(other, fitted, 'one-hot', 'ignore');
    expect(ignore.featureNames).toEqual(['region=0', 'region=2']);
    // south → region=2; east → region=0; missing stays missing; west (unseen) → all zero.
    expect(Array.from(ignore.x.data)).toEqual([0, 1, 1, 0, NaN, NaN, 0, 0]);
    const label = applyEncoding(other, fitted, 'label', 'ignore');
    expect(Array.from(label.x.data)).toEqual([1, 0, NaN, NaN]);
    expect(() => applyEncoding(other, fitted, 'one-hot', 'error')).toThrow(
      /column 'region' row 4 holds category 'west', not seen/,
    );
    // The training frame itself encodes as before.
    expect(
      Array.from(applyEncoding(frame, fitted, 'label', 'error').x.data.subarray(0, 1)),
    ).toEqual([1]);
  });

  it('scaling or asNumericColumns makes the named columns plain numbers', () => {
    const scaled = applyScale(frame, fitScale(frame, ['flag'], 'standard'));
    expect(scaled.columnTypes).toEqual({ region: frame.columnTypes!['region'] });
    expect(asNumericColumns(frame, ['region', 'flag']).columnTypes).toBeUndefined();
    expect(asNumericColumns(frame, ['amount'])).toBe(frame);
  });
});
