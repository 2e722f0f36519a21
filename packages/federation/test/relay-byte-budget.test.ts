/**
 * The relay's byte budgets (docs/protocols/relay.md, "Limits"), in process: a partner source
 * flooding one inside node is held to its source budget, and partners together flooding one node
 * to that node's budget — measured with the relay's own byte counters: between two readings the
 * relay forwarded no more than `burst + rate × interval` (plus one chunk), while the sender had
 * far more queued. The flood is paused, not cut: every byte arrives and the inside node's digest
 * of them matches. Meanwhile another inside node's traffic passes unthrottled.
 *
 * Fair shares: a source flooding one inside node over four connections and another over one get
 * equal shares of that node's budget while both are sending (the relay's per-source counters),
 * and a third source's small exchange with the node completes during the flood. With fair shares
 * off (first come, first served on the node's bucket) the same flood gives the four-connection
 * source about four times the other's bytes: the check is able to fail.
 */
import { createHash, randomBytes } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ByteBucket,
  generateIdentity,
  Relay,
  RelayTunnel,
  type RelayLimits,
  type TlsIdentity,
} from '@fedgrid/federation';

let relayId: TlsIdentity;
const ids: Record<'alpha' | 'beta', TlsIdentity> = {} as never;
const ports: Record<'alpha' | 'beta', number> = { alpha: 0, beta: 0 };
const servers: tls.Server[] = [];
const open: { close(): unknown }[] = [];

/** The inside nodes' listener: reads an 8-byte length L, then L bytes; answers their SHA-256. */
function digestServer(identity: TlsIdentity): tls.Server {
  return tls.createServer(
    { key: identity.keyPem, cert: identity.certPem, minVersion: 'TLSv1.3' },
    (socket) => {
      let header = Buffer.alloc(0);
      let left = -1;
      const hash = createHash('sha256');
      socket.on('error', () => {});
      socket.on('data', (chunk: Buffer) => {
        if (left < 0) {
          header = Buffer.concat([header, chunk]);
          if (header.length < 8) return;
          left = Number(header.readBigUInt64BE(0));
          chunk = header.subarray(8);
        }
        hash.update(chunk);
        left -= chunk.length;
        if (left === 0) socket.write(hash.digest('hex'));
      });
    },
  );
}

beforeAll(async () => {
  [relayId, ids.alpha, ids.beta] = await Promise.all([
    generateIdentity('relay'),
    generateIdentity('alpha'),
    generateIdentity('beta'),
  ]);
  for (const name of ['alpha', 'beta'] as const) {
    const s = digestServer(ids[name]);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    servers.push(s);
    ports[name] = (s.address() as AddressInfo).port;
  }
});

afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
});

async function startRelay(
  limits: Partial<RelayLimits>,
  fairShare = true,
): Promise<{ relay: Relay; apiPort: number }> {
  const relay = new Relay({
    identity: relayId,
    nodes: () => [
      { id: 'alpha', fingerprint: ids.alpha.fingerprint },
      { id: 'beta', fingerprint: ids.beta.fingerprint },
    ],
    tunnel: { host: '127.0.0.1', port: 0 },
    api: { host: '127.0.0.1', port: 0 },
    data: { host: '127.0.0.1', port: 0 },
    limits,
    fairShare,
  });
  const p = await relay.listen();
  open.push(relay);
  for (const name of ['alpha', 'beta'] as const) {
    const t = new RelayTunnel({
      identity: ids[name],
      relayAddress: `127.0.0.1:${p.tunnelPort}`,
      relayFingerprint: relayId.fingerprint,
      targets: {
        api: { host: '127.0.0.1', port: ports[name] },
        data: { host: '127.0.0.1', port: ports[name] },
      },
      retryMs: 60_000,
    });
    open.push(t);
    const registered = t.registered();
    t.start();
    await registered;
  }
  return { relay, apiPort: p.apiPort };
}

/**
 * A partner at source address `from` sending `bytes` random bytes to `node` through the relay.
 * `answer` resolves with the inside node's digest; `sent` is the digest of what was sent.
 */
