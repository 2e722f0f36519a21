/**
 * Splits the heavy crypto batches of a task across the worker processes of a node run as
 * several processes (issue 16 item 1; docs/OPERATIONS.md "Several processes per node"). It is
 * the {@link BatchOffload} of the process's {@link CryptoPool}: a batch of an offloadable kind
 * (ECDH-PSI blinding and hash-to-curve, Paillier encryption, SecureBoost's bucket sums and
 * compression, the vertical GLMs' homomorphic inner products: OFFLOADABLE_TASKS) is cut into chunks, stored queued in
 * `crypto_batches` (migration 0028) and announced with a NOTIFY. This process then takes its own
 * chunks one by one, as many at a time as it has crypto threads, while the node's workers
 * ({@link BatchExecutor}) take others — whoever is free takes the next, so a busy or slow
 * process simply takes fewer. Chunks finished elsewhere come back through the table (a NOTIFY
 * naming the batch wakes this process; a poll every `pollMs` covers lost notifications).
 *
 * Why a table and not the pg-boss queue the tasks use: a chunk is megabytes of binary that one
 * waiting process needs back within milliseconds. pg-boss keeps jobs as JSON (base64 would add a
 * third) and its workers poll (half a second at best), and it has no way to hand a result to the
 * process waiting for it; a table with `bytea` columns, `SKIP LOCKED` claims and LISTEN/NOTIFY
 * does all three in a few statements.
 *
 * A worker that dies mid-chunk stops renewing its lease (`leaseSeconds`); once the lease has
 * expired this process takes the chunk back and runs it itself, so a chunk runs remotely at most
 * once and the batch finishes at most `leaseSeconds` + `pollMs` after the worker's last renewal.
 * A late answer of a chunk taken back is dropped (finishing checks the holder), and the take-back
 * is logged and recorded (`reclaimed_from`): nothing is counted twice, nothing silently.
 * Results are the kernels' bytes whichever process ran them.
 */
import { randomUUID } from 'node:crypto';
import { serialize } from 'node:v8';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { detachTask, OFFLOADABLE_TASKS, type BatchOffload } from '@fedgrid/crypto';
import type { Database } from '../storage/schema.js';
import { CryptoBatchesRepo } from './crypto-batches.repo.js';
import { batchChannel, NotifyListener } from './notify-listener.js';

export interface BatchDispatcherOptions {
  /** The node's store (search_path = the node's schema). */
  db: Kysely<Database>;
  /** For the LISTEN connection. */
  databaseUrl: string;
  /** The node's schema (names the notification channel). */
  schema: string;
  /** This process's name among the node's processes (host:pid:role). */
  name: string;
  /** This process's crypto threads: how many of its own chunks it runs at once. */
  threads: number;
  /**
   * Seconds after a worker's last lease renewal when its chunk is taken back (workers renew
   * every third of it). @default 20
   */
  leaseSeconds?: number;
  /** Milliseconds between checks of a batch without a notification. @default 500 */
  pollMs?: number;
  /** Failed database round trips in a row after which a batch fails. @default 20 */
  maxDbErrors?: number;
  /** Told of every chunk (the node's metrics, observability/metrics.ts). */
  observer?: CryptoChunkObserver;
  log?: Logger;
}

/** Where a chunk ran: here (`local`) or in another process of the node (`remote`). */
export type ChunkPlace = 'local' | 'remote';

/** What the node's metrics learn of the chunks this process dispatches. */
export interface CryptoChunkObserver {
  /** A batch of task `kind` was cut into `chunks` chunks, all queued. */
  dispatched(kind: string, chunks: number): void;
  /** One chunk's result is here: where it ran, seconds from queueing the batch to the result. */
  finished(kind: string, place: ChunkPlace, seconds: number): void;
  /** A chunk was taken back from a worker that stopped renewing its lease. */
  reclaimed(kind: string): void;
}

/** Chunks this process ran, had run elsewhere, and took back from a worker that went silent. */
export interface BatchDispatchStats {
  local: number;
  remote: number;
  reclaimed: number;
}

/** Most chunks one batch is cut into, per crypto thread of the dispatching process. */
const CHUNKS_PER_THREAD = 8;

export class BatchDispatcher implements BatchOffload {
  private readonly repo: CryptoBatchesRepo;
  private readonly channel: string;
  private readonly listener: NotifyListener;
  private readonly wakers = new Map<string, () => void>();
  private poller: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly counts: BatchDispatchStats = { local: 0, remote: 0, reclaimed: 0 };
  private readonly countsByKind = new Map<string, BatchDispatchStats>();

  constructor(private readonly opts: BatchDispatcherOptions) {
    this.repo = new CryptoBatchesRepo(opts.db);
    this.channel = batchChannel(opts.schema);
    this.listener = new NotifyListener({
      databaseUrl: opts.databaseUrl,
      channel: this.channel,
      onNotify: (grp) => this.wakers.get(grp)?.(),
      onReconnect: () => {
        for (const wake of this.wakers.values()) wake();
      },
      ...(opts.log ? { log: opts.log } : {}),
    });
  }

  /** Chunks run so far (since this process started). */
  stats(): BatchDispatchStats {
    return { ...this.counts };
  }

  /** {@link stats} by task kind (only the kinds dispatched so far). */
  statsByKind(): Record<string, BatchDispatchStats> {
    return Object.fromEntries([...this.countsByKind].map(([kind, c]) => [kind, { ...c }]));
  }

