/**
 * Participant contribution evaluation for horizontal FL: leave-one-out, exact Shapley values and
 * GTG-Shapley.
 *
 * The caller supplies `evaluate(subset)`: build the model aggregated from the stored updates of
 * the clients in `subset` (for the empty subset: the previous global model) and return its
 * validation score (higher is better, e.g. accuracy). Subsets list client ids in the order of
 * `clients`. Each distinct subset is evaluated at most once per call (results are cached), so
 * `evaluate` must be deterministic.
 *
 * - Shapley, "A Value for n-Person Games", 1953.
 * - Liu, Chen, Xu, Li, Guo, Yu, Chen, Yang, "GTG-Shapley: Efficient and Accurate Participant
 *   Contribution Evaluation in Federated Learning", ACM TIST 2022 (Algorithm 1).
 */
import { SeededRandom } from '../random.js';
import type { UniformSource } from './secure-random.js';

/** Scores the model aggregated from the updates of `subset` (client ids); must be finite. */
export type SubsetEvaluator = (subset: number[]) => number;

/** Validates ids and wraps `evaluate` with a cache keyed by positions in `clients`. */
function prepare(
  clients: number[],
  evaluate: SubsetEvaluator,
  where: string,
): { value: (positions: number[]) => number; calls: () => number } {
  if (!Array.isArray(clients) || clients.length === 0) {
    throw new RangeError(`${where}: clients must be a non-empty array of client ids`);
  }
  for (const id of clients) {
    if (typeof id !== 'number' || !Number.isFinite(id)) {
      throw new RangeError(`${where}: client id ${String(id)} is not a finite number`);
    }
  }
  if (new Set(clients).size !== clients.length) {
    throw new RangeError(`${where}: client ids must be distinct`);
  }
  if (typeof evaluate !== 'function') {
    throw new RangeError(`${where}: evaluate must be a function (subset of ids) => score`);
  }
  const cache = new Map<string, number>();
  let calls = 0;
  const value = (positions: number[]): number => {
    const sorted = [...positions].sort((a, b) => a - b);
    const key = sorted.join(',');
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const subset = sorted.map((p) => clients[p] as number);
    const v = evaluate(subset);
    calls++;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new RangeError(
        `${where}: evaluate([${subset.join(', ')}]) returned ${String(v)}: scores must be finite numbers`,
      );
    }
    cache.set(key, v);
    return v;
  };
  return { value, calls: () => calls };
}

/**
 * Leave-one-out contribution: `v(N) − v(N \ {i})` for each client i (n + 1 evaluations).
 *
 * @param clients distinct client ids (n ≥ 1).
 * @returns a map from client id to its contribution, in score units.
 * @throws RangeError on empty or duplicate ids, a non-function evaluator, or a non-finite score.
 */
export function leaveOneOut(clients: number[], evaluate: SubsetEvaluator): Map<number, number> {
  const { value } = prepare(clients, evaluate, 'leaveOneOut');
  const all = clients.map((_, p) => p);
  const vAll = value(all);
  const out = new Map<number, number>();
  clients.forEach((id, p) => out.set(id, vAll - value(all.filter((q) => q !== p))));
  return out;
}

/**
 * Exact Shapley values (Shapley 1953) by enumerating all 2ⁿ subsets:
 * `φ_i = Σ_{S ⊆ N∖{i}} |S|! (n − |S| − 1)! / n! · (v(S ∪ {i}) − v(S))`.
 * The values sum to `v(N) − v(∅)`.
 *
 * @param clients distinct client ids, 1 ≤ n ≤ 10 (2ⁿ evaluations).
 * @throws RangeError on empty, duplicate or more than 10 ids, or a non-finite score.
 */
