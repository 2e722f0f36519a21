/**
 * The one audit service: every state-changing operation — by this node's user or by a partner —
 * and every read of a sensitive object is recorded as one append-only event: who, from which
 * node, what, on which object, when, and with which outcome (issue #4 item 13; standard 001 §9 d).
 * Events form a hash chain (see audit-hash.ts; issue 13 item 3): appends lock the chain's head row
 * in their transaction, so concurrent writers (requests, the serving batcher, other processes on
 * one PostgreSQL schema) queue up and never fork the chain or leave a gap in `seq`.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
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

/** A chain head this service wrote and saw committed: a hint for the next append. */
interface KnownHead {
  alg: AuditHashAlg;
  seq: number;
  hash: string;
}

export class AuditService {
  /** The head as this service last committed it (a hint; the store decides, see recordMany). */
  private known: KnownHead | undefined;

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
   * operation and its audit event commit together, or neither does — with the head row locked
   * (SELECT … FOR UPDATE) until the commit. Otherwise first in one statement after the head this
   * service last wrote (see appendAfterKnownHead), and when another writer moved it, in a
   * locking transaction of its own.
   * @throws the store's error; nothing is written then.
   */
  async recordMany(events: readonly AuditEvent[], trx?: Transaction<Database>): Promise<void> {
    if (events.length === 0) return;
    if (trx) {
      await this.append(trx, events);
      return;
    }
    if (this.known && (await this.appendAfterKnownHead(this.known, events))) return;
    const head = await this.db.transaction().execute((t) => this.append(t, events));
    // Only after the commit: a head written in a transaction that rolled back is no hint at all.
    this.known = head;
  }

  /**
   * The fast path of an append outside a caller's transaction (one statement instead of six: the
   * store's per-statement cost was most of an online prediction's CPU, docs/BENCHMARKS.md "Audit
   * appends in one statement"): the events are chained after the head this service last wrote,
   * and one statement moves the head row from exactly that head to the new one and inserts the
   * events only if it did. When another writer (a request's own transaction, another process on
   * the same PostgreSQL schema) moved the head meanwhile, the UPDATE matches no row — on
   * PostgreSQL it waits for that writer's row lock and re-checks the condition on the committed
   * row — nothing is inserted, and the caller falls back to the locking path. The chain is the
   * same either way: gapless seqs, each event linked to the stored head.
   * @returns whether the events were written.
   */
  private async appendAfterKnownHead(
    known: KnownHead,
    events: readonly AuditEvent[],
  ): Promise<boolean> {
    const { rows, seq, hash, detailValues } = this.chainRows(
      known.alg,
      known.seq,
      known.hash,
      events,
    );
    // The rows travel as one JSON parameter (jsonb_to_recordset): one statement text whatever the
    // batch size, and one parameter to serialise instead of thirteen per row.
    const batch = JSON.stringify(
      rows.map((r, i) => ({ ...r, at: r.at.toISOString(), details: detailValues[i] ?? null })),
    );
    const res = await sql<{ n: string | number }>`
      WITH moved AS (
        UPDATE audit_chain SET head_seq = ${seq}, head_hash = ${hash}
        WHERE id = 1 AND alg = ${known.alg} AND head_seq = ${known.seq} AND head_hash = ${known.hash}
        RETURNING id
      ), inserted AS (
        INSERT INTO audit_events (seq, prev_hash, hash, at, node_id, actor_kind, actor_id, action, object_type, object_id, outcome, status, details)
        SELECT v.seq, v.prev_hash, v.hash, v.at, v.node_id, v.actor_kind, v.actor_id, v.action, v.object_type, v.object_id, v.outcome, v.status, v.details
        FROM jsonb_to_recordset(${batch}::jsonb) AS v (seq bigint, prev_hash text, hash text, at timestamptz, node_id text, actor_kind text, actor_id text, action text, object_type text, object_id text, outcome text, status integer, details jsonb)
        WHERE EXISTS (SELECT 1 FROM moved)
        RETURNING 1
      )
      SELECT count(*) AS n FROM inserted`.execute(this.db);
    if (Number(res.rows[0]?.n ?? 0) !== rows.length) return false;
    this.known = { alg: known.alg, seq, hash };
    return true;
  }

  /** The events as chained rows after (`seq`, `prev`): the rows, the new head seq and hash. */
  private chainRows(alg: AuditHashAlg, seq: number, prev: string, events: readonly AuditEvent[]) {
    // One timestamp for the batch, at the millisecond precision the hash records.
    const at = new Date();
    const detailValues: unknown[] = [];
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
      detailValues.push(fields.details);
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
    return { rows, seq, hash: prev, detailValues };
  }

  /** The locking append (in `t`); returns the new head. */
  private async append(t: Kysely<Database>, events: readonly AuditEvent[]): Promise<KnownHead> {
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
    const { rows, seq, hash } = this.chainRows(alg, Number(head.head_seq), head.head_hash, events);
    await t.insertInto('audit_events').values(rows).execute();
    await t
      .updateTable('audit_chain')
      .set({ head_seq: seq, head_hash: hash })
      .where('id', '=', 1)
      .execute();
    return { alg, seq, hash };
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
