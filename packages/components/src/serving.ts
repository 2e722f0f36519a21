/**
 * Online (real-time) prediction of one vertical model, one id at a time: what each party's
 * model part computes when a deployed model is asked for a score (issue 12 item 3; standard
 * 000 §7.7, 002 §9.4.2 b). A training component that supports online serving declares a
 * {@link ServingProgram} in its own folder (`serve` on its spec); the node finds it by the model
 * part's `algorithm` and knows nothing algorithm-specific. The shape follows FATE-Serving: a
 * host answers only its partial result for the requested id from its own feature table; the
 * guest combines.
 */
import type { ColumnType } from '@fedgrid/ml';
import type { ModelPart, PredictionTask } from './spec.js';

/**
 * A party's feature values for one id, by feature name (undefined: the column is absent). A
 * categorical column's value is its code; `levels` gives that column's category names by code
 * (the serving table's column types), for model parts that match categories by name.
 */
export type FeatureLookup = ((name: string) => number | undefined) & {
  /** The category names of categorical column `name` by code; undefined for other columns. */
  levels?: (name: string) => readonly string[] | undefined;
};

/**
 * `lookup` with `levels` read from `columnTypes` (a frame's or a snapshot's column types).
 * Returns the same function object, so it is cheap per row.
 */
export function withLevels(
  lookup: (name: string) => number | undefined,
  columnTypes: Readonly<Record<string, ColumnType>> | undefined,
): FeatureLookup {
  const out = lookup as FeatureLookup;
  if (!columnTypes) return out;
  out.levels = (name) => {
    const t = columnTypes[name];
    return t?.type === 'categorical' ? t.levels : undefined;
  };
  return out;
}

/** A host's answer for one id, JSON-serialisable (see each algorithm's serve.ts). */
export type ServingPartial = Record<string, unknown>;

/** The guest's answer for one id. */
export interface ServingScore {
  task: PredictionTask;
  /** binary: P(y = 1); regression: the predicted value; multiclass: index of the predicted class. */
  score: number;
  /** binary: 0/1 at threshold 0.5; multiclass: the predicted class value; regression: absent. */
  label?: number;
  /** multiclass: one probability per class, in the order of `classes`. */
  probabilities?: number[];
  classes?: number[];
}

/** A host's model part prepared for serving. */
export interface ServingHost {
  /** The host's features the part reads (each must be a column of the serving table). */
  features: readonly string[];
  /** The partial result for one id. @throws ComponentError FEATURE_MISSING. */
  partial(row: FeatureLookup): ServingPartial;
}

/** The guest's model part prepared for serving. */
export interface ServingGuest {
  task: PredictionTask;
  /** The guest's features the part reads. */
  features: readonly string[];
  /**
   * The host parties (e.g. 'host-0') whose partials the score needs; undefined: every host party
   * of the training task (the part does not record them).
   */
  hosts?: readonly string[];
  /**
   * Combines the guest's row with the hosts' partials. A host missing from `partials` is left out
   * (the guest-only, degraded score: see each algorithm's serve.ts for what it means).
   * @throws ComponentError PARTIAL_INVALID if a partial does not have the expected shape;
   *   FEATURE_MISSING if a guest feature has no value.
   */
  combine(row: FeatureLookup, partials: ReadonlyMap<string, ServingPartial>): ServingScore;
}

/** Online serving of one model family; `algorithms` are the model parts' `algorithm` values. */
export interface ServingProgram {
  algorithms: readonly string[];
  /** @throws ComponentError MODEL_INVALID if the part is not a host part of this family. */
  host(model: ModelPart): ServingHost;
  /** @throws ComponentError MODEL_INVALID if the part is not a guest part of this family. */
  guest(model: ModelPart): ServingGuest;
}
