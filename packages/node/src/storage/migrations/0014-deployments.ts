/**
 * 0014: deployments of published vertical model parts for online prediction (issue 12 item 3):
 * on the guest, a named service answering predictions with its current model part (switchable);
 * on a host, the binding of its model part to a serving feature table for one guest node.
 * (0013 is the model-versions migration.)
 */
import { sql, type Kysely, type Migration } from 'kysely';

export const m0014: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('deployments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('model_id', 'text', (c) => c.notNull())
      .addColumn('dataset_id', 'text')
      .addColumn('guest_node_id', 'text', (c) => c.notNull())
      .addColumn('on_host_failure', 'text', (c) => c.notNull().defaultTo('error'))
      .addColumn('deadline_ms', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema
      .createIndex('deployments_active_name')
      .on('deployments')
      .column('name')
      .unique()
      .where(sql.ref('status'), '=', 'active')
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('deployments').execute();
  },
};
