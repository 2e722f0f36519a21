/**
 * Mailbox limits against a hostile partner: what pushes can make a node buffer is bounded per
 * session, per sending node across all its sessions and for the whole mailbox (complete payloads
 * waiting for their receiver included); chunk sizes and declared chunk counts are bounded; and
 * incomplete payloads are dropped after a deadline. Deadlines run on fake timers, never on the
 * wall clock.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_MAILBOX_LIMITS,
  DeliveryError,
  MAX_TAG_LENGTH,
  Mailbox,
  type Envelope,
  type MailboxLimits,
  type SessionOptions,
} from '@fedgrid/federation';

const MiB = 2 ** 20;

/** guest is on node-g, arbiter on node-a; host-0 is ours. */
const OPTS: SessionOptions = {
  localParties: ['host-0'],
  allowSender: (src, node) =>
    (src === 'guest' && node === 'node-g') || (src === 'arbiter' && node === 'node-a'),
};

function env(session: string, tag: string, seq: number, total: number, data: Uint8Array): Envelope {
  return { session, tag, src: 'guest', dst: 'host-0', seq, total, data };
}

function fromArbiter(e: Envelope): Envelope {
  return { ...e, src: 'arbiter' };
}

/** The refusal `fn` throws (asserting it is a DeliveryError), or undefined if it does not throw. */
function refusal(fn: () => unknown): DeliveryError | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DeliveryError);
    return e as DeliveryError;
  }
  return undefined;
}

function mailbox(limits: MailboxLimits, sessions = ['s1']): Mailbox {
  const m = new Mailbox(limits);
  for (const s of sessions) m.openSession(s, OPTS);
  return m;
}

/** Tracks whether a promise settled, without timers (fake timers may be installed). */
function track<T>(p: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  return { settled: () => done, promise: p };
}

const flush = () => new Promise<void>((r) => queueMicrotask(r)).then(() => Promise.resolve());

afterEach(() => {
  vi.useRealTimers();
});

