/**
 * Horizontal (federated) k-means on the round loop: the clients' rows never leave them; each
 * round the server aggregates Lloyd's sufficient statistics instead of model weights. The flat
 * vector the loop carries is
 *
 *   [phase, centroids c (k × d), S̄ (k × d), C̄ (k)]
 *
 * and a client returns its own statistics divided by its row count n_i; the loop's FedAvg mean
 * weighted by n_i then yields S̄ = Σ_i S_i / N and C̄ = Σ_i C_i / N, so the next centroid
 * S̄_k / C̄_k is exactly the centralised Lloyd step (under SecAgg, up to its quantisation).
 * Round 0 (phase 0 → 1) pools the per-feature moments the same way (S̄ row 0: mean, row 1: mean
 * of squares) for the seed-driven initialisation of `momentCentroids`; every later round is one
 * Lloyd step (phase 2). The server learns those pooled sums — with SecAgg only them, not any
 * client's — and the final centroids, which every party keeps.
 */
import {
  assignClusters,
  featureMoments,
  kmeansStats,
  momentCentroids,
  nextCentroids,
  type Frame,
} from '@fedgrid/ml';
import { z } from 'zod';
import { ComponentError, type ModelPart, type Predictions } from '../spec.js';
import type {
  ClientHello,
  HomoModelKind,
  LocalEvaluation,
  LocalModel,
  ModelSetup,
} from '../homo/model.js';
import { homoRoundParams } from '../homo/params.js';
import { modelColumns, sameColumns } from '../homo/tabular.js';

export const homoKmeansParams = homoRoundParams.extend({
  /** Clusters. */
  k: z.number().int().min(2).max(256).default(3),
  /** One initialisation round plus (rounds − 1) Lloyd steps. */
  rounds: z.number().int().min(2).max(10_000).default(20),
  /** Lloyd needs every client's statistics of the same centroids: one client per round is not enough. */
  minClients: z.number().int().min(1).default(2),
});
export type HomoKmeansParams = z.infer<typeof homoKmeansParams>;

/** The model part every party stores: the centroids. */
export interface HomoKmeansModel extends ModelPart {
  algorithm: 'homo-kmeans';
  featureNames: string[];
  k: number;
  /** k × d, row-major. */
  centroids: number[];
}

/** Slices of the carried vector for k clusters of d features. */
function layout(k: number, d: number) {
  const kd = k * d;
  return {
    size: 1 + 2 * kd + k,
    centroids: (v: Float64Array) => v.subarray(1, 1 + kd),
    sums: (v: Float64Array) => v.subarray(1 + kd, 1 + 2 * kd),
    counts: (v: Float64Array) => v.subarray(1 + 2 * kd),
  };
}

/**
 * The centroids a global vector stands for: undefined before the moments round, the
 * initialisation after it, the Lloyd step's result after that.
 */
export function centroidsOf(
  global: Float64Array,
  k: number,
  d: number,
  seed: number,
): Float64Array | undefined {
  const l = layout(k, d);
  const phase = global[0] as number;
  if (phase < 0.5) return undefined;
  const s = l.sums(global);
  if (phase < 1.5) return momentCentroids(s.subarray(0, d), s.subarray(d, 2 * d), k, seed);
  return nextCentroids(s, l.counts(global), l.centroids(global).slice(), k);
}

function requireComplete(frame: Frame): void {
  const { rows, cols, data } = frame.x;
  for (let i = 0; i < rows * cols; i++)
    if (!Number.isFinite(data[i] as number)) {
      const row = Math.floor(i / cols);
      throw new ComponentError(
        'MISSING_VALUES',
        `row ${row} (id ${frame.ids[row]}), feature '${frame.featureNames[i % cols]}': ${data[i]}; k-means needs complete numeric features — fill or drop them first (missing-values component)`,
        { row, feature: frame.featureNames[i % cols] },
      );
    }
}

