/**
 * `fedgrid relay start`: runs the relay of a relay directory (docs/protocols/relay.md) until it is
 * closed. The list of registered inside nodes is read from relay.yaml at every tunnel connection.
 */
import { pino, type Logger } from 'pino';
import { Relay, type RelayChunk, type RelayPorts } from '@fedgrid/federation';
import { loadRelayConfig, readRelayIdentity } from './relay-config.js';

export interface StartRelayOptions {
  /** Relay directory (holding relay.yaml). */
  dir: string;
  logLevel?: string;
  /** Destination of the JSON log (default stdout). */
  logDestination?: pino.DestinationStream;
  /** Sees every forwarded chunk (tests check that it is ciphertext). */
  observe?: (chunk: RelayChunk) => void;
}

export interface RunningRelay extends RelayPorts {
  fingerprint: string;
  log: Logger;
  /** Ids of the inside nodes whose tunnel is up. */
  connected(): string[];
  close(): Promise<void>;
}

/**
 * Starts the relay; resolves once its three ports listen.
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
    ...(opts.observe ? { observe: opts.observe } : {}),
  });
  const ports = await relay.listen();
  log.info(
    { ...ports, fingerprint: identity.fingerprint, nodes: config.nodes.map((n) => n.id) },
    'relay started',
  );
  return {
    ...ports,
    fingerprint: identity.fingerprint,
    log,
    connected: () => relay.connected(),
    close: () => relay.close(),
  };
}
