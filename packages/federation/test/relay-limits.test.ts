/**
 * The relay's abuse limits against hostile parties (docs/protocols/relay.md, "Limits"), in
 * process: a registered inside node opening tunnels beyond its limit, a registered node whose
 * certificate claims another node's id, an unregistered certificate, a partner (by source
 * address) opening connections beyond its concurrent and rate limits, and partners exhausting
 * one node's connection limit. Every refusal is counted by reason and logged with the limit.
 */
import { createServer as createHttpsServer, type Server } from 'node:https';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  generateIdentity,
  Relay,
  RelayTunnel,
  relayLimits,
  type RelayLimits,
  type TlsIdentity,
} from '@fedgrid/federation';

let relayId: TlsIdentity;
let alphaId: TlsIdentity;
/** Registered as node 'beta', but its certificate's common name claims 'alpha'. */
let betaId: TlsIdentity;
const servers: Server[] = [];
const ports: Record<'alpha' | 'beta', number> = { alpha: 0, beta: 0 };
const open: { close(): unknown }[] = [];
const warnings: { obj: Record<string, unknown>; msg: string }[] = [];

beforeAll(async () => {
  [relayId, alphaId, betaId] = await Promise.all([
    generateIdentity('relay'),
    generateIdentity('alpha'),
    generateIdentity('alpha'),
  ]);
  for (const [name, id] of [
    ['alpha', alphaId],
    ['beta', betaId],
  ] as const) {
    const s = createHttpsServer(
      { key: id.keyPem, cert: id.certPem, minVersion: 'TLSv1.3' },
      (_req, res) => res.end(name),
    );
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    servers.push(s);
    ports[name] = (s.address() as AddressInfo).port;
  }
});

afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
  warnings.length = 0;
});

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function startRelay(
  limits: Partial<RelayLimits>,
): Promise<{ relay: Relay; apiPort: number; tunnelPort: number }> {
  const relay = new Relay({
    identity: relayId,
    nodes: () => [
      { id: 'alpha', fingerprint: alphaId.fingerprint },
      { id: 'beta', fingerprint: betaId.fingerprint },
    ],
    tunnel: { host: '127.0.0.1', port: 0 },
    api: { host: '127.0.0.1', port: 0 },
    data: { host: '127.0.0.1', port: 0 },
    limits,
    log: {
      info() {},
      debug() {},
      warn: (obj, msg) => warnings.push({ obj: obj as Record<string, unknown>, msg }),
    },
  });
  const p = await relay.listen();
  open.push(relay);
  return { relay, apiPort: p.apiPort, tunnelPort: p.tunnelPort };
}

function tunnel(identity: TlsIdentity, tunnelPort: number, port: number): RelayTunnel {
  const t = new RelayTunnel({
    identity,
    relayAddress: `127.0.0.1:${tunnelPort}`,
    relayFingerprint: relayId.fingerprint,
    targets: { api: { host: '127.0.0.1', port }, data: { host: '127.0.0.1', port } },
    retryMs: 60_000,
  });
  open.push(t);
  return t;
}

async function up(t: RelayTunnel): Promise<void> {
  const registered = t.registered();
  t.start();
  await registered;
}

/** A partner's TLS connection through the relay; resolves with the certificate presented. */
function partnerTls(apiPort: number, servername: string): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({
      host: '127.0.0.1',
      port: apiPort,
      servername,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.3',
    });
    s.once('secureConnect', () => resolve(s));
    s.once('error', reject);
    open.push({ close: () => s.destroy() });
  });
}

/** A raw TCP connection that sends nothing; resolves once connected. */
function rawTcp(port: number, localAddress?: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, ...(localAddress ? { localAddress } : {}) });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
    s.on('error', () => {});
    open.push({ close: () => s.destroy() });
  });
}

