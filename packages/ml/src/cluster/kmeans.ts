/**
 * k-means (Lloyd 1982) as sufficient statistics, so that a federation can run it exactly: one
 * Lloyd step needs only, per cluster k, the sum S_k of the rows nearest to centroid c_k and
 * their count C_k; the next centroid is S_k / C_k. Sums over parties are sums of parties' S and
 * C, so aggregating them (in the clear or under secure aggregation) gives the centralised step.
 *
 * Initialisation without sharing rows: centroids μ + σ ⊙ z_k from the pooled per-feature mean μ
 * and standard deviation σ (themselves sums of moments) and standard-normal z_k drawn from a
 * shared seed — a data-free analogue of random initialisation; k-means++ would need rows.
 */
import type { Matrix } from '../matrix.js';
import { SeededRandom } from '../random.js';

/** Per-cluster sums (k × d, row-major), counts (k), and the inertia Σ min_k ‖x − c_k‖². */
export interface KmeansStats {
  sums: Float64Array;
  counts: Float64Array;
  inertia: number;
}

/**
 * The nearest centroid of every row (ties: the lowest index) and its squared distance.
 * @param x rows × d; @param centroids k × d, row-major.
 * @throws RangeError when the widths differ or k = 0.
 */
export function assignClusters(
  x: Matrix,
  centroids: Float64Array,
  k: number,
): { cluster: Int32Array; distance: Float64Array } {
  const d = x.cols;
  if (k < 1 || centroids.length !== k * d)
    throw new RangeError(`${centroids.length} centroid values for k = ${k} and ${d} features`);
  const cluster = new Int32Array(x.rows);
  const distance = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    let best = 0;
    let bestD = Infinity;
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const t = (x.data[i * d + j] as number) - (centroids[c * d + j] as number);
        s += t * t;
      }
      if (s < bestD) {
        bestD = s;
        best = c;
      }
    }
    cluster[i] = best;
    distance[i] = bestD;
  }
  return { cluster, distance };
}

/** One party's Lloyd statistics of its rows x (rows × d) under `centroids` (k × d). */
export function kmeansStats(x: Matrix, centroids: Float64Array, k: number): KmeansStats {
  const d = x.cols;
  const { cluster, distance } = assignClusters(x, centroids, k);
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  let inertia = 0;
  for (let i = 0; i < x.rows; i++) {
    const c = cluster[i] as number;
    counts[c] = (counts[c] as number) + 1;
    inertia += distance[i] as number;
    for (let j = 0; j < d; j++)
      sums[c * d + j] = (sums[c * d + j] as number) + (x.data[i * d + j] as number);
  }
  return { sums, counts, inertia };
}

/**
 * The next centroids from pooled statistics: S_k / C_k, or the previous c_k for an empty cluster.
 * Counts may be fractions (statistics divided by the rows of the federation).
 */
export function nextCentroids(
  sums: ArrayLike<number>,
  counts: ArrayLike<number>,
  previous: Float64Array,
  k: number,
): Float64Array {
  const d = previous.length / k;
  const out = previous.slice();
  for (let c = 0; c < k; c++) {
    const n = counts[c] as number;
    if (!(n > 1e-12)) continue;
    for (let j = 0; j < d; j++) out[c * d + j] = (sums[c * d + j] as number) / n;
  }
  return out;
}

/**
 * Initial centroids μ_j + σ_j·z_kj with z standard normal from `seed` (Box–Muller).
 * @param mean,meanOfSquares per feature, pooled over all rows; σ = √max(E[x²] − μ², 0).
 */
export function momentCentroids(
  mean: ArrayLike<number>,
  meanOfSquares: ArrayLike<number>,
  k: number,
  seed: number,
): Float64Array {
  const d = mean.length;
  const rng = new SeededRandom(seed);
  const out = new Float64Array(k * d);
  for (let i = 0; i < k * d; i++) {
    const j = i % d;
    const m = mean[j] as number;
    const sd = Math.sqrt(Math.max((meanOfSquares[j] as number) - m * m, 0));
    const u = Math.max(rng.next(), 1e-300);
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
    out[i] = m + sd * z;
  }
  return out;
}

/** Per-feature mean and mean of squares of x (rows × d). */
export function featureMoments(x: Matrix): { mean: Float64Array; meanOfSquares: Float64Array } {
  const d = x.cols;
  const mean = new Float64Array(d);
  const meanOfSquares = new Float64Array(d);
  for (let i = 0; i < x.rows; i++)
    for (let j = 0; j < d; j++) {
      const v = x.data[i * d + j] as number;
      mean[j] = (mean[j] as number) + v;
      meanOfSquares[j] = (meanOfSquares[j] as number) + v * v;
    }
  for (let j = 0; j < d; j++) {
    mean[j] = (mean[j] as number) / Math.max(x.rows, 1);
    meanOfSquares[j] = (meanOfSquares[j] as number) / Math.max(x.rows, 1);
  }
  return { mean, meanOfSquares };
}

/**
 * Centralised k-means with the same initialisation and steps as the federated component: the
 * plaintext twin. `iterations` Lloyd steps from {@link momentCentroids}.
 * @returns the centroids after the last step (k × d) and the inertia of each step's assignment.
 */
export function lloydKmeans(
  x: Matrix,
  k: number,
  iterations: number,
  seed: number,
): { centroids: Float64Array; inertia: number[] } {
  const { mean, meanOfSquares } = featureMoments(x);
  let c = momentCentroids(mean, meanOfSquares, k, seed);
  const inertia: number[] = [];
  for (let t = 0; t < iterations; t++) {
    const s = kmeansStats(x, c, k);
    inertia.push(s.inertia / Math.max(x.rows, 1));
    c = nextCentroids(s.sums, s.counts, c, k);
  }
  return { centroids: c, inertia };
}
