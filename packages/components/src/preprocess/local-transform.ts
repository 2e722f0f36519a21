/**
 * The program of a column-wise preprocessing transform that every party runs on its own columns
 * with no messages at all (outliers, scaling, encoding): fit on the input or apply the
 * connected model, output the transformed rows and the model.
 */
import type { Frame } from '@fedgrid/ml';
import type { z } from 'zod';
import {
  ComponentError,
  input,
  type FittedTransform,
  type Program,
  type ProgramContext,
} from '../spec.js';
import { readFittedModel } from './fitted-model.js';

export interface LocalTransform<P, F extends Record<string, unknown>> {
  /** `model.algorithm` of the models it writes and reads (the component code). */
  algorithm: string;
  version: string;
  /** Schema of a stored model (validated when a model is connected). */
  model: z.ZodType<F>;
  fit(ctx: ProgramContext<P>, frame: Frame): F;
  /** @throws ComponentError when the data does not fit the model. */
  apply(
    ctx: ProgramContext<P>,
    frame: Frame,
    fitted: F,
  ): { frame: Frame; summary: Record<string, unknown> };
}

export function localTransformProgram<P, F extends Record<string, unknown>>(
  t: LocalTransform<P, F>,
): Program<P> {
  return async (ctx) => {
    const t0 = performance.now();
    const { frame } = input(ctx, 'data', 'dataset');
    const given = readFittedModel(ctx, t.algorithm, t.model);
    const fitted = given?.fitted ?? t.fit(ctx, frame);
    const out = t.apply(ctx, frame, fitted);
    return {
      outputs: {
        data: { kind: 'dataset', frame: out.frame },
        model: {
          kind: 'model',
          model: given?.model ?? { algorithm: t.algorithm, version: t.version, ...fitted },
        },
      },
      summary: {
        mode: given ? 'apply' : 'fit',
        rows: out.frame.ids.length,
        features: out.frame.featureNames.length,
        ...out.summary,
        seconds: (performance.now() - t0) / 1000,
      },
    };
  };
}

/**
 * The {@link FittedTransform} of a local transform: `t.apply` with the fitting task's parameters
 * (parsed by `params`, defaults applied) on rows of `party`. The context it gives `apply` holds
 * only `party`, `role` and `params`: an apply step reads nothing else (no messages, no inputs).
 * @throws ComponentError MODEL_INVALID when the model is not a valid `t.algorithm` model or the
 *   parameters do not parse; whatever `t.apply` throws.
 */
export function fittedTransform<P, F extends Record<string, unknown>>(
  t: LocalTransform<P, F>,
  params: z.ZodType<P>,
): FittedTransform {
  return (model, raw, frame, party) => {
    const fitted = t.model.safeParse(model);
    if (model.algorithm !== t.algorithm || !fitted.success)
      throw new ComponentError(
        'MODEL_INVALID',
        `${party}: the fitted ${t.algorithm} step is a '${model.algorithm}' model or malformed`,
        { party, algorithm: model.algorithm },
      );
    const p = params.safeParse(raw);
    if (!p.success)
      throw new ComponentError(
        'MODEL_INVALID',
        `${party}: the parameters of the fitted ${t.algorithm} step do not parse: ${p.error.issues[0]?.message}`,
        { party },
      );
    const ctx = {
      party,
      role: party.startsWith('host') ? 'host' : 'guest',
      params: p.data,
    } as unknown as ProgramContext<P>;
    return t.apply(ctx, frame, fitted.data).frame;
  };
}
