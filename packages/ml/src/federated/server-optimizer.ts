/**
 * Server-side optimisers for federated learning: the server treats the pseudo-gradient
 * `Δ_t = aggregated − global` (the averaged client delta) like a gradient step.
 *
 * Reddi, Charles, Zaheer, Garrett, Rush, Konečný, Kumar, McMahan, "Adaptive Federated
 * Optimization", ICLR 2021 (Algorithm 2: FedAdagrad, FedAdam, FedYogi). FedAvg is the η = 1
 * special case of server SGD (McMahan et al., AISTATS 2017).
 *
 * As in the paper's Algorithm 2 there is no bias correction; the moments start at 0 as in
 * Flower's FedAdam/FedYogi/FedAdagrad strategies (the paper only requires v₋₁ ≥ τ², which the
 * `+ τ` in the denominator makes immaterial for the step).
 */
import { checkVector } from './vectors.js';

/** The supported server update rules. */
export type ServerOptimizerKind = 'fedavg' | 'fedadam' | 'fedyogi' | 'fedadagrad';

/** Options of {@link createServerOptimizer}; unset fields take the defaults of that kind. */
export interface ServerOptimizerOptions {
  kind: ServerOptimizerKind;
  /** Server learning rate η. Defaults: fedavg 1, fedadam 0.1, fedyogi 0.01, fedadagrad 0.1. */
  learningRate?: number;
  /** First-moment decay β₁ in [0, 1). Defaults: fedadam/fedyogi 0.9, fedadagrad 0. */
  beta1?: number;
  /** Second-moment decay β₂ in [0, 1) (fedadam/fedyogi). Default 0.99. */
  beta2?: number;
  /** Adaptivity τ > 0 added to √v. Defaults: fedadam 1e-9, fedyogi 1e-3, fedadagrad 1e-9. */
  tau?: number;
}

/** JSON-serialisable optimiser state (plain number arrays), for checkpoints. */
export interface ServerOptimizerState {
  version: 1;
  kind: ServerOptimizerKind;
  learningRate: number;
  beta1: number;
  beta2: number;
  tau: number;
  /** Number of steps taken. */
  rounds: number;
  /** First moment m (length d), or null before the first adaptive step. */
  m: number[] | null;
  /** Second moment v (length d), or null before the first adaptive step. */
  v: number[] | null;
}

/**
 * Defaults follow Flower's strategies (flwr.server.strategy FedAvg / FedAdam / FedYogi /
 * FedAdagrad), which take them from the hyper-parameter grids of Reddi et al. 2021.
 */
const DEFAULTS: Record<
  ServerOptimizerKind,
  Omit<ServerOptimizerState, 'version' | 'kind' | 'rounds' | 'm' | 'v'>
> = {
  fedavg: { learningRate: 1, beta1: 0, beta2: 0, tau: 0 },
  fedadam: { learningRate: 0.1, beta1: 0.9, beta2: 0.99, tau: 1e-9 },
  fedyogi: { learningRate: 0.01, beta1: 0.9, beta2: 0.99, tau: 1e-3 },
  fedadagrad: { learningRate: 0.1, beta1: 0, beta2: 0, tau: 1e-9 },
};

const KINDS = Object.keys(DEFAULTS) as ServerOptimizerKind[];

/**
 * A stateful server optimiser (Reddi et al. 2021, Algorithm 2). With `Δ = aggregated − global`:
 *
 * - fedavg: `x ← x + η Δ` (η = 1 returns `aggregated` exactly);
 * - all adaptive kinds: `m ← β₁ m + (1 − β₁) Δ` and `x ← x + η m / (√v + τ)`, with
 *   - fedadagrad: `v ← v + Δ²`,
 *   - fedadam: `v ← β₂ v + (1 − β₂) Δ²`,
 *   - fedyogi: `v ← v − (1 − β₂) Δ² sign(v − Δ²)`.
 */
export class ServerOptimizer {
  private m: Float64Array | null;
  private v: Float64Array | null;
  private rounds: number;

  private constructor(private readonly cfg: ServerOptimizerState) {
    this.m = cfg.m ? Float64Array.from(cfg.m) : null;
    this.v = cfg.v ? Float64Array.from(cfg.v) : null;
    this.rounds = cfg.rounds;
  }

  /** The update rule. */
  get kind(): ServerOptimizerKind {
    return this.cfg.kind;
  }

