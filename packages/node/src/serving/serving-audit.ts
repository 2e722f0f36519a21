/**
 * Write-behind of online-prediction audit events (docs/protocols/serving.md, "Audit"). A
 * prediction's event is queued and the answer leaves at once; the queue is written `lingerMs`
 * after its first event (or sooner once `maxBatch` events wait), before any read of this node's
 * audit log (see {@link ServingAudit.flush}) and when the node shuts down. It is written in
 * INSERTs of at most `maxBatch` rows, yielding to the event loop (setImmediate) between them: on
 * PGlite a statement runs on the node's main thread and blocks every request for its whole
 * duration (about 1.4 ms plus 0.05 ms a row on this machine), so one INSERT of a backlog of
 * hundreds of rows stalled the serving path for 10–100 ms (issue 12, docs/BENCHMARKS.md
 * "Serving stalls").
 *
 * The guarantee, chosen for latency (one store write per prediction was most of a guest's CPU
 * per request): every answered request's event is stored within `lingerMs` plus one write, or —
 * if that write fails — logged in full (pino, level error) with the failure; from that moment
 * every prediction is refused (500 AUDIT_WRITE_FAILED) until a write succeeds again, so at most
 * one linger's worth of answers precedes the refusal. A node killed outright (SIGKILL, power) loses
 * at most the events of the last `lingerMs`. Refused requests are queued too, so that they are
 * recorded once the store recovers.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { AuditEvent, AuditService } from '../audit/audit.service.js';

export interface ServingAuditOptions {
  /** Milliseconds an event may wait for others before the queue is written. @default 25 */
  lingerMs?: number;
  /**
   * Most events in one INSERT (a full batch is written at once); a longer queue is written in
   * several INSERTs with the event loop served between them. It bounds how long one write blocks
   * a PGlite node's event loop (16 rows: about 2 ms). @default 16
   */
  maxBatch?: number;
  /** Events queued at most; beyond it requests are refused (the store is too slow). @default 50000 */
  maxQueued?: number;
  /**
   * Run before each write; a rejection counts as a failed write (the node's storage check:
   * data directory deleted or replaced, PostgreSQL schema dropped — a PGlite store whose directory
   * was deleted would otherwise take the rows into unlinked files). Serving routes skip the
   * per-request storage check of other writes: it runs here once per batch instead.
   */
  beforeWrite?: () => Promise<void>;
}

export class ServingAudit {
  private queue: AuditEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The next chunk's write, scheduled after the event loop has served what waits. */
  private immediate: NodeJS.Immediate | undefined;
  /** performance.now() at which each queued event was queued (parallel to `queue`). */
  private queuedAt: number[] = [];
  /** The write under way (at most one), resolving when it ends, failed or not. */
  private writing: Promise<void> | undefined;
  /** The last write's error, until a write succeeds. */
  private failing: Error | undefined;
  private readonly lingerMs: number;
  private readonly maxBatch: number;
  private readonly maxQueued: number;

  constructor(
    private readonly audit: AuditService,
    private readonly log: Logger,
    private readonly opts: ServingAuditOptions = {},
  ) {
    this.lingerMs = opts.lingerMs ?? 25;
    this.maxBatch = opts.maxBatch ?? 16;
    this.maxQueued = opts.maxQueued ?? 50_000;
  }

  /**
   * Queues `event`. Resolves at once when the audit log is healthy.
   * @throws the last write's error while writes fail (the event is queued all the same), or an
   *   error when more than `maxQueued` events wait (the event is dropped and logged).
   */
  record(event: AuditEvent): Promise<void> {
    if (this.queue.length >= this.maxQueued) {
      this.log.error({ auditEvent: event }, 'serving audit queue full; this request is refused');
      return Promise.reject(new Error(`${this.queue.length} audit events wait to be written`));
    }
    this.queue.push(event);
    this.queuedAt.push(performance.now());
    if (this.queue.length >= this.maxBatch) this.kickSoon();
    else this.timer ??= setTimeout(() => this.kick(), this.lingerMs).unref();
    return this.failing ? Promise.reject(this.failing) : Promise.resolve();
  }

  /**
   * Writes everything queued so far, chunk by chunk with the event loop served between them (as
   * the background writes); resolves when it is stored (or logged as failed).
   */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.writing) {
      if (this.writing) {
        await this.writing;
        if (this.queue.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      } else this.kick();
    }
  }

  /** Writes the next chunk once the event loop has served the I/O that waits (setImmediate). */
  private kickSoon(): void {
    if (this.writing) return;
    this.immediate ??= setImmediate(() => this.kick());
  }

  private kick(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
    if (this.writing || this.queue.length === 0) return;
    this.writing = this.write().finally(() => {
      this.writing = undefined;
      this.afterWrite();
    });
  }

  /**
   * Schedules what is left: a full chunk, or events that have waited their linger already, go
   * next (after the event loop's turn); the others wait out the rest of their linger. After a
   * failed write, the next one waits a whole linger (no retry loop against a broken store).
   */
  private afterWrite(): void {
    if (this.queue.length === 0) return;
    const waited = performance.now() - (this.queuedAt[0] ?? 0);
    if (!this.failing && (this.queue.length >= this.maxBatch || waited >= this.lingerMs)) {
      this.kickSoon();
      return;
    }
    const delay = this.failing ? this.lingerMs : Math.max(0, this.lingerMs - waited);
    this.timer ??= setTimeout(() => this.kick(), delay).unref();
  }

  private async write(): Promise<void> {
    const batch = this.queue.splice(0, this.maxBatch);
    this.queuedAt.splice(0, batch.length);
    try {
      await this.opts.beforeWrite?.();
      await this.audit.recordMany(batch);
      this.failing = undefined;
    } catch (err) {
      this.failing = err as Error;
      this.log.error(
        { err, auditEvents: batch },
        'serving audit write failed; predictions are refused until a write succeeds',
      );
    }
  }
}
