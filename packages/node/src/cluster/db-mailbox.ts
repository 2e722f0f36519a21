/**
 * The data-plane mailbox of a node run as several processes (issue 16 item 1; docs/OPERATIONS.md
 * "Several processes per node"): partners' pushes are kept in PostgreSQL (migration 0027), so
 * that any API replica can take a push and any process — another replica or a worker — can
 * receive it.
 *
 * - **Push.** A chunk is checked as the in-memory mailbox checks it (session open, party hosted
 *   here, sender pinned for `src`, chunk bounds, the same byte and chunk limits — summed over the
 *   table under one transaction-level advisory lock, so concurrent pushes on several replicas
 *   cannot pass a limit together) and INSERTed; {@link DbMailbox.deliver} resolves only after
 *   the COMMIT, so the partner's push is acknowledged only for a chunk that is stored: no
 *   acknowledged message is lost when a process dies.
 * - **Wake-up.** The transaction that stores a payload's last chunk sends a NOTIFY naming the
 *   payload; every process LISTENs on its own connection and tries the receive waiting for it.
 *   Notifications are lost while that connection is down, so waiting receives are also tried
 *   every `pollMs` (the fallback bounds the delay; a reconnect is tried on the same tick).
 * - **Receive.** Reads the payload's chunks, deletes them and records the payload as taken (a
 *   retried push of it is then ignored), in one transaction.
 * - **Incomplete payloads** are dropped `incompleteTimeoutMs` after their latest chunk (database
 *   time); receives of them and later chunks fail with ERR_PAYLOAD_EXPIRED.
 * - Database errors during a push answer ERR_STORE_UNAVAILABLE (the partner retries).
 *
 * Differences from the in-memory mailbox: a payload's chunks keep counting as chunks (not as one
 * item) against `maxSenderChunks` until taken, and dropped-payload records are not counted.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import {
  ChannelAbortedError,
  DEFAULT_MAILBOX_LIMITS,
  DeliveryError,
  MAX_TAG_LENGTH,
  type DataPlaneMailbox,
  type Envelope,
  type MailboxLimits,
  type MailboxUsage,
  type PartyName,
  type SessionOptions,
} from '@fedgrid/federation';
import type { Database } from '../storage/schema.js';

export interface DbMailboxOptions {
  /** The node's store (search_path = the node's schema). */
  db: Kysely<Database>;
  /** For the LISTEN connection. */
  databaseUrl: string;
  /** The node's schema (names the notification channel and the limits' lock). */
  schema: string;
  limits?: MailboxLimits;
  /** Milliseconds between tries of waiting receives without a notification. @default 1000 */
  pollMs?: number;
  log?: Logger;
}

interface Waiter {
  session: string;
  tag: string;
  src: PartyName;
  dst: PartyName;
  resolve(data: Uint8Array): void;
  reject(err: Error): void;
  /** A try is under way; `again` asks for one more after it. */
  busy: boolean;
  again: boolean;
  /** Tried at least once (a session missing then was closed while we waited). */
  tried: boolean;
}

type Db = Kysely<Database> | Transaction<Database>;

/** `n` bytes as people read it in an error message. */
function size(n: number): string {
  if (n < 2 ** 20) return `${n} bytes`;
  const mib = n / 2 ** 20;
  return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
}

const key = (session: string, tag: string, src: string, dst: string) =>
  JSON.stringify([session, tag, src, dst]);

export class DbMailbox implements DataPlaneMailbox {
  readonly limits: Readonly<Required<MailboxLimits>>;
  private readonly waiters = new Map<string, Waiter>();
  private readonly channel: string;
  private listener: pg.Client | undefined;
  private connecting = false;
  private poller: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;
  private lastUsage: MailboxUsage = { bytes: 0, sessions: {}, senders: {} };

