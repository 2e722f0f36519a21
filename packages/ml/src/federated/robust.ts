/**
 * Byzantine-robust aggregation rules and update admission checks for the federated server.
 *
 * - Coordinate-wise median and trimmed mean: Yin, Chen, Ramchandran, Bartlett, "Byzantine-Robust
 *   Distributed Learning: Towards Optimal Statistical Rates", ICML 2018.
 * - Krum / Multi-Krum: Blanchard, El Mhamdi, Guerraoui, Stainer, "Machine Learning with
 *   Adversaries: Byzantine Tolerant Gradient Descent", NeurIPS 2017.
 * - Norm bounding: Sun, Kairouz, Suresh, McMahan, "Can You Really Backdoor Federated Learning?",
 *   2019 (server-side clipping of update norms).
 * - Robust z-score: Iglewicz & Hoaglin, "How to Detect and Handle Outliers", ASQC 1993
 *   (modified z-score `0.6745 · (x − median) / MAD`).
 */
import {
  checkPositive,
  checkVector,
  checkVectors,
  dot,
  l2Norm,
  median,
  squaredDistance,
} from './vectors.js';

/**
 * Coordinate-wise median (Yin et al. 2018, Definition 1): each output coordinate is the median of
 * that coordinate over the clients (mean of the two middle values when K is even).
 *
 * Works on client models or deltas alike (the median is translation-equivariant).
 *
 * @param vectors K ≥ 1 vectors of length d (K × d).
 * @returns a new vector of length d.
 * @throws RangeError when `vectors` is empty, lengths differ or an entry is not finite.
 */
export function coordinateMedian(vectors: Float64Array[]): Float64Array<ArrayBuffer> {
  const d = checkVectors(vectors, 'coordinateMedian: vectors');
  const n = vectors.length;
  const col = new Float64Array(n);
  const out = new Float64Array(d);
  const h = n >> 1;
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < n; i++) col[i] = (vectors[i] as Float64Array)[j] as number;
    col.sort();
    out[j] = n % 2 === 1 ? (col[h] as number) : ((col[h - 1] as number) + (col[h] as number)) / 2;
  }
  return out;
}

/**
 * Coordinate-wise β-trimmed mean (Yin et al. 2018, Definition 2): for each coordinate, drop the
 * `⌊β·K⌋` largest and `⌊β·K⌋` smallest values and average the rest.
 *
 * Works on client models or deltas alike.
 *
 * @param vectors K ≥ 1 vectors of length d (K × d).
 * @param beta fraction trimmed at each end, `0 ≤ β < 0.5` (β = 0 is the plain mean).
 * @returns a new vector of length d.
 * @throws RangeError on bad vectors or β outside [0, 0.5).
 */
export function trimmedMean(vectors: Float64Array[], beta: number): Float64Array<ArrayBuffer> {
  const d = checkVectors(vectors, 'trimmedMean: vectors');
  if (typeof beta !== 'number' || !(beta >= 0 && beta < 0.5)) {
    throw new RangeError(
      `trimmedMean: beta = ${String(beta)} must satisfy 0 ≤ beta < 0.5 (fraction trimmed at each end)`,
    );
  }
  const n = vectors.length;
  const k = Math.floor(beta * n);
  const kept = n - 2 * k;
  const col = new Float64Array(n);
  const out = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < n; i++) col[i] = (vectors[i] as Float64Array)[j] as number;
    col.sort();
    let s = 0;
    for (let i = k; i < n - k; i++) s += col[i] as number;
    out[j] = s / kept;
  }
  return out;
}

/** Result of {@link krum}. */
export interface KrumResult {
  /** Mean of the selected vectors (the selected vector itself when m = 1). */
  aggregate: Float64Array<ArrayBuffer>;
  /** Indices of the m selected vectors, best (lowest score) first. */
  selected: number[];
  /** Krum score of every input vector: sum of squared distances to its K − f − 2 nearest others. */
  scores: number[];
}

/**
 * Krum and Multi-Krum (Blanchard et al. 2017). The score of vector i is the sum of squared
 * Euclidean distances to its `K − f − 2` nearest neighbours; Krum returns the vector with the
 * lowest score, Multi-Krum (m > 1, Section 4 of the paper) averages the m lowest-scoring vectors
 * (m = K is the plain mean). Ties are broken by the lower index.
 *
 * Works on client models or deltas alike (distances are translation-invariant).
 *
 * @param vectors K vectors of length d (K × d), with `K > 2f + 2`.
 * @param f assumed number of Byzantine clients, an integer ≥ 0.
 * @param m number of vectors to select and average, an integer in 1 … K.
 * @throws RangeError on bad vectors, `K ≤ 2f + 2`, or f / m out of range.
 */
