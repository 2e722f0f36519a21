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
  it('encode and missing-values declare applyFitted; training components do not', () => {
    expect(transformFor('encode')).toBeTypeOf('function');
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
        [{ component: 'hetero-binning', task: 'woe', params: {}, model: { algorithm: 'x' } }],
        rows,
        'guest',
      ),
    ).toThrow(/feature step 'woe' \(hetero-binning\)/);
  });
});
