/**
 * 0013: model versions (issue 12 item 1; standard 000 §7.6 model management).
 *
 * - `model_versions`: one row per training output this node holds a part of — a (job, task,
 *   attempt) — numbered within its model name (`credit@1`, `credit@2`, …). It records what the
 *   version was trained with (component, algorithm, the task's parameters at that attempt), the
 *   evaluation reports of that run that scored it, and when it was deployed.
 * - `models` (the parts) gain the attempt that produced them and the version they belong to; a
 *   rerun adds a part (and a version) instead of replacing the earlier one.
 * - `model_approvals` gain the attempt and the requesting party's feature names, so that each
 *   party of a version sees the others' feature names (never their parameters).
 *
 * Existing parts become version 1, 2, … of their name (the name they were given, else
 * `<job name>.<task>`), in the order they were created.
 */
import { sql, type Kysely, type Migration } from 'kysely';

// Frozen copy of the naming rule of models/model-name.ts at the time of this migration.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[@/\\?#%\u0000-\u001f\u007f]/g;
const NAME_MAX = 128;
function nameFor(given: string | null, jobName: string | null, jobId: string, task: string) {
  const g = (given ?? '').trim();
  if (g && g.length <= NAME_MAX) return g.replace(FORBIDDEN, '-');
  const label = (jobName ?? '').trim() || jobId;
  const clean = label.replace(FORBIDDEN, '-').replace(/\s+/g, '-');
  return `${clean.slice(0, Math.max(1, NAME_MAX - task.length - 1))}.${task}`;
}

export const m0013: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('model_versions')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('job_id', 'text', (c) => c.notNull())
      .addColumn('task_name', 'text', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('component', 'text', (c) => c.notNull())
      .addColumn('algorithm', 'text', (c) => c.notNull())
      .addColumn('params', 'jsonb', (c) => c.notNull())
      .addColumn('evaluation', 'jsonb', (c) => c.notNull())
      .addColumn('deployed_at', 'timestamptz')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint('model_versions_pk', ['name', 'version'])
      .addUniqueConstraint('model_versions_run', ['job_id', 'task_name', 'attempt'])
      .execute();
    await db.schema
      .alterTable('models')
      .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('version_name', 'text')
      .addColumn('version', 'integer')
      .execute();
    await db.schema
      .alterTable('model_approvals')
      .addColumn('attempt', 'integer')
      .addColumn('features', 'jsonb')
      .execute();

    const parts = await sql<{
      id: string;
      job_id: string;
      task_name: string;
      component: string;
      name: string | null;
      meta: { algorithm?: string } | null;
      created_at: Date;
      job_name: string | null;
      params: unknown;
    }>`select m.id, m.job_id, m.task_name, m.component, m.name, m.meta, m.created_at,
              j.spec->>'name' as job_name,
              (select t->'params' from jsonb_array_elements(j.spec->'tasks') t
                where t->>'name' = m.task_name limit 1) as params
         from models m left join jobs j on j.id = m.job_id
        order by m.created_at, m.id`.execute(db);
    const versions = new Map<string, { name: string; version: number }>();
    const next = new Map<string, number>();
    for (const p of parts.rows) {
      const run = `${p.job_id}\u0000${p.task_name}`;
      let v = versions.get(run);
      if (!v) {
        const name = nameFor(p.name, p.job_name, p.job_id, p.task_name);
        const version = (next.get(name) ?? 0) + 1;
        next.set(name, version);
        v = { name, version };
        versions.set(run, v);
        await sql`insert into model_versions
                    (name, version, job_id, task_name, attempt, component, algorithm, params,
                     evaluation, created_at)
                  values (${name}, ${version}, ${p.job_id}, ${p.task_name}, 0, ${p.component},
                          ${p.meta?.algorithm ?? p.component}, ${JSON.stringify(p.params ?? {})}::jsonb,
                          '[]'::jsonb, ${p.created_at})`.execute(db);
      }
      await sql`update models set version_name = ${v.name}, version = ${v.version}
                 where id = ${p.id}`.execute(db);
    }
    await db.schema
      .createIndex('models_version')
      .on('models')
      .columns(['version_name', 'version'])
      .execute();
  },
};
