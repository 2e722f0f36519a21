/**
 * `fedgrid relay start`: runs the relay of a relay directory (docs/protocols/relay.md) until it is
 * closed. The list of registered inside nodes is read from relay.yaml at every tunnel connection.
 * With `metrics` set in relay.yaml it also serves Prometheus `/metrics` (relay-metrics.ts).
 */
import type { Server } from 'node:http';
import { pino, type Logger } from 'pino';
import {
  Relay,
  type RelayChunk,
  type RelayLimits,
  type RelayPorts,
  type RelayStats,
} from '@fedgrid/federation';
import { loadRelayConfig, readRelayIdentity } from './relay-config.js';
import { serveRelayMetrics } from './relay-metrics.js';

export interface StartRelayOptions {
  /** Relay directory (holding relay.yaml). */
  dir: string;
  logLevel?: string;
  /** Destination of the JSON log (default stdout). */
  logDestination?: pino.DestinationStream;
  /** Sees every forwarded chunk (tests check that it is ciphertext). */
  observe?: (chunk: RelayChunk) => void;
  /** Overrides relay.yaml `limits` field by field (tests). */
  limits?: Partial<RelayLimits>;
}

export interface RunningRelay extends RelayPorts {
  fingerprint: string;
  log: Logger;
  /** Port of `/metrics`; absent when relay.yaml sets no `metrics`. */
  metricsPort?: number;
  /** Ids of the inside nodes whose tunnel is up. */
  connected(): string[];
  /** Counters and gauges (what `/metrics` serves). */
  stats(): RelayStats;
  /** The limits in force: relay.yaml's, defaults for the rest. */
  limits: Readonly<RelayLimits>;
  close(): Promise<void>;
}

/**
 * Starts the relay; resolves once its ports listen.
 * @throws FedGridError NOT_FOUND / VALIDATION_FAILED for a missing or bad relay.yaml or identity;
 *   the listen error (EADDRINUSE, EACCES) of a port that cannot be bound.
 */
export async function startRelay(opts: StartRelayOptions): Promise<RunningRelay> {
  const loaded = await loadRelayConfig(opts.dir);
  const { config } = loaded;
  const identity = await readRelayIdentity(loaded);
  const log = pino(
    { level: opts.logLevel ?? config.log.level, base: { relay: config.relay.id } },
    opts.logDestination,
  );
  const relay = new Relay({
    identity,
    nodes: async () => (await loadRelayConfig(loaded.dir)).config.nodes,
    tunnel: config.tunnel,
    api: config.api,
    data: config.data,
    log,
    limits: { ...config.limits, ...opts.limits },
    ...(opts.observe ? { observe: opts.observe } : {}),
  });
  const ports = await relay.listen();
  let metrics: { server: Server; port: number } | undefined;
  if (config.metrics) {
    try {
      metrics = await serveRelayMetrics(relay, config.metrics);
    } catch (err) {
      await relay.close();
      throw err;
    }
  }
  log.info(
    {
      ...ports,
      ...(metrics ? { metricsPort: metrics.port } : {}),
      fingerprint: identity.fingerprint,
      nodes: config.nodes.map((n) => n.id),
      limits: relay.limitsInForce,
    },
    'relay started',
  );
  return {
    ...ports,
    ...(metrics ? { metricsPort: metrics.port } : {}),
    fingerprint: identity.fingerprint,
    log,
    connected: () => relay.connected(),
    stats: () => relay.stats(),
    limits: relay.limitsInForce,
    close: async () => {
      if (metrics) {
        const server = metrics.server;
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      await relay.close();
    },
  };
}
