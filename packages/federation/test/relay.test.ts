/**
 * The relay in-process (docs/protocols/relay.md): an inside node's HTTPS endpoint reached by a
 * partner through the relay's public port, the ClientHello parser against a real ClientHello,
 * and the refusals — an unregistered inside node, a relay whose certificate is not the pinned
 * one, a server name no registered node has. The cross-process test with network namespaces is
 * packages/cli/test/relay-netns.test.ts.
 */
import { createServer as createHttpsServer, request, type Server } from 'node:https';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateIdentity,
  readClientHello,
  Relay,
  RelayTunnel,
  routeOfServerName,
  type RelayChunk,
  type RelayNode,
  type TlsIdentity,
} from '@fedgrid/federation';

const MARKER = 'plaintext-marker-credit_limit-7f3a';

let relayId: TlsIdentity;
let insideId: TlsIdentity;
let partnerId: TlsIdentity;
let relay: Relay;
let ports: { tunnelPort: number; apiPort: number; dataPort: number };
let server: Server;
let serverPort: number;
let tunnel: RelayTunnel;
const registered: RelayNode[] = [];
const seen: RelayChunk[] = [];
const warnings: { obj: Record<string, unknown>; msg: string }[] = [];

beforeAll(async () => {
  [relayId, insideId, partnerId] = await Promise.all([
    generateIdentity('relay'),
    generateIdentity('inside'),
    generateIdentity('partner'),
  ]);
  registered.push({ id: 'inside', fingerprint: insideId.fingerprint });
  relay = new Relay({
    identity: relayId,
    nodes: () => registered,
    tunnel: { host: '127.0.0.1', port: 0 },
    api: { host: '127.0.0.1', port: 0 },
    data: { host: '127.0.0.1', port: 0 },
    observe: (c) => seen.push(c),
    log: {
      info() {},
      debug() {},
      warn: (obj, msg) => warnings.push({ obj: obj as Record<string, unknown>, msg }),
    },
  });
  ports = await relay.listen();
  // The inside node's HTTPS endpoint: echoes the body it gets, and says who the caller is.
  server = createHttpsServer(
    {
      key: insideId.keyPem,
      cert: insideId.certPem,
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.3',
    },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const caller = (req.socket as tls.TLSSocket).getPeerCertificate().fingerprint256;
        res.setHeader('x-caller', caller ?? '');
        res.end(Buffer.concat(chunks));
      });
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  serverPort = (server.address() as AddressInfo).port;
  tunnel = new RelayTunnel({
    identity: insideId,
    relayAddress: `127.0.0.1:${ports.tunnelPort}`,
    relayFingerprint: relayId.fingerprint,
    targets: {
      api: { host: '127.0.0.1', port: serverPort },
      data: { host: '127.0.0.1', port: serverPort },
    },
  });
  const up = tunnel.registered();
  tunnel.start();
  await up;
});

afterAll(async () => {
  await tunnel?.close();
  await relay?.close();
  await new Promise((r) => server?.close(r));
});

