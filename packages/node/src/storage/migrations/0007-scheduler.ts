/**
 * 0007: the scheduler's state — a task's attempt number (reruns), and the job's priority, flow
 * and project as columns (queue order, listing jobs by flow or project).
 */
import { sql, type Kysely, type Migration } from 'kysely';

export const m0007: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('tasks')
      .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable('jobs')
      .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('jobs').addColumn('flow_id', 'text').execute();
    await db.schema.alterTable('jobs').addColumn('project_id', 'text').execute();
    await sql`UPDATE jobs SET flow_id = spec->>'flowId', project_id = spec->>'projectId'`.execute(
      db,
    );
    await db.schema.createIndex('jobs_flow').on('jobs').column('flow_id').execute();
    await db.schema.createIndex('jobs_project').on('jobs').column('project_id').execute();
  },
};