export const kmeansKind: HomoModelKind<HomoKmeansParams> = {
  algorithm: 'homo-kmeans',
  hello(frame): ClientHello {
    if (frame.ids.length === 0)
      throw new ComponentError('EMPTY_DATA', 'the training data has no rows');
    requireComplete(frame);
    return { examples: frame.ids.length, featureNames: frame.featureNames };
  },
  setup(hellos, p): ModelSetup {
    const ref = sameColumns(hellos);
    if (p.hierarchy)
      throw new ComponentError(
        'BAD_PARAMS',
        'homo-kmeans does not run hierarchical rounds: edges would take Lloyd steps on their own clients and the cloud would average different centroids; leave hierarchy out',
        { field: 'hierarchy' },
      );
    if (p.robust.aggregator !== 'mean' || p.strategy.name !== 'fedavg' || p.dp.mode === 'server')
      throw new ComponentError(
        'BAD_PARAMS',
        "homo-kmeans aggregates Lloyd's statistics by the weighted mean: use robust.aggregator 'mean', strategy 'fedavg' and no server-side DP",
        { field: 'robust' },
      );
    const total = [...hellos.values()].reduce((a, h) => a + h.examples, 0);
    if (p.k > total)
      throw new ComponentError(
        'BAD_PARAMS',
        `k = ${p.k} clusters but the clients hold ${total} rows together`,
        { field: 'k' },
      );
    const d = ref.featureNames.length;
    const classes = Array.from({ length: p.k }, (_, c) => c);
    return {
      task: 'multiclass',
      featureNames: ref.featureNames,
      classes,
      parameterCount: layout(p.k, d).size,
    };
  },
  init: async (setup) => new Float64Array(setup.parameterCount),
  local: async (frame, setup, p): Promise<LocalModel> => {
    const d = setup.featureNames.length;
    const l = layout(p.k, d);
    const x = modelColumns(frame, setup.featureNames);
    const n = x.rows;
    return {
      parameterCount: l.size,
      fit: async (global) => {
        const out = new Float64Array(l.size);
        const c = centroidsOf(global, p.k, d, p.seed);
        if (!c) {
          const m = featureMoments(x);
          out[0] = 1;
          l.sums(out).set(m.mean, 0);
          l.sums(out).set(m.meanOfSquares, d);
          return { params: out, loss: 0 };
        }
        const s = kmeansStats(x, c, p.k);
        let small = -1;
        s.counts.forEach((m, j) => {
          if (m > 0 && (small < 0 || m < (s.counts[small] as number))) small = j;
        });
        out[0] = 2;
        l.centroids(out).set(c);
        l.sums(out).set(s.sums.map((v) => v / n));
        l.counts(out).set(s.counts.map((v) => v / n));
        return {
          params: out,
          loss: s.inertia / n,
          ...(small >= 0
            ? {
                smallestGroup: {
                  rows: s.counts[small] as number,
                  kind: 'cluster',
                  what: `cluster ${small}`,
                },
              }
            : {}),
        };
      },
      evaluate: async (global): Promise<LocalEvaluation> => {
        const c = centroidsOf(global, p.k, d, p.seed);
        if (!c) return { examples: n, loss: 0, metrics: {} }; // nothing to score before round 0
        const inertia = kmeansStats(x, c, p.k).inertia / n;
        return { examples: n, loss: inertia, metrics: { inertia } };
      },
    };
  },
  modelPart(setup, global, p): HomoKmeansModel {
    const d = setup.featureNames.length;
    const c = centroidsOf(global, p.k, d, p.seed) ?? new Float64Array(p.k * d);
    return {
      algorithm: 'homo-kmeans',
      featureNames: setup.featureNames,
      k: p.k,
      centroids: [...c],
    };
  },
  predict: async (part, frame): Promise<Predictions> => {
    const m = part as HomoKmeansModel;
    const x = modelColumns(frame, m.featureNames);
    const { cluster } = assignClusters(x, Float64Array.from(m.centroids), m.k);
    const probabilities = new Float64Array(x.rows * m.k);
    cluster.forEach((c, i) => (probabilities[i * m.k + c] = 1));
    return {
      ids: frame.ids,
      task: 'multiclass',
      scores: Float64Array.from(cluster),
      classes: Array.from({ length: m.k }, (_, c) => c),
      probabilities,
      ...(frame.labels ? { labels: frame.labels } : {}),
    };
  },
};
