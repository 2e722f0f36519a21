/**
 * The gRPC data plane between in-process nodes over mutual TLS with pinned self-signed
 * certificates (identities from generateIdentity): delivery, a 10 MB payload, certificate
 * pinning failures in both directions, refusals, and unreachable peers.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChannelError,
  GrpcTransport,
  Mailbox,
  MemoryTrustStore,
  PeerAuthenticationError,
  PeerUnreachableError,
  TransferServer,
  TransportChannel,
  certificateCommonName,
  certificateFingerprint,
  generateIdentity,
  recvMessage,
  sendMessage,
  type MailboxLimits,
  type PinnedPeer,
  type TlsIdentity,
} from '@fedgrid/federation';

interface Node {
  id: string;
  ident: TlsIdentity;
  trust: MemoryTrustStore;
  mailbox: Mailbox;
  server: TransferServer;
  transport: GrpcTransport;
  port: number;
  refused: string[];
  /** Accepted pushes: sender, payload bytes, `traceparent` metadata. */
  received: { from: string; bytes: number; traceparent: string | undefined }[];
}

const nodes: Node[] = [];
const extraTransports: GrpcTransport[] = [];

async function startNode(
  id: string,
  ident?: TlsIdentity,
  pinnedBeforeListen: PinnedPeer[] = [],
  limits: MailboxLimits = {},
): Promise<Node> {
  const identity = ident ?? (await generateIdentity(id));
  const trust = new MemoryTrustStore();
  for (const p of pinnedBeforeListen) trust.set(p);
  const mailbox = new Mailbox(limits);
  const refused: string[] = [];
  const received: Node['received'] = [];
  const server = new TransferServer({
    nodeId: id,
    identity,
    trust,
    mailbox,
    onRefused: (r) => refused.push(r),
    onReceived: (from, bytes, traceparent) => received.push({ from, bytes, traceparent }),
  });
  const port = await server.listen('127.0.0.1', 0);
  const node = {
    id,
    ident: identity,
    trust,
    mailbox,
    server,
    transport: new GrpcTransport({ identity, trust, pingDeadlineMs: 3000 }),
    port,
    refused,
    received,
  };
  nodes.push(node);
  return node;
}

function pinOf(n: Node, cert: TlsIdentity = n.ident): PinnedPeer {
  return {
    nodeId: n.id,
    address: `127.0.0.1:${n.port}`,
    certPem: cert.certPem,
    fingerprint: cert.fingerprint,
  };
}

// Session s1: guest on node-a, host-0 on node-b, host-1 on node-c.
const PARTIES = new Map([
  ['guest', 'node-a'],
  ['host-0', 'node-b'],
  ['host-1', 'node-c'],
]);

function openSession(n: Node, session: string): void {
  n.mailbox.openSession(session, {
    localParties: [...PARTIES].filter(([, node]) => node === n.id).map(([p]) => p),
    allowSender: (src, node) => PARTIES.get(src) === node,
  });
}

function channel(
  n: Node,
  self: string,
  session = 's1',
  extra: Partial<ConstructorParameters<typeof TransportChannel>[0]> = {},
): TransportChannel {
  return new TransportChannel({
    session,
    self,
    parties: PARTIES,
    transport: n.transport,
    mailbox: n.mailbox,
    maxAttempts: 2,
    ...extra,
  });
}

let A: Node;
let B: Node;
let impostor: TlsIdentity; // another certificate, also for "node-a"

beforeAll(async () => {
  A = await startNode('node-a');
  B = await startNode('node-b');
  impostor = await generateIdentity('node-a');
  A.trust.set(pinOf(B));
  B.trust.set(pinOf(A));
  openSession(A, 's1');
  openSession(B, 's1');
});

afterAll(async () => {
  for (const t of extraTransports) t.close();
  for (const n of nodes) n.transport.close();
  await Promise.all(nodes.map((n) => n.server.close(500)));
});

