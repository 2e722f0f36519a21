/**
 * Apply mode of hetero-binning: with its optional `model` input connected (the `model` output of
 * an earlier hetero-binning task, e.g. fitted on the train split), each party transforms its rows
 * by its own saved bins and WOE values and passes the model on. Local: no labels are needed, no
 * message is sent, so prediction data (rows without labels) can be WOE-encoded like the training
 * data was.
 */
import {
  ComponentError,
  input,
  optionalInput,
  type FittedTransform,
  type ProgramContext,
  type ProgramResult,
} from '../spec.js';
import { asBinningModel, transformFrame } from './model.js';
import { heteroBinningParams, type HeteroBinningParams } from './params.js';

/**
 * The apply-mode result, or undefined when the `model` input is unconnected (fit mode).
 * Output data: rows × columns unchanged, binned columns replaced per `params.transform`.
 * @throws ComponentError MODEL_INVALID for another algorithm's model or another role's part;
 *   FEATURE_MISSING when the data lacks a binned column.
 */
export function applySavedBinning(
  ctx: ProgramContext<HeteroBinningParams>,
): ProgramResult | undefined {
  const v = optionalInput(ctx, 'model', 'model');
  if (!v) return undefined;
  const t0 = performance.now();
  const model = asBinningModel(v.model);
  const role = ctx.role === 'guest' ? 'guest' : 'host';
  if (model.role !== role)
    throw new ComponentError(
      'MODEL_INVALID',
      `${ctx.party}: input 'model' is a ${model.role}'s binning part; connect this party's own (${role})`,
      { party: ctx.party, field: 'model' },
    );
  const { frame } = input(ctx, 'data', 'dataset');
  return {
    outputs: {
      model: { kind: 'model', model },
      data: { kind: 'dataset', frame: transformFrame(frame, model, ctx.params.transform) },
    },
    summary: {
      rows: frame.ids.length,
      features: model.features.length,
      mode: 'apply',
      seconds: (performance.now() - t0) / 1000,
    },
  };
}

/**
 * Replays a fitted binning part on new rows of its party (serving, batch prediction with a
 * published model; feature-pipeline.ts): binned columns become WOE values or bin indices per the
 * fitting task's `transform` (default 'woe'), categories matched by name where the fit recorded
 * them; a value in no bin gets WOE 0 / bin −1, as in apply mode. Local: no labels, no messages.
 * @throws ComponentError MODEL_INVALID (not a binning part, or the fitting task's parameters do
 *   not parse), FEATURE_MISSING naming the party and the binned column the rows lack.
 */
export const binningApplier: FittedTransform = (model, params, frame, party) => {
  const m = asBinningModel(model);
  const p = heteroBinningParams.safeParse(params);
  if (!p.success)
    throw new ComponentError(
      'MODEL_INVALID',
      `${party}: the binning task's parameters do not parse: ${p.error.issues[0]?.path.join('.')}: ${p.error.issues[0]?.message}`,
      { party },
    );
  try {
    return transformFrame(frame, m, p.data.transform);
  } catch (err) {
    if (err instanceof ComponentError && err.code === 'FEATURE_MISSING')
      throw new ComponentError('FEATURE_MISSING', `${party}: ${err.message}`, {
        ...err.details,
        party,
      });
    throw err;
  }
};