  /**
   * One server round.
   *
   * @param global the current global model x_t (length d).
   * @param aggregated the aggregate of the client models (e.g. {@link weightedMean} of client
   *   models, or of deltas plus `global`), same length d — a model, not a delta.
   * @returns the new global model x_{t+1} (a new array; the inputs are not modified).
   * @throws RangeError when the vectors are empty, of different lengths, not finite, or of a
   *   different length than in earlier steps.
   */
  step(global: Float64Array, aggregated: Float64Array): Float64Array<ArrayBuffer> {
    checkVector(global, 'ServerOptimizer.step: global');
    checkVector(aggregated, 'ServerOptimizer.step: aggregated');
    const d = global.length;
    if (aggregated.length !== d) {
      throw new RangeError(
        `ServerOptimizer.step: global has length ${d} but aggregated has ${aggregated.length}`,
      );
    }
    if (this.m && this.m.length !== d) {
      throw new RangeError(
        `ServerOptimizer.step: the optimiser state has length ${this.m.length} but the model has ` +
          `${d}: use a fresh optimiser for a different model layout`,
      );
    }
    const { kind, learningRate: eta, beta1, beta2, tau } = this.cfg;
    this.rounds++;
    if (kind === 'fedavg') {
      if (eta === 1) return Float64Array.from(aggregated);
      const out = new Float64Array(d);
      for (let j = 0; j < d; j++) {
        const x = global[j] as number;
        out[j] = x + eta * ((aggregated[j] as number) - x);
      }
      return out;
    }
    const m = (this.m ??= new Float64Array(d));
    const v = (this.v ??= new Float64Array(d));
    const out = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      const x = global[j] as number;
      const delta = (aggregated[j] as number) - x;
      const d2 = delta * delta;
      const mj = beta1 * (m[j] as number) + (1 - beta1) * delta;
      const vOld = v[j] as number;
      const vj =
        kind === 'fedadagrad'
          ? vOld + d2
          : kind === 'fedadam'
            ? beta2 * vOld + (1 - beta2) * d2
            : vOld - (1 - beta2) * d2 * Math.sign(vOld - d2);
      m[j] = mj;
      v[j] = vj;
      out[j] = x + (eta * mj) / (Math.sqrt(vj) + tau);
    }
    return out;
  }

  /** A JSON-serialisable copy of the configuration and moments (plain number arrays). */
  state(): ServerOptimizerState {
    return {
      ...this.cfg,
      rounds: this.rounds,
      m: this.m ? Array.from(this.m) : null,
      v: this.v ? Array.from(this.v) : null,
    };
  }

  /**
   * Rebuilds an optimiser from {@link ServerOptimizer.state} (e.g. after `JSON.parse`).
   *
   * @throws RangeError when the state is malformed: unknown version or kind, hyper-parameters
   *   out of range, moments of different lengths or non-finite.
   */
  static restore(state: ServerOptimizerState): ServerOptimizer {
    if (typeof state !== 'object' || state === null || state.version !== 1) {
      throw new RangeError('ServerOptimizer.restore: expected a state object with version 1');
    }
    const cfg = validate(state, 'ServerOptimizer.restore');
    if (!Number.isInteger(state.rounds) || state.rounds < 0) {
      throw new RangeError(
        `ServerOptimizer.restore: rounds = ${String(state.rounds)} must be an integer ≥ 0`,
      );
    }
    const m = state.m;
    const v = state.v;
    if ((m === null) !== (v === null)) {
      throw new RangeError('ServerOptimizer.restore: m and v must both be arrays or both null');
    }
    if (m !== null && v !== null) {
      if (!Array.isArray(m) || !Array.isArray(v) || m.length !== v.length || m.length === 0) {
        throw new RangeError(
          'ServerOptimizer.restore: m and v must be non-empty arrays of equal length',
        );
      }
      if (!m.every(Number.isFinite) || !v.every((x) => Number.isFinite(x) && x >= 0)) {
        throw new RangeError('ServerOptimizer.restore: m must be finite and v finite and ≥ 0');
      }
    }
    return new ServerOptimizer({ ...cfg, rounds: state.rounds, m: m && [...m], v: v && [...v] });
  }
}

/**
 * Creates a server optimiser (Reddi et al. 2021, "Adaptive Federated Optimization").
 *
 * @param parameterCount optional model length d: the moments are allocated now and every step
 *   must use vectors of this length.
 * @throws RangeError for an unknown kind, η not finite and > 0, β₁/β₂ outside [0, 1), τ not
 *   finite and > 0 (adaptive kinds), or parameterCount not an integer ≥ 1.
 */
export function createServerOptimizer(
  opts: ServerOptimizerOptions,
  parameterCount?: number,
): ServerOptimizer {
  const kind = opts?.kind;
  if (!KINDS.includes(kind)) {
    throw new RangeError(
      `createServerOptimizer: kind '${String(kind)}' is unknown: use ${KINDS.join(', ')}`,
    );
  }
  const d = DEFAULTS[kind];
  const cfg = validate(
    {
      version: 1,
      kind,
      learningRate: opts.learningRate ?? d.learningRate,
      beta1: opts.beta1 ?? d.beta1,
      beta2: opts.beta2 ?? d.beta2,
      tau: opts.tau ?? d.tau,
      rounds: 0,
      m: null,
      v: null,
    },
    'createServerOptimizer',
  );
  if (parameterCount !== undefined) {
    if (!Number.isInteger(parameterCount) || parameterCount < 1) {
      throw new RangeError(
        `createServerOptimizer: parameterCount = ${String(parameterCount)} must be an integer ≥ 1`,
      );
    }
    const zeros = new Array<number>(parameterCount).fill(0);
    return ServerOptimizer.restore({ ...cfg, m: zeros, v: [...zeros] });
  }
  return ServerOptimizer.restore(cfg);
}

function validate(s: ServerOptimizerState, where: string): ServerOptimizerState {
  if (!KINDS.includes(s.kind)) {
    throw new RangeError(`${where}: kind '${String(s.kind)}' is unknown: use ${KINDS.join(', ')}`);
  }
  const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  if (!finite(s.learningRate) || s.learningRate <= 0) {
    throw new RangeError(
      `${where}: learningRate = ${String(s.learningRate)} must be finite and > 0`,
    );
  }
  for (const key of ['beta1', 'beta2'] as const) {
    const b = s[key];
    if (!finite(b) || b < 0 || b >= 1) {
      throw new RangeError(`${where}: ${key} = ${String(b)} must be in [0, 1)`);
    }
  }
  if (!finite(s.tau) || s.tau < 0 || (s.kind !== 'fedavg' && s.tau === 0)) {
    throw new RangeError(
      `${where}: tau = ${String(s.tau)} must be finite and > 0 (it keeps η·m/(√v + τ) bounded)`,
    );
  }
  return {
    version: 1,
    kind: s.kind,
    learningRate: s.learningRate,
    beta1: s.beta1,
    beta2: s.beta2,
    tau: s.tau,
    rounds: 0,
    m: null,
    v: null,
  };
}
