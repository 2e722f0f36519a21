/**
 * Group commit of online-prediction audit events: every request waits until its own event is
 * stored, but events that arrive while a write is under way go into the next write together (one
 * INSERT of many rows). At low load each event is written at once; at high load the number of
 * writes stays bounded by the store's latency, not by the request rate. A failed write rejects
 * every request of that batch (they answer 500 AUDIT_WRITE_FAILED) and logs the events in full,
 * so no event is silently lost.
 */
import type { Logger } from 'pino';
import type { AuditEvent, AuditService } from '../audit/audit.service.js';

interface Pending {
  event: AuditEvent;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class ServingAudit {
  private queue: Pending[] = [];
  private writing = false;

  constructor(
    private readonly audit: AuditService,
    private readonly log: Logger,
    /** Most events in one INSERT. @default 500 */
    private readonly maxBatch = 500,
  ) {}

  /** Resolves once `event` is stored. @throws the store's error if the write failed. */
  record(event: AuditEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          await this.audit.recordMany(batch.map((p) => p.event));
          for (const p of batch) p.resolve();
        } catch (err) {
          this.log.error(
            { err, auditEvents: batch.map((p) => p.event) },
            'serving audit write failed; these requests are answered 500',
          );
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
