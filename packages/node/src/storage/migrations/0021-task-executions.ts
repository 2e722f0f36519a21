/**
 * 0021: task executions of a node run as several processes (issue 16 items 1–2). One row per
 * (job, task, party, attempt) that the scheduler handed to the worker queue: which worker took
 * it, how many times it was started (`runs`: a worker that died is recorded and the run
 * repeated, never silently), and how it ended. Workers claim a row with a conditional UPDATE
 * (`… WHERE state IN ('queued', 'abandoned')`), so one execution never runs in two workers at
 * once. `scheduler_leader` holds the leading replica and its term (a fencing token that grows
 * with every change of leader).
 */
import { sql, type Kysely, type Migration } from 'kysely';

export const m0021: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('task_executions')
      .addColumn('job_id', 'text', (c) => c.notNull())
      .addColumn('task_name', 'text', (c) => c.notNull())
      .addColumn('party', 'text', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('runs', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('worker', 'text')
      .addColumn('history', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
      .addColumn('error', 'jsonb')
      .addColumn('queued_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint('task_executions_pk', ['job_id', 'task_name', 'party', 'attempt'])
      .execute();
    await db.schema
      .createIndex('task_executions_state')
      .on('task_executions')
      .columns(['state'])
      .execute();
    await db.schema
      .createTable('scheduler_leader')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('term', 'bigint', (c) => c.notNull())
      .addColumn('since', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('scheduler_leader').execute();
    await db.schema.dropTable('task_executions').execute();
  },
};
