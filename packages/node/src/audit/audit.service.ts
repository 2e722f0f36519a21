/**
 * The one audit service: every state-changing operation — by this node's user or by a partner —
 * and every read of a sensitive object is recorded as one append-only event: who, from which
 * node, what, on which object, when, and with which outcome (issue #4 item 13; standard 001 §9 d).
 * Events form a hash chain (see audit-hash.ts; issue 13 item 3): appends lock the chain's head row
 * in their transaction, so concurrent writers (requests, the serving batcher, other processes on
 * one PostgreSQL schema) queue up and never fork the chain or leave a gap in `seq`.
 */
import type { Kysely, Transaction } from 'kysely';
import { json, type Database } from '../storage/schema.js';
import { readHead } from './audit-head.js';
import { verifyChain, type ChainVerification } from './audit-verify.js';
import { auditEventHash, GENESIS_HASH, type AuditHashAlg } from './audit-hash.js';

export interface AuditEvent {
  actorKind: 'admin' | 'user' | 'peer' | 'anonymous' | 'system';
  actorId: string;
  action: string;
  objectType?: string;
  objectId?: string;
  /** `started`: written before a state-changing request runs (its outcome event follows). */
  outcome: 'success' | 'failure' | 'started';
  status?: number;
  details?: Record<string, unknown>;
}

export interface AuditQuery {
  page: number;
  pageSize: number;
  action?: string;
  objectId?: string;
}

/** The chain's head: where the next event links to. */
export interface AuditHead {
  alg: AuditHashAlg;
  /** Seq of the newest event (= anchorSeq when none was written since the anchor). */
  seq: number;
  hash: string;
  /** The chain starts after this seq / hash (0 and the genesis hash until events are pruned). */
  anchorSeq: number;
  anchorHash: string;
}

export class AuditService {
  /**
   * @param alg the hash algorithm of a chain started by this service (the node's suite: see
   *   {@link auditHashAlgForSuite}); a chain that exists keeps the algorithm it was started with.
   */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly nodeId: string,
    private readonly alg: AuditHashAlg = 'sha256',
  ) {}

  /** Appends one event. See {@link recordMany}. */
  async record(e: AuditEvent, trx?: Transaction<Database>): Promise<void> {
    await this.recordMany([e], trx);
  }

  /**
   * Appends events to the chain, all or none. With `trx`, inside that transaction — so that an
   * operation and its audit event commit together, or neither does; otherwise in a transaction of
   * its own. Either way the head row is locked (SELECT … FOR UPDATE) until the commit.
   * @throws the store's error; nothing is written then.
   */
  async recordMany(events: readonly AuditEvent[], trx?: Transaction<Database>): Promise<void> {
    if (events.length === 0) return;
    if (trx) return this.append(trx, events);
    await this.db.transaction().execute((t) => this.append(t, events));
  }

  private async append(t: Kysely<Database>, events: readonly AuditEvent[]): Promise<void> {
    // The head row exists from the first event on (a fresh store holds no rows at all).
    await t
      .insertInto('audit_chain')
      .values({
        id: 1,
        alg: this.alg,
        head_seq: 0,
        head_hash: GENESIS_HASH,
        anchor_seq: 0,
        anchor_hash: GENESIS_HASH,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    const head = await t
      .selectFrom('audit_chain')
      .select(['alg', 'head_seq', 'head_hash'])
      .where('id', '=', 1)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const alg = head.alg as AuditHashAlg;
    let seq = Number(head.head_seq);
    let prev = head.head_hash;
    // One timestamp for the batch, at the millisecond precision the hash records.
    const at = new Date();
    const rows = events.map((e) => {
      seq++;
      const fields = {
        seq,
        prevHash: prev,
        at: at.toISOString(),
        nodeId: this.nodeId,
        actorKind: e.actorKind,
        actorId: e.actorId,
        action: e.action,
        objectType: e.objectType ?? null,
        objectId: e.objectId ?? null,
        outcome: e.outcome,
        status: e.status ?? null,
        // As the store gives it back: a JSON round trip drops undefined and the like.
        details:
          e.details === undefined ? null : (JSON.parse(JSON.stringify(e.details)) as unknown),
      };
      const hash = auditEventHash(alg, fields);
      const row = {
        seq,
        prev_hash: prev,
        hash,
        at,
        node_id: this.nodeId,
        actor_kind: e.actorKind,
        actor_id: e.actorId,
        action: e.action,
        object_type: fields.objectType,
        object_id: fields.objectId,
        outcome: e.outcome,
        status: fields.status,
        details: fields.details === null ? null : json(fields.details),
      };
      prev = hash;
      return row;
    });
    await t.insertInto('audit_events').values(rows).execute();
    await t
      .updateTable('audit_chain')
      .set({ head_seq: seq, head_hash: prev })
      .where('id', '=', 1)
      .execute();
  }

  /** Walks the whole chain: see {@link verifyChain}. */
  verify(): Promise<ChainVerification> {
    return verifyChain(this.db);
  }

  /** The chain's head as stored. */
  async head(db: Kysely<Database> = this.db): Promise<AuditHead> {
    const h = await readHead(db, this.alg);
    return {
      alg: h.alg as AuditHashAlg,
      seq: Number(h.head_seq),
      hash: h.head_hash,
      anchorSeq: Number(h.anchor_seq),
      anchorHash: h.anchor_hash,
    };
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
      .orderBy('seq', 'desc')
      .limit(q.pageSize)
      .offset((q.page - 1) * q.pageSize)
      .execute();
    return {
      total: Number(total),
      items: rows.map((r) => ({
        id: Number(r.id),
        seq: Number(r.seq),
        at: new Date(r.at).toISOString(),
        node: r.node_id,
        actor: { kind: r.actor_kind, id: r.actor_id },
        action: r.action,
        object: r.object_type ? { type: r.object_type, id: r.object_id } : null,
        outcome: r.outcome,
        status: r.status,
        details: r.details,
        hash: r.hash,
      })),
    };
  }
}
