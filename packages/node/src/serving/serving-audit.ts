/**
 * Write-behind of online-prediction audit events (docs/protocols/serving.md, "Audit"). A
 * prediction's event is queued and the answer leaves at once; the queue is written as one INSERT
 * of many rows `lingerMs` after its first event (or sooner once `maxBatch` events wait), before
 * any read of this node's audit log (see {@link ServingAudit.flush}) and when the node shuts down.
 *
 * The guarantee, chosen for latency (one store write per prediction was most of a guest's CPU
 * per request): every answered request's event is stored within `lingerMs` plus one write, or —
 * if that write fails — logged in full (pino, level error) with the failure; from that moment
 * every prediction is refused (500 AUDIT_WRITE_FAILED) until a write succeeds again, so at most
 * one linger's worth of answers precedes the refusal. A node killed outright (SIGKILL, power) loses
 * at most the events of the last `lingerMs`. Refused requests are queued too, so that they are
 * recorded once the store recovers.
 */
import type { Logger } from 'pino';
import type { AuditEvent, AuditService } from '../audit/audit.service.js';

export interface ServingAuditOptions {
  /** Milliseconds an event may wait for others before the queue is written. @default 25 */
  lingerMs?: number;
  /** Most events in one INSERT (a full batch is written at once). @default 500 */
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
    this.maxBatch = opts.maxBatch ?? 500;
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
    if (this.queue.length >= this.maxBatch) this.kick();
    else this.timer ??= setTimeout(() => this.kick(), this.lingerMs).unref();
    return this.failing ? Promise.reject(this.failing) : Promise.resolve();
  }

  /** Writes everything queued so far; resolves when it is stored (or logged as failed). */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.writing) {
      if (this.writing) await this.writing;
      else this.kick();
    }
  }

  private kick(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.writing || this.queue.length === 0) return;
    this.writing = this.write().finally(() => {
      this.writing = undefined;
      // Events that arrived during the write.
      if (this.queue.length >= this.maxBatch) this.kick();
      else if (this.queue.length > 0)
        this.timer ??= setTimeout(() => this.kick(), this.lingerMs).unref();
    });
  }

  private async write(): Promise<void> {
    const batch = this.queue.splice(0, this.maxBatch);
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