describe('TLS identities', () => {
  it('are self-signed certificates for the node id with a SHA-256 fingerprint', async () => {
    expect(certificateCommonName(A.ident.certPem)).toBe('node-a');
    expect(A.ident.fingerprint).toBe(certificateFingerprint(A.ident.certPem));
    expect(A.ident.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(impostor.fingerprint).not.toBe(A.ident.fingerprint);
    expect(A.ident.keyPem).toContain('PRIVATE KEY');
    await expect(generateIdentity('bad id!')).rejects.toThrow(RangeError);
  });
});

describe('gRPC transport', () => {
  it('delivers a message both ways, and pings answer', async () => {
    const guest = channel(A, 'guest');
    const host = channel(B, 'host-0');
    await sendMessage(guest, 'host-0', 'hello', { round: 1, who: 'guest' }, [
      Uint8Array.of(1, 2, 3),
      new Uint8Array(0),
    ]);
    const m = await recvMessage<{ round: number; who: string }>(host, 'guest', 'hello');
    expect(m.header).toEqual({ round: 1, who: 'guest' });
    expect(Array.from(m.blobs[0]!)).toEqual([1, 2, 3]);
    expect(m.blobs[1]!.length).toBe(0);
    const back = guest.recv('host-0', 'reply');
    await host.send('guest', 'reply', Uint8Array.of(42));
    expect(Array.from(await back)).toEqual([42]);
    await expect(A.transport.ping('node-b')).resolves.toBeUndefined();
    await expect(B.transport.ping('node-a')).resolves.toBeUndefined();
  });

  it('sends per-session metadata (trace context) with every chunk and reports bytes on both sides', async () => {
    const sent: { to: string; bytes: number }[] = [];
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const t = new GrpcTransport({
      identity: A.ident,
      trust: A.trust,
      metadataFor: (session) => (session === 's1' ? { traceparent: tp } : undefined),
      onSent: (to, bytes) => sent.push({ to, bytes }),
    });
    extraTransports.push(t);
    const before = B.received.length;
    const payload = new Uint8Array(randomBytes(5 * 2 ** 20)); // two chunks
    const got = channel(B, 'host-0').recv('guest', 'traced');
    await channel(A, 'guest', 's1', { transport: t }).send('host-0', 'traced', payload);
    expect((await got).length).toBe(payload.length);
    const mine = B.received.slice(before);
    expect(mine.length).toBeGreaterThanOrEqual(2);
    for (const r of mine) expect(r).toMatchObject({ from: 'node-a', traceparent: tp });
    const sum = (xs: { bytes: number }[]) => xs.reduce((a, x) => a + x.bytes, 0);
    expect(sent.every((s) => s.to === 'node-b')).toBe(true);
    expect(sum(sent)).toBe(sum(mine));
    expect(sum(sent)).toBeGreaterThanOrEqual(payload.length);
  });

  it('carries a 10 MB payload intact (several 4 MiB chunks)', async () => {
    const big = new Uint8Array(randomBytes(10 * 2 ** 20));
    const got = channel(B, 'host-0').recv('guest', 'big');
    await channel(A, 'guest').send('host-0', 'big', big);
    const data = await got;
    expect(data.length).toBe(big.length);
    expect(Buffer.compare(Buffer.from(data), Buffer.from(big))).toBe(0);
  });

  it('a peer presenting a certificate other than the pinned one → PeerAuthenticationError naming both fingerprints', async () => {
    // B's contract for node-a now pins the impostor certificate; node-a still presents its own.
    B.trust.set(pinOf(A, impostor));
    try {
      const err = await channel(B, 'host-0')
        .send('guest', 'x', Uint8Array.of(1))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PeerAuthenticationError);
      const msg = (err as Error).message;
      expect(msg).toContain(A.ident.fingerprint); // presented
      expect(msg).toContain(impostor.fingerprint); // pinned
      expect((err as PeerAuthenticationError).code).toBe('ERR_PEER_AUTHENTICATION');
      await expect(B.transport.ping('node-a')).rejects.toBeInstanceOf(PeerAuthenticationError);
    } finally {
      B.trust.set(pinOf(A));
    }
    await expect(B.transport.ping('node-a')).resolves.toBeUndefined(); // re-pinned: works again
  });

  it("a node that no longer pins the caller refuses it → PeerAuthenticationError ('not pinned')", async () => {
    B.trust.delete('node-a');
    try {
      // over A's existing connection (its certificate was accepted while pinned)
      const err = await channel(A, 'guest')
        .send('host-0', 'y', Uint8Array.of(1))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PeerAuthenticationError);
      const msg = (err as Error).message;
      expect(msg).toMatch(/\bno longer pinned\b/);
      expect(msg).toContain(A.ident.fingerprint);
      expect(B.refused.some((r) => r.includes(A.ident.fingerprint))).toBe(true);
      await expect(A.transport.ping('node-b')).rejects.toBeInstanceOf(PeerAuthenticationError);
      // over a new connection
      const fresh = new GrpcTransport({ identity: A.ident, trust: A.trust, pingDeadlineMs: 3000 });
      extraTransports.push(fresh);
      const err2 = await fresh.ping('node-b').catch((e: unknown) => e);
      expect(err2).toBeInstanceOf(PeerAuthenticationError);
      expect((err2 as Error).message).toMatch(/\bnot pinned\b/);
      expect((err2 as Error).message).toContain(A.ident.fingerprint);
    } finally {
      B.trust.set(pinOf(A));
    }
    await expect(A.transport.ping('node-b')).resolves.toBeUndefined();
  });

  it('a node that never pinned the caller refuses it too', async () => {
    const D = await startNode('node-d');
    D.trust.set(pinOf(B)); // D trusts B, B knows nothing of D
    const err = await D.transport
      .push('node-b', {
        session: 's1',
        tag: 't',
        src: 'guest',
        dst: 'host-0',
        seq: 0,
        total: 1,
        data: Uint8Array.of(1),
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeerAuthenticationError);
    expect((err as Error).message).toContain(D.ident.fingerprint);
  });

  it('a node started with its contracts already pinned (e.g. after a restart) accepts its pinned peers', async () => {
    // E pins A before listen(), as a restarted node loading its contracts would.
    const eIdent = await generateIdentity('node-e');
    const E = await startNode('node-e', eIdent, [pinOf(A)]);
    A.trust.set(pinOf(E));
    const t = new GrpcTransport({ identity: A.ident, trust: A.trust, pingDeadlineMs: 3000 });
    extraTransports.push(t);
    await expect(t.ping('node-e')).resolves.toBeUndefined();
  });

  it('a freshly started node that pins nobody refuses a caller as unauthenticated, not as unreachable', async () => {
    const F = await startNode('node-f');
    A.trust.set(pinOf(F)); // A trusts F; F has no contract with anyone
    const t = new GrpcTransport({ identity: A.ident, trust: A.trust, pingDeadlineMs: 3000 });
    extraTransports.push(t);
    const err = await t.ping('node-f').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeerAuthenticationError);
    expect((err as Error).message).toMatch(/\bnot pinned\b/);
  });

  it('without a contract for the target node the client refuses to connect', async () => {
    await expect(A.transport.ping('node-zzz')).rejects.toBeInstanceOf(PeerAuthenticationError);
    await expect(A.transport.ping('node-zzz')).rejects.toThrow(/no active contract/);
  });

  it('mailbox refusals come back as ERR_PEER_REFUSED with the reason, without retries', async () => {
    // session not open at B
    const err = await channel(A, 'guest', 'not-open')
      .send('host-0', 't', Uint8Array.of(1))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelError);
    expect((err as ChannelError).code).toBe('ERR_PEER_REFUSED');
    expect((err as Error).message).toContain('ERR_UNKNOWN_SESSION');
    // node-a may not speak for host-1 (node-c's party): the sender is identified by certificate
    const imp = await A.transport
      .push('node-b', {
        session: 's1',
        tag: 'imp',
        src: 'host-1',
        dst: 'host-0',
        seq: 0,
        total: 1,
        data: Uint8Array.of(1),
      })
      .catch((e: unknown) => e);
    expect(imp).toBeInstanceOf(ChannelError);
    expect((imp as ChannelError).code).toBe('ERR_PEER_REFUSED');
    expect((imp as Error).message).toContain('ERR_SENDER_NOT_ALLOWED');
    // and a party not hosted on B
    const dst = await A.transport
      .push('node-b', {
        session: 's1',
        tag: 'dst',
        src: 'guest',
        dst: 'guest',
        seq: 0,
        total: 1,
        data: Uint8Array.of(1),
      })
      .catch((e: unknown) => e);
    expect((dst as Error).message).toContain('ERR_BAD_ENVELOPE');
  });

  it('buffer limits come back as RESOURCE_EXHAUSTED naming the limit; oversized chunks are refused before buffering', async () => {
    const G = await startNode('node-g', undefined, [pinOf(A)], {
      maxSessionBytes: 1000,
      maxChunkBytes: 1024,
    });
    A.trust.set(pinOf(G));
    // guest (node-a) → host-0, hosted on node-g for this test's session
    G.mailbox.openSession('lim', {
      localParties: ['host-0'],
      allowSender: (src, node) => src === 'guest' && node === 'node-a',
    });
    const push = (tag: string, seq: number, total: number, bytes: number) =>
      A.transport
        .push('node-g', {
          session: 'lim',
          tag,
          src: 'guest',
          dst: 'host-0',
          seq,
          total,
          data: new Uint8Array(bytes),
        })
        .then(
          () => undefined,
          (e: unknown) => e as ChannelError,
        );
    expect(await push('a', 0, 2, 1000)).toBeUndefined();
    const full = await push('b', 0, 1, 1);
    expect(full?.code).toBe('ERR_PEER_REFUSED');
    expect(full?.message).toContain('RESOURCE_EXHAUSTED');
    expect(full?.message).toContain('ERR_BUFFER_FULL');
    expect(full?.message).toContain('session lim');
    expect(full?.message).toContain('per-session limit of 1000 bytes');
    const many = await push('c', 0, 1_000_000, 1);
    expect(many?.message).toContain('RESOURCE_EXHAUSTED');
    expect(many?.message).toContain('ERR_PAYLOAD_TOO_LARGE');
    // far above the chunk limit: grpc-js refuses the message from its length prefix
    const huge = await push('d', 0, 1, 1024 * 1024);
    expect(huge?.message).toContain('RESOURCE_EXHAUSTED');
    expect(huge?.message).not.toContain('ERR_PAYLOAD_TOO_LARGE'); // never reached the mailbox
    expect(G.mailbox.usage().bytes).toBe(1000);
  });

  it('ping of a stopped server fails with PeerUnreachableError; a recv waiting on it fails too', async () => {
    const C = await startNode('node-c');
    const t = new GrpcTransport({ identity: A.ident, trust: A.trust, pingDeadlineMs: 2000 });
    extraTransports.push(t);
    A.trust.set(pinOf(C));
    C.trust.set(pinOf(A));
    openSession(C, 's1');
    await expect(t.ping('node-c')).resolves.toBeUndefined();
    const waiting = channel(A, 'guest', 's1', {
      transport: t,
      livenessIntervalMs: 100,
      livenessFailures: 2,
      recvTimeoutMs: 30_000,
    }).recv('host-1', 'never-sent');
    await C.server.close(200);
    await expect(t.ping('node-c')).rejects.toBeInstanceOf(PeerUnreachableError);
    const err = await waiting.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeerUnreachableError);
    expect((err as PeerUnreachableError).peer).toBe('host-1');
  });
});

