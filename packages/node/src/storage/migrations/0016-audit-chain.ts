/**
 * 0016: the tamper-evident audit log (issue 13 item 3).
 * - `audit_events` gains `seq` (gapless, unique), `prev_hash` and `hash`; the events written
 *   before this migration are chained now, in id order, from the genesis anchor.
 * - `audit_chain`: the one head row (algorithm, last seq and hash, and the anchor the chain
 *   starts from — genesis, or the last pruned event after retention pruning). Appends lock it.
 * - `audit_partner_checkpoints`: signed checkpoints partners sent us about their chains.
 * - `audit_archives`: signed export archives written (pruning needs one covering the range).
 * The append-only trigger stays; DELETE is allowed only to the pruning transaction, which sets
 * `fedgrid.audit_prune`. Neither trigger is what makes the log tamper-evident — the hashes are.
 * (0015 belongs to the accounts migration.)
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { auditEventHash, chainedFields, GENESIS_HASH } from '../../audit/audit-hash.js';

interface OldRow {
  id: string | number;
  at: Date;
  node_id: string;
  actor_kind: string;
  actor_id: string;
  action: string;
  object_type: string | null;
  object_id: string | null;
  outcome: string;
  status: number | null;
  details: unknown;
}

export const m0016: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`ALTER TABLE audit_events ADD COLUMN seq bigint, ADD COLUMN prev_hash text, ADD COLUMN hash text`.execute(
      db,
    );
    await db.schema
      .createTable('audit_chain')
      .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
      .addColumn('alg', 'text', (c) => c.notNull())
      .addColumn('head_seq', 'bigint', (c) => c.notNull())
      .addColumn('head_hash', 'text', (c) => c.notNull())
      .addColumn('anchor_seq', 'bigint', (c) => c.notNull())
      .addColumn('anchor_hash', 'text', (c) => c.notNull())
      .execute();
    // Genesis: chain what exists, in id order (timestamps cut to the milliseconds a hash records).
    await sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change`.execute(db);
    await sql`UPDATE audit_events SET at = date_trunc('milliseconds', at)`.execute(db);
    const rows = (await sql<OldRow>`SELECT * FROM audit_events ORDER BY id`.execute(db)).rows;
    let prev = GENESIS_HASH;
    let seq = 0;
    for (const r of rows) {
      seq++;
      const hash = auditEventHash('sha256', chainedFields({ ...r, seq, prev_hash: prev }));
      await sql`UPDATE audit_events SET seq = ${seq}, prev_hash = ${prev}, hash = ${hash} WHERE id = ${r.id}`.execute(
        db,
      );
      prev = hash;
    }
    await sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change`.execute(db);
    // A store without events gets its head row with its first event (a new store holds no rows).
    if (seq > 0) {
      await sql`INSERT INTO audit_chain (id, alg, head_seq, head_hash, anchor_seq, anchor_hash)
                VALUES (1, 'sha256', ${seq}, ${prev}, 0, ${GENESIS_HASH})`.execute(db);
    }
    await sql`ALTER TABLE audit_events ALTER COLUMN seq SET NOT NULL, ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN hash SET NOT NULL`.execute(
      db,
    );
    await db.schema
      .createIndex('audit_events_seq')
      .on('audit_events')
      .column('seq')
      .unique()
      .execute();
    await sql`
      CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('fedgrid.audit_prune', true) = 'on' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit_events is append-only';
      END $$`.execute(db);

    await db.schema
      .createTable('audit_partner_checkpoints')
      .addColumn('id', 'bigserial', (c) => c.primaryKey())
      .addColumn('partner_node_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('head_hash', 'text', (c) => c.notNull())
      .addColumn('alg', 'text', (c) => c.notNull())
      .addColumn('signed_at', 'timestamptz', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('signature', 'text', (c) => c.notNull())
      .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema
      .createIndex('audit_partner_checkpoints_partner')
      .on('audit_partner_checkpoints')
      .columns(['partner_node_id', 'seq'])
      .execute();

    await db.schema
      .createTable('audit_archives')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('from_seq', 'bigint', (c) => c.notNull())
      .addColumn('to_seq', 'bigint', (c) => c.notNull())
      .addColumn('head_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
  },
};
