/**
 * The one audit service: every state-changing operation — by this node's user or by a partner —
 * is recorded as one append-only row: who, from which node, what, on which object, when, and
 * with which outcome (issue #4 item 13; standard 001 §9 d).
 */
import type { Kysely } from 'kysely';
import { json, type Database } from '../storage/schema.js';

export interface AuditEvent {
  actorKind: 'admin' | 'user' | 'peer' | 'anonymous' | 'system';
  actorId: string;
  action: string;
  objectType?: string;
  objectId?: string;
  outcome: 'success' | 'failure';
  status?: number;
  details?: Record<string, unknown>;
}

export interface AuditQuery {
  page: number;
  pageSize: number;
  action?: string;
  objectId?: string;
}

export class AuditService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly nodeId: string,
  ) {}

  async record(e: AuditEvent): Promise<void> {
    await this.recordMany([e]);
  }

  /** Several events in one statement: all are written or none (one INSERT). */
  async recordMany(events: readonly AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.db
      .insertInto('audit_events')
      .values(
        events.map((e) => ({
          node_id: this.nodeId,
          actor_kind: e.actorKind,
          actor_id: e.actorId,
          action: e.action,
          object_type: e.objectType ?? null,
          object_id: e.objectId ?? null,
          outcome: e.outcome,
          status: e.status ?? null,
          details: e.details === undefined ? null : json(e.details),
        })),
      )
      .execute();
  }

  /** Newest first. */
  async list(q: AuditQuery) {
    let base = this.db.selectFrom('audit_events');
    if (q.action) base = base.where('action', '=', q.action);
    if (q.objectId) base = base.where('object_id', '=', q.objectId);
    const [{ total }] = (await base
      .select((eb) => eb.fn.countAll<string>().as('total'))
      .execute()) as [{ total: string }];
    const rows = await base
      .selectAll()
      .orderBy('id', 'desc')
      .limit(q.pageSize)
      .offset((q.page - 1) * q.pageSize)
      .execute();
    return {
      total: Number(total),
      items: rows.map((r) => ({
        id: Number(r.id),
        at: new Date(r.at).toISOString(),
        node: r.node_id,
        actor: { kind: r.actor_kind, id: r.actor_id },
        action: r.action,
        object: r.object_type ? { type: r.object_type, id: r.object_id } : null,
        outcome: r.outcome,
        status: r.status,
        details: r.details,
      })),
    };
  }
}
