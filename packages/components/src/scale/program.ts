/**
 * Scaling, guest and host alike: each party fits and applies (x − c)/d on its own columns; no
 * messages (docs/protocols/preprocessing.md).
 */
import { applyScale, fitScale } from '@fedgrid/ml';
import { selectedColumns } from '../preprocess/columns.js';
import { withField } from '../preprocess/errors.js';
import { requireModelColumns } from '../preprocess/fitted-model.js';
import {
  fittedTransform,
  localTransformProgram,
  type LocalTransform,
} from '../preprocess/local-transform.js';
import { scaleModel, type ScaleModel, type ScaleParams, scaleParams } from './params.js';

export const SCALE_VERSION = '1.0.0';

const scaleTransform: LocalTransform<ScaleParams, ScaleModel> = {
  algorithm: 'scale',
  version: SCALE_VERSION,
  model: scaleModel,
  fit(ctx, frame) {
    const columns = selectedColumns(ctx, frame, ctx.params.columns, 'columns');
    const method = ctx.params.method;
    return { method, columns: withField(ctx, 'columns', () => fitScale(frame, columns, method)) };
  },
  apply(ctx, frame, model) {
    requireModelColumns(
      ctx,
      frame.featureNames,
      model.columns.map((c) => c.column),
    );
    return {
      frame: applyScale(frame, model.columns),
      summary: { method: model.method, scaled: model.columns.length },
    };
  },
};

export const scaleProgram = localTransformProgram(scaleTransform);

/** Replays a fitted model of this component on new rows (serving, batch prediction). */
export const scaleApplier = fittedTransform(scaleTransform, scaleParams);