describe('the Partials stream (online prediction, docs/protocols/serving.md)', () => {
  it('answers frames by id (out of order) with the pinned caller; a contract ended meanwhile closes the stream; no handler is 404', async () => {
    const H = await startNode('serving-host');
    const G = await startNode('serving-guest');
    H.trust.set(pinOf(G));
    G.trust.set(pinOf(H));
    const ask = (body: object) =>
      G.transport.partials('serving-host', Buffer.from(JSON.stringify(body)), 10_000);
    // No handler yet: a 404 answer, the stream stays usable.
    expect((await ask({ n: 0 })).status).toBe(404);
    H.server.setPartialsHandler(async (caller, body) => {
      const { n } = JSON.parse(body.toString()) as { n: number };
      await new Promise((r) => setTimeout(r, n === 1 ? 50 : 0)); // the first answers last
      return { status: 200, body: Buffer.from(JSON.stringify({ n, caller })) };
    });
    const answers = await Promise.all([1, 2, 3].map((n) => ask({ n })));
    expect(answers.map((a) => JSON.parse(a.body.toString()))).toEqual([
      { n: 1, caller: 'serving-guest' },
      { n: 2, caller: 'serving-guest' },
      { n: 3, caller: 'serving-guest' },
    ]);
    // The host ends the contract: the next frame on the open stream is refused and the stream
    // closed (the guest's request fails instead of being answered).
    H.trust.delete('serving-guest');
    await expect(ask({ n: 4 })).rejects.toBeInstanceOf(PeerAuthenticationError);
    expect(H.refused.some((r) => r.includes('no longer pinned'))).toBe(true);
  });
});
