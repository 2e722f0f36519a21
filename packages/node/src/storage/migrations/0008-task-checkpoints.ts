/**
 * 0008: task checkpoints — one JSON value per (job, task, party), kept across attempts, so that
 * a rerun after a crash resumes where the previous attempt stopped (e.g. the round a horizontal
 * training reached; standard 002 §9.4.3 l).
 */
import { sql, type Kysely, type Migration } from 'kysely';

export const m0008: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('task_checkpoints')
      .addColumn('job_id', 'text', (c) => c.notNull())
      .addColumn('task_name', 'text', (c) => c.notNull())
      .addColumn('party', 'text', (c) => c.notNull())
      .addColumn('value', 'jsonb', (c) => c.notNull())
      .addColumn('saved_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint('task_checkpoints_pk', ['job_id', 'task_name', 'party'])
      .execute();
  },
};