  /** @throws RangeError if a limit is not a positive number. */
  constructor(private readonly opts: DbMailboxOptions) {
    const merged = { ...DEFAULT_MAILBOX_LIMITS };
    for (const [k, v] of Object.entries(opts.limits ?? {}) as [
      keyof MailboxLimits,
      number | undefined,
    ][]) {
      if (v === undefined) continue;
      if (!(typeof v === 'number' && v > 0)) throw new RangeError(`mailbox limit ${k} must be > 0`);
      merged[k] = v;
    }
    this.limits = Object.freeze(merged);
    // PostgreSQL channel names are identifiers: at most 63 bytes (schema names are ASCII).
    this.channel = `fedgrid_mailbox_${opts.schema}`.slice(0, 63);
  }

  /**
   * Connects the LISTEN session and starts the receive poll and the sweep of incomplete
   * payloads.
   * @throws Error when PostgreSQL cannot be reached.
   */
  async start(): Promise<void> {
    await this.listen();
    this.poller = setInterval(() => {
      if (!this.listener) void this.listen().catch(() => {});
      for (const w of this.waiters.values()) this.attempt(w);
    }, this.opts.pollMs ?? 1000);
    this.poller.unref();
    const every = Math.max(10, Math.min(10_000, Math.floor(this.limits.incompleteTimeoutMs / 4)));
    this.sweeper = setInterval(
      () =>
        void this.expireIncomplete().catch((err: Error) =>
          this.opts.log?.warn({ err: err.message }, 'mailbox sweep failed; retrying'),
        ),
      every,
    );
    this.sweeper.unref();
  }

  /** Stops listening and polling; waiting receives are rejected (the process is stopping). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.poller);
    clearInterval(this.sweeper);
    for (const w of this.waiters.values())
      w.reject(new ChannelAbortedError(`session ${w.session}: this process is stopping`));
    this.waiters.clear();
    const l = this.listener;
    this.listener = undefined;
    await l?.end().catch(() => {});
  }

  private async listen(): Promise<void> {
    if (this.listener || this.connecting || this.closed) return;
    this.connecting = true;
    const client = new pg.Client({ connectionString: this.opts.databaseUrl });
    try {
      const lost = () => {
        if (this.listener === client) this.listener = undefined;
      };
      client.on('error', (err) => {
        this.opts.log?.warn({ err: err.message }, 'mailbox LISTEN connection lost; polling');
        lost();
      });
      client.on('end', lost);
      client.on('notification', (n) => this.notified(n.payload));
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
      if (this.closed) {
        await client.end().catch(() => {});
        return;
      }
      this.listener = client;
      // Whatever was notified while we were not listening.
      for (const w of this.waiters.values()) this.attempt(w);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    } finally {
      this.connecting = false;
    }
  }

  private notified(payload: string | undefined): void {
    if (!payload) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      return;
    }
    if (!Array.isArray(parsed)) return;
    if (parsed.length === 1) {
      // A session closed: its waiters here learn it on their next try.
      for (const w of this.waiters.values()) if (w.session === parsed[0]) this.attempt(w);
      return;
    }
    const w = this.waiters.get(JSON.stringify(parsed));
    if (w) this.attempt(w);
  }

  /** Records the session (idempotent: re-opening updates its parties). */
  async openSession(session: string, options: SessionOptions): Promise<void> {
    if (!options.partyNodes)
      throw new RangeError(
        `session ${session}: a store-backed mailbox needs the session's partyNodes (it cannot store allowSender)`,
      );
    const maxBytes = options.maxBufferedBytes ?? null;
    await sql`insert into mailbox_sessions (session, local_parties, party_nodes, max_bytes)
      values (${session}, ${JSON.stringify(options.localParties)}::jsonb,
              ${JSON.stringify(options.partyNodes)}::jsonb, ${maxBytes})
      on conflict (session) do update set local_parties = excluded.local_parties,
        party_nodes = excluded.party_nodes, max_bytes = excluded.max_bytes`.execute(this.opts.db);
  }