async function send(
  apiPort: number,
  node: string,
  from: string,
  bytes: number,
): Promise<{ sent: string; answer: Promise<string> }> {
  // From `from` (all of 127/8 is loopback on Linux): the relay counts sources by address.
  const tcp = net.connect({ host: '127.0.0.1', port: apiPort, localAddress: from });
  const s = tls.connect({
    socket: tcp,
    servername: `${node}.fedgrid`,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.3',
  });
  open.push({ close: () => s.destroy() });
  await new Promise<void>((resolve, reject) => {
    s.once('secureConnect', resolve);
    s.once('error', reject);
  });
  const body = randomBytes(bytes);
  const header = Buffer.alloc(8);
  header.writeBigUInt64BE(BigInt(bytes));
  const answer = new Promise<string>((resolve, reject) => {
    let text = '';
    s.on('data', (c: Buffer) => {
      text += c.toString();
      if (text.length >= 64) resolve(text);
    });
    s.once('error', reject);
    s.once('close', () => reject(new Error(`closed after ${text.length} answer bytes`)));
  });
  s.write(header);
  s.write(body);
  return { sent: createHash('sha256').update(body).digest('hex'), answer };
}

/** Bytes the relay forwarded for `node`, both directions, and when (bracketing the reading). */
function forwarded(relay: Relay, node: string): { bytes: number; before: number; after: number } {
  const before = performance.now();
  const bytes = relay
    .stats()
    .forwarded.filter((f) => f.node === node)
    .reduce((n, f) => n + f.bytesToNode + f.bytesFromNode, 0);
  return { bytes, before, after: performance.now() };
}

const throttledSeconds = (relay: Relay, node: string, budget: 'node' | 'source') =>
  relay.stats().throttled.find((t) => t.node === node && t.budget === budget)?.seconds ?? 0;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The largest chunk a socket read hands the relay (one may overdraw a bucket). */
const CHUNK = 64 * 1024;

describe('relay byte budgets', () => {
  it('ByteBucket lets through at most burst + rate × t (plus the overdrawing chunk)', () => {
    let now = 0;
    const b = new ByteBucket(1000, 500, () => now);
    expect(b.take(500)).toBe(0);
    // Overdrawn by 250 bytes at 1000 bytes/s: wait 250 ms.
    expect(b.take(250)).toBeCloseTo(250);
    now = 250;
    expect(b.take(0)).toBe(0);
    expect(b.full()).toBe(false);
    now = 10_000;
    // Refilled only up to the burst, however long idle.
    expect(b.full()).toBe(true);
    expect(b.take(501)).toBeCloseTo(1);
  });

  it('holds a flooding source to its budget without breaking its TLS stream; another node flows', async () => {
    const rate = 512 * 1024;
    const burst = 64 * 1024;
    const { relay, apiPort } = await startRelay({
      bytesPerSecondPerSource: rate,
      byteBurstPerSource: burst,
    });
    const floodBytes = 2 * 1024 * 1024;
    const flood = await send(apiPort, 'alpha', '127.0.0.2', floodBytes);
    await sleep(200);
    const a = forwarded(relay, 'alpha');

    // Another inside node, from another source, well inside its budgets: never held.
    const other = await send(apiPort, 'beta', '127.0.0.3', 16 * 1024);
    expect(await other.answer).toBe(other.sent);
    await sleep(1000);
    const b = forwarded(relay, 'alpha');

    const interval = (b.after - a.before) / 1000;
    expect(b.bytes - a.bytes).toBeLessThanOrEqual(burst + rate * interval + CHUNK);
    // It was held: the flood had far more to send than passed.
    expect(b.bytes).toBeLessThan(floodBytes);
    expect(throttledSeconds(relay, 'alpha', 'source')).toBeGreaterThan(0);
    expect(throttledSeconds(relay, 'beta', 'source')).toBe(0);
    expect(throttledSeconds(relay, 'beta', 'node')).toBe(0);

    // Paused, not dropped: every byte arrives, in order (the digests match).
    expect(await flood.answer).toBe(flood.sent);
    expect(forwarded(relay, 'alpha').bytes).toBeGreaterThan(floodBytes);
  });

  it("holds partners together to one inside node's budget; another node flows", async () => {
    const rate = 512 * 1024;
    const burst = 64 * 1024;
    const { relay, apiPort } = await startRelay({
      bytesPerSecondPerNode: rate,
      byteBurstPerNode: burst,
    });
    const each = 1024 * 1024;
    const floods = [
      await send(apiPort, 'alpha', '127.0.0.2', each),
      await send(apiPort, 'alpha', '127.0.0.3', each),
    ];
    await sleep(200);
    const a = forwarded(relay, 'alpha');
    const other = await send(apiPort, 'beta', '127.0.0.4', 16 * 1024);
    expect(await other.answer).toBe(other.sent);
    await sleep(1000);
    const b = forwarded(relay, 'alpha');

    const interval = (b.after - a.before) / 1000;
    // Two connections: each may overdraw the shared bucket by one chunk.
    expect(b.bytes - a.bytes).toBeLessThanOrEqual(burst + rate * interval + 2 * CHUNK);
    expect(b.bytes).toBeLessThan(2 * each);
    expect(throttledSeconds(relay, 'alpha', 'node')).toBeGreaterThan(0);
    expect(relay.stats().throttled.filter((t) => t.node === 'beta')).toEqual([]);

    for (const f of floods) expect(await f.answer).toBe(f.sent);
  });
});