export function krum(vectors: Float64Array[], f: number, m = 1): KrumResult {
  const d = checkVectors(vectors, 'krum: vectors');
  const n = vectors.length;
  if (!Number.isInteger(f) || f < 0) {
    throw new RangeError(
      `krum: f = ${String(f)} must be an integer ≥ 0 (assumed Byzantine clients)`,
    );
  }
  if (n <= 2 * f + 2) {
    throw new RangeError(
      `krum: needs more than 2f + 2 = ${2 * f + 2} vectors for f = ${f}, got ${n}: ` +
        'lower f or wait for more clients',
    );
  }
  if (!Number.isInteger(m) || m < 1 || m > n) {
    throw new RangeError(`krum: m = ${String(m)} must be an integer in 1 … ${n}`);
  }
  const dist = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const s = squaredDistance(vectors[i] as Float64Array, vectors[j] as Float64Array);
      dist[i * n + j] = s;
      dist[j * n + i] = s;
    }
  }
  const neighbours = n - f - 2;
  const scores: number[] = [];
  const row = new Float64Array(n - 1);
  for (let i = 0; i < n; i++) {
    let c = 0;
    for (let j = 0; j < n; j++) if (j !== i) row[c++] = dist[i * n + j] as number;
    row.sort();
    let s = 0;
    for (let t = 0; t < neighbours; t++) s += row[t] as number;
    scores.push(s);
  }
  const order = scores.map((_, i) => i);
  order.sort((a, b) => (scores[a] as number) - (scores[b] as number) || a - b);
  const selected = order.slice(0, m);
  const aggregate = new Float64Array(d);
  for (const i of selected) {
    const v = vectors[i] as Float64Array;
    for (let j = 0; j < d; j++) aggregate[j] = (aggregate[j] as number) + (v[j] as number) / m;
  }
  return { aggregate, selected, scores };
}

/** Result of {@link clipToNorm}. */
export interface ClipResult {
  /** The clipped copy: `v · min(1, maxNorm / ‖v‖₂)`. */
  vector: Float64Array<ArrayBuffer>;
  /** L2 norm of the input, before clipping. */
  norm: number;
  /** Whether the input norm exceeded `maxNorm` (and the copy was scaled down). */
  clipped: boolean;
}

/**
 * L2 norm bounding: scales `vector` down to norm `maxNorm` when it is longer (Sun et al. 2019;
 * the same projection is the clipping step of DP-FedAvg, McMahan et al. 2018). Meant for deltas
 * (`client model − global model`): clipping a full model vector is rarely what you want.
 *
 * @param vector a vector of length d.
 * @param maxNorm bound on the L2 norm, finite and > 0.
 * @returns a new vector (always a copy), the input norm and whether it was clipped.
 * @throws RangeError when the vector is empty or non-finite, or `maxNorm` is not finite and > 0.
 */
export function clipToNorm(vector: Float64Array, maxNorm: number): ClipResult {
  checkVector(vector, 'clipToNorm: vector');
  checkPositive(maxNorm, 'clipToNorm: maxNorm');
  const norm = l2Norm(vector);
  const out = Float64Array.from(vector);
  if (norm <= maxNorm) return { vector: out, norm, clipped: false };
  const scale = maxNorm / norm;
  for (let j = 0; j < out.length; j++) out[j] = (out[j] as number) * scale;
  return { vector: out, norm, clipped: true };
}

/** Options of {@link flagOutliers}. */
export interface FlagOutliersOptions {
  /** Absolute bound on the L2 norm of an update; unset = no absolute bound. */
  maxNorm?: number;
  /** Flag when the robust z-score of the norm exceeds this (one-sided, large norms). Default 3. */
  zScore?: number;
  /**
   * Floor on the norm spread used by the z-score, as a fraction of the median norm (default
   * 0.05): without it, near-identical honest norms (MAD ≈ 0) would flag any slightly larger
   * honest update. With the defaults a norm must exceed `1.15 ×` the median to be flagged by the
   * z-score test.
   */
  minRelativeSpread?: number;
  /** Flag when the cosine similarity to the coordinate median is below this. Default 0. */
  minCosine?: number;
}

