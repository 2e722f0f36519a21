/**
 * Federated Averaging on the server: the data-size weighted mean of client vectors.
 *
 * McMahan, Moore, Ramage, Hampson, Agüera y Arcas, "Communication-Efficient Learning of Deep
 * Networks from Decentralized Data", AISTATS 2017 (Algorithm 1, FederatedAveraging).
 */
import { checkVectors } from './vectors.js';

/**
 * FedAvg aggregation: `Σ_k w_k · x_k / Σ_k w_k` (McMahan et al. 2017, Algorithm 1 with
 * `w_k = n_k`, the client's number of training examples).
 *
 * The mean is linear, so `vectors` may be either client model vectors (the result is the new
 * global model) or client deltas `x_k − x_global` (the result is the averaged delta); do not mix
 * the two in one call.
 *
 * @param vectors K client vectors, each of the same length d (K × d).
 * @param weights K non-negative finite weights, e.g. example counts; at least one must be > 0.
 * @returns a new vector of length d; the inputs are not modified.
 * @throws RangeError when `vectors` is empty, lengths differ, an entry is not finite,
 *   `weights.length !== vectors.length`, a weight is negative or not finite, or all weights
 *   are zero.
 */
export function weightedMean(
  vectors: Float64Array[],
  weights: number[],
): Float64Array<ArrayBuffer> {
  const d = checkVectors(vectors, 'weightedMean: vectors');
  if (!Array.isArray(weights) || weights.length !== vectors.length) {
    throw new RangeError(
      `weightedMean: got ${vectors.length} vectors but ${Array.isArray(weights) ? weights.length : 'no'} ` +
        'weights: pass exactly one weight (e.g. the example count) per vector',
    );
  }
  let total = 0;
  for (let k = 0; k < weights.length; k++) {
    const w = weights[k] as number;
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      throw new RangeError(`weightedMean: weights[${k}] = ${String(w)} must be finite and ≥ 0`);
    }
    total += w;
  }
  if (!(total > 0)) {
    throw new RangeError(
      'weightedMean: the weights sum to 0: at least one client needs weight > 0',
    );
  }
  const out = new Float64Array(d);
  for (let k = 0; k < vectors.length; k++) {
    const w = (weights[k] as number) / total;
    if (w === 0) continue;
    const v = vectors[k] as Float64Array;
    for (let j = 0; j < d; j++) out[j] = (out[j] as number) + w * (v[j] as number);
  }
  return out;
}
