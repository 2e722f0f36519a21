/**
 * The program of a column-wise preprocessing transform that every party runs on its own columns
 * with no messages at all (outliers, scaling, encoding): fit on the input or apply the
 * connected model, output the transformed rows and the model.
 */
import type { Frame } from '@fedgrid/ml';
import type { z } from 'zod';
import { input, type Program, type ProgramContext } from '../spec.js';
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
