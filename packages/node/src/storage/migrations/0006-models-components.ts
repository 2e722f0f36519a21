/**
 * 0006: model names, publication and approvals; the component registry (issue #4 items 8 and 10;
 * standard 001 §9 component and model interconnection protocols).
 *
 * - `models` gains a settable name and the publication record (when, by whom, which digest).
 * - `model_approvals` holds both sides of the approval round trip: `outgoing` rows on the node
 *   that holds the model part and asked, `incoming` rows on each partner that was asked. Both
 *   sides store the same approval id.
 * - `components` lists the components this node knows: its own built-ins (registered at start)
 *   and external ones (metadata only).
 */
import { sql, type Kysely, type Migration } from 'kysely';

export const m0006: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('models')
      .addColumn('name', 'text')
      .addColumn('published_at', 'timestamptz')
      .addColumn('published_by', 'text')
      .addColumn('published_digest', 'text')
      .execute();
    await db.schema.createIndex('models_job').on('models').column('job_id').execute();

    await db.schema
      .createTable('model_approvals')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('direction', 'text', (c) => c.notNull())
      .addColumn('model_id', 'text', (c) => c.notNull())
      .addColumn('model_name', 'text', (c) => c.notNull())
      .addColumn('requester_node_id', 'text', (c) => c.notNull())
      .addColumn('approver_node_id', 'text', (c) => c.notNull())
      .addColumn('job_id', 'text', (c) => c.notNull())
      .addColumn('task_name', 'text', (c) => c.notNull())
      .addColumn('project_id', 'text')
      .addColumn('party', 'text', (c) => c.notNull())
      .addColumn('component', 'text', (c) => c.notNull())
      .addColumn('algorithm', 'text', (c) => c.notNull())
      .addColumn('digest', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('decided_at', 'timestamptz')
      .addColumn('decided_by', 'text')
      .addColumn('delivery_error', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema
      .createIndex('model_approvals_model')
      .on('model_approvals')
      .columns(['model_id', 'approver_node_id'])
      .execute();

    await db.schema
      .createTable('components')
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('engine', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('reference', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('address', 'text')
      .addColumn('address_type', 'text')
      .addColumn('roles', 'jsonb', (c) => c.notNull())
      .addColumn('inputs', 'jsonb', (c) => c.notNull())
      .addColumn('outputs', 'jsonb', (c) => c.notNull())
      .addColumn('params_schema', 'jsonb', (c) => c.notNull())
      .addColumn('developer', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('visibility', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('health', 'text')
      .addColumn('health_detail', 'text')
      .addColumn('health_checked_at', 'timestamptz')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint('components_pk', ['code', 'version'])
      .execute();
  },
};