  /** Deletes the session with its chunks; receives waiting for it (in any process) are aborted. */
  async closeSession(session: string, reason = 'session closed'): Promise<void> {
    await this.opts.db.transaction().execute(async (trx) => {
      await sql`delete from mailbox_sessions where session = ${session}`.execute(trx);
      await sql`select pg_notify(${this.channel}, ${JSON.stringify([session])})`.execute(trx);
    });
    for (const [k, w] of this.waiters) {
      if (w.session !== session) continue;
      this.waiters.delete(k);
      w.reject(new ChannelAbortedError(`session ${session}: ${reason}`));
    }
  }

  /** What the table held at the latest sweep. */
  usage(): MailboxUsage {
    return this.lastUsage;
  }

  /**
   * Stores one chunk pushed by `senderNodeId`; resolves after the COMMIT.
   * @throws DeliveryError with the codes of the in-memory mailbox's `deliver`, or
   *   ERR_STORE_UNAVAILABLE when PostgreSQL fails (the partner retries).
   */
  async deliver(env: Envelope, senderNodeId: string): Promise<void> {
    this.checkEnvelope(env);
    try {
      await this.store(env, senderNodeId, true);
    } catch (err) {
      if (err instanceof DeliveryError) throw err;
      throw new DeliveryError(
        'ERR_STORE_UNAVAILABLE',
        `this node could not store chunk ${env.seq} of '${env.tag}' in session ${env.session}: ${(err as Error).message}`,
      );
    }
  }

  private checkEnvelope(env: Envelope): void {
    const { limits } = this;
    if (
      !Number.isInteger(env.total) ||
      env.total < 1 ||
      !Number.isInteger(env.seq) ||
      env.seq < 0 ||
      env.seq >= env.total
    )
      throw new DeliveryError(
        'ERR_BAD_ENVELOPE',
        `chunk ${env.seq} of ${env.total} is out of range`,
      );
    if (env.tag.length > MAX_TAG_LENGTH)
      throw new DeliveryError(
        'ERR_BAD_ENVELOPE',
        `tag of ${env.tag.length} characters in session ${env.session} (at most ${MAX_TAG_LENGTH})`,
      );
    if (env.total > limits.maxChunksPerPayload)
      throw new DeliveryError(
        'ERR_PAYLOAD_TOO_LARGE',
        `payload '${env.tag}' in session ${env.session} declares ${env.total} chunks; this node ` +
          `accepts at most ${limits.maxChunksPerPayload} chunks per payload`,
      );
    if (env.data.length > limits.maxChunkBytes)
      throw new DeliveryError(
        'ERR_PAYLOAD_TOO_LARGE',
        `chunk ${env.seq} of '${env.tag}' in session ${env.session} has ${size(env.data.length)}; ` +
          `this node accepts chunks of at most ${size(limits.maxChunkBytes)}`,
      );
  }

