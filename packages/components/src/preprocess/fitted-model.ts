/**
 * Fit-or-apply: every fitting preprocessing component has an optional `model` input. Left
 * unconnected, the task fits its transform on its input and outputs the fitted model; connected
 * to the `model` output of an earlier task of the same component (e.g. fitted on the train
 * split), it applies that model unchanged instead (e.g. to the test split) and passes it on.
 * Each party's model part holds only its own columns.
 */
import type { z } from 'zod';
import {
  ComponentError,
  optionalInput,
  type ModelPart,
  type PortSpec,
  type ProgramContext,
} from '../spec.js';

/**
 * The model on the optional `model` input as stored (`model`) and validated (`fitted`);
 * undefined when the input is unconnected.
 * @throws ComponentError MODEL_INVALID (field `model`) for another algorithm's or a malformed model.
 */
export function readFittedModel<F>(
  ctx: ProgramContext<unknown>,
  algorithm: string,
  schema: z.ZodType<F>,
): { model: ModelPart; fitted: F } | undefined {
  const v = optionalInput(ctx, 'model', 'model');
  if (!v) return undefined;
  if (v.model.algorithm !== algorithm)
    throw new ComponentError(
      'MODEL_INVALID',
      `${ctx.party}: input 'model' is a '${v.model.algorithm}' model; this task applies '${algorithm}' models (connect the model output of a ${algorithm} task)`,
      { party: ctx.party, field: 'model', algorithm: v.model.algorithm },
    );
  const parsed = schema.safeParse(v.model);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ComponentError(
      'MODEL_INVALID',
      `${ctx.party}: input 'model' is not a valid ${algorithm} model: ${issue?.path.join('.') || '(model)'}: ${issue?.message}`,
      { party: ctx.party, field: 'model' },
    );
  }
  return { model: v.model, fitted: parsed.data };
}

/**
 * @throws ComponentError FEATURE_MISSING when the data lacks a column the model was fitted on.
 */
export function requireModelColumns(
  ctx: ProgramContext<unknown>,
  featureNames: readonly string[],
  columns: readonly string[],
): void {
  const have = new Set(featureNames);
  const missing = columns.find((c) => !have.has(c));
  if (missing !== undefined)
    throw new ComponentError(
      'FEATURE_MISSING',
      `${ctx.party}: the input model was fitted on column '${missing}', which the data lacks`,
      { party: ctx.party, field: 'model', column: missing },
    );
}

/** The ports of a fit-or-apply transform on the guest and the hosts. */
export function transformPorts(what: string): { inputs: PortSpec[]; outputs: PortSpec[] } {
  return {
    inputs: [
      {
        name: 'data',
        kind: 'dataset',
        roles: ['guest', 'host'],
        description: 'the party’s aligned rows (e.g. PSI output)',
      },
      {
        name: 'model',
        kind: 'model',
        roles: ['guest', 'host'],
        optional: true,
        description: `optional: a fitted ${what} model to apply instead of fitting (e.g. fitted on the train split)`,
      },
    ],
    outputs: [
      {
        name: 'data',
        kind: 'dataset',
        roles: ['guest', 'host'],
        description: `the rows after ${what}`,
      },
      {
        name: 'model',
        kind: 'model',
        roles: ['guest', 'host'],
        description: `the party’s fitted ${what} parameters (the input model when one was applied)`,
      },
    ],
  };
}
