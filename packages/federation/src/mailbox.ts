/**
 * A node's inbox for the data plane: payloads pushed by peers wait here, per session, until the
 * local program receives them. Payloads arrive in chunks (any order, duplicates ignored, so
 * retried pushes are idempotent) and are reassembled before delivery.
 *
 * A contracted partner may be hostile (docs/protocols/README.md, "Data-plane limits"): what it can
 * make this node hold is bounded per session, per sending node across all its sessions, and for
 * the whole mailbox — incomplete and complete-but-not-yet-received payloads alike — and a payload
 * whose remaining chunks stop arriving is dropped after a deadline.
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
  /**
   * The node each party of the session is hosted on. A store-backed mailbox, shared by processes
   * that cannot share `allowSender`, accepts a push as party `src` only from `partyNodes[src]`.
   */
  partyNodes?: Readonly<Record<PartyName, string>>;
  /**
   * Cap on bytes buffered for the session before pushes are refused.
   * @default the mailbox's {@link MailboxLimits.maxSessionBytes}
   */
  maxBufferedBytes?: number;
}

/** What peers can make a mailbox hold. Every byte count is of payload data. */
export interface MailboxLimits {
  /**
   * Bytes one session may buffer (chunks of incomplete payloads plus complete payloads not yet
   * received), unless the session sets its own `maxBufferedBytes`. Also bounds the largest
   * payload a session can carry.
   * @default 256 MiB
   */
  maxSessionBytes?: number;
  /**
   * Bytes one sending node may have buffered across all sessions, so that a partner cannot
   * multiply the session cap by taking part in many sessions.
   * @default 512 MiB
   */
  maxSenderBytes?: number;
  /** Bytes the whole mailbox may buffer, all senders together. @default 1 GiB */
  maxTotalBytes?: number;
  /**
   * Chunks of incomplete payloads, complete payloads and dropped-payload records one sending node
   * may have buffered across all sessions (bounds the bookkeeping of many tiny or empty chunks).
   * @default 65536
   */
  maxSenderChunks?: number;
  /** Largest chunk accepted, in bytes (senders use 4 MiB). @default 16 MiB */
  maxChunkBytes?: number;
  /** Largest chunk count a payload may declare. @default 65536 */
  maxChunksPerPayload?: number;
  /**
   * An incomplete payload is dropped this many ms after its latest chunk arrived (checked every
   * quarter of this, at most every 10 s); its bytes are freed, a waiting receiver fails with
   * ERR_PAYLOAD_EXPIRED, and later chunks of it are refused.
   * @default 120000
   */
  incompleteTimeoutMs?: number;
}

export const DEFAULT_MAILBOX_LIMITS: Readonly<Required<MailboxLimits>> = Object.freeze({
  maxSessionBytes: 256 * 2 ** 20,
  maxSenderBytes: 512 * 2 ** 20,
  maxTotalBytes: 2 ** 30,
  maxSenderChunks: 65_536,
  maxChunkBytes: 16 * 2 ** 20,
  maxChunksPerPayload: 65_536,
  incompleteTimeoutMs: 120_000,
});

/** Longest tag accepted, in characters (tags are keys held in memory per payload). */
export const MAX_TAG_LENGTH = 1024;

/** Bytes and items (chunks, payloads, dropped-payload records) buffered for one sender. */
export interface SenderUsage {
  bytes: number;
  chunks: number;
}

/** A snapshot of what a mailbox holds. */
export interface MailboxUsage {
  /** Payload bytes buffered in all sessions. */
  bytes: number;
  /** Bytes per open session (sessions holding nothing are left out). */
  sessions: Record<string, number>;
  /** Usage per sending node id (senders holding nothing are left out). */
  senders: Record<string, SenderUsage>;
}

interface Pending {
  total: number;
  chunks: Map<number, Uint8Array>;
  bytes: number;
  /** The node whose pushes this payload's chunks are counted against. */
  sender: string;
  /** When the latest new chunk arrived (ms since the epoch). */
  lastAt: number;
}

interface Ready {
  data: Uint8Array;
  sender: string;
}

interface Expired {
  sender: string;
  message: string;
}

interface Waiter {
  resolve(data: Uint8Array): void;
  reject(err: Error): void;
}

