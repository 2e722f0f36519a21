/**
 * SecureBoost model parts (JSON-serialisable, algorithm 'secureboost'). The guest's part holds
 * the trees: leaf weights, its own splits (feature name, threshold, where missing values go) and
 * references to host splits by party and split id. A host's part holds only its split table
 * (id → feature name, threshold, where missing values go). A missing value (NaN) goes left where
 * `missingLeft` is true, right otherwise (also in parts saved before it existed). A split on a
 * categorical column records the category names on each side and routes by name; a category on
 * neither side goes where missing values go (categories.ts; parts saved before names route by
 * code). A set split (`categorySet: true`) has names and no threshold.
 * Neither part contains the other party's features, thresholds or data.
 */
import type { GbdtObjective } from '@fedgrid/ml';
import { ComponentError, type ModelPart, type PredictionTask } from '../spec.js';

export type SbNodeJson =
  | { leaf: number; count: number }
  | {
      owner: 'guest';
      feature: string;
      /** `x ≤ threshold` goes left; absent for a set split (`categorySet`). */
      threshold?: number;
      /** A set split on a categorical column: `leftCategories` go left, the other levels right. */
      categorySet?: true;
      missingLeft?: boolean;
      /** Categorical feature: the categories going left / right (categories.ts). */
      leftCategories?: string[];
      rightCategories?: string[];
      gain: number;
      left: number;
      right: number;
      count: number;
    }
  | {
      /** The host party that holds the split, e.g. 'host-0'. */
      owner: string;
      split: number;
      gain: number;
      left: number;
      right: number;
      count: number;
    };

export interface SbTreeJson {
  round: number;
  cls: number;
  nodes: SbNodeJson[];
}

export interface SbImportance {
  /** 'guest' or the host party. */
  party: string;
  /** The guest's feature name; for host features the host's anonymous column index ('#3'). */
  feature: string;
  splits: number;
  gain: number;
}

export type SbGuestModel = {
  algorithm: 'secureboost';
  role: 'guest';
  version: 1;
  task: PredictionTask;
  objective: GbdtObjective;
  outputs: number;
  classes: number[];
  baseScores: number[];
  /** The guest's features the trees use, by name. */
  featureNames: string[];
  /** Host parties the trees refer to. */
  hosts: string[];
  trees: SbTreeJson[];
  rounds: number;
  importance: SbImportance[];
  keyBits: number;
  fracBits: number;
  /** The training parameters (for the record). */
  params: Record<string, unknown>;
};

export type SbHostModel = {
  algorithm: 'secureboost';
  role: 'host';
  party: string;
  featureNames: string[];
  /**
   * A split on a categorical column also records the category names on each side
   * (`leftCategories`, `rightCategories`) and routes by name (categories.ts).
   */
  splits: {
    id: number;
    feature: string;
    /** Absent for a set split (`categorySet`). */
    threshold?: number;
    categorySet?: true;
    missingLeft?: boolean;
    leftCategories?: string[];
    rightCategories?: string[];
  }[];
  /** Splits per own feature (the host does not learn gains). */
  importance: { feature: string; splits: number }[];
};

function invalid(what: string): never {
  throw new ComponentError('MODEL_INVALID', `input model is not a SecureBoost ${what} model part`);
}

/** @throws ComponentError MODEL_INVALID if `part` is not a guest part. */
export function readGuestModel(part: ModelPart): SbGuestModel {
  const m = part as Partial<SbGuestModel>;
  if (
    m.algorithm !== 'secureboost' ||
    m.role !== 'guest' ||
    !Array.isArray(m.trees) ||
    !Array.isArray(m.baseScores) ||
    !Array.isArray(m.featureNames) ||
    !Array.isArray(m.hosts) ||
    typeof m.outputs !== 'number' ||
    m.baseScores.length !== m.outputs
  )
    invalid(`guest (algorithm '${String(part.algorithm)}', role '${String(part['role'])}')`);
  for (const t of m.trees)
    for (const n of t.nodes) {
      if ('leaf' in n) continue;
      if (!(n.left > 0 && n.left < t.nodes.length && n.right > 0 && n.right < t.nodes.length))
        invalid('guest (a split points outside its tree)');
    }
  return m as SbGuestModel;
}

/** @throws ComponentError MODEL_INVALID if `part` is not a host part. */
export function readHostModel(part: ModelPart): SbHostModel {
  const m = part as Partial<SbHostModel>;
  if (m.algorithm !== 'secureboost' || m.role !== 'host' || !Array.isArray(m.splits))
    invalid(`host (algorithm '${String(part.algorithm)}', role '${String(part['role'])}')`);
  return m as SbHostModel;
}