  private count(kind: string, place: keyof BatchDispatchStats): void {
    this.counts[place]++;
    let c = this.countsByKind.get(kind);
    if (!c) {
      c = { local: 0, remote: 0, reclaimed: 0 };
      this.countsByKind.set(kind, c);
    }
    c[place]++;
  }

  /**
   * Listens for finished chunks and drops day-old records.
   * @throws Error when PostgreSQL cannot be reached.
   */
  async start(): Promise<void> {
    await this.listener.connect();
    await this.repo.sweep(24);
    this.poller = setInterval(() => {
      if (!this.listener.listening) void this.listener.connect().catch(() => {});
      for (const wake of this.wakers.values()) wake();
    }, this.opts.pollMs ?? 500);
    this.poller.unref();
  }

  /** Stops; batches under way fail (the process is stopping). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.poller);
    for (const wake of this.wakers.values()) wake();
    await this.listener.close();
  }

  chunks(name: string, count: number, threads: number): number {
    const min = OFFLOADABLE_TASKS[name];
    if (min === undefined || this.closed) return 0;
    const n = Math.floor(count / min);
    return n < 2 ? 0 : Math.min(n, threads * CHUNKS_PER_THREAD);
  }

  /**
   * @throws the first failed chunk's error (a worker's is reported with the worker's name); an
   *   Error when the database stays unreachable for `maxDbErrors` round trips or this process
   *   is stopping.
   */
  async run(
    name: string,
    tasks: readonly object[],
    local: (task: object) => Promise<Uint8Array>,
  ): Promise<Uint8Array[]> {
    const { log } = this.opts;
    const grp = randomUUID();
    const owner = this.opts.name;
    const results = new Array<Uint8Array | undefined>(tasks.length);
    let done = 0;
    let failure: { error: unknown } | undefined;
    const fail = (error: unknown) => {
      failure ??= { error };
      wake();
    };
    let dirty = false;
    let resolveWait: (() => void) | undefined;
    const wake = () => {
      dirty = true;
      resolveWait?.();
    };

    await this.repo.insert(
      grp,
      name,
      owner,
      tasks.map((t) => serialize(detachTask(name, t))),
    );
    const queuedAt = performance.now();
    const { observer } = this.opts;
    observer?.dispatched(name, tasks.length);
    const observe = (place: ChunkPlace) =>
      observer?.finished(name, place, (performance.now() - queuedAt) / 1000);
    this.wakers.set(grp, wake);
    const runLocal = async (part: number) => {
      try {
        results[part] = await local(tasks[part] as object);
        done++;
        this.count(name, 'local');
        observe('local');
        await this.repo.finishLocal(grp, part).catch(() => {});
      } catch (err) {
        fail(err);
      } finally {
        wake();
      }
    };
    const runs: Promise<void>[] = [];
    // This process's takers of its own chunks, one per crypto thread. A taker stops when it
    // finds no chunk it can take; one that found the queued chunks locked only for an instant
    // (a worker's claim, the owner's renewal) is started again on the next wake-up.
    let takers = 0;
    const startTakers = () => {
      while (takers < Math.max(1, this.opts.threads) && !failure && !this.closed) {
        takers++;
        runs.push(
          (async () => {
            try {
              while (!failure && !this.closed) {
                const part = await this.repo.claimOwn(grp, owner);
                if (part === undefined) return;
                await runLocal(part);
              }
            } finally {
              takers--;
            }
          })().catch(fail),
        );
      }
    };
    try {
      await this.repo.notify(this.channel, 'queued').catch(() => {});
      startTakers();
      const collected = new Set<number>();
      let dbErrors = 0;
      while (done < tasks.length && !failure) {
        if (this.closed) {
          fail(new Error(`crypto batch ${name}: this process is stopping`));
          break;
        }
        if (!dirty)
          await new Promise<void>((resolve) => {
            resolveWait = resolve;
          });
        resolveWait = undefined;
        dirty = false;
        try {
          const { finished, queued } = await this.repo.collect(grp, collected);
          if (queued > 0) startTakers();
          for (const c of finished) {
            collected.add(c.part);
            if (c.state === 'done' && c.result) {
              results[c.part] = new Uint8Array(
                c.result.buffer,
                c.result.byteOffset,
                c.result.length,
              );
              done++;
              this.count(name, 'remote');
              observe('remote');
            } else {
              fail(
                new Error(
                  `crypto batch ${name}: chunk ${c.part} failed on worker ${c.worker}: ${c.error ?? 'no result'}`,
                ),
              );
            }
          }
          for (const { part, worker } of await this.repo.reclaimExpired(grp, owner)) {
            this.count(name, 'reclaimed');
            observer?.reclaimed(name);
            log?.warn(
              { batch: grp, kind: name, part, worker },
              'a worker stopped renewing its crypto chunk; running it here',
            );
            runs.push(runLocal(part));
          }
          dbErrors = 0;
        } catch (err) {
          if (++dbErrors >= (this.opts.maxDbErrors ?? 20))
            fail(
              new Error(
                `crypto batch ${name}: the database stayed unreachable (${(err as Error).message})`,
              ),
            );
        }
      }
    } finally {
      // Every local run settles before this returns or throws (see CryptoPool.map).
      await Promise.allSettled(runs);
      this.wakers.delete(grp);
      await this.repo
        .close(grp)
        .catch((err: Error) =>
          log?.warn({ batch: grp, err: err.message }, 'could not clear a crypto batch'),
        );
    }
    if (failure) throw failure.error;
    return results as Uint8Array[];
  }
}
