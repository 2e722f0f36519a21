/**
 * Mailbox: chunked payloads reassembled in any order, idempotent re-pushes, waiting receivers,
 * session closing, and the refusal codes a pushing peer sees.
 */
import { describe, expect, it } from 'vitest';
import {
  ChannelAbortedError,
  ChannelError,
  DeliveryError,
  Mailbox,
  type Envelope,
  type SessionOptions,
} from '@fedgrid/federation';

const S = 'session-1';

function opts(extra: Partial<SessionOptions> = {}): SessionOptions {
  return {
    localParties: ['host-0', 'host-1'],
    // guest is on node-g, arbiter on node-a
    allowSender: (src, node) =>
      (src === 'guest' && node === 'node-g') || (src === 'arbiter' && node === 'node-a'),
    ...extra,
  };
}

function env(
  tag: string,
  seq: number,
  total: number,
  data: Uint8Array,
  over: Partial<Envelope> = {},
): Envelope {
  return { session: S, tag, src: 'guest', dst: 'host-0', seq, total, data, ...over };
}

/** Splits `payload` into `total` chunks (the last may be shorter or empty). */
function chunks(payload: Uint8Array, total: number): Uint8Array[] {
  const size = Math.ceil(payload.length / total);
  return Array.from({ length: total }, (_, k) =>
    payload.slice(k * size, Math.min(payload.length, (k + 1) * size)),
  );
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DeliveryError);
    expect(e).toBeInstanceOf(ChannelError);
    return (e as DeliveryError).code;
  }
  return undefined;
}

/** 'pending' if the promise has not settled after the current macrotask. */
async function state<T>(p: Promise<T>): Promise<T | 'pending'> {
  return Promise.race([p, new Promise<'pending'>((r) => setImmediate(() => r('pending')))]);
}

function mailbox(extra: Partial<SessionOptions> = {}): Mailbox {
  const m = new Mailbox();
  m.openSession(S, opts(extra));
  return m;
}

