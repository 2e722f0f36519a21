/**
 * 0009: the owner's authority over partner jobs (issue 10).
 *   - job_permissions: explicit, audited permissions for a partner's ad-hoc jobs (jobs that run
 *     no flow this node approved): which roles this node may play, which components may run,
 *     optionally on which datasets. None exist by default: ad-hoc partner jobs are refused.
 *   - jobs.authority: what a partner job was accepted under (the flow approval and its digest,
 *     or the job permission), so that reruns and task starts are checked against it.
 *   - jobs.deadline: when this node ends its copy of a partner job on its own (the job's
 *     timeout, capped by the node), whatever the initiator says.
 */
import type { Kysely, Migration } from 'kysely';
import { sql } from 'kysely';

export const m0009: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('job_permissions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('partner_node_id', 'text', (c) => c.notNull())
      .addColumn('roles', 'jsonb', (c) => c.notNull())
      .addColumn('components', 'jsonb', (c) => c.notNull())
      .addColumn('datasets', 'jsonb')
      .addColumn('expires_at', 'timestamptz')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('revoked_at', 'timestamptz')
      .execute();
    await db.schema
      .createIndex('job_permissions_partner')
      .on('job_permissions')
      .column('partner_node_id')
      .execute();
    await db.schema.alterTable('jobs').addColumn('authority', 'jsonb').execute();
    await db.schema.alterTable('jobs').addColumn('deadline', 'timestamptz').execute();
  },
};
