/**
 * 0028: chunks of crypto batches that the process running a task hands to the node's other
 * worker processes (issue 16 item 1; cluster/batch-dispatcher.ts, cluster/batch-executor.ts).
 * One row per chunk, keyed by its batch (`grp`, a random id) and its index in the batch:
 * - `state`: queued → running (a worker took it, holding a lease until `lease_until`) → done |
 *   failed; queued → local (the dispatching process ran it itself); running → local when the
 *   lease expired (`reclaimed_from` names the worker that had it);
 * - `payload` (the task's message, v8-serialised) and `result` (the kernel's bytes) are cleared
 *   once the batch is collected; the row stays a day as the record of who ran what;
 * - `owner_seen_at` is renewed by the dispatching process while it waits, so that workers skip
 *   the chunks of a process that died.
 * A single-process node (PGlite or `--role all`) never writes here.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export const m0028: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('crypto_batches')
      .addColumn('grp', 'text', (c) => c.notNull())
      .addColumn('part', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('worker', 'text')
      .addColumn('reclaimed_from', 'text')
      .addColumn('payload', 'bytea')
      .addColumn('result', 'bytea')
      .addColumn('error', 'text')
      .addColumn('lease_until', 'timestamptz')
      .addColumn('owner_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('finished_at', 'timestamptz')
      .addPrimaryKeyConstraint('crypto_batches_pk', ['grp', 'part'])
      .execute();
    await db.schema
      .createIndex('crypto_batches_queued')
      .on('crypto_batches')
      .columns(['state', 'created_at'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('crypto_batches').execute();
  },
};
