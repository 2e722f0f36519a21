/**
 * Per-round contribution of each client, scored on a validation set the server holds (standard
 * 002 §9.3.5 b, the basis for incentives): the value of a set S of clients is the validation
 * score of θ_r + (weighted mean of S's updates) minus that of θ_r alone, the score being the
 * negative validation loss. Per round the server computes leave-one-out and the Shapley value:
 * exact over all 2^n subsets for n ≤ 10 (Shapley 1953), estimated by GTG-Shapley (Liu et al.
 * 2022, Algorithm 1: guided permutation sampling with truncation) for larger rounds;
 * contributions are summed over rounds. Needs individual updates, so not under SecAgg.
 */
import { exactShapley, gtgShapleyAsync, leaveOneOut, weightedMean, type Frame } from '@fedgrid/ml';
import type { HomoModelKind, ModelSetup } from './model.js';
import type { HomoRoundParams } from './params.js';
import { evaluatePredictions, targets } from './tabular.js';
import type { ClientUpdate } from './strategy.js';

/** Most clients whose 2^n subsets are scored exactly. */
export const MAX_EXACT_SHAPLEY = 10;

export interface Contribution {
  leaveOneOut: number;
  /** Exact, or GTG-Shapley's estimate in rounds of more than MAX_EXACT_SHAPLEY clients. */
  shapley?: number;
}

export type LedgerState = Record<string, { loo: number; shapley?: number; rounds: number }>;

export class ContributionLedger<P extends HomoRoundParams> {
  private readonly totals = new Map<string, { loo: number; shapley: number; rounds: number }>();
  private readonly y: Float64Array;

  constructor(
    private readonly kind: HomoModelKind<P>,
    private readonly setup: ModelSetup,
    private readonly params: P,
    private readonly validation: Frame,
    saved?: LedgerState,
  ) {
    this.y = targets(validation, setup);
    for (const [c, t] of Object.entries(saved ?? {}))
      this.totals.set(c, { ...t, shapley: t.shapley ?? NaN });
  }

  /** JSON state for the round checkpoint. */
  state(): LedgerState {
    return Object.fromEntries(
      [...this.totals].map(([c, t]) => [
        c,
        {
          loo: t.loo,
          rounds: t.rounds,
          ...(Number.isNaN(t.shapley) ? {} : { shapley: t.shapley }),
        },
      ]),
    );
  }

  private async score(theta: Float64Array): Promise<number> {
    const part = this.kind.modelPart(this.setup, theta, this.params);
    const p = await this.kind.predict(part, this.validation);
    const out = this.setup.task === 'multiclass' ? (p.probabilities as Float64Array) : p.scores;
    return -evaluatePredictions(this.setup, this.y, out).loss;
  }

  /** Adds one round: `global` is θ_r, `updates` the aggregated clients' updates. */
  async addRound(
    global: Float64Array,
    updates: readonly ClientUpdate[],
    weights: readonly number[],
  ): Promise<void> {
    const n = updates.length;
    const base = await this.score(global);
    const value = new Map<string, number>();
    const keyOf = (subset: number[]) => [...subset].sort((a, b) => a - b).join(',');
    const valueOf = async (subset: number[]): Promise<number> => {
      const key = keyOf(subset);
      let v = value.get(key);
      if (v === undefined) {
        if (subset.length === 0) v = 0;
        else {
          const mean = weightedMean(
            subset.map((i) => (updates[i] as ClientUpdate).delta),
            subset.map((i) => weights[i] as number),
          );
          v = (await this.score(global.map((g, j) => g + (mean[j] as number)))) - base;
        }
        value.set(key, v);
      }
      return v;
    };
    const ids = updates.map((_, i) => i);
    const exact = n <= MAX_EXACT_SHAPLEY;
    await valueOf(ids);
    for (const i of ids) await valueOf(ids.filter((j) => j !== i));
    if (exact)
      for (let mask = 0; mask < 1 << n; mask++) await valueOf(ids.filter((i) => mask & (1 << i)));
    const lookup = (subset: number[]) => value.get(keyOf(subset)) as number;
    const loo = leaveOneOut(ids, lookup);
    const shapley = exact
      ? exactShapley(ids, lookup)
      : (await gtgShapleyAsync(ids, valueOf)).values;
    updates.forEach((u, i) => {
      const t = this.totals.get(u.client) ?? { loo: 0, shapley: 0, rounds: 0 };
      t.loo += loo.get(i) as number;
      t.shapley += shapley.get(i) as number;
      t.rounds++;
      this.totals.set(u.client, t);
    });
  }

  /** Contributions summed over the rounds each client took part in. */
  report(): Record<string, Contribution & { rounds: number }> {
    return Object.fromEntries(
      [...this.totals].map(([c, t]) => [
        c,
        {
          leaveOneOut: t.loo,
          ...(Number.isNaN(t.shapley) ? {} : { shapley: t.shapley }),
          rounds: t.rounds,
        },
      ]),
    );
  }
}