/** Result of {@link flagOutliers}. */
export interface FlagOutliersResult {
  /** Indices of the flagged updates, ascending. */
  flagged: number[];
  /** L2 norm of every update (length K). */
  norms: number[];
  /** One reason per entry of `flagged` (same order); several findings are joined by `; `. */
  reasons: string[];
}

/**
 * Admission check for one round of client deltas (`client model − global model`; full model
 * vectors would make the cosine test meaningless). A client is flagged when any of:
 *
 * 1. its update norm exceeds `maxNorm` (norm bound, Sun et al. 2019);
 * 2. the modified z-score of its norm, `M = 0.6745 · (‖u‖ − median) / MAD`, exceeds `zScore`
 *    (Iglewicz & Hoaglin 1993; when the MAD is 0, `M = (‖u‖ − median) / (1.2533 · MeanAD)`).
 *    The spread is floored so that `M ≤ (‖u‖ − median) / (minRelativeSpread · median)`: a norm
 *    is only flagged above `median · (1 + zScore · minRelativeSpread)` (1.15 × the median with
 *    the defaults). One-sided: small updates have bounded influence on a mean and are not
 *    flagged (scaling / boosting attacks are);
 * 3. its cosine similarity to the coordinate-wise median of all updates (Yin et al. 2018) is
 *    below `minCosine` (default 0: a negative similarity suggests a sign-flipping attack).
 *    Skipped for zero updates or a zero median.
 *
 * Heuristic: with non-IID data honest clients may also point away from the median; use the
 * result to drop or down-weight updates before a robust aggregation, not as proof of malice.
 *
 * @param updates K ≥ 1 client deltas of length d (K × d).
 * @throws RangeError on bad updates or options (maxNorm not > 0, zScore not > 0,
 *   minRelativeSpread < 0, minCosine outside [−1, 1]).
 */
export function flagOutliers(
  updates: Float64Array[],
  opts: FlagOutliersOptions = {},
): FlagOutliersResult {
  checkVectors(updates, 'flagOutliers: updates');
  const { maxNorm, zScore = 3, minRelativeSpread = 0.05, minCosine = 0 } = opts;
  if (maxNorm !== undefined) checkPositive(maxNorm, 'flagOutliers: opts.maxNorm');
  checkPositive(zScore, 'flagOutliers: opts.zScore');
  checkPositive(minRelativeSpread, 'flagOutliers: opts.minRelativeSpread', true);
  if (typeof minCosine !== 'number' || !(minCosine >= -1 && minCosine <= 1)) {
    throw new RangeError(`flagOutliers: opts.minCosine = ${String(minCosine)} must be in [−1, 1]`);
  }
  const n = updates.length;
  const norms = updates.map((u) => l2Norm(u));
  const med = median(norms);
  const absDev = norms.map((x) => Math.abs(x - med));
  // Denominator s of M = 0.6745 · (x − median) / s.
  let spread = median(absDev);
  if (spread === 0) spread = 0.6745 * 1.2533 * (absDev.reduce((a, b) => a + b, 0) / n);
  spread = Math.max(spread, 0.6745 * minRelativeSpread * med);
  const centre = n >= 2 ? coordinateMedian(updates) : null;
  const centreNorm = centre ? l2Norm(centre) : 0;
  const flagged: number[] = [];
  const reasons: string[] = [];
  for (let i = 0; i < n; i++) {
    const why: string[] = [];
    const norm = norms[i] as number;
    if (maxNorm !== undefined && norm > maxNorm) {
      why.push(`update norm ${fmt(norm)} exceeds maxNorm ${fmt(maxNorm)}`);
    }
    if (spread > 0) {
      const z = (0.6745 * (norm - med)) / spread;
      if (z > zScore) {
        why.push(
          `robust z-score ${fmt(z)} of the update norm ${fmt(norm)} exceeds ${fmt(zScore)} ` +
            `(median norm ${fmt(med)})`,
        );
      }
    }
    if (centre && centreNorm > 0 && norm > 0) {
      const cos = dot(updates[i] as Float64Array, centre) / (norm * centreNorm);
      if (cos < minCosine) {
        why.push(
          `cosine similarity ${fmt(cos)} to the coordinate median is below ${fmt(minCosine)} ` +
            '(sign-flipped update?)',
        );
      }
    }
    if (why.length > 0) {
      flagged.push(i);
      reasons.push(`client ${i}: ${why.join('; ')}`);
    }
  }
  return { flagged, norms, reasons };
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(4);
}
