/**
 * Categorical encoding, guest and host alike: each party encodes its own categorical columns;
 * no messages (docs/protocols/preprocessing.md). When applying a model, the model's method is
 * used (a downstream model expects those columns); `unseen` is this task's own choice.
 */
import { applyEncoding, categoricalColumns, fitCategories } from '@fedgrid/ml';
import { selectedColumns } from '../preprocess/columns.js';
import { withField } from '../preprocess/errors.js';
import { requireModelColumns } from '../preprocess/fitted-model.js';
import {
  fittedTransform,
  localTransformProgram,
  type LocalTransform,
} from '../preprocess/local-transform.js';
import { encodeModel, type EncodeModel, type EncodeParams, encodeParams } from './params.js';

export const ENCODE_VERSION = '1.0.0';

const encodeTransform: LocalTransform<EncodeParams, EncodeModel> = {
  algorithm: 'encode',
  version: ENCODE_VERSION,
  model: encodeModel,
  fit(ctx, frame) {
    const sel = ctx.params.categorical;
    const columns =
      sel === 'categorical'
        ? categoricalColumns(frame)
        : selectedColumns(ctx, frame, sel, 'categorical');
    return {
      method: ctx.params.method,
      columns: withField(ctx, 'categorical', () =>
        fitCategories(frame, columns, ctx.params.maxCategories),
      ),
    };
  },
  apply(ctx, frame, model) {
    requireModelColumns(
      ctx,
      frame.featureNames,
      model.columns.map((c) => c.column),
    );
    const out = withField(ctx, 'unseen', () =>
      applyEncoding(
        frame,
        model.columns,
        model.method === 'ordinal' ? 'label' : model.method,
        ctx.params.unseen,
      ),
    );
    return {
      frame: out,
      summary: { method: model.method, encoded: model.columns.length },
    };
  },
};

export const encodeProgram = localTransformProgram(encodeTransform);

/** Replays a fitted model of this component on new rows (serving, batch prediction). */
export const encodeApplier = fittedTransform(encodeTransform, encodeParams);