export function exactShapley(clients: number[], evaluate: SubsetEvaluator): Map<number, number> {
  const { value } = prepare(clients, evaluate, 'exactShapley');
  const n = clients.length;
  if (n > 10) {
    throw new RangeError(
      `exactShapley: ${n} clients need 2^${n} evaluations: use gtgShapley for n > 10`,
    );
  }
  const size = 1 << n;
  const v = new Float64Array(size);
  for (let mask = 0; mask < size; mask++) {
    const positions: number[] = [];
    for (let p = 0; p < n; p++) if (mask & (1 << p)) positions.push(p);
    v[mask] = value(positions);
  }
  const fact = [1];
  for (let k = 1; k <= n; k++) fact.push((fact[k - 1] as number) * k);
  const phi = new Float64Array(n);
  for (let mask = 0; mask < size; mask++) {
    let s = 0;
    for (let p = 0; p < n; p++) if (mask & (1 << p)) s++;
    const w = ((fact[s] as number) * (fact[n - s - 1] as number)) / (fact[n] as number);
    for (let p = 0; p < n; p++) {
      if (mask & (1 << p)) continue;
      phi[p] = (phi[p] as number) + w * ((v[mask | (1 << p)] as number) - (v[mask] as number));
    }
  }
  return new Map(clients.map((id, p) => [id, phi[p] as number]));
}

/** Options of {@link gtgShapley}. */
export interface GtgShapleyOptions {
  /** Maximum number of sampled permutations. Default 10 · n. */
  permutations?: number;
  /**
   * Truncation threshold ε in score units (default 1e-3, for scores in [0, 1] such as accuracy):
   * the whole round is skipped (all zeros) when `|v(N) − v(∅)| ≤ ε` (between-round truncation),
   * and within a permutation the remaining clients get marginal 0 without evaluation once
   * `|v(N) − v(prefix)| ≤ ε` (within-round truncation).
   */
  tolerance?: number;
  /**
   * Stop once, after at least 2n permutations, no estimate moved by more than this fraction of
   * the largest |φ| over the last n permutations (one guided cycle). Default 0.01.
   */
  convergenceTolerance?: number;
  /** Random source for the permutations; default `new SeededRandom(0)` (reproducible). */
  rng?: UniformSource;
}

/** Result of {@link gtgShapley}. */
export interface GtgShapleyResult {
  /** Estimated Shapley value per client id, in score units. */
  values: Map<number, number>;
  /** Permutations sampled. */
  permutations: number;
  /** Distinct subsets evaluated (calls of `evaluate`). */
  evaluations: number;
  /** Whether the convergence criterion was met before the permutation budget ran out. */
  converged: boolean;
  /** Whether between-round truncation applied (`|v(N) − v(∅)| ≤ tolerance`; all values 0). */
  truncated: boolean;
}

/** The options checked, defaults filled. */
function gtgOptions(opts: GtgShapleyOptions, n: number): Required<GtgShapleyOptions> {
  const {
    permutations = 10 * n,
    tolerance = 1e-3,
    convergenceTolerance = 0.01,
    rng = new SeededRandom(0),
  } = opts;
  if (!Number.isInteger(permutations) || permutations < 1) {
    throw new RangeError(
      `gtgShapley: permutations = ${String(permutations)} must be an integer ≥ 1`,
    );
  }
  for (const [name, x] of [
    ['tolerance', tolerance],
    ['convergenceTolerance', convergenceTolerance],
  ] as const) {
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) {
      throw new RangeError(`gtgShapley: ${name} = ${String(x)} must be finite and ≥ 0`);
    }
  }
  return { permutations, tolerance, convergenceTolerance, rng };
}

type GtgCore = Omit<GtgShapleyResult, 'values' | 'evaluations'> & { phi: Float64Array };

/**
 * GTG-Shapley's sampling as a generator over positions 0…n−1: it yields each subset (positions,
 * any order) whose value it needs and is resumed with that value; returns the estimates.
 */