  private async store(env: Envelope, senderNodeId: string, mayExpire: boolean): Promise<void> {
    const { session, tag, src, dst } = env;
    const retry = await this.opts.db.transaction().execute(async (trx) => {
      // Round trips are the cost of this mailbox: each query below answers several questions.
      const s = (
        await sql<{
          local_parties: string[];
          party_nodes: Record<string, string>;
          max_bytes: string | null;
          state: string | null;
          message: string | null;
        }>`select s.local_parties, s.party_nodes, s.max_bytes, d.state, d.message
             from mailbox_sessions s left join mailbox_slots d on d.session = s.session
               and d.tag = ${tag} and d.src = ${src} and d.dst = ${dst}
             where s.session = ${session} for share of s`.execute(trx)
      ).rows[0];
      if (!s)
        throw new DeliveryError('ERR_UNKNOWN_SESSION', `no open session '${session}' on this node`);
      if (!s.local_parties.includes(dst))
        throw new DeliveryError(
          'ERR_BAD_ENVELOPE',
          `party '${dst}' is not hosted on this node in session ${session}`,
        );
      if (s.party_nodes[src] !== senderNodeId)
        throw new DeliveryError(
          'ERR_SENDER_NOT_ALLOWED',
          `node '${senderNodeId}' may not send as party '${src}' in session ${session}`,
        );
      if (s.state === 'taken') return false; // a retried push of a payload already taken
      if (s.state) throw new DeliveryError('ERR_PAYLOAD_EXPIRED', s.message ?? 'payload expired');
      // Concurrent pushes on any replica: the limits are summed under one lock.
      await sql`select pg_advisory_xact_lock(hashtext('fedgrid mailbox'), hashtext(${this.opts.schema}))`.execute(
        trx,
      );
      // Every chunk of a slot comes from the node pinned for its `src`: the sender is this one.
      const sender = senderNodeId;
      const n = env.data.length;
      const u = (
        await sql<{
          have_total: number | null;
          dup: boolean;
          session_bytes: string;
          sender_bytes: string;
          sender_chunks: string;
          total_bytes: string;
        }>`select min(total) filter (where session = ${session} and tag = ${tag} and src = ${src}
               and dst = ${dst}) as have_total,
             coalesce(bool_or(session = ${session} and tag = ${tag} and src = ${src}
               and dst = ${dst} and seq = ${env.seq}), false) as dup,
             coalesce(sum(bytes) filter (where session = ${session}), 0) as session_bytes,
             coalesce(sum(bytes) filter (where sender = ${sender}), 0) as sender_bytes,
             count(*) filter (where sender = ${sender}) as sender_chunks,
             coalesce(sum(bytes), 0) as total_bytes from mailbox_chunks`.execute(trx)
      ).rows[0]!;
      if (u.have_total !== null && u.have_total !== env.total)
        throw new DeliveryError(
          'ERR_BAD_ENVELOPE',
          `chunk count changed from ${u.have_total} to ${env.total} for tag '${tag}'`,
        );
      if (u.dup) return false; // duplicate chunk
      const refusal = this.refusal(
        session,
        sender,
        n,
        s.max_bytes === null ? this.limits.maxSessionBytes : Number(s.max_bytes),
        Number(u.session_bytes),
        Number(u.sender_bytes),
        Number(u.sender_chunks),
        Number(u.total_bytes),
      );
      if (refusal) {
        if (mayExpire) return true;
        throw new DeliveryError(
          'ERR_BUFFER_FULL',
          `${refusal} (retry once the receiving program has taken buffered payloads)`,
        );
      }
      await sql`insert into mailbox_chunks (session, tag, src, dst, seq, total, sender, bytes, data)
        values (${session}, ${tag}, ${src}, ${dst}, ${env.seq}, ${env.total}, ${sender}, ${n},
                ${Buffer.from(env.data.buffer, env.data.byteOffset, env.data.byteLength)})
        on conflict do nothing`.execute(trx);
      // The payload's last chunk wakes the process waiting for it (delivered at COMMIT).
      await sql`select pg_notify(${this.channel}, ${key(session, tag, src, dst)})
        from (select count(*) as n from mailbox_chunks where session = ${session}
          and tag = ${tag} and src = ${src} and dst = ${dst}) c
        where c.n = ${env.total}`.execute(trx);
      return false;
    });
    if (retry) {
      // Payloads past their deadline may hold the room: drop them and try once more.
      await this.expireIncomplete();
      await this.store(env, senderNodeId, false);
    }
  }

  /** Why `n` more bytes from `sender` would pass a limit, or undefined if they fit. */
  private refusal(
    session: string,
    sender: string,
    n: number,
    sessionLimit: number,
    sessionBytes: number,
    senderBytes: number,
    senderChunks: number,
    totalBytes: number,
  ): string | undefined {
    const { limits } = this;
    if (sessionBytes + n > sessionLimit)
      return (
        `session ${session} already buffers ${size(sessionBytes)}; ${size(n)} more from node ` +
        `'${sender}' would pass the per-session limit of ${size(sessionLimit)}`
      );
    if (senderBytes + n > limits.maxSenderBytes)
      return (
        `node '${sender}' already has ${size(senderBytes)} buffered on this node across its ` +
        `sessions; ${size(n)} more in session ${session} would pass the per-partner limit ` +
        `of ${size(limits.maxSenderBytes)}`
      );
    if (senderChunks + 1 > limits.maxSenderChunks)
      return (
        `node '${sender}' already has ${senderChunks} chunks buffered on this node across its ` +
        `sessions; one more in session ${session} would pass the per-partner limit of ` +
        `${limits.maxSenderChunks}`
      );
    if (totalBytes + n > limits.maxTotalBytes)
      return (
        `this node's data plane already buffers ${size(totalBytes)}; ${size(n)} more from node ` +
        `'${sender}' in session ${session} would pass the node-wide limit of ` +
        `${size(limits.maxTotalBytes)}`
      );
    return undefined;
  }