interface Session {
  options: SessionOptions;
  pending: Map<string, Pending>;
  ready: Map<string, Ready>;
  /** Slots whose payload was completed (delivered or waiting): later re-pushes are duplicates. */
  completed: Set<string>;
  /** Slots whose incomplete payload was dropped: later chunks and receives fail. */
  expired: Map<string, Expired>;
  waiters: Map<string, Waiter>;
  buffered: number;
  closed?: string;
}

/**
 * What the data plane needs from a mailbox: the in-memory {@link Mailbox} of a single-process
 * node, or a store-backed one shared by the processes of a node run as several (the node
 * package's DbMailbox). Methods that may touch a store return a promise; the in-memory mailbox
 * answers synchronously, so awaiting it costs a microtask.
 */
export interface DataPlaneMailbox {
  /** The limits in force (defaults filled in). */
  readonly limits: Readonly<Required<MailboxLimits>>;
  /** Starts accepting pushes for `session` (idempotent). */
  openSession(session: string, options: SessionOptions): void | Promise<void>;
  /** Stops the session: buffered data is dropped and waiting receivers are rejected. */
  closeSession(session: string, reason?: string): void | Promise<void>;
  /**
   * Accepts one chunk pushed by `senderNodeId`; resolves once it is kept (a store-backed mailbox:
   * committed), so that the push is acknowledged only then.
   * @throws DeliveryError as {@link Mailbox.deliver}.
   */
  deliver(env: Envelope, senderNodeId: string): void | Promise<void>;
  /** Resolves with the payload `src` sent to `dst` under `tag` in `session`. */
  take(session: string, tag: string, src: PartyName, dst: PartyName): Promise<Uint8Array>;
  /** Withdraws a pending {@link take}, rejecting it with `err`. */
  cancelTake(session: string, tag: string, src: PartyName, dst: PartyName, err: Error): void;
  /** What the mailbox holds (a store-backed mailbox: as of its latest sweep). */
  usage(): MailboxUsage;
}

/** Error codes a push can be refused with (mapped to gRPC status codes by the server). */
export class DeliveryError extends ChannelError {}

function slot(tag: string, src: PartyName, dst: PartyName): string {
  return `${tag}\u0000${src}\u0000${dst}`;
}

function slotName(key: string): string {
  const [tag, src, dst] = key.split('\u0000');
  return `'${tag}' from ${src} to ${dst}`;
}

/** `n` bytes as people read it in an error message. */
function size(n: number): string {
  if (n < 2 ** 20) return `${n} bytes`;
  const mib = n / 2 ** 20;
  return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
}

export class Mailbox implements DataPlaneMailbox {
  private readonly sessions = new Map<string, Session>();
  private readonly senders = new Map<string, SenderUsage>();
  private total = 0;
  private sweeper: ReturnType<typeof setInterval> | undefined;
  /** The limits in force (defaults filled in). */
  readonly limits: Readonly<Required<MailboxLimits>>;