const closed = (s: net.Socket) =>
  new Promise<void>((r) => (s.destroyed ? r() : s.once('close', () => r())));

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe('relay limits', () => {
  it('validates limits with a message naming the field', () => {
    expect(relayLimits({}).maxTunnelsPerNode).toBe(8);
    expect(() => relayLimits({ maxConnectionsPerSource: 0 })).toThrow(
      /maxConnectionsPerSource must be a positive integer, got 0/,
    );
    expect(() => relayLimits({ connectionsPerSecondPerSource: -1 })).toThrow(
      /connectionsPerSecondPerSource/,
    );
  });

  it('a registered node opening tunnels beyond maxTunnelsPerNode is refused; its tunnels in force keep working', async () => {
    const { relay, tunnelPort, apiPort } = await startRelay({ maxTunnelsPerNode: 2 });
    await up(tunnel(alphaId, tunnelPort, ports.alpha));
    await up(tunnel(alphaId, tunnelPort, ports.alpha));
    await expect(up(tunnel(alphaId, tunnelPort, ports.alpha))).rejects.toThrow(
      /closed the tunnel before accepting it|ECONNRESET/,
    );
    expect(relay.stats().tunnels).toEqual({ alpha: 2 });
    expect(relay.stats().refused).toEqual({ node_tunnels: 1 });
    const w = warnings.find((x) => x.obj['reason'] === 'node_tunnels');
    expect(w?.msg).toMatch(/maxTunnelsPerNode/);
    expect(w?.obj).toMatchObject({ node: 'alpha', tunnels: 2, maxTunnelsPerNode: 2 });
    const s = await partnerTls(apiPort, 'alpha.fedgrid');
    expect(s.getPeerCertificate().fingerprint256).toBe(alphaId.fingerprint);
  });

  it("a registered node cannot take another node's route, whatever its certificate claims; an unregistered certificate gets no tunnel", async () => {
    const { relay, tunnelPort, apiPort } = await startRelay({});
    await up(tunnel(alphaId, tunnelPort, ports.alpha));
    // beta's certificate says CN=alpha: the relay keys the tunnel by fingerprint, so it is beta's.
    await up(tunnel(betaId, tunnelPort, ports.beta));
    expect(relay.stats().tunnels).toEqual({ alpha: 1, beta: 1 });
    for (let i = 0; i < 6; i++) {
      const s = await partnerTls(apiPort, 'alpha.fedgrid');
      expect(s.getPeerCertificate().fingerprint256).toBe(alphaId.fingerprint);
      s.destroy();
    }
    const b = await partnerTls(apiPort, 'beta.fedgrid');
    expect(b.getPeerCertificate().fingerprint256).toBe(betaId.fingerprint);

    const stranger = await generateIdentity('alpha');
    await expect(up(tunnel(stranger, tunnelPort, ports.alpha))).rejects.toThrow(
      /closed the tunnel before accepting it|ECONNRESET/,
    );
    expect(relay.stats().refused).toEqual({ unregistered: 1 });
    expect(relay.stats().tunnels).toEqual({ alpha: 1, beta: 1 });
  });

  it('refuses a connection beyond maxConnectionsPerNode with a TLS alert; the next one passes once one ends; other nodes are unaffected', async () => {
    const { relay, tunnelPort, apiPort } = await startRelay({ maxConnectionsPerNode: 2 });
    await up(tunnel(alphaId, tunnelPort, ports.alpha));
    await up(tunnel(betaId, tunnelPort, ports.beta));
    const first = await partnerTls(apiPort, 'alpha.fedgrid');
    await partnerTls(apiPort, 'alpha.fedgrid');
    await expect(partnerTls(apiPort, 'alpha.fedgrid')).rejects.toThrow(/internal error/i);
    expect(relay.stats().connections).toEqual({ alpha: 2 });
    expect(relay.stats().refused).toEqual({ node_connections: 1 });
    expect(warnings.find((w) => w.obj['reason'] === 'node_connections')?.obj).toMatchObject({
      node: 'alpha',
      maxConnectionsPerNode: 2,
    });
    // beta has its own budget.
    await partnerTls(apiPort, 'beta.fedgrid');
    first.destroy();
    await until(() => relay.stats().connections['alpha'] === 1);
    await partnerTls(apiPort, 'alpha.fedgrid');
    expect(relay.stats().connections).toEqual({ alpha: 2, beta: 1 });
  });

  it('a source holding maxConnectionsPerSource connections (sending nothing) is refused more; other sources are not', async () => {
    const { relay, apiPort } = await startRelay({ maxConnectionsPerSource: 3 });
    const held = [await rawTcp(apiPort), await rawTcp(apiPort), await rawTcp(apiPort)];
    await until(() => relay.stats().pendingHellos === 3);
    const fourth = await rawTcp(apiPort);
    await closed(fourth);
    expect(relay.stats().refused).toEqual({ source_connections: 1 });
    expect(relay.stats().sources).toEqual({ '127.0.0.1': 3 });
    expect(warnings.find((w) => w.obj['reason'] === 'source_connections')?.msg).toMatch(
      /maxConnectionsPerSource/,
    );
    // Another source address (all of 127/8 is loopback on Linux) has its own budget.
    const other = await rawTcp(apiPort, '127.0.0.2');
    await until(() => relay.stats().pendingHellos === 4);
    expect(other.destroyed).toBe(false);
    // A freed slot is usable again.
    held[0]!.destroy();
    await until(() => relay.stats().sources['127.0.0.1'] === 2);
    const again = await rawTcp(apiPort);
    await until(() => relay.stats().pendingHellos === 4);
    expect(again.destroyed).toBe(false);
  });

  it('a source opening connections faster than its rate is refused once its burst is spent', async () => {
    // A rate so low that no token comes back during the test: the refusal is the burst's end.
    const { relay, apiPort } = await startRelay({
      connectionBurstPerSource: 3,
      connectionsPerSecondPerSource: 0.0001,
    });
    for (let i = 0; i < 3; i++) {
      const s = await rawTcp(apiPort);
      await until(() => relay.stats().pendingHellos === 1);
      s.destroy();
      await until(() => relay.stats().pendingHellos === 0);
    }
    const fourth = await rawTcp(apiPort);
    await closed(fourth);
    expect(relay.stats().refused).toEqual({ source_rate: 1 });
    expect(warnings.find((w) => w.obj['reason'] === 'source_rate')?.msg).toMatch(
      /connectionsPerSecondPerSource/,
    );
  });

  it('refuses connections beyond maxPendingHellos from all sources together', async () => {
    const { relay, apiPort } = await startRelay({ maxPendingHellos: 2 });
    await rawTcp(apiPort);
    await rawTcp(apiPort, '127.0.0.2');
    await until(() => relay.stats().pendingHellos === 2);
    await closed(await rawTcp(apiPort, '127.0.0.3'));
    expect(relay.stats().refused).toEqual({ pending_hellos: 1 });
  });
});
