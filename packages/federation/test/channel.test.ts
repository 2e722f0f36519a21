/**
 * TransportChannel over the in-memory network: ordering, chunking, retries, liveness, abort,
 * timeouts and argument checks. Failure detection is asserted by the error type, never by
 * elapsed time: e.g. a dead peer must give PeerUnreachableError (liveness pings) well before the
 * receive timeout would give ChannelTimeoutError.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ChannelAbortedError,
  ChannelTimeoutError,
  DeliveryError,
  MemoryNetwork,
  PeerUnreachableError,
  TransportChannel,
  broadcastMessage,
  recvMessage,
  sendMessage,
  type Envelope,
  type Transport,
  type TransportChannelOptions,
} from '@fedgrid/federation';

const PARTIES = ['guest', 'host-0', 'arbiter'];
const FAST = { livenessIntervalMs: 50, livenessFailures: 2, maxAttempts: 3, recvTimeoutMs: 20_000 };

/** A transport wrapper that counts calls and can run a hook before each push. */
function counting(inner: Transport, beforePush?: (n: number, env: Envelope) => void) {
  const stats = { pushes: 0, pings: 0, seqs: [] as number[] };
  const transport: Transport = {
    push: async (nodeId, env) => {
      stats.pushes++;
      stats.seqs.push(env.seq);
      beforePush?.(stats.pushes, env);
      return inner.push(nodeId, env);
    },
    ping: async (nodeId) => {
      stats.pings++;
      return inner.ping(nodeId);
    },
  };
  return { transport, stats };
}