  /** @throws RangeError if a limit is not a positive number. */
  constructor(limits: MailboxLimits = {}) {
    const merged = { ...DEFAULT_MAILBOX_LIMITS };
    for (const [k, v] of Object.entries(limits) as [keyof MailboxLimits, number | undefined][]) {
      if (v === undefined) continue;
      if (!(typeof v === 'number' && v > 0)) throw new RangeError(`mailbox limit ${k} must be > 0`);
      merged[k] = v;
    }
    this.limits = Object.freeze(merged);
  }

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
      expired: new Map(),
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
    for (const p of s.pending.values()) this.charge(s, p.sender, -p.bytes, -p.chunks.size);
    for (const r of s.ready.values()) this.charge(s, r.sender, -r.data.length, -1);
    for (const e of s.expired.values()) this.charge(s, e.sender, 0, -1);
    this.sessions.delete(session);
    this.stopSweeperIfIdle();
  }

  /** What the mailbox holds now, in total, per session and per sending node. */
  usage(): MailboxUsage {
    const sessions: Record<string, number> = {};
    for (const [id, s] of this.sessions) if (s.buffered > 0) sessions[id] = s.buffered;
    const senders: Record<string, SenderUsage> = {};
    for (const [id, u] of this.senders) senders[id] = { ...u };
    return { bytes: this.total, sessions, senders };
  }

  /**
   * Accepts one chunk pushed by the node `senderNodeId`.
   * @throws DeliveryError — the pushing peer sees the message:
   *   ERR_UNKNOWN_SESSION (nothing is buffered for a session that is not open),
   *   ERR_SENDER_NOT_ALLOWED, ERR_BAD_ENVELOPE (bad seq/total/dst/tag),
   *   ERR_PAYLOAD_TOO_LARGE (a chunk above `maxChunkBytes` or a chunk count above
   *   `maxChunksPerPayload`), ERR_BUFFER_FULL (a session, sender or mailbox limit would be
   *   passed), ERR_PAYLOAD_EXPIRED (the payload was dropped as incomplete).
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
    if (env.tag.length > MAX_TAG_LENGTH) {
      throw new DeliveryError(
        'ERR_BAD_ENVELOPE',
        `tag of ${env.tag.length} characters in session ${env.session} (at most ${MAX_TAG_LENGTH})`,
      );
    }
    const { limits } = this;
    if (env.total > limits.maxChunksPerPayload) {
      throw new DeliveryError(
        'ERR_PAYLOAD_TOO_LARGE',
        `payload '${env.tag}' in session ${env.session} declares ${env.total} chunks; this node ` +
          `accepts at most ${limits.maxChunksPerPayload} chunks per payload`,
      );
    }
    if (env.data.length > limits.maxChunkBytes) {
      throw new DeliveryError(
        'ERR_PAYLOAD_TOO_LARGE',
        `chunk ${env.seq} of '${env.tag}' in session ${env.session} has ${size(env.data.length)}; ` +
          `this node accepts chunks of at most ${size(limits.maxChunkBytes)}`,
      );
    }
    const key = slot(env.tag, env.src, env.dst);
    if (s.completed.has(key)) return; // a retried push of a payload already completed (even if taken)
    const expired = s.expired.get(key);
    if (expired) throw new DeliveryError('ERR_PAYLOAD_EXPIRED', expired.message);
    let p = s.pending.get(key);
    if (p && p.total !== env.total) {
      throw new DeliveryError(
        'ERR_BAD_ENVELOPE',
        `chunk count changed from ${p.total} to ${env.total} for tag '${env.tag}'`,
      );
    }
    if (p?.chunks.has(env.seq)) return; // duplicate chunk
    const sender = p?.sender ?? senderNodeId;
    const refusal = this.refusal(s, env, sender);
    if (refusal) {
      // Payloads past their deadline may hold the room (this one among them): drop them, retry.
      if (this.expireIncomplete() > 0) return this.deliver(env, senderNodeId);
      throw new DeliveryError(
        'ERR_BUFFER_FULL',
        `${refusal} (retry once the receiving program has taken buffered payloads)`,
      );
    }
    if (!p) {
      p = { total: env.total, chunks: new Map(), bytes: 0, sender, lastAt: 0 };
      s.pending.set(key, p);
      this.startSweeper();
    }
    p.chunks.set(env.seq, env.data);
    p.bytes += env.data.length;
    p.lastAt = Date.now();
    this.charge(s, sender, env.data.length, 1);
    if (p.chunks.size < p.total) return;
    s.pending.delete(key);
    s.completed.add(key);
    // The payload's chunks now count as one buffered item.
    this.charge(s, sender, 0, 1 - p.total);
    const whole = p.total === 1 ? (p.chunks.get(0) as Uint8Array) : concat(p);
    const waiter = s.waiters.get(key);
    if (waiter) {
      s.waiters.delete(key);
      this.charge(s, sender, -p.bytes, -1);
      waiter.resolve(whole);
    } else {
      s.ready.set(key, { data: whole, sender });
    }
  }

  /** Why a new chunk of `env` would pass a limit, or undefined if it fits. */
  private refusal(s: Session, env: Envelope, sender: string): string | undefined {
    const n = env.data.length;
    const { limits } = this;
    const u = this.senders.get(sender) ?? { bytes: 0, chunks: 0 };
    const sessionLimit = s.options.maxBufferedBytes ?? limits.maxSessionBytes;
    if (s.buffered + n > sessionLimit)
      return (
        `session ${env.session} already buffers ${size(s.buffered)}; ${size(n)} more from node ` +
        `'${sender}' would pass the per-session limit of ${size(sessionLimit)}`
      );
    if (u.bytes + n > limits.maxSenderBytes)
      return (
        `node '${sender}' already has ${size(u.bytes)} buffered on this node across its ` +
        `sessions; ${size(n)} more in session ${env.session} would pass the per-partner limit ` +
        `of ${size(limits.maxSenderBytes)}`
      );
    if (u.chunks + 1 > limits.maxSenderChunks)
      return (
        `node '${sender}' already has ${u.chunks} chunks and payloads buffered on this node ` +
        `across its sessions; one more in session ${env.session} would pass the per-partner ` +
        `limit of ${limits.maxSenderChunks}`
      );
    if (this.total + n > limits.maxTotalBytes)
      return (
        `this node's data plane already buffers ${size(this.total)}; ${size(n)} more from node ` +
        `'${sender}' in session ${env.session} would pass the node-wide limit of ` +
        `${size(limits.maxTotalBytes)}`
      );
    return undefined;
  }

  /** Adds (or with negative numbers, releases) buffered bytes and items. */
  private charge(s: Session, sender: string, bytes: number, chunks: number): void {
    s.buffered += bytes;
    this.total += bytes;
    const u = this.senders.get(sender) ?? { bytes: 0, chunks: 0 };
    u.bytes += bytes;
    u.chunks += chunks;
    if (u.bytes === 0 && u.chunks === 0) this.senders.delete(sender);
    else this.senders.set(sender, u);
  }

  /**
   * Drops every incomplete payload whose latest chunk arrived `incompleteTimeoutMs` ago or
   * earlier, frees its bytes, and fails a receiver waiting for it with ERR_PAYLOAD_EXPIRED.
   * Runs on a timer while incomplete payloads exist; callable directly.
   * @returns the number of payloads dropped
   */
  expireIncomplete(): number {
    const now = Date.now();
    const timeout = this.limits.incompleteTimeoutMs;
    let dropped = 0;
    for (const [id, s] of this.sessions) {
      for (const [key, p] of s.pending) {
        if (now - p.lastAt < timeout) continue;
        s.pending.delete(key);
        const message =
          `payload ${slotName(key)} in session ${id} was dropped incomplete: ` +
          `${p.chunks.size} of ${p.total} chunks had arrived and none for ${timeout / 1000} s`;
        // The record stays (counted as one item against the sender) until the session closes.
        s.expired.set(key, { sender: p.sender, message });
        this.charge(s, p.sender, -p.bytes, 1 - p.chunks.size);
        const waiter = s.waiters.get(key);
        if (waiter) {
          s.waiters.delete(key);
          waiter.reject(new DeliveryError('ERR_PAYLOAD_EXPIRED', message));
        }
        dropped++;
      }
    }
    this.stopSweeperIfIdle();
    return dropped;
  }

  private startSweeper(): void {
    if (this.sweeper) return;
    const every = Math.max(10, Math.min(10_000, Math.floor(this.limits.incompleteTimeoutMs / 4)));
    this.sweeper = setInterval(() => this.expireIncomplete(), every);
    // The sweeper must never keep a process alive on its own.
    this.sweeper.unref?.();
  }

  private stopSweeperIfIdle(): void {
    if (!this.sweeper) return;
    for (const s of this.sessions.values()) if (s.pending.size > 0) return;
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /**
   * Resolves with the payload `src` sent to `dst` under `tag` in `session` (immediately if it is
   * already here).
   * @throws ChannelAbortedError if the session closes first; DeliveryError if it is not open
   *   (ERR_UNKNOWN_SESSION) or the payload was dropped incomplete (ERR_PAYLOAD_EXPIRED).
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
      this.charge(s, ready.sender, -ready.data.length, -1);
      return Promise.resolve(ready.data);
    }
    const expired = s.expired.get(key);
    if (expired) return Promise.reject(new DeliveryError('ERR_PAYLOAD_EXPIRED', expired.message));
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

function concat(p: Pending): Uint8Array {
  const out = new Uint8Array(p.bytes);
  let off = 0;
  for (let k = 0; k < p.total; k++) {
    const part = p.chunks.get(k) as Uint8Array;
    out.set(part, off);
    off += part.length;
  }
  return out;
}
