/**
 * A {@link Channel} over any {@link Transport}: chunks large payloads, retries failed pushes with
 * exponential backoff, and while waiting in `recv` pings the sender's node so that a dead peer
 * fails the wait within seconds instead of hanging.
 */
import {
  assertPeer,
  ChannelAbortedError,
  ChannelError,
  ChannelTimeoutError,
  PeerUnreachableError,
  type Channel,
  type PartyName,
} from './channel.js';
import type { DataPlaneMailbox } from './mailbox.js';
import type { Transport } from './transport.js';

export interface TransportChannelOptions {
  session: string;
  self: PartyName;
  /** Node id hosting each party of the session (self included). */
  parties: ReadonlyMap<PartyName, string>;
  transport: Transport;
  mailbox: DataPlaneMailbox;
  /** Bytes per pushed chunk. @default 4 MiB */
  chunkBytes?: number;
  /** Chunks in flight per send. @default 4 */
  window?: number;
  /** Push attempts before a send fails. @default 6 (≈ 6 s of backoff) */
  maxAttempts?: number;
  /** Longest a recv may wait, in ms. @default 30 min */
  recvTimeoutMs?: number;
  /** Interval between liveness pings while waiting, in ms. @default 2000 */
  livenessIntervalMs?: number;
  /** Consecutive failed pings that declare the peer dead. @default 3 */
  livenessFailures?: number;
  /** Aborts pending sends and receives (task stopped). */
  signal?: AbortSignal;
  /** Prefix added to every tag (e.g. the task name), so that tasks of one job cannot collide. */
  tagPrefix?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class TransportChannel implements Channel {
  readonly session: string;
  readonly self: PartyName;
  readonly peers: readonly PartyName[];

  constructor(private readonly opts: TransportChannelOptions) {
    this.session = opts.session;
    this.self = opts.self;
    if (!opts.parties.has(opts.self))
      throw new RangeError(`party '${opts.self}' is not in the session`);
    this.peers = [...opts.parties.keys()].filter((p) => p !== opts.self);
  }

  /** A channel for another party hosted on the same node (e.g. guest and arbiter together). */
  withSelf(self: PartyName): TransportChannel {
    return new TransportChannel({ ...this.opts, self });
  }

  /** A channel whose tags are further prefixed (sub-protocols of one task). */
  scoped(prefix: string): TransportChannel {
    return new TransportChannel({
      ...this.opts,
      tagPrefix: `${this.opts.tagPrefix ?? ''}${prefix}/`,
    });
  }

  private tag(tag: string): string {
    return `${this.opts.tagPrefix ?? ''}${tag}`;
  }

  private checkAborted(): void {
    if (this.opts.signal?.aborted) {
      throw new ChannelAbortedError(
        `session ${this.session}: ${String(this.opts.signal.reason ?? 'stopped')}`,
      );
    }
  }

  async send(to: PartyName, tag: string, payload: Uint8Array): Promise<void> {
    assertPeer(this, to);
    this.checkAborted();
    const nodeId = this.opts.parties.get(to) as string;
    const chunkBytes = this.opts.chunkBytes ?? 4 * 2 ** 20;
    const total = Math.max(1, Math.ceil(payload.length / chunkBytes));
    const window = this.opts.window ?? 4;
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const seq = next++;
        const data = payload.subarray(
          seq * chunkBytes,
          Math.min(payload.length, (seq + 1) * chunkBytes),
        );
        await this.pushWithRetry(to, nodeId, {
          session: this.session,
          tag: this.tag(tag),
          src: this.self,
          dst: to,
          seq,
          total,
          data,
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(window, total) }, worker));
  }

  private async pushWithRetry(
    to: PartyName,
    nodeId: string,
    env: Parameters<Transport['push']>[1],
  ): Promise<void> {
    const attempts = this.opts.maxAttempts ?? 6;
    let delay = 200;
    for (let attempt = 1; ; attempt++) {
      this.checkAborted();
      try {
        await this.opts.transport.push(nodeId, env);
        return;
      } catch (err) {
        // Only unreachability is worth retrying; refusals and bad envelopes are final.
        if (!(err instanceof PeerUnreachableError) || attempt >= attempts) {
          if (err instanceof PeerUnreachableError) {
            throw new PeerUnreachableError(
              to,
              `cannot send '${env.tag}' to ${to} (node ${nodeId}) after ${attempt} attempts: ${err.message}`,
            );
          }
          throw err;
        }
        await sleep(delay);
        delay = Math.min(delay * 2, 3000);
      }
    }
  }

  async recv(from: PartyName, tag: string): Promise<Uint8Array> {
    assertPeer(this, from);
    this.checkAborted();
    const fullTag = this.tag(tag);
    const { mailbox, session } = this.opts;
    const nodeId = this.opts.parties.get(from) as string;
    const local = this.opts.parties.get(this.self) === nodeId;
    const take = mailbox.take(session, fullTag, from, this.self);
    let done = false;
    const cancel = (err: ChannelError) => {
      if (!done) mailbox.cancelTake(session, fullTag, from, this.self, err);
    };
    const timeoutMs = this.opts.recvTimeoutMs ?? 30 * 60_000;
    const timer = setTimeout(
      () =>
        cancel(
          new ChannelTimeoutError(
            `no '${tag}' from ${from} within ${timeoutMs / 1000} s in session ${session}`,
          ),
        ),
      timeoutMs,
    );
    const onAbort = () =>
      cancel(
        new ChannelAbortedError(
          `session ${session}: ${String(this.opts.signal?.reason ?? 'stopped')}`,
        ),
      );
    this.opts.signal?.addEventListener('abort', onAbort, { once: true });
    // Liveness: a peer on another node must keep answering pings while we wait for it.
    const monitor = local
      ? undefined
      : (async () => {
          let failures = 0;
          const interval = this.opts.livenessIntervalMs ?? 2000;
          const limit = this.opts.livenessFailures ?? 3;
          while (!done) {
            await sleep(interval);
            if (done) return;
            try {
              await this.opts.transport.ping(nodeId);
              failures = 0;
            } catch (err) {
              if (++failures >= limit) {
                cancel(
                  new PeerUnreachableError(
                    from,
                    `${from} (node ${nodeId}) stopped answering while we waited for '${tag}': ${(err as Error).message}`,
                  ),
                );
                return;
              }
            }
          }
        })();
    try {
      return await take;
    } finally {
      done = true;
      clearTimeout(timer);
      this.opts.signal?.removeEventListener('abort', onAbort);
      void monitor;
    }
  }
}
