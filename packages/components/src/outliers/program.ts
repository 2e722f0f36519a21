/**
 * Outlier treatment, guest and host alike: each party fits fences on its own columns and clips
 * or replaces the values beyond them; no messages (docs/protocols/preprocessing.md).
 */
import { applyOutlierBounds, fitOutlierBounds } from '@fedgrid/ml';
import { selectedColumns } from '../preprocess/columns.js';
import { withField } from '../preprocess/errors.js';
import { requireModelColumns } from '../preprocess/fitted-model.js';
import {
  fittedTransform,
  localTransformProgram,
  type LocalTransform,
} from '../preprocess/local-transform.js';
import {
  outliersModel,
  type OutliersModel,
  type OutliersParams,
  outliersParams,
} from './params.js';

export const OUTLIERS_VERSION = '1.0.0';

const outliersTransform: LocalTransform<OutliersParams, OutliersModel> = {
  algorithm: 'outliers',
  version: OUTLIERS_VERSION,
  model: outliersModel,
  fit(ctx, frame) {
    const columns = selectedColumns(ctx, frame, ctx.params.columns, 'columns');
    const { method, k, t, action, value } = ctx.params;
    return {
      bounds: withField(ctx, 'columns', () =>
        fitOutlierBounds(frame, columns, { method, k, t, action, value }),
      ),
    };
  },
  apply(ctx, frame, model) {
    requireModelColumns(
      ctx,
      frame.featureNames,
      model.bounds.map((b) => b.column),
    );
    const out = applyOutlierBounds(frame, model.bounds);
    return {
      frame: out.frame,
      summary: {
        columns: model.bounds.length,
        // Totals only: the summary goes to the initiator, the per-column counts stay here.
        changed: out.changed.reduce((a, n) => a + n, 0),
      },
    };
  },
};

export const outliersProgram = localTransformProgram(outliersTransform);

/** Replays a fitted model of this component on new rows (serving, batch prediction). */
export const outliersApplier = fittedTransform(outliersTransform, outliersParams);