describe('Mailbox limits', () => {
  it('the default per-session cap is 256 MiB (not 4 GiB), and the refusal names session, sender and limit', () => {
    const m = new Mailbox();
    m.openSession('s1', OPTS);
    const chunk = new Uint8Array(16 * MiB); // one buffer referenced by every payload
    for (let k = 0; k < 16; k++) m.deliver(env('s1', `t${k}`, 0, 1, chunk), 'node-g');
    expect(m.usage().sessions['s1']).toBe(256 * MiB);
    const err = refusal(() => m.deliver(env('s1', 'one-more', 0, 1, Uint8Array.of(1)), 'node-g'));
    expect(err?.code).toBe('ERR_BUFFER_FULL');
    expect(err?.message).toContain('session s1');
    expect(err?.message).toContain("node 'node-g'");
    expect(err?.message).toContain('per-session limit of 256 MiB');
    expect(DEFAULT_MAILBOX_LIMITS.maxSessionBytes).toBe(256 * MiB);
  });

  it('a sender cannot multiply the session cap by using many sessions (per-partner cap)', () => {
    const m = mailbox({ maxSessionBytes: 100, maxSenderBytes: 150 }, ['s1', 's2', 's3']);
    m.deliver(env('s1', 'a', 0, 2, new Uint8Array(100)), 'node-g'); // incomplete: counts
    m.deliver(env('s2', 'a', 0, 1, new Uint8Array(50)), 'node-g'); // complete, not taken: counts
    const err = refusal(() => m.deliver(env('s3', 'a', 0, 1, new Uint8Array(1)), 'node-g'));
    expect(err?.code).toBe('ERR_BUFFER_FULL');
    expect(err?.message).toContain("node 'node-g'");
    expect(err?.message).toContain('session s3');
    expect(err?.message).toContain('per-partner limit of 150 bytes');
    // another partner is not affected
    m.deliver(fromArbiter(env('s3', 'a', 0, 1, new Uint8Array(100))), 'node-a');
    expect(m.usage().senders).toEqual({
      'node-g': { bytes: 150, chunks: 2 },
      'node-a': { bytes: 100, chunks: 1 },
    });
  });

  it('the whole mailbox has a cap across all senders', () => {
    const m = mailbox({ maxSenderBytes: 150, maxTotalBytes: 200 }, ['s1', 's2']);
    m.deliver(env('s1', 'a', 0, 1, new Uint8Array(150)), 'node-g');
    m.deliver(fromArbiter(env('s2', 'a', 0, 1, new Uint8Array(50))), 'node-a');
    const err = refusal(() =>
      m.deliver(fromArbiter(env('s2', 'b', 0, 1, new Uint8Array(1))), 'node-a'),
    );
    expect(err?.code).toBe('ERR_BUFFER_FULL');
    expect(err?.message).toContain('node-wide limit of 200 bytes');
    expect(err?.message).toContain("node 'node-a'");
    expect(m.usage().bytes).toBe(200);
  });

  it('complete payloads waiting for their receiver count against the caps until taken', async () => {
    const m = mailbox({ maxSenderBytes: 100 }, ['s1', 's2']);
    m.deliver(env('s1', 'ready', 0, 2, new Uint8Array(60)), 'node-g');
    m.deliver(env('s1', 'ready', 1, 2, new Uint8Array(40)), 'node-g');
    expect(refusal(() => m.deliver(env('s2', 'x', 0, 1, new Uint8Array(1)), 'node-g'))?.code).toBe(
      'ERR_BUFFER_FULL',
    );
    expect((await m.take('s1', 'ready', 'guest', 'host-0')).length).toBe(100);
    expect(m.usage()).toEqual({ bytes: 0, sessions: {}, senders: {} });
    m.deliver(env('s2', 'x', 0, 1, new Uint8Array(100)), 'node-g');
  });

  it('closing a session frees what it held for every sender', () => {
    const m = mailbox({ maxSenderBytes: 100 }, ['s1', 's2']);
    m.deliver(env('s1', 'a', 0, 3, new Uint8Array(50)), 'node-g');
    m.deliver(env('s1', 'b', 0, 1, new Uint8Array(50)), 'node-g');
    m.closeSession('s1', 'job failed');
    expect(m.usage()).toEqual({ bytes: 0, sessions: {}, senders: {} });
    m.deliver(env('s2', 'a', 0, 1, new Uint8Array(100)), 'node-g');
  });

  it('pushes for a session that is not open are refused without buffering anything', () => {
    const m = mailbox({}, ['s1']);
    const big = new Uint8Array(MiB);
    expect(refusal(() => m.deliver(env('nope', 'a', 0, 2, big), 'node-g'))?.code).toBe(
      'ERR_UNKNOWN_SESSION',
    );
    m.deliver(env('s1', 'a', 0, 2, big), 'node-g');
    m.closeSession('s1');
    expect(refusal(() => m.deliver(env('s1', 'a', 1, 2, big), 'node-g'))?.code).toBe(
      'ERR_UNKNOWN_SESSION',
    );
    expect(refusal(() => m.deliver(env('s1', 'b', 0, 1, big), 'node-g'))?.code).toBe(
      'ERR_UNKNOWN_SESSION',
    );
    expect(m.usage()).toEqual({ bytes: 0, sessions: {}, senders: {} });
  });

  it('a header cannot declare a huge chunk count, and chunks above maxChunkBytes are refused', () => {
    const m = mailbox({ maxChunkBytes: 10 });
    const max = DEFAULT_MAILBOX_LIMITS.maxChunksPerPayload;
    for (const total of [max + 1, 2 ** 32 - 1]) {
      const err = refusal(() => m.deliver(env('s1', 'huge', 0, total, Uint8Array.of(1)), 'node-g'));
      expect(err?.code, `total ${total}`).toBe('ERR_PAYLOAD_TOO_LARGE');
      expect(err?.message).toContain(`at most ${max} chunks`);
    }
    // A declared count at the limit is fine: storage grows with the chunks that arrive.
    m.deliver(env('s1', 'many', max - 1, max, Uint8Array.of(1)), 'node-g');
    const big = refusal(() => m.deliver(env('s1', 'big', 0, 1, new Uint8Array(11)), 'node-g'));
    expect(big?.code).toBe('ERR_PAYLOAD_TOO_LARGE');
    expect(big?.message).toContain('at most 10 bytes');
    m.deliver(env('s1', 'fits', 0, 1, new Uint8Array(10)), 'node-g');
    expect(
      refusal(() =>
        m.deliver(env('s1', 'x'.repeat(MAX_TAG_LENGTH + 1), 0, 1, Uint8Array.of(1)), 'node-g'),
      )?.code,
    ).toBe('ERR_BAD_ENVELOPE');
  });

  it('many tiny or empty chunks are bounded by the per-partner chunk cap', async () => {
    const m = mailbox({ maxSenderChunks: 3 }, ['s1', 's2']);
    const empty = new Uint8Array(0);
    m.deliver(env('s1', 'a', 0, 10, empty), 'node-g');
    m.deliver(env('s1', 'a', 1, 10, empty), 'node-g');
    m.deliver(env('s2', 'b', 0, 1, empty), 'node-g'); // a complete payload is one item
    const err = refusal(() => m.deliver(env('s2', 'c', 0, 1, empty), 'node-g'));
    expect(err?.code).toBe('ERR_BUFFER_FULL');
    expect(err?.message).toContain('per-partner limit of 3');
    await m.take('s2', 'b', 'guest', 'host-0');
    m.deliver(env('s2', 'c', 0, 1, empty), 'node-g');
  });

  it('an incomplete payload is dropped incompleteTimeoutMs after its latest chunk; its bytes are freed', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const m = mailbox({ maxSessionBytes: 100, incompleteTimeoutMs: 1000 });
    const waiting = track(m.take('s1', 'a', 'guest', 'host-0'));
    m.deliver(env('s1', 'a', 0, 3, new Uint8Array(40)), 'node-g');
    vi.advanceTimersByTime(900);
    m.deliver(env('s1', 'a', 1, 3, new Uint8Array(40)), 'node-g'); // resets the deadline
    vi.advanceTimersByTime(999); // 999 ms since the latest chunk: still kept
    await flush();
    expect(waiting.settled()).toBe(false);
    expect(m.usage().bytes).toBe(80);
    expect(refusal(() => m.deliver(env('s1', 'b', 0, 1, new Uint8Array(21)), 'node-g'))?.code).toBe(
      'ERR_BUFFER_FULL',
    );
    // one sweep period (a quarter of the timeout) later it is gone
    vi.advanceTimersByTime(250);
    expect(m.usage()).toEqual({
      bytes: 0,
      sessions: {},
      senders: { 'node-g': { bytes: 0, chunks: 1 } }, // the record of the dropped payload
    });
    const err = await waiting.promise.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect((err as DeliveryError).code).toBe('ERR_PAYLOAD_EXPIRED');
    expect((err as Error).message).toContain('2 of 3 chunks');
    // the sender's late chunk is refused (its send fails instead of leaving a phantom), and
    // a later receive fails at once
    expect(refusal(() => m.deliver(env('s1', 'a', 2, 3, new Uint8Array(20)), 'node-g'))?.code).toBe(
      'ERR_PAYLOAD_EXPIRED',
    );
    await expect(m.take('s1', 'a', 'guest', 'host-0')).rejects.toMatchObject({
      code: 'ERR_PAYLOAD_EXPIRED',
    });
    m.deliver(env('s1', 'b', 0, 1, new Uint8Array(100)), 'node-g'); // the room is back
    m.closeSession('s1');
    expect(m.usage()).toEqual({ bytes: 0, sessions: {}, senders: {} });
  });

  it('a push that finds the buffer full first drops incomplete payloads past their deadline', () => {
    // Only the clock moves (no timer fires): the refusal path itself sweeps.
    vi.useFakeTimers({ toFake: ['Date'] });
    const m = mailbox({ maxSessionBytes: 100, incompleteTimeoutMs: 1000 });
    m.deliver(env('s1', 'a', 0, 2, new Uint8Array(100)), 'node-g');
    vi.setSystemTime(Date.now() + 1000);
    // The payload's own last chunk arrives too late: it was dropped, so the chunk is refused.
    expect(refusal(() => m.deliver(env('s1', 'a', 1, 2, new Uint8Array(1)), 'node-g'))?.code).toBe(
      'ERR_PAYLOAD_EXPIRED',
    );
    m.deliver(env('s1', 'b', 0, 1, new Uint8Array(100)), 'node-g');
  });

  it('complete payloads are never dropped by the deadline', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const m = mailbox({ incompleteTimeoutMs: 1000 });
    m.deliver(env('s1', 'a', 0, 2, Uint8Array.of(1)), 'node-g');
    m.deliver(env('s1', 'a', 1, 2, Uint8Array.of(2)), 'node-g');
    vi.advanceTimersByTime(60_000);
    expect(m.expireIncomplete()).toBe(0);
    expect(Array.from(await m.take('s1', 'a', 'guest', 'host-0'))).toEqual([1, 2]);
  });

  it('limits must be positive numbers', () => {
    expect(() => new Mailbox({ maxSessionBytes: 0 })).toThrow(RangeError);
    expect(() => new Mailbox({ incompleteTimeoutMs: Number.NaN })).toThrow(/incompleteTimeoutMs/);
    expect(new Mailbox({ maxTotalBytes: 5 }).limits).toEqual({
      ...DEFAULT_MAILBOX_LIMITS,
      maxTotalBytes: 5,
    });
  });
});