function* gtgSteps(
  n: number,
  o: Required<GtgShapleyOptions>,
): Generator<number[], GtgCore, number> {
  const { permutations, tolerance, convergenceTolerance, rng } = o;
  const all = Array.from({ length: n }, (_, p) => p);
  const v0 = yield [];
  const vN = yield all;
  const phi = new Float64Array(n);
  const result = (k: number, converged: boolean, truncated: boolean): GtgCore => ({
    phi,
    permutations: k,
    converged,
    truncated,
  });
  if (Math.abs(vN - v0) <= tolerance) return result(0, true, true);
  const history: Float64Array[] = [];
  for (let k = 1; k <= permutations; k++) {
    // Guided sampling: a round-robin leader, the rest shuffled (Fisher–Yates).
    const lead = (k - 1) % n;
    const perm = all.filter((p) => p !== lead);
    for (let i = perm.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      const t = perm[i] as number;
      perm[i] = perm[j] as number;
      perm[j] = t;
    }
    perm.unshift(lead);
    let prev = v0;
    const prefix: number[] = [];
    for (const p of perm) {
      prefix.push(p);
      const v = Math.abs(vN - prev) > tolerance ? yield prefix.slice() : prev;
      phi[p] = ((k - 1) * (phi[p] as number) + (v - prev)) / k;
      prev = v;
    }
    history.push(Float64Array.from(phi));
    if (k >= 2 * n) {
      const old = history[k - 1 - n] as Float64Array;
      let scale = 0;
      let change = 0;
      for (let p = 0; p < n; p++) {
        scale = Math.max(scale, Math.abs(phi[p] as number));
        change = Math.max(change, Math.abs((phi[p] as number) - (old[p] as number)));
      }
      if (change <= convergenceTolerance * scale) return result(k, true, false);
    }
  }
  return result(permutations, false, false);
}

function gtgResult(clients: number[], core: GtgCore, evaluations: number): GtgShapleyResult {
  const { phi, ...rest } = core;
  return {
    values: new Map(clients.map((id, p) => [id, phi[p] as number])),
    ...rest,
    evaluations,
  };
}

/**
 * GTG-Shapley (Liu et al. 2022, Algorithm 1): Monte-Carlo permutation sampling of Shapley values
 * with between-round truncation, within-round truncation and guided sampling — permutation k
 * puts client `clients[(k − 1) mod n]` first (every client leads equally often) and shuffles the
 * rest uniformly. The estimate of φ_i is the running mean of its marginal gains
 * `v(prefix ∪ {i}) − v(prefix)` over the sampled permutations.
 *
 * Within-round truncation makes the estimate slightly biased (by at most `tolerance` per
 * permutation in total): the values sum to `v(N) − v(∅)` up to that amount.
 *
 * @param clients distinct client ids (n ≥ 1).
 * @param evaluate deterministic subset scorer; `evaluate([])` is the previous global model's score.
 * @throws RangeError on bad ids, options out of range (permutations not an integer ≥ 1,
 *   tolerance or convergenceTolerance not finite and ≥ 0), or a non-finite score.
 */
export function gtgShapley(
  clients: number[],
  evaluate: SubsetEvaluator,
  opts: GtgShapleyOptions = {},
): GtgShapleyResult {
  const { value, calls } = prepare(clients, evaluate, 'gtgShapley');
  const steps = gtgSteps(clients.length, gtgOptions(opts, clients.length));
  let r = steps.next();
  while (!r.done) r = steps.next(value(r.value));
  return gtgResult(clients, r.value, calls());
}

/**
 * {@link gtgShapley} with an asynchronous scorer (e.g. a model whose prediction is async): the
 * same permutations, truncations and estimates for the same scores and `rng`.
 * @throws RangeError as gtgShapley.
 */
export async function gtgShapleyAsync(
  clients: number[],
  evaluate: (subset: number[]) => Promise<number>,
  opts: GtgShapleyOptions = {},
): Promise<GtgShapleyResult> {
  // prepare() validates and caches; the cache is fed from awaited scores by key.
  const scores = new Map<string, number>();
  const keyOf = (subset: number[]) => [...subset].sort((a, b) => a - b).join(',');
  const { value, calls } = prepare(
    clients,
    (subset) => scores.get(keyOf(subset)) as number,
    'gtgShapley',
  );
  const steps = gtgSteps(clients.length, gtgOptions(opts, clients.length));
  let r = steps.next();
  while (!r.done) {
    const subset = r.value.map((p) => clients[p] as number);
    const key = keyOf(subset);
    if (!scores.has(key)) scores.set(key, await evaluate(subset));
    r = steps.next(value(r.value));
  }
  return gtgResult(clients, r.value, calls());
}
