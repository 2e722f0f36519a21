/**
 * A node's inbox for the data plane: payloads pushed by peers wait here, per session, until the
 * local program receives them. Payloads arrive in chunks (any order, duplicates ignored, so
 * retried pushes are idempotent) and are reassembled before delivery.
 */
import { ChannelAbortedError, ChannelError, type PartyName } from './channel.js';

/** One pushed chunk: the PPCA-style key {session}:{tag}:{src}->{dst} plus chunk position. */
export interface Envelope {
  session: string;
  tag: string;
  src: PartyName;
  dst: PartyName;
  /** Chunk index, 0-based. */
  seq: number;
  /** Number of chunks of this payload (≥ 1). */
  total: number;
  data: Uint8Array;
}

export interface SessionOptions {
  /**
   * Decides whether the node identified by `senderNodeId` (from its pinned certificate) may push
   * as party `src` in this session.
   */
  allowSender(src: PartyName, senderNodeId: string): boolean;
  /** The parties hosted on this node (valid `dst`). */
  localParties: readonly PartyName[];
  /** Cap on bytes buffered for the session before pushes are refused. @default 4 GiB */
  maxBufferedBytes?: number;
}

interface Pending {
  total: number;
  chunks: (Uint8Array | undefined)[];
  received: number;
  bytes: number;
}

interface Waiter {
  resolve(data: Uint8Array): void;
  reject(err: Error): void;
}

interface Session {
  options: SessionOptions;
  pending: Map<string, Pending>;
  ready: Map<string, Uint8Array>;
  /** Slots whose payload was completed (delivered or waiting): later re-pushes are duplicates. */
  completed: Set<string>;
  waiters: Map<string, Waiter>;
  buffered: number;
  closed?: string;
}

/** Error codes a push can be refused with (mapped to gRPC status codes by the server). */
export class DeliveryError extends ChannelError {}

function slot(tag: string, src: PartyName, dst: PartyName): string {
  return `${tag}\u0000${src}\u0000${dst}`;
}

export class Mailbox {
  private readonly sessions = new Map<string, Session>();

  /** Starts accepting pushes for `session`. Re-opening an open session updates its options. */
  openSession(session: string, options: SessionOptions): void {
    const existing = this.sessions.get(session);
    if (existing && !existing.closed) {
      existing.options = options;
      return;
    }
    this.sessions.set(session, {
      options,
      pending: new Map(),
      ready: new Map(),
      completed: new Set(),
      waiters: new Map(),
      buffered: 0,
    });
  }

  /** Whether pushes for `session` are accepted. */
  isOpen(session: string): boolean {
    const s = this.sessions.get(session);
    return !!s && !s.closed;
  }

  /** Stops the session: buffered data is dropped and waiting receivers are rejected. */
  closeSession(session: string, reason = 'session closed'): void {
    const s = this.sessions.get(session);
    if (!s) return;
    s.closed = reason;
    for (const w of s.waiters.values())
      w.reject(new ChannelAbortedError(`session ${session}: ${reason}`));
    this.sessions.delete(session);
  }

  /**
   * Accepts one chunk pushed by the node `senderNodeId`.
   * @throws DeliveryError (ERR_UNKNOWN_SESSION, ERR_SENDER_NOT_ALLOWED, ERR_BAD_ENVELOPE,
   *   ERR_BUFFER_FULL) — the pushing peer sees the message.
   */
  deliver(env: Envelope, senderNodeId: string): void {
    const s = this.sessions.get(env.session);
    if (!s)
      throw new DeliveryError(
        'ERR_UNKNOWN_SESSION',
        `no open session '${env.session}' on this node`,
      );
    if (!s.options.localParties.includes(env.dst)) {
      throw new DeliveryError(
        'ERR_BAD_ENVELOPE',
        `party '${env.dst}' is not hosted on this node in session ${env.session}`,
      );
    }
    if (!s.options.allowSender(env.src, senderNodeId)) {
      throw new DeliveryError(
        'ERR_SENDER_NOT_ALLOWED',
        `node '${senderNodeId}' may not send as party '${env.src}' in session ${env.session}`,
      );
    }
    if (
      !Number.isInteger(env.total) ||
      env.total < 1 ||
      !Number.isInteger(env.seq) ||
      env.seq < 0 ||
      env.seq >= env.total
    ) {
      throw new DeliveryError(
        'ERR_BAD_ENVELOPE',
        `chunk ${env.seq} of ${env.total} is out of range`,
      );
    }
    const key = slot(env.tag, env.src, env.dst);
    if (s.completed.has(key)) return; // a retried push of a payload already completed (even if taken)
    let p = s.pending.get(key);
    if (!p) {
      p = { total: env.total, chunks: new Array(env.total), received: 0, bytes: 0 };
      s.pending.set(key, p);
    } else if (p.total !== env.total) {
      throw new DeliveryError(
        'ERR_BAD_ENVELOPE',
        `chunk count changed from ${p.total} to ${env.total} for tag '${env.tag}'`,
      );
    }
    if (p.chunks[env.seq]) return; // duplicate chunk
    const limit = s.options.maxBufferedBytes ?? 4 * 2 ** 30;
    if (s.buffered + env.data.length > limit) {
      throw new DeliveryError(
        'ERR_BUFFER_FULL',
        `session ${env.session} buffers more than ${limit} bytes`,
      );
    }
    p.chunks[env.seq] = env.data;
    p.received++;
    p.bytes += env.data.length;
    s.buffered += env.data.length;
    if (p.received < p.total) return;
    s.pending.delete(key);
    s.completed.add(key);
    const whole =
      p.total === 1 ? (p.chunks[0] as Uint8Array) : concat(p.chunks as Uint8Array[], p.bytes);
    const waiter = s.waiters.get(key);
    if (waiter) {
      s.waiters.delete(key);
      s.buffered -= p.bytes;
      waiter.resolve(whole);
    } else {
      s.ready.set(key, whole);
    }
  }

  /**
   * Resolves with the payload `src` sent to `dst` under `tag` in `session` (immediately if it is
   * already here).
   * @throws ChannelAbortedError if the session closes first; DeliveryError if it is not open.
   */
  take(session: string, tag: string, src: PartyName, dst: PartyName): Promise<Uint8Array> {
    const s = this.sessions.get(session);
    if (!s)
      return Promise.reject(
        new DeliveryError('ERR_UNKNOWN_SESSION', `no open session '${session}' on this node`),
      );
    const key = slot(tag, src, dst);
    const ready = s.ready.get(key);
    if (ready) {
      s.ready.delete(key);
      s.buffered -= ready.length;
      return Promise.resolve(ready);
    }
    if (s.waiters.has(key)) {
      return Promise.reject(
        new RangeError(`already waiting for '${tag}' from ${src} in session ${session}`),
      );
    }
    return new Promise((resolve, reject) => s.waiters.set(key, { resolve, reject }));
  }

  /** Withdraws a pending {@link take} (e.g. on timeout) so that the slot can be waited on again. */
  cancelTake(session: string, tag: string, src: PartyName, dst: PartyName, err: Error): void {
    const s = this.sessions.get(session);
    const key = slot(tag, src, dst);
    const w = s?.waiters.get(key);
    if (w) {
      s!.waiters.delete(key);
      w.reject(err);
    }
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
