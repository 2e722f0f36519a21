/**
 * Replaying a training's fitted feature steps on new raw rows (feature-pipeline.ts): encode by
 * category value with the training's unseen handling, missing-values fills, and clear errors
 * for a step that cannot be replayed or a row the training's parameters refuse.
 */
import { describe, expect, it } from 'vitest';
import type { Frame } from '@fedgrid/ml';
import {
  applyFeaturePipeline,
  ComponentError,
  transformFor,
  type FittedStep,
} from '@fedgrid/components';

/** New rows: `city` holds categories by this table's own codes; `age` has a gap. */
const rows: Frame = {
  ids: ['p', 'q', 'r'],
  x: { rows: 3, cols: 2, data: Float64Array.from([1, 30, 0, NaN, 2, 50]) },
  featureNames: ['city', 'age'],
  columnTypes: { city: { type: 'categorical', levels: ['lyon', 'paris', 'rome'] } },
};

const encodeStep = (unseen: string): FittedStep => ({
  component: 'encode',
  task: 'encode',
  params: { unseen },
  // Fitted on a table whose own codes 0 and 2 were 'lyon' and 'paris'.
  model: {
    algorithm: 'encode',
    version: '1.0.0',
    method: 'one-hot',
    columns: [{ column: 'city', categories: [0, 2], levels: ['lyon', 'paris'] }],
  },
});
const fillStep = (rows: string): FittedStep => ({
  component: 'missing-values',
  task: 'fill',
  params: { rows },
  model: {
    algorithm: 'missing-values',
    version: '1.0.0',
    dropped: [],
    fills: [{ column: 'age', strategy: 'mean', value: 40 }],
  },
});

describe('feature pipeline replay', () => {
  it('encode, missing-values and hetero-binning declare applyFitted; training components do not', () => {
    expect(transformFor('encode')).toBeTypeOf('function');
    expect(transformFor('hetero-binning')).toBeTypeOf('function');
    expect(transformFor('missing-values')).toBeTypeOf('function');
    expect(transformFor('scale')).toBeTypeOf('function');
    expect(transformFor('hetero-lr')).toBeUndefined();
  });

  it('encodes by category value with the training’s unseen handling, then fills', () => {
    const out = applyFeaturePipeline([encodeStep('ignore'), fillStep('fill')], rows, 'host-0');
    expect(out.featureNames).toEqual(['city=0', 'city=2', 'age']);
    // paris → city=2; lyon → city=0; rome (unseen) → all zero; the gap in age → 40.
    expect(Array.from(out.x.data)).toEqual([0, 1, 30, 1, 0, 40, 0, 0, 50]);
  });

  it('a row the training’s parameters refuse is a ComponentError naming party, column and value', () => {
    const unseen = (() => {
      try {
        applyFeaturePipeline([encodeStep('error')], rows, 'host-0');
      } catch (e) {
        return e;
      }
    })();
    expect(unseen).toBeInstanceOf(ComponentError);
    expect((unseen as Error).message).toMatch(/host-0.*'city' row 3 holds category 'rome'/);
    expect(() => applyFeaturePipeline([fillStep('refuse')], rows, 'guest')).toThrow(
      /guest: column 'age' is missing/,
    );
  });

  it('a step no component can replay is named', () => {
    expect(() =>
      applyFeaturePipeline(
        [{ component: 'hetero-lr', task: 'lr', params: {}, model: { algorithm: 'x' } }],
        rows,
        'guest',
      ),
    ).toThrow(/feature step 'lr' \(hetero-lr\)/);
  });

  /** A WOE fit on a table whose own codes 0, 1 were 'lyon', 'paris' (rome never seen). */
  const woeStep = (transform?: string): FittedStep => ({
    component: 'hetero-binning',
    task: 'woe',
    params: transform ? { transform } : {},
    model: {
      algorithm: 'hetero-binning',
      role: 'host',
      method: 'quantile',
      adjustmentFactor: 0.5,
      features: [
        {
          name: 'city',
          bins: { kind: 'categorical', categories: [0, 1], missingBin: true },
          counts: [10, 12, 3],
          woe: [0.25, -0.5, 1.5],
          ivPerBin: [0, 0, 0],
          iv: 0,
          levels: ['lyon', 'paris'],
        },
      ],
    },
  });

  it('hetero-binning WOE replays by category name: a table coding categories otherwise gets the training’s WOE', () => {
    // rows: city codes 1 (paris), 0 (lyon), 2 (rome, unseen) by this table's own levels.
    const out = applyFeaturePipeline([woeStep()], rows, 'host-0');
    expect(out.featureNames).toEqual(['city', 'age']);
    expect(Array.from(out.x.data)).toEqual([-0.5, 30, 0.25, NaN, 0, 50]);
    // WOE values are plain numbers: the column is no longer categorical.
    expect(out.columnTypes?.['city']).toBeUndefined();
    const missing: Frame = {
      ...rows,
      x: { ...rows.x, data: Float64Array.from([NaN, 1, 0, 2, 1, 3]) },
    };
    expect(applyFeaturePipeline([woeStep()], missing, 'host-0').x.data[0]).toBe(1.5);
    // transform 'bin' replays the bin index; an unseen category has none (−1).
    const bins = applyFeaturePipeline([woeStep('bin')], rows, 'host-0');
    expect([bins.x.data[0], bins.x.data[2], bins.x.data[4]]).toEqual([1, 0, -1]);
    expect(() =>
      applyFeaturePipeline([woeStep()], { ...rows, featureNames: ['town', 'age'] }, 'host-0'),
    ).toThrow(/host-0: binned feature 'city' is absent/);
  });
});