/** A network with the session open on every party's node, plus a channel factory with options. */
function setup(session: string, options: Partial<TransportChannelOptions> = {}) {
  const net = new MemoryNetwork();
  const chans = net.channels(session, PARTIES, { ...FAST, ...options });
  const parties = new Map(PARTIES.map((p) => [p, p]));
  /** A channel for `self` whose transport is wrapped by `counting`. */
  const counted = (
    self: string,
    extra: Partial<TransportChannelOptions> = {},
    beforePush?: (n: number, env: Envelope) => void,
  ) => {
    const c = counting(net.transport(self), beforePush);
    const ch = new TransportChannel({
      ...FAST,
      ...options,
      ...extra,
      session,
      self,
      parties,
      transport: c.transport,
      mailbox: net.mailbox(self),
    });
    return { ch, stats: c.stats };
  };
  return { net, ch: (p: string) => chans.get(p)!, counted };
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

describe('TransportChannel over MemoryNetwork', () => {
  it('send then recv, and recv then send, between every pair', async () => {
    const { ch } = setup('s1');
    for (const a of PARTIES) {
      for (const b of PARTIES) {
        if (a === b) continue;
        const first = Uint8Array.of(1, 2, 3, a.length, b.length);
        await ch(a).send(b, `early:${a}`, first);
        expect(Array.from(await ch(b).recv(a, `early:${a}`))).toEqual(Array.from(first));
        const late = ch(b).recv(a, `late:${a}`);
        await ch(a).send(b, `late:${a}`, Uint8Array.of(9));
        expect(Array.from(await late)).toEqual([9]);
      }
    }
    expect(ch('guest').peers).toEqual(['host-0', 'arbiter']);
  });

  it('payloads larger than chunkBytes are chunked and arrive intact (also empty and exact multiples)', async () => {
    const { ch, counted } = setup('s2', { chunkBytes: 7 });
    const sender = counted('guest', { chunkBytes: 7, window: 3 });
    for (const len of [1000, 14, 7, 1, 0, 6 * 2 ** 10 + 5]) {
      const payload = new Uint8Array(randomBytes(len));
      const before = sender.stats.pushes;
      const got = ch('host-0').recv('guest', `p${len}`);
      await sender.ch.send('host-0', `p${len}`, payload);
      const data = await got;
      expect(data.length).toBe(len);
      expect(same(data, payload)).toBe(true);
      expect(sender.stats.pushes - before).toBe(Math.max(1, Math.ceil(len / 7)));
    }
    // the receiver does not alias the sender's buffer
    const src = Uint8Array.of(1, 2, 3);
    await ch('guest').send('host-0', 'alias', src);
    src[0] = 99;
    expect(Array.from(await ch('host-0').recv('guest', 'alias'))).toEqual([1, 2, 3]);
  });

  it('structured messages: sendMessage / recvMessage / broadcastMessage', async () => {
    const { ch } = setup('s3', { chunkBytes: 64 });
    const blob = new Uint8Array(randomBytes(1000));
    await sendMessage(ch('guest'), 'host-0', 'm', { round: 1, op: 'grad' }, [
      blob,
      new Uint8Array(0),
    ]);
    const m = await recvMessage<{ round: number; op: string }>(ch('host-0'), 'guest', 'm');
    expect(m.header).toEqual({ round: 1, op: 'grad' });
    expect(same(m.blobs[0]!, blob)).toBe(true);
    expect(m.blobs[1]!.length).toBe(0);
    await broadcastMessage(ch('arbiter'), ['guest', 'host-0'], 'pk', { key: 'abc' }, [
      Uint8Array.of(5),
    ]);
    for (const p of ['guest', 'host-0']) {
      const r = await recvMessage<{ key: string }>(ch(p), 'arbiter', 'pk');
      expect(r.header.key).toBe('abc');
      expect(Array.from(r.blobs[0]!)).toEqual([5]);
    }
  });

  it('recv from a node marked down fails with PeerUnreachableError (liveness), not a timeout', async () => {
    const { net, ch: chOf, counted } = setup('s4');
    const { ch, stats } = counted('host-0');
    net.setDown('guest');
    const err = await ch.recv('guest', 'never').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeerUnreachableError);
    expect((err as PeerUnreachableError).peer).toBe('guest');
    expect((err as PeerUnreachableError).code).toBe('ERR_PEER_UNREACHABLE');
    expect((err as Error).message).toContain('never');
    expect(stats.pings).toBeGreaterThanOrEqual(2); // livenessFailures
    // the slot is free again: once the peer is back, the same tag can be received
    net.setDown('guest', false);
    const again = ch.recv('guest', 'never');
    await chOf('guest').send('host-0', 'never', Uint8Array.of(4));
    expect(Array.from(await again)).toEqual([4]);
  });

  it('a live peer keeps a recv waiting across many liveness intervals', async () => {
    const { ch, counted } = setup('s5');
    const { ch: rx, stats } = counted('host-0');
    const p = rx.recv('guest', 'slow');
    await new Promise((r) => setTimeout(r, 400)); // ≈ 8 liveness intervals
    expect(stats.pings).toBeGreaterThanOrEqual(2);
    await ch('guest').send('host-0', 'slow', Uint8Array.of(7));
    expect(Array.from(await p)).toEqual([7]);
  });

  it('send to a down node fails with PeerUnreachableError after exactly maxAttempts pushes', async () => {
    const { net, counted } = setup('s6');
    const { ch, stats } = counted('guest');
    net.setDown('host-0');
    const err = await ch.send('host-0', 'x', Uint8Array.of(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeerUnreachableError);
    expect((err as PeerUnreachableError).peer).toBe('host-0');
    expect((err as Error).message).toMatch(/after 3 attempts/);
    expect(stats.pushes).toBe(3);
  });

  it('a push that fails while the peer is briefly down is retried and delivered', async () => {
    const { net, ch: chOf, counted } = setup('s7');
    net.setDown('host-0');
    const { ch, stats } = counted('guest', {}, (n) => {
      if (n === 2) net.setDown('host-0', false); // back up before the second attempt
    });
    await ch.send('host-0', 'x', Uint8Array.of(3, 1, 4));
    expect(stats.pushes).toBe(2);
    expect(Array.from(await chOf('host-0').recv('guest', 'x'))).toEqual([3, 1, 4]);
  });

  it('refusals (e.g. the session is not open at the peer) are not retried', async () => {
    const net = new MemoryNetwork();
    const parties = new Map(PARTIES.map((p) => [p, p]));
    const c = counting(net.transport('guest'));
    const ch = new TransportChannel({
      ...FAST,
      session: 'not-open',
      self: 'guest',
      parties,
      transport: c.transport,
      mailbox: net.mailbox('guest'),
    });
    const err = await ch.send('host-0', 'x', Uint8Array.of(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect((err as DeliveryError).code).toBe('ERR_UNKNOWN_SESSION');
    expect(c.stats.pushes).toBe(1);
  });

  it('abort rejects a pending recv with ChannelAbortedError; later calls fail at once', async () => {
    const ac = new AbortController();
    const { ch } = setup('s8', { signal: ac.signal });
    const pending = ch('host-0').recv('guest', 'x');
    const local = ch('guest').recv('arbiter', 'y');
    ac.abort('task stopped by user');
    await expect(pending).rejects.toBeInstanceOf(ChannelAbortedError);
    await expect(local).rejects.toThrow(/task stopped by user/);
    await expect(ch('guest').send('host-0', 'z', Uint8Array.of(1))).rejects.toBeInstanceOf(
      ChannelAbortedError,
    );
    await expect(ch('host-0').recv('guest', 'z')).rejects.toBeInstanceOf(ChannelAbortedError);
  });

  it('abort stops a send that is retrying against a down node', async () => {
    const ac = new AbortController();
    const { net, counted } = setup('s9');
    net.setDown('host-0');
    const { ch, stats } = counted('guest', { signal: ac.signal, maxAttempts: 100 }, (n) => {
      if (n === 2) ac.abort('stop');
    });
    await expect(ch.send('host-0', 'x', Uint8Array.of(1))).rejects.toBeInstanceOf(
      ChannelAbortedError,
    );
    expect(stats.pushes).toBe(2);
  });

  it('recvTimeoutMs gives ChannelTimeoutError; the slot can be waited on again afterwards', async () => {
    const { ch } = setup('s10', { recvTimeoutMs: 100 });
    const err = await ch('host-0')
      .recv('guest', 'late')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelTimeoutError);
    expect((err as ChannelTimeoutError).code).toBe('ERR_CHANNEL_TIMEOUT');
    expect((err as Error).message).toContain('late');
    await ch('guest').send('host-0', 'late', Uint8Array.of(8));
    expect(Array.from(await ch('host-0').recv('guest', 'late'))).toEqual([8]);
  });

  it('sending to or receiving from a non-peer throws RangeError (and sends nothing)', async () => {
    const { counted } = setup('s11');
    const { ch, stats } = counted('guest');
    await expect((async () => ch.send('nobody', 't', Uint8Array.of(1)))()).rejects.toThrow(
      RangeError,
    );
    await expect((async () => ch.send('guest', 't', Uint8Array.of(1)))()).rejects.toThrow(
      RangeError,
    ); // self
    await expect((async () => ch.recv('nobody', 't'))()).rejects.toThrow(RangeError);
    expect(stats.pushes).toBe(0);
    const net = new MemoryNetwork();
    expect(
      () =>
        new TransportChannel({
          session: 's',
          self: 'ghost',
          parties: new Map([['guest', 'n']]),
          transport: net.transport('n'),
          mailbox: net.mailbox('n'),
        }),
    ).toThrow(RangeError);
  });

  it('scoped() channels use disjoint tags; withSelf() serves another party of the same node', async () => {
    const net = new MemoryNetwork();
    const chans = net.channels('s12', PARTIES, {
      ...FAST,
      nodes: { guest: 'node-1', arbiter: 'node-1', 'host-0': 'node-2' },
    });
    const guest = chans.get('guest')!;
    const host = chans.get('host-0')!;
    await guest.scoped('psi').send('host-0', 't', Uint8Array.of(1));
    await guest.send('host-0', 't', Uint8Array.of(2));
    await guest.scoped('psi').scoped('r2').send('host-0', 't', Uint8Array.of(3));
    expect(Array.from(await host.recv('guest', 't'))).toEqual([2]);
    expect(Array.from(await host.scoped('psi').recv('guest', 't'))).toEqual([1]);
    expect(Array.from(await host.scoped('psi').scoped('r2').recv('guest', 't'))).toEqual([3]);
    // arbiter shares guest's node: same mailbox, its own identity
    const arbiter = guest.withSelf('arbiter');
    expect(arbiter.self).toBe('arbiter');
    expect(arbiter.peers).toEqual(['guest', 'host-0']);
    await host.send('arbiter', 'a', Uint8Array.of(4));
    expect(Array.from(await arbiter.recv('host-0', 'a'))).toEqual([4]);
    await guest.send('arbiter', 'b', Uint8Array.of(5)); // same node
    expect(Array.from(await chans.get('arbiter')!.recv('guest', 'b'))).toEqual([5]);
  });
});
