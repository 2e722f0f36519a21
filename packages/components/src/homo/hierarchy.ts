/**
 * Hierarchical FL (standard 002 §5: client → edge → cloud; HierFAVG of Liu et al. 2020,
 * "Client-Edge-Cloud Hierarchical Federated Learning"): clients are grouped into edges; every
 * round each edge averages its own clients' updates into its edge model (weighted by examples),
 * and every `edgeRounds` rounds the cloud step averages the edge models (weighted by their
 * clients' examples) through the strategy's server optimiser, and all edges restart from it.
 * The aggregator plays the edge and cloud aggregators here (one arbiter node); each client
 * trains from its edge's model.
 */
import { weightedMean } from '@fedgrid/ml';
import { ComponentError } from '../spec.js';
import type { ClientHello } from './model.js';
import type { HomoRoundParams } from './params.js';
import type { ClientUpdate, HomoStrategy } from './strategy.js';

/**
 * Checks `hierarchy` against the job's clients: every client in exactly one edge, and plain
 * FedAvg (hierarchical rounds do not combine with SecAgg, DP or robust rules in this version).
 * @returns client → edge index.
 * @throws ComponentError BAD_PARAMS naming what is wrong.
 */
export function checkHierarchy(
  p: HomoRoundParams,
  clients: readonly string[],
): Map<string, number> {
  const h = p.hierarchy as NonNullable<HomoRoundParams['hierarchy']>;
  const edgeOf = new Map<string, number>();
  if (p.secureAggregation.enabled || p.dp.mode !== 'off' || p.robust.aggregator !== 'mean')
    throw new ComponentError(
      'BAD_PARAMS',
      'hierarchy combines with plain FedAvg (robust.aggregator mean, no dp, no secureAggregation) in this version',
      { field: 'hierarchy' },
    );
  h.edges.forEach((members, e) =>
    members.forEach((c) => {
      if (!clients.includes(c))
        throw new ComponentError(
          'BAD_PARAMS',
          `hierarchy.edges[${e}] names '${c}', which is not a client of this job (clients: ${clients.join(', ')})`,
          { field: 'hierarchy.edges' },
        );
      if (edgeOf.has(c))
        throw new ComponentError('BAD_PARAMS', `client '${c}' is in two edges`, {
          field: 'hierarchy.edges',
        });
      edgeOf.set(c, e);
    }),
  );
  const missing = clients.filter((c) => !edgeOf.has(c));
  if (missing.length)
    throw new ComponentError(
      'BAD_PARAMS',
      `hierarchy.edges leaves out ${missing.join(', ')}: put every client in one edge`,
      { field: 'hierarchy.edges' },
    );
  return edgeOf;
}

export class EdgeModels {
  private readonly edgeOf: Map<string, number>;
  private readonly models: Float64Array[];

  /**
   * @throws ComponentError BAD_PARAMS when the edges do not partition the clients, or with
   *   SecAgg, DP or a robust rule (hierarchical rounds combine with plain FedAvg only).
   */
  constructor(
    private readonly p: HomoRoundParams,
    clients: readonly string[],
    private readonly hellos: ReadonlyMap<string, ClientHello>,
    global: Float64Array,
    saved?: number[][],
  ) {
    const h = p.hierarchy as NonNullable<HomoRoundParams['hierarchy']>;
    this.edgeOf = checkHierarchy(p, clients);
    this.models = h.edges.map((_, e) =>
      saved?.[e] ? Float64Array.from(saved[e]) : global.slice(),
    );
  }

  /** The model a client trains from this round. */
  modelOf(client: string): Float64Array {
    return this.models[this.edgeOf.get(client) as number] as Float64Array;
  }

  /**
   * Edge aggregation of round `round`, and the cloud step when it is due.
   * @returns the global model (unchanged between cloud steps) and whether a cloud step ran.
   */
  aggregate(
    round: number,
    global: Float64Array,
    updates: readonly ClientUpdate[],
    strategy: HomoStrategy,
  ): { global: Float64Array; cloud: boolean } {
    const h = this.p.hierarchy as NonNullable<HomoRoundParams['hierarchy']>;
    this.models.forEach((model, e) => {
      const mine = updates.filter((u) => this.edgeOf.get(u.client) === e);
      if (mine.length === 0) return;
      const mean = weightedMean(
        mine.map((u) => u.delta),
        mine.map((u) => u.header.examples),
      );
      for (let j = 0; j < model.length; j++) model[j] = (model[j] as number) + (mean[j] as number);
    });
    if ((round + 1) % h.edgeRounds !== 0 && round !== this.p.rounds - 1)
      return { global, cloud: false };
    const edgeUpdates: ClientUpdate[] = this.models.map((model, e) => ({
      client: `edge-${e}`,
      header: {
        examples: h.edges[e]!.reduce((a, c) => a + (this.hellos.get(c)?.examples ?? 0), 0),
        loss: 0,
        evaluation: { examples: 0, loss: 0, metrics: {} },
      },
      delta: model.map((v, j) => v - (global[j] as number)),
    }));
    const next = strategy.aggregate(global, edgeUpdates);
    this.models.forEach((m) => m.set(next));
    return { global: next, cloud: true };
  }

  state(): number[][] {
    return this.models.map((m) => [...m]);
  }
}
