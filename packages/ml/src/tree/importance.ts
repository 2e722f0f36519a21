/** Feature importance of boosted trees: how often each feature splits and its total gain. */
import type { GbdtTree } from './tree.js';

export interface FeatureImportance {
  /** Per feature: number of splits on it. */
  splits: Float64Array;
  /** Per feature: Σ gain of its splits. */
  gain: Float64Array;
}

/** @param features columns of the feature matrix the trees were grown on. */
export function featureImportance(trees: readonly GbdtTree[], features: number): FeatureImportance {
  const splits = new Float64Array(features);
  const gain = new Float64Array(features);
  for (const t of trees)
    for (const n of t.nodes)
      if (n.kind === 'split') {
        splits[n.feature] = (splits[n.feature] as number) + 1;
        gain[n.feature] = (gain[n.feature] as number) + n.gain;
      }
  return { splits, gain };
}
