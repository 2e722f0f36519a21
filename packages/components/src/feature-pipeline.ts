/**
 * Replaying a party's fitted feature pipeline on new rows (serving and batch prediction with a
 * published model; docs/protocols/serving.md). A model trained on encoded (or scaled, clipped)
 * columns expects those columns; the rows it is served hold the raw ones. The training job's
 * fit-or-apply steps between the party's dataset and the training task left their fitted models
 * on that party's node; each is re-applied, in order, by its component's `applyFitted`, with the
 * parameters of the task that fitted it (so unseen-category and missing-value handling are the
 * training's). Each party replays only its own steps, on its own node: category values, their
 * codes and fitted parameters never leave it.
 */
import type { Frame } from '@fedgrid/ml';
import { ComponentError, type FittedStep, type FittedTransform } from './spec.js';

/** The `applyFitted` of a component code (undefined: the component declares none). */
export type TransformLookup = (component: string) => FittedTransform | undefined;

/**
 * `frame` after each step of `steps` in order.
 * @throws ComponentError PIPELINE_STEP_UNKNOWN when a step's component cannot be replayed;
 *   whatever a step throws (FEATURE_MISSING, UNSEEN_CATEGORY …), naming the party.
 */
export function replayPipeline(
  steps: readonly FittedStep[],
  frame: Frame,
  party: string,
  lookup: TransformLookup,
): Frame {
  let out = frame;
  for (const s of steps) {
    const apply = lookup(s.component);
    if (!apply)
      throw new ComponentError(
        'PIPELINE_STEP_UNKNOWN',
        `${party}: feature step '${s.task}' (${s.component}) of the training cannot be replayed on new rows`,
        { party, task: s.task, component: s.component },
      );
    out = apply(s.model, s.params, out, party);
  }
  return out;
}
