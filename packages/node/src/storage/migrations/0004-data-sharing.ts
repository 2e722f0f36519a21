/**
 * 0004: dataset sharing between partners (issue #4 item 9; standard 001 §数据集互联协议).
 *
 * - datasets: `updated_at` (name, description and visibility can change).
 * - grants: project scope, metering, the application a grant answers, and whether the grantee
 *   has been told (notice state), revocation reason, `updated_at`.
 * - grant_applications: both sides of an application (applicant: 'outgoing', owner: 'incoming').
 * - received_grants: the grantee's copy of the grants partners gave it.
 * - job_grants: which grant a job consumed on this (owner) node, for the task-start check.
 * - grant_usages: one row per use of a metered grant (billing); no foreign key, so the rows
 *   outlive a deleted grant.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export const m0004: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('datasets').addColumn('updated_at', 'timestamptz').execute();

    await db.schema.alterTable('grants').addColumn('project_id', 'text').execute();
    await db.schema
      .alterTable('grants')
      .addColumn('metered', 'boolean', (c) => c.notNull().defaultTo(false))
      .execute();
    await db.schema.alterTable('grants').addColumn('application_id', 'text').execute();
    await db.schema
      .alterTable('grants')
      .addColumn('notice_status', 'text', (c) => c.notNull().defaultTo('none'))
      .execute();
    await db.schema.alterTable('grants').addColumn('notice_error', 'text').execute();
    await db.schema.alterTable('grants').addColumn('revoke_reason', 'text').execute();
    await db.schema
      .alterTable('grants')
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();

    await db.schema
      .createTable('grant_applications')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('direction', 'text', (c) => c.notNull())
      .addColumn('applicant_node_id', 'text', (c) => c.notNull())
      .addColumn('owner_node_id', 'text', (c) => c.notNull())
      .addColumn('dataset_id', 'text', (c) => c.notNull())
      .addColumn('dataset_name', 'text')
      .addColumn('job_id', 'text')
      .addColumn('project_id', 'text')
      .addColumn('expires_at', 'timestamptz')
      .addColumn('max_uses', 'integer')
      .addColumn('metered', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('reason', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('status_reason', 'text')
      .addColumn('grant_id', 'text')
      .addColumn('callback_status', 'text')
      .addColumn('callback_error', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('answered_at', 'timestamptz')
      .execute();
    await db.schema
      .createIndex('grant_applications_dataset')
      .on('grant_applications')
      .columns(['dataset_id', 'status'])
      .execute();

    await db.schema
      .createTable('received_grants')
      .addColumn('owner_node_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('dataset_id', 'text', (c) => c.notNull())
      .addColumn('dataset_name', 'text', (c) => c.notNull())
      .addColumn('job_id', 'text')
      .addColumn('project_id', 'text')
      .addColumn('expires_at', 'timestamptz')
      .addColumn('max_uses', 'integer')
      .addColumn('uses', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('metered', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('application_id', 'text')
      .addColumn('granted_at', 'timestamptz', (c) => c.notNull())
      .addColumn('revoked_at', 'timestamptz')
      .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint('received_grants_pk', ['owner_node_id', 'id'])
      .execute();

    await db.schema
      .createTable('job_grants')
      .addColumn('job_id', 'text', (c) => c.notNull())
      .addColumn('dataset_id', 'text', (c) => c.notNull())
      .addColumn('grantee_node_id', 'text', (c) => c.notNull())
      .addColumn('grant_id', 'text', (c) => c.notNull())
      .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint('job_grants_pk', ['job_id', 'dataset_id', 'grantee_node_id'])
      .execute();

    await db.schema
      .createTable('grant_usages')
      .addColumn('id', 'bigserial', (c) => c.primaryKey())
      .addColumn('grant_id', 'text', (c) => c.notNull())
      .addColumn('dataset_id', 'text', (c) => c.notNull())
      .addColumn('grantee_node_id', 'text', (c) => c.notNull())
      .addColumn('job_id', 'text', (c) => c.notNull())
      .addColumn('task_name', 'text')
      .addColumn('party', 'text')
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('rows', 'integer', (c) => c.notNull())
      .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema
      .createIndex('grant_usages_grant')
      .on('grant_usages')
      .columns(['grant_id', 'id'])
      .execute();
  },
};
