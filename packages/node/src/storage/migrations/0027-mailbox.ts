/**
 * 0027: the data-plane mailbox of a node run as several processes (issue 16 item 1;
 * cluster/db-mailbox.ts). A partner's push may reach any API replica while the task waiting for
 * it runs in another replica or a worker, so the chunks are kept here until the receiving
 * program takes them:
 * - `mailbox_sessions`: the open data-plane sessions (one per job) with the parties this node
 *   hosts and the node each party's pushes must come from — what a replica needs to accept or
 *   refuse a push for a session another process opened;
 * - `mailbox_chunks`: the pushed chunks (deleted when their payload is taken, or with the
 *   session); `bytes` is the chunk's size, summed for the limits;
 * - `mailbox_slots`: payloads already taken (a retried push of them is ignored) or dropped
 *   incomplete (later chunks and receives fail with ERR_PAYLOAD_EXPIRED).
 * A single-process node (PGlite or `--role all`) keeps its in-memory mailbox and leaves these
 * tables empty.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export const m0027: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('mailbox_sessions')
      .addColumn('session', 'text', (c) => c.primaryKey())
      .addColumn('local_parties', 'jsonb', (c) => c.notNull())
      .addColumn('party_nodes', 'jsonb', (c) => c.notNull())
      .addColumn('max_bytes', 'bigint')
      .addColumn('opened_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema
      .createTable('mailbox_chunks')
      .addColumn('session', 'text', (c) =>
        c.notNull().references('mailbox_sessions.session').onDelete('cascade'),
      )
      .addColumn('tag', 'text', (c) => c.notNull())
      .addColumn('src', 'text', (c) => c.notNull())
      .addColumn('dst', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('total', 'integer', (c) => c.notNull())
      .addColumn('sender', 'text', (c) => c.notNull())
      .addColumn('bytes', 'integer', (c) => c.notNull())
      .addColumn('data', 'bytea', (c) => c.notNull())
      .addColumn('arrived_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint('mailbox_chunks_pk', ['session', 'tag', 'src', 'dst', 'seq'])
      .execute();
    await db.schema
      .createIndex('mailbox_chunks_sender')
      .on('mailbox_chunks')
      .columns(['sender'])
      .execute();
    await db.schema
      .createTable('mailbox_slots')
      .addColumn('session', 'text', (c) =>
        c.notNull().references('mailbox_sessions.session').onDelete('cascade'),
      )
      .addColumn('tag', 'text', (c) => c.notNull())
      .addColumn('src', 'text', (c) => c.notNull())
      .addColumn('dst', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('message', 'text')
      .addPrimaryKeyConstraint('mailbox_slots_pk', ['session', 'tag', 'src', 'dst'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('mailbox_slots').execute();
    await db.schema.dropTable('mailbox_chunks').execute();
    await db.schema.dropTable('mailbox_sessions').execute();
  },
};