  /**
   * Drops every incomplete payload whose latest chunk arrived `incompleteTimeoutMs` ago or
   * earlier (by the database's clock) and records it as expired; refreshes {@link usage}.
   * Runs on a timer; callable directly.
   * @returns the number of payloads dropped
   */
  async expireIncomplete(): Promise<number> {
    const timeoutMs = this.limits.incompleteTimeoutMs;
    const dropped = await this.opts.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext('fedgrid mailbox'), hashtext(${this.opts.schema}))`.execute(
        trx,
      );
      const stale = (
        await sql<{
          session: string;
          tag: string;
          src: string;
          dst: string;
          n: string;
          total: number;
        }>`select session, tag, src, dst, count(*) as n, min(total) as total from mailbox_chunks
             group by session, tag, src, dst
             having count(*) < min(total)
               and max(arrived_at) <= now() - make_interval(secs => ${timeoutMs / 1000})`.execute(
          trx,
        )
      ).rows;
      for (const p of stale) {
        const message =
          `payload '${p.tag}' from ${p.src} to ${p.dst} in session ${p.session} was dropped ` +
          `incomplete: ${p.n} of ${p.total} chunks had arrived and none for ${timeoutMs / 1000} s`;
        await sql`delete from mailbox_chunks where session = ${p.session} and tag = ${p.tag}
          and src = ${p.src} and dst = ${p.dst}`.execute(trx);
        await sql`insert into mailbox_slots (session, tag, src, dst, state, message)
          values (${p.session}, ${p.tag}, ${p.src}, ${p.dst}, 'expired', ${message})
          on conflict do nothing`.execute(trx);
        await sql`select pg_notify(${this.channel}, ${key(p.session, p.tag, p.src, p.dst)})`.execute(
          trx,
        );
      }
      return stale.length;
    });
    await this.refreshUsage(this.opts.db);
    return dropped;
  }

  private async refreshUsage(db: Db): Promise<void> {
    const rows = (
      await sql<{
        session: string;
        sender: string;
        bytes: string;
        chunks: string;
      }>`select session, sender, sum(bytes) as bytes, count(*) as chunks from mailbox_chunks
           group by session, sender`.execute(db)
    ).rows;
    const usage: MailboxUsage = { bytes: 0, sessions: {}, senders: {} };
    for (const r of rows) {
      const b = Number(r.bytes);
      usage.bytes += b;
      usage.sessions[r.session] = (usage.sessions[r.session] ?? 0) + b;
      const s = (usage.senders[r.sender] ??= { bytes: 0, chunks: 0 });
      s.bytes += b;
      s.chunks += Number(r.chunks);
    }
    this.lastUsage = usage;
  }

  /**
   * Resolves with the payload `src` sent to `dst` under `tag` in `session`, as soon as all its
   * chunks are stored (whichever process took them).
   * @throws DeliveryError ERR_UNKNOWN_SESSION (not open), ERR_PAYLOAD_EXPIRED; ChannelAbortedError
   *   when the session closes while waiting; RangeError when already waiting for that payload.
   */
  take(session: string, tag: string, src: PartyName, dst: PartyName): Promise<Uint8Array> {
    const k = key(session, tag, src, dst);
    if (this.waiters.has(k))
      return Promise.reject(
        new RangeError(`already waiting for '${tag}' from ${src} in session ${session}`),
      );
    if (this.closed)
      return Promise.reject(
        new ChannelAbortedError(`session ${session}: this process is stopping`),
      );
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        session,
        tag,
        src,
        dst,
        resolve,
        reject,
        busy: false,
        again: false,
        tried: false,
      };
      this.waiters.set(k, w);
      this.attempt(w);
    });
  }

  /** Withdraws a pending {@link take}. */
  cancelTake(session: string, tag: string, src: PartyName, dst: PartyName, err: Error): void {
    const k = key(session, tag, src, dst);
    const w = this.waiters.get(k);
    if (!w) return;
    this.waiters.delete(k);
    w.reject(err);
  }

  /** Tries to take `w`'s payload (one try at a time per waiter). */
  private attempt(w: Waiter): void {
    if (w.busy) {
      w.again = true;
      return;
    }
    w.busy = true;
    void this.tryTake(w)
      .catch((err: Error) => {
        // A database error: the next poll tries again.
        this.opts.log?.warn({ session: w.session, err: err.message }, 'mailbox receive failed');
      })
      .finally(() => {
        w.busy = false;
        w.tried = true;
        if (w.again && this.waiters.get(key(w.session, w.tag, w.src, w.dst)) === w) {
          w.again = false;
          this.attempt(w);
        }
      });
  }

  private async tryTake(w: Waiter): Promise<void> {
    const k = key(w.session, w.tag, w.src, w.dst);
    const settle = (fn: () => void) => {
      if (this.waiters.get(k) !== w) return;
      this.waiters.delete(k);
      fn();
    };
    const { session, tag, src, dst } = w;
    const result = await this.opts.db.transaction().execute(async (trx) => {
      const c = (
        await sql<{
          state: string | null;
          message: string | null;
          n: string;
          total: number | null;
        }>`select d.state, d.message,
             (select count(*) from mailbox_chunks m where m.session = s.session and m.tag = ${tag}
               and m.src = ${src} and m.dst = ${dst}) as n,
             (select min(total) from mailbox_chunks m where m.session = s.session
               and m.tag = ${tag} and m.src = ${src} and m.dst = ${dst}) as total
           from mailbox_sessions s left join mailbox_slots d on d.session = s.session
             and d.tag = ${tag} and d.src = ${src} and d.dst = ${dst}
           where s.session = ${session} for share of s`.execute(trx)
      ).rows[0];
      if (!c) return { missing: true as const };
      if (c.state === 'expired') return { expired: c.message ?? 'payload expired' };
      if (c.total === null || Number(c.n) < c.total) return undefined;
      // The receiving program is the only taker of its payload; deleting returns the chunks.
      if (this.waiters.get(k) !== w) return undefined;
      const rows = (
        await sql<{ seq: number; data: Buffer }>`delete from mailbox_chunks
          where session = ${session} and tag = ${tag} and src = ${src} and dst = ${dst}
          returning seq, data`.execute(trx)
      ).rows;
      await sql`insert into mailbox_slots (session, tag, src, dst, state)
        values (${session}, ${tag}, ${src}, ${dst}, 'taken') on conflict do nothing`.execute(trx);
      rows.sort((a, b) => a.seq - b.seq);
      return { data: rows };
    });
    if (!result) return;
    if ('missing' in result) {
      settle(() =>
        w.reject(
          w.tried
            ? new ChannelAbortedError(`session ${session}: session closed`)
            : new DeliveryError('ERR_UNKNOWN_SESSION', `no open session '${session}' on this node`),
        ),
      );
      return;
    }
    if ('expired' in result) {
      const message = result.expired ?? 'payload expired';
      settle(() => w.reject(new DeliveryError('ERR_PAYLOAD_EXPIRED', message)));
      return;
    }
    const parts = result.data;
    const whole =
      parts.length === 1
        ? new Uint8Array(parts[0]!.data)
        : new Uint8Array(Buffer.concat(parts.map((p) => p.data)));
    settle(() => w.resolve(whole));
  }
}