/** Bytes the relay's share of `node` granted each source with a connection open now. */
function shares(relay: Relay, node: string): Map<string, number> {
  return new Map(
    relay
      .stats()
      .shares.filter((x) => x.node === node)
      .map((x) => [x.source, x.bytes]),
  );
}

/** Polls the relay's counters until `ready` holds (no time limit but the test's own). */
async function until<T>(read: () => T, ready: (v: T) => boolean): Promise<T> {
  for (;;) {
    const v = read();
    if (ready(v)) return v;
    await sleep(20);
  }
}

/**
 * One source flooding over four connections, another over one, both to alpha against a 1 MiB/s
 * node budget. Returns the bytes each source got between two readings taken while both were still
 * sending, with the floods (to check them afterwards).
 */
async function twoFloods(fairShare: boolean) {
  const { relay, apiPort } = await startRelay(
    { bytesPerSecondPerNode: 1024 * 1024, byteBurstPerNode: 64 * 1024 },
    fairShare,
  );
  const heavy = '127.0.0.2';
  const single = '127.0.0.3';
  const eachHeavy = 1024 * 1024;
  const singleBytes = 2 * 1024 * 1024;
  const floods = [
    ...(await Promise.all([0, 1, 2, 3].map(() => send(apiPort, 'alpha', heavy, eachHeavy)))),
    await send(apiPort, 'alpha', single, singleBytes),
  ];
  const done = floods.map(() => false);
  floods.forEach((f, i) => void f.answer.then(() => (done[i] = true)).catch(() => {}));
  const at = (m: Map<string, number>) => ({ h: m.get(heavy) ?? 0, s: m.get(single) ?? 0 });
  // Both under way, past their handshakes.
  const a = at(
    await until(
      () => shares(relay, 'alpha'),
      (m) => (m.get(single) ?? 0) >= 128 * 1024,
    ),
  );
  // Another 2 MiB through the node's budget, between the two readings.
  const b = at(
    await until(
      () => shares(relay, 'alpha'),
      (m) => at(m).h + at(m).s - a.h - a.s >= 2 * 1024 * 1024,
    ),
  );
  return { relay, apiPort, floods, done, a, b, singleBytes, heavyBytes: 4 * eachHeavy };
}

describe('fair shares of an inside node’s byte budget', () => {
  it('two flooding sources get equal shares whatever their connections; a light source gets through; data intact', async () => {
    const { relay, apiPort, floods, done, a, b, singleBytes } = await twoFloods(true);
    // Both were still sending at the second reading (the single flood had bytes left), so both had
    // chunks waiting throughout.
    expect(b.s).toBeLessThan(singleBytes);
    expect(done.some(Boolean)).toBe(false);
    const heavy = b.h - a.h;
    const single = b.s - a.s;
    // Start-time fair queuing: equal bytes within one chunk per source (2 × 64 KiB of the 2 MiB
    // between the readings, a ratio of at most 1.14); allow 1.5.
    expect(Math.max(heavy, single) / Math.min(heavy, single)).toBeLessThanOrEqual(1.5);

    // A third source's small exchange with the same node completes while both floods still run.
    const light = await send(apiPort, 'alpha', '127.0.0.4', 16 * 1024);
    expect(await light.answer).toBe(light.sent);
    expect(done.every(Boolean)).toBe(false);
    expect(throttledSeconds(relay, 'alpha', 'node')).toBeGreaterThan(0);

    // Paused, never cut: every flood arrives whole.
    for (const f of floods) expect(await f.answer).toBe(f.sent);
  });

  it('without fair shares the four-connection source takes most of the budget (the check above can fail)', async () => {
    const { floods, a, b } = await twoFloods(false);
    const heavy = b.h - a.h;
    const single = b.s - a.s;
    // First come, first served: about one share per connection, 4 : 1.
    expect(heavy / single).toBeGreaterThan(2);
    for (const f of floods) expect(await f.answer).toBe(f.sent);
  });
});
