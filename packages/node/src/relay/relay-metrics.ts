/**
 * The relay's Prometheus `/metrics` (prom-client, text format): tunnels and forwarded connections
 * per inside node, bytes each way, connections refused per limit. Plain HTTP without
 * authentication — the relay holds no secret worth protecting here, but the numbers name inside
 * nodes and traffic volumes: bind it to a management address (default 127.0.0.1).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Relay } from '@fedgrid/federation';

/**
 * A registry whose metrics read `relay.stats()` at each scrape.
 * Metric names: fedgrid_relay_tunnels{node}, fedgrid_relay_connections{node},
 * fedgrid_relay_pending_hellos, fedgrid_relay_forwarded_connections_total{node,plane},
 * fedgrid_relay_forwarded_bytes_total{node,plane,direction}, fedgrid_relay_refused_total{reason},
 * fedgrid_relay_throttled_seconds_total{node,budget}.
 */
export function relayRegistry(relay: Relay): Registry {
  const registers = [new Registry()];
  new Gauge({
    name: 'fedgrid_relay_tunnels',
    help: 'Tunnels up per inside node',
    labelNames: ['node'],
    registers,
    collect() {
      this.reset();
      for (const [node, n] of Object.entries(relay.stats().tunnels)) this.set({ node }, n);
    },
  });
  new Gauge({
    name: 'fedgrid_relay_connections',
    help: 'Partner connections being forwarded now, per inside node',
    labelNames: ['node'],
    registers,
    collect() {
      this.reset();
      for (const [node, n] of Object.entries(relay.stats().connections)) this.set({ node }, n);
    },
  });
  new Gauge({
    name: 'fedgrid_relay_pending_hellos',
    help: 'Public-port connections still sending their TLS ClientHello',
    registers,
    collect() {
      this.set(relay.stats().pendingHellos);
    },
  });
  new Counter({
    name: 'fedgrid_relay_forwarded_connections_total',
    help: 'Partner connections forwarded since start',
    labelNames: ['node', 'plane'],
    registers,
    collect() {
      this.reset();
      for (const f of relay.stats().forwarded)
        this.inc({ node: f.node, plane: f.plane }, f.connections);
    },
  });
  new Counter({
    name: 'fedgrid_relay_forwarded_bytes_total',
    help: 'Bytes forwarded since start (to-node: from partners; from-node: to partners)',
    labelNames: ['node', 'plane', 'direction'],
    registers,
    collect() {
      this.reset();
      for (const f of relay.stats().forwarded) {
        this.inc({ node: f.node, plane: f.plane, direction: 'to-node' }, f.bytesToNode);
        this.inc({ node: f.node, plane: f.plane, direction: 'from-node' }, f.bytesFromNode);
      }
    },
  });
  new Counter({
    name: 'fedgrid_relay_refused_total',
    help: 'Connections refused since start, per reason (a limit, an unknown server name, an unregistered certificate, …)',
    labelNames: ['reason'],
    registers,
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(relay.stats().refused))
        if (n) this.inc({ reason }, n);
    },
  });
  new Counter({
    name: 'fedgrid_relay_throttled_seconds_total',
    help: "Seconds an inside node's forwarded connections were paused by a byte budget (summed over connections and directions), by the budget that paused them: node or source",
    labelNames: ['node', 'budget'],
    registers,
    collect() {
      this.reset();
      for (const t of relay.stats().throttled)
        this.inc({ node: t.node, budget: t.budget }, t.seconds);
    },
  });
  return registers[0]!;
}

/**
 * Serves `GET /metrics` for `relay` on `at`.
 * @returns the server and its port. @throws the listen error (EADDRINUSE, EACCES).
 */
export async function serveRelayMetrics(
  relay: Relay,
  at: { host: string; port: number },
): Promise<{ server: Server; port: number }> {
  const registry = relayRegistry(relay);
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(err.message),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, port: (server.address() as AddressInfo).port };
}
