/**
 * The worker side of split crypto batches (issue 16 item 1; see batch-dispatcher.ts): a worker
 * process takes chunks other processes of its node queued in `crypto_batches`, runs them on its
 * own crypto threads and stores the results. It takes a chunk when told one is queued (NOTIFY)
 * or on its poll, as many at a time as it has threads, and renews each chunk's lease every third
 * of `leaseSeconds` while it runs; the dispatching process takes back a chunk whose lease expired.
 */
import { deserialize } from 'node:v8';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { CryptoPool } from '@fedgrid/crypto';
import type { Database } from '../storage/schema.js';
import { CryptoBatchesRepo, type ClaimedChunk } from './crypto-batches.repo.js';
import { batchChannel, NotifyListener } from './notify-listener.js';

export interface BatchExecutorOptions {
  /** The node's store (search_path = the node's schema). */
  db: Kysely<Database>;
  /** For the LISTEN connection. */
  databaseUrl: string;
  /** The node's schema (names the notification channel). */
  schema: string;
  /** This process's name among the node's processes (host:pid:role). */
  name: string;
  pool: CryptoPool;
  /** Seconds of each lease (renewed every third of it). @default 20 */
  leaseSeconds?: number;
  /** Seconds after which a dispatching process that stopped waiting counts as dead. @default 30 */
  ownerTimeoutSeconds?: number;
  /** Milliseconds between looks for queued chunks without a notification. @default 1000 */
  pollMs?: number;
  log?: Logger;
  /**
   * Sees each chunk run here once it ends: its kind, whether its result was stored, the kernel
   * failed (`error`, stored as the chunk's error) or the chunk had been taken back (`dropped`),
   * and the seconds its kernel ran.
   */
  observer?: (kind: string, outcome: 'stored' | 'error' | 'dropped', seconds: number) => void;
}

export class BatchExecutor {
  private readonly repo: CryptoBatchesRepo;
  private readonly channel: string;
  private readonly listener: NotifyListener;
  private readonly running = new Set<Promise<void>>();
  private poller: NodeJS.Timeout | undefined;
  private filling = false;
  private again = false;
  private closed = false;
  private ran = 0;

  constructor(private readonly opts: BatchExecutorOptions) {
    this.repo = new CryptoBatchesRepo(opts.db);
    this.channel = batchChannel(opts.schema);
    this.listener = new NotifyListener({
      databaseUrl: opts.databaseUrl,
      channel: this.channel,
      onNotify: (payload) => {
        if (payload === 'queued') this.fill();
      },
      onReconnect: () => this.fill(),
      ...(opts.log ? { log: opts.log } : {}),
    });
  }

  /** Chunks of other processes this process has run. */
  get chunksRun(): number {
    return this.ran;
  }

  /** @throws Error when PostgreSQL cannot be reached. */
  async start(): Promise<void> {
    await this.listener.connect();
    this.poller = setInterval(() => {
      if (!this.listener.listening) void this.listener.connect().catch(() => {});
      this.fill();
    }, this.opts.pollMs ?? 1000);
    this.poller.unref();
    this.fill();
  }

  /** Takes no more chunks and waits for those under way. */
  async stop(): Promise<void> {
    this.closed = true;
    clearInterval(this.poller);
    await this.listener.close();
    await Promise.allSettled([...this.running]);
  }

  private fill(): void {
    if (this.closed) return;
    if (this.filling) {
      this.again = true;
      return;
    }
    this.filling = true;
    void (async () => {
      try {
        do {
          this.again = false;
          while (!this.closed && this.running.size < this.opts.pool.threads) {
            const chunk = await this.repo.claimOther(
              this.opts.name,
              this.leaseSeconds,
              this.opts.ownerTimeoutSeconds ?? 30,
            );
            if (!chunk) break;
            const run = this.execute(chunk).finally(() => {
              this.running.delete(run);
              this.fill();
            });
            this.running.add(run);
          }
        } while (this.again && !this.closed);
      } catch (err) {
        this.opts.log?.warn({ err: (err as Error).message }, 'could not take a crypto chunk');
      } finally {
        this.filling = false;
      }
    })();
  }

  private get leaseSeconds(): number {
    return this.opts.leaseSeconds ?? 20;
  }

  private async execute(c: ClaimedChunk): Promise<void> {
    const { log } = this.opts;
    const renew = setInterval(
      () =>
        void this.repo
          .renew(c.grp, c.part, this.opts.name, this.leaseSeconds)
          .catch((err: Error) =>
            log?.warn({ batch: c.grp, err: err.message }, 'could not renew a crypto chunk lease'),
          ),
      (this.leaseSeconds * 1000) / 3,
    );
    let outcome: { result: Uint8Array } | { error: string };
    const began = process.hrtime.bigint();
    try {
      outcome = { result: await this.opts.pool.runDetached(c.kind, deserialize(c.payload)) };
    } catch (err) {
      outcome = { error: (err as Error).message };
    } finally {
      clearInterval(renew);
    }
    const seconds = Number(process.hrtime.bigint() - began) / 1e9;
    try {
      const kept = await this.repo.finishRemote(c.grp, c.part, this.opts.name, outcome);
      this.opts.observer?.(
        c.kind,
        kept ? ('error' in outcome ? 'error' : 'stored') : 'dropped',
        seconds,
      );
      if (kept) {
        this.ran++;
        await this.repo.notify(this.channel, c.grp);
      } else
        log?.warn(
          { batch: c.grp, part: c.part, owner: c.owner },
          'a crypto chunk was taken back before it finished here; its result is dropped',
        );
    } catch (err) {
      // The dispatching process takes the chunk back when the lease runs out.
      log?.warn({ batch: c.grp, err: (err as Error).message }, 'could not store a crypto chunk');
    }
  }
}