describe('Mailbox', () => {
  it('reassembles chunks that arrive out of order', async () => {
    const m = mailbox();
    const payload = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 255);
    const parts = chunks(payload, 7);
    for (const k of [3, 6, 0, 5, 1, 4, 2]) m.deliver(env('t', k, 7, parts[k]!), 'node-g');
    expect(Array.from(await m.take(S, 't', 'guest', 'host-0'))).toEqual(Array.from(payload));
  });

  it('a waiting take resolves when the last chunk arrives (not before)', async () => {
    const m = mailbox();
    const payload = Uint8Array.from({ length: 50 }, (_, i) => i);
    const parts = chunks(payload, 3);
    const p = m.take(S, 't', 'guest', 'host-0');
    m.deliver(env('t', 2, 3, parts[2]!), 'node-g');
    m.deliver(env('t', 0, 3, parts[0]!), 'node-g');
    expect(await state(p)).toBe('pending');
    m.deliver(env('t', 1, 3, parts[1]!), 'node-g');
    expect(Array.from((await p) as Uint8Array)).toEqual(Array.from(payload));
  });

  it('take before and after deliver; slots are per (tag, src, dst)', async () => {
    const m = mailbox();
    m.deliver(env('a', 0, 1, Uint8Array.of(1)), 'node-g');
    m.deliver(env('a', 0, 1, Uint8Array.of(2), { src: 'arbiter' }), 'node-a');
    m.deliver(env('a', 0, 1, Uint8Array.of(3), { dst: 'host-1' }), 'node-g');
    const waiting = m.take(S, 'b', 'guest', 'host-0');
    expect(Array.from(await m.take(S, 'a', 'guest', 'host-0'))).toEqual([1]);
    expect(Array.from(await m.take(S, 'a', 'arbiter', 'host-0'))).toEqual([2]);
    expect(Array.from(await m.take(S, 'a', 'guest', 'host-1'))).toEqual([3]);
    m.deliver(env('b', 0, 1, Uint8Array.of(4)), 'node-g');
    expect(Array.from(await waiting)).toEqual([4]);
    // a payload is handed out once
    expect(await state(m.take(S, 'a', 'guest', 'host-0'))).toBe('pending');
  });

  it('an empty payload is a valid payload', async () => {
    const m = mailbox();
    m.deliver(env('e', 0, 1, new Uint8Array(0)), 'node-g');
    expect((await m.take(S, 'e', 'guest', 'host-0')).length).toBe(0);
  });

  it('duplicate chunks are ignored (counted once against the buffer)', async () => {
    const m = mailbox({ maxBufferedBytes: 30 });
    const parts = chunks(
      Uint8Array.from({ length: 20 }, (_, i) => i),
      2,
    );
    m.deliver(env('t', 0, 2, parts[0]!), 'node-g');
    m.deliver(env('t', 0, 2, parts[0]!), 'node-g');
    m.deliver(env('t', 0, 2, new Uint8Array(10).fill(99)), 'node-g'); // a stale retry: first copy wins
    m.deliver(env('t', 1, 2, parts[1]!), 'node-g');
    m.deliver(env('t', 1, 2, parts[1]!), 'node-g');
    m.deliver(env('u', 0, 1, new Uint8Array(10)), 'node-g'); // 20 + 10 ≤ 30
    expect(Array.from(await m.take(S, 't', 'guest', 'host-0'))).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    );
  });

  it('re-pushes of a completed payload that was not yet taken are ignored', async () => {
    const m = mailbox({ maxBufferedBytes: 25 });
    m.deliver(env('t', 0, 1, new Uint8Array(10).fill(1)), 'node-g');
    m.deliver(env('t', 0, 1, new Uint8Array(10).fill(2)), 'node-g'); // ignored, not buffered
    m.deliver(env('u', 0, 1, new Uint8Array(15)), 'node-g'); // 10 + 15 ≤ 25
    expect(Array.from(await m.take(S, 't', 'guest', 'host-0'))).toEqual(Array(10).fill(1));
    expect(await state(m.take(S, 't', 'guest', 'host-0'))).toBe('pending');
  });

  it('a chunk re-pushed after its payload was taken is ignored (no phantom payload, no buffer leak)', async () => {
    // A sender retries a push whose acknowledgement was lost, after the receiver consumed it.
    const m = mailbox({ maxBufferedBytes: 10 });
    const e = env('t', 0, 1, new Uint8Array(8).fill(5));
    m.deliver(e, 'node-g');
    expect((await m.take(S, 't', 'guest', 'host-0')).length).toBe(8);
    m.deliver({ ...e }, 'node-g'); // the retry
    // The buffer is empty again, so another 8-byte payload must fit in 10 bytes.
    expect(codeOf(() => m.deliver(env('next', 0, 1, new Uint8Array(8)), 'node-g'))).toBeUndefined();
  });

  it('a chunk re-pushed after its payload went straight to a waiting receiver is ignored', async () => {
    const m = mailbox({ maxBufferedBytes: 10 });
    const e = env('t', 0, 1, new Uint8Array(8).fill(5));
    const p = m.take(S, 't', 'guest', 'host-0');
    m.deliver(e, 'node-g');
    expect((await p).length).toBe(8);
    m.deliver({ ...e }, 'node-g'); // the retry
    expect(codeOf(() => m.deliver(env('next', 0, 1, new Uint8Array(8)), 'node-g'))).toBeUndefined();
  });

  it('closeSession rejects waiting receivers with ChannelAbortedError and drops the session', async () => {
    const m = mailbox();
    const p1 = m.take(S, 'x', 'guest', 'host-0');
    const p2 = m.take(S, 'y', 'arbiter', 'host-1');
    m.closeSession(S, 'job stopped');
    await expect(p1).rejects.toBeInstanceOf(ChannelAbortedError);
    await expect(p2).rejects.toThrow(/job stopped/);
    expect(m.isOpen(S)).toBe(false);
    expect(codeOf(() => m.deliver(env('x', 0, 1, Uint8Array.of(1)), 'node-g'))).toBe(
      'ERR_UNKNOWN_SESSION',
    );
    // re-opening starts afresh
    m.openSession(S, opts());
    expect(m.isOpen(S)).toBe(true);
    m.deliver(env('x', 0, 1, Uint8Array.of(1)), 'node-g');
    expect(Array.from(await m.take(S, 'x', 'guest', 'host-0'))).toEqual([1]);
    m.closeSession('never-opened'); // no-op
  });

  it('refuses with DeliveryError codes: unknown session, disallowed sender, wrong dst, bad seq/total', async () => {
    const m = mailbox();
    const d = Uint8Array.of(1);
    expect(codeOf(() => m.deliver(env('t', 0, 1, d, { session: 'other' }), 'node-g'))).toBe(
      'ERR_UNKNOWN_SESSION',
    );
    await expect(m.take('other', 't', 'guest', 'host-0')).rejects.toMatchObject({
      code: 'ERR_UNKNOWN_SESSION',
    });
    expect(codeOf(() => m.deliver(env('t', 0, 1, d), 'node-a'))).toBe('ERR_SENDER_NOT_ALLOWED'); // guest is not on node-a
    expect(codeOf(() => m.deliver(env('t', 0, 1, d, { src: 'host-9' }), 'node-g'))).toBe(
      'ERR_SENDER_NOT_ALLOWED',
    );
    expect(codeOf(() => m.deliver(env('t', 0, 1, d, { dst: 'guest' }), 'node-g'))).toBe(
      'ERR_BAD_ENVELOPE',
    );
    for (const [seq, total] of [
      [1, 1],
      [-1, 2],
      [0, 0],
      [0.5, 2],
      [0, 1.5],
      [0, NaN],
      [5, 3],
    ] as const) {
      expect(
        codeOf(() => m.deliver(env('t', seq, total, d), 'node-g')),
        `seq ${seq} total ${total}`,
      ).toBe('ERR_BAD_ENVELOPE');
    }
    // the chunk count of a payload may not change
    m.deliver(env('c', 0, 3, d), 'node-g');
    expect(codeOf(() => m.deliver(env('c', 1, 4, d), 'node-g'))).toBe('ERR_BAD_ENVELOPE');
    // a second receiver on the same slot is a programming error
    const first = m.take(S, 'w', 'guest', 'host-0');
    await expect(m.take(S, 'w', 'guest', 'host-0')).rejects.toThrow(RangeError);
    m.deliver(env('w', 0, 1, d), 'node-g');
    expect(Array.from(await first)).toEqual([1]);
  });

  it('refuses pushes beyond maxBufferedBytes with ERR_BUFFER_FULL until receivers take data', async () => {
    const m = mailbox({ maxBufferedBytes: 100 });
    m.deliver(env('a', 0, 2, new Uint8Array(60)), 'node-g'); // partial payloads count too
    m.deliver(env('b', 0, 1, new Uint8Array(40)), 'node-g'); // exactly at the limit
    expect(codeOf(() => m.deliver(env('c', 0, 1, new Uint8Array(1)), 'node-g'))).toBe(
      'ERR_BUFFER_FULL',
    );
    expect(codeOf(() => m.deliver(env('a', 1, 2, new Uint8Array(1)), 'node-g'))).toBe(
      'ERR_BUFFER_FULL',
    );
    await m.take(S, 'b', 'guest', 'host-0'); // frees 40
    m.deliver(env('a', 1, 2, new Uint8Array(40)), 'node-g');
    expect((await m.take(S, 'a', 'guest', 'host-0')).length).toBe(100);
    m.deliver(env('c', 0, 1, new Uint8Array(100)), 'node-g'); // everything was freed
    // the limit is per session
    m.openSession('s2', opts({ maxBufferedBytes: 100 }));
    m.deliver(env('c', 0, 1, new Uint8Array(100), { session: 's2' }), 'node-g');
  });

  it('cancelTake rejects the waiter with the given error and frees the slot', async () => {
    const m = mailbox();
    const p = m.take(S, 't', 'guest', 'host-0');
    const err = new Error('gave up');
    m.cancelTake(S, 't', 'guest', 'host-0', err);
    await expect(p).rejects.toBe(err);
    const again = m.take(S, 't', 'guest', 'host-0');
    m.deliver(env('t', 0, 1, Uint8Array.of(9)), 'node-g');
    expect(Array.from(await again)).toEqual([9]);
    m.cancelTake('nope', 't', 'guest', 'host-0', err); // no-op
  });

  it('openSession on an open session updates its options (e.g. the allowed senders)', () => {
    const m = mailbox();
    m.openSession(S, opts({ allowSender: () => false }));
    expect(codeOf(() => m.deliver(env('t', 0, 1, Uint8Array.of(1)), 'node-g'))).toBe(
      'ERR_SENDER_NOT_ALLOWED',
    );
  });
});