/** POSTs `body` to the relay's public API port as `partnerId`, pinning `pin`. */
function post(
  servername: string,
  body: Buffer,
  pin = insideId.fingerprint,
): Promise<{ body: Buffer; caller: string; presented: string }> {
  return new Promise((resolve, reject) => {
    let presented = '';
    const req = request(
      {
        host: '127.0.0.1',
        port: ports.apiPort,
        method: 'POST',
        path: '/echo',
        servername,
        key: partnerId.keyPem,
        cert: partnerId.certPem,
        ca: insideId.certPem,
        minVersion: 'TLSv1.3',
        agent: false,
        checkServerIdentity: (_h, cert) => {
          presented = cert.fingerprint256;
          return cert.fingerprint256 === pin ? undefined : new Error('not the pinned node');
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            body: Buffer.concat(chunks),
            caller: String(res.headers['x-caller']),
            presented,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('relay', () => {
  it('reads the server name of a real ClientHello, and routes <id>.fedgrid or a first label', async () => {
    const hello = await new Promise<Buffer>((resolve) => {
      const s = net.createServer((c) => c.once('data', (d: Buffer) => (resolve(d), c.destroy())));
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as AddressInfo).port;
        tls
          .connect({ host: '127.0.0.1', port, servername: 'bank-7.fedgrid' })
          .on('error', () => s.close());
      });
    });
    expect(readClientHello(hello)).toEqual({ status: 'ok', serverName: 'bank-7.fedgrid' });
    expect(readClientHello(hello.subarray(0, 40))).toEqual({ status: 'incomplete' });
    expect(readClientHello(Buffer.from('GET / HTTP/1.1\r\n\r\n')).status).toBe('invalid');
    expect(routeOfServerName('bank-7.fedgrid')).toBe('bank-7');
    expect(routeOfServerName('Bank-7.relay.example.org')).toBe('bank-7');
    expect(routeOfServerName(undefined)).toBeUndefined();
  });

  it('forwards a partner connection end to end: pinning, client certificate and body intact, relay sees ciphertext', async () => {
    seen.length = 0;
    const body = Buffer.concat([Buffer.from(MARKER), Buffer.alloc(3 * 2 ** 20, 7)]);
    const r = await post('inside.fedgrid', body);
    expect(r.presented).toBe(insideId.fingerprint);
    // The inside node sees the partner's own certificate: TLS ends there, not at the relay.
    expect(r.caller).toBe(partnerId.fingerprint);
    expect(r.body.equals(body)).toBe(true);
    const toNode = Buffer.concat(seen.filter((c) => c.direction === 'to-node').map((c) => c.bytes));
    const fromNode = Buffer.concat(
      seen.filter((c) => c.direction === 'from-node').map((c) => c.bytes),
    );
    expect(toNode.length).toBeGreaterThan(body.length);
    expect(fromNode.length).toBeGreaterThan(body.length);
    expect(seen.every((c) => c.node === 'inside' && c.plane === 'api')).toBe(true);
    for (const bytes of [toNode, fromNode]) {
      expect(bytes.includes(MARKER)).toBe(false);
      expect(bytes.includes('POST /echo')).toBe(false);
    }
  });

  it('tells a partner asking for a node without a tunnel "unrecognized name", and forwards nothing', async () => {
    warnings.length = 0;
    await expect(post('ghost.fedgrid', Buffer.from('x'))).rejects.toThrow(/unrecognized name/i);
    // No server name at all (an IP address as host): nothing to route by.
    await expect(post('', Buffer.from('x'))).rejects.toThrow();
    const refusals = warnings.filter((w) => /no registered node/.test(w.msg));
    expect(refusals.map((w) => w.obj['serverName'])).toEqual(['ghost.fedgrid', null]);
    expect(seen.some((c) => c.node === 'ghost')).toBe(false);
  });

  it('refuses an inside node whose certificate is not registered', async () => {
    const stranger = await generateIdentity('inside');
    const t = new RelayTunnel({
      identity: stranger,
      relayAddress: `127.0.0.1:${ports.tunnelPort}`,
      relayFingerprint: relayId.fingerprint,
      targets: {
        api: { host: '127.0.0.1', port: serverPort },
        data: { host: '127.0.0.1', port: serverPort },
      },
    });
    const up = t.registered();
    t.start();
    await expect(up).rejects.toThrow(/before accepting it|ECONNRESET|socket hang up/);
    await t.close();
    // The registered node's tunnel is untouched: partners still reach it.
    expect(relay.connected()).toEqual(['inside']);
    expect((await post('inside.fedgrid', Buffer.from('still here'))).body.toString()).toBe(
      'still here',
    );
  });

  it('an inside node refuses a relay that does not present the pinned certificate', async () => {
    const impostor = await generateIdentity('relay');
    const t = new RelayTunnel({
      identity: insideId,
      relayAddress: `127.0.0.1:${ports.tunnelPort}`,
      relayFingerprint: impostor.fingerprint,
      targets: {
        api: { host: '127.0.0.1', port: serverPort },
        data: { host: '127.0.0.1', port: serverPort },
      },
    });
    const up = t.registered();
    t.start();
    await expect(up).rejects.toThrow(/presented certificate .* but relay.fingerprint pins/);
    await t.close();
  });
});

describe('replicas of one node', () => {
  it('each keeps a tunnel; partner connections go to them in turn, and to the other when one leaves', async () => {
    // A second replica: the same identity, its own endpoint (answering with its own mark).
    const replica = createHttpsServer(
      { key: insideId.keyPem, cert: insideId.certPem, minVersion: 'TLSv1.3' },
      (req, res) => {
        req.resume();
        req.on('end', () => res.end('replica-2'));
      },
    );
    await new Promise<void>((r) => replica.listen(0, '127.0.0.1', r));
    const port = (replica.address() as AddressInfo).port;
    const second = new RelayTunnel({
      identity: insideId,
      relayAddress: `127.0.0.1:${ports.tunnelPort}`,
      relayFingerprint: relayId.fingerprint,
      targets: { api: { host: '127.0.0.1', port }, data: { host: '127.0.0.1', port } },
    });
    const up = second.registered();
    second.start();
    await up;
    expect(relay.connected()).toEqual(['inside']);
    const answers = new Set<string>();
    for (let i = 0; i < 4; i++)
      answers.add((await post('inside.fedgrid', Buffer.from('replica-1'))).body.toString());
    expect([...answers].sort()).toEqual(['replica-1', 'replica-2']);
    await second.close();
    await new Promise((r) => replica.close(r));
    await waitUntil(async () => {
      const all = await Promise.all(
        [0, 1].map(async () => (await post('inside.fedgrid', Buffer.from('replica-1'))).body),
      );
      return all.every((b) => b.toString() === 'replica-1');
    });
  });
});

/** Polls `fn` every 50 ms until it is true (the test's own timeout bounds it). */
async function waitUntil(fn: () => Promise<boolean>): Promise<void> {
  while (!(await fn().catch(() => false))) await new Promise((r) => setTimeout(r, 50));
}

describe('relay restart', () => {
  it('the inside node redials a relay that went away, and partners reach it again', async () => {
    const nodes = [{ id: 'inside', fingerprint: insideId.fingerprint }];
    const opts = {
      identity: relayId,
      nodes: () => nodes,
      tunnel: { host: '127.0.0.1', port: 0 },
      api: { host: '127.0.0.1', port: 0 },
      data: { host: '127.0.0.1', port: 0 },
    };
    const first = new Relay(opts);
    const p = await first.listen();
    const t = new RelayTunnel({
      identity: insideId,
      relayAddress: `127.0.0.1:${p.tunnelPort}`,
      relayFingerprint: relayId.fingerprint,
      retryMs: 50,
      targets: {
        api: { host: '127.0.0.1', port: serverPort },
        data: { host: '127.0.0.1', port: serverPort },
      },
    });
    const up = t.registered();
    t.start();
    await up;
    const down = new Promise<Error>((resolve) => t.once('down', resolve));
    await first.close();
    expect((await down).message).toMatch(/closed/);
    expect(t.state).toBe('connecting');
    // A new relay process on the same ports: the node is back without anyone touching it.
    const second = new Relay({
      ...opts,
      tunnel: { host: '127.0.0.1', port: p.tunnelPort },
      api: { host: '127.0.0.1', port: p.apiPort },
    });
    const again = new Promise<void>((resolve) => t.once('registered', resolve));
    await second.listen();
    await again;
    expect(second.connected()).toEqual(['inside']);
    const r = await new Promise<string>((resolve, reject) => {
      const s = tls.connect({
        host: '127.0.0.1',
        port: p.apiPort,
        servername: 'inside.fedgrid',
        rejectUnauthorized: false,
        minVersion: 'TLSv1.3',
      });
      s.once('secureConnect', () => {
        resolve(s.getPeerCertificate().fingerprint256);
        s.destroy();
      });
      s.once('error', reject);
    });
    expect(r).toBe(insideId.fingerprint);
    await t.close();
    await second.close();
  });
});
