import { homoComponent } from '../homo/spec-factory.js';
import { homoKmeansParams, kmeansKind } from './kind.js';

/** Horizontal k-means: Lloyd steps from the clients' aggregated statistics. */
export const homoKmeans = homoComponent({
  version: '1.0.0',
  name: 'Homo k-means',
  description:
    "Horizontal k-means: clients hold rows with the same columns (labels not needed); round 0 pools per-feature moments for a seed-driven initialisation, every later round is one exact Lloyd step from the clients' per-cluster sums and counts, aggregated like model updates (optionally under SecAgg+ or client-side DP). Prediction assigns each row its nearest centroid (as class 0…k−1).",
  reference:
    'Lloyd 1982 (least squares quantisation); FedAvg round loop (McMahan et al. 2017); docs/protocols/homo-kmeans.md',
  params: homoKmeansParams,
  kind: kmeansKind,
});
