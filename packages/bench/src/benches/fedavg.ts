/**
 * One aggregation round of horizontal FL, plain FedAvg against secure aggregation, side by side
 * with the same clients, parameters and dropout (the price of SecAgg as a ratio). All clients
 * run in this process (Bonawitz et al. 2017 measure the same way); client and server seconds are
 * reported separately. Training time is excluded: it is the same with and without SecAgg.
 */
import { simulateSecAggRound, quantize } from '@fedgrid/crypto';
import { createServerOptimizer, weightedMean } from '@fedgrid/ml';
import { round, type BenchResult } from '../report.js';

export interface AggregationCase {
  clients: number;
  parameters: number;
  /** Fraction of clients that drop after sharing keys (SecAgg) / send nothing (FedAvg). */
  dropout: number;
}

function updates(n: number, length: number): Float64Array[] {
  return Array.from({ length: n }, (_, k) =>
    Float64Array.from({ length }, (_, i) => Math.sin(k * 7919 + i) * 0.01),
  );
}

/** fedavg.round: the server's weighted mean of the surviving updates and its optimiser step. */
export function benchFedAvgRound(c: AggregationCase): BenchResult {
  const survivors = c.clients - Math.round(c.dropout * c.clients);
  const ups = updates(survivors, c.parameters);
  const global = new Float64Array(c.parameters);
  const opt = createServerOptimizer({ kind: 'fedavg' });
  const t0 = performance.now();
  const mean = weightedMean(
    ups,
    ups.map(() => 1),
  );
  opt.step(
    global,
    global.map((g, i) => g + (mean[i] as number)),
  );
  const server = (performance.now() - t0) / 1000;
  return {
    name: 'fedavg.round',
    params: { ...c },
    seconds: round(server),
    per_second: round(1 / server),
    unit: 'rounds',
    client_seconds: 0,
    server_seconds: round(server),
  };
}

/** secagg.round: one full SecAgg round (quantisation included on the client side). */
export function benchSecAggRound(c: AggregationCase): BenchResult {
  const drop = Math.round(c.dropout * c.clients);
  const ups = updates(c.clients, c.parameters);
  const tq = performance.now();
  const inputs = ups.map((u) => quantize(u, { clip: 1, bits: 24 }));
  const quantizeSeconds = (performance.now() - tq) / 1000 / c.clients;
  const res = simulateSecAggRound({
    clients: c.clients,
    length: c.parameters,
    inputs,
    dropAfterShareKeys: Array.from(
      { length: drop },
      (_, k) => k * Math.floor(c.clients / drop || 1),
    ).slice(0, drop),
  });
  if (res.included.length !== c.clients - drop)
    throw new Error(
      `secagg.round: ${res.included.length} clients included, expected ${c.clients - drop}`,
    );
  const client = res.clientSeconds + quantizeSeconds;
  const seconds = client + res.serverSeconds;
  return {
    name: 'secagg.round',
    params: { ...c },
    seconds: round(seconds),
    per_second: round(1 / seconds),
    unit: 'rounds',
    client_seconds: round(client),
    server_seconds: round(res.serverSeconds),
  };
}
