/**
 * Persistence of model versions (issue 12 item 1): the version rows, the parts that belong to each,
 * and the registration of a new part as (a part of) a version.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import { json, type Database, type ModelVersionsTable } from '../storage/schema.js';
import { defaultModelName } from './model-name.js';

export type VersionRow = Selectable<ModelVersionsTable>;

/** One evaluation report that scored a version, as stored in `model_versions.evaluation`. */
export interface EvaluationEntry {
  /** The evaluation task's name in the job. */
  task: string;
  /** The report's task kind: `binary`, `multiclass`, `regression` (null: not said). */
  kind: string | null;
  /** Rows scored. */
  rows: number | null;
  /** `auc`, `ks`, … (DESIGN.md metric names) as the evaluation component reported them. */
  metrics: Record<string, number>;
}

/** A training output's part, as the output store registers it. */
export interface NewPart {
  id: string;
  jobId: string;
  task: string;
  party: string;
  attempt: number;
  component: string;
  algorithm: string;
  digest: string;
  /** Relative to the job's folder. */
  file: string;
  /** Feature names of the part (the part's own features only), when the model lists them. */
  features: string[] | null;
  /** `binary`, `multiclass`, `regression`, when the model says. */
  task_kind: string | null;
}

/** Postgres' unique_violation: a concurrent registration took the version number first. */
const isUniqueViolation = (err: unknown) =>
  (err as { code?: string } | null)?.code === '23505' ||
  /duplicate key|unique constraint/i.test(String((err as Error | null)?.message));

export class ModelVersionsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Registers a part: finds the version of its (job, task, attempt) or creates it as the next
   * version of its name (the name of the newest earlier version of the same job and task — a
   * rerun — else the default `<job name>.<task>`), then stores the part under it.
   * Idempotent: the same part id saved again updates its digest and file.
   * @returns the version's name and number
   */
  async addPart(p: NewPart): Promise<{ name: string; version: number }> {
    for (let tries = 0; ; tries++) {
      try {
        return await this.db.transaction().execute(async (trx) => {
          const v = await this.versionOfRun(trx, p);
          await trx
            .insertInto('models')
            .values({
              id: p.id,
              job_id: p.jobId,
              task_name: p.task,
              component: p.component,
              party: p.party,
              digest: p.digest,
              file: p.file,
              attempt: p.attempt,
              version_name: v.name,
              version: v.version,
              meta: json({
                algorithm: p.algorithm,
                ...(p.features ? { features: p.features } : {}),
                ...(p.task_kind ? { task: p.task_kind } : {}),
              }),
            })
            .onConflict((oc) => oc.column('id').doUpdateSet({ digest: p.digest, file: p.file }))
            .execute();
          return v;
        });
      } catch (err) {
        if (tries < 5 && isUniqueViolation(err)) continue;
        throw err;
      }
    }
  }

  private async versionOfRun(
    trx: Kysely<Database>,
    p: NewPart,
  ): Promise<{ name: string; version: number }> {
    const existing = await trx
      .selectFrom('model_versions')
      .select(['name', 'version'])
      .where('job_id', '=', p.jobId)
      .where('task_name', '=', p.task)
      .where('attempt', '=', p.attempt)
      .executeTakeFirst();
    if (existing) return existing;
    const earlier = await trx
      .selectFrom('model_versions')
      .select('name')
      .where('job_id', '=', p.jobId)
      .where('task_name', '=', p.task)
      .orderBy('created_at', 'desc')
      .orderBy('attempt', 'desc')
      .executeTakeFirst();
    const job = await trx
      .selectFrom('jobs')
      .select('spec')
      .where('id', '=', p.jobId)
      .executeTakeFirst();
    const spec = (job?.spec ?? {}) as {
      name?: string;
      tasks?: { name: string; params?: Record<string, unknown> }[];
    };
    const name = earlier?.name ?? defaultModelName(spec.name, p.jobId, p.task);
    const version = (await this.maxVersion(trx, name)) + 1;
    await trx
      .insertInto('model_versions')
      .values({
        name,
        version,
        job_id: p.jobId,
        task_name: p.task,
        attempt: p.attempt,
        component: p.component,
        algorithm: p.algorithm,
        params: json(spec.tasks?.find((t) => t.name === p.task)?.params ?? {}),
        evaluation: json([]),
      })
      .execute();
    return { name, version };
  }

  private async maxVersion(db: Kysely<Database>, name: string): Promise<number> {
    const r = await db
      .selectFrom('model_versions')
      .select(sql<number | null>`max(version)`.as('v'))
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(r?.v ?? 0);
  }

  /** Versions, newest first; of one name, or of one job, or all. */
  list(filter: { name?: string; jobId?: string } = {}): Promise<VersionRow[]> {
    let q = this.db.selectFrom('model_versions').selectAll();
    if (filter.name !== undefined) q = q.where('name', '=', filter.name);
    if (filter.jobId !== undefined) q = q.where('job_id', '=', filter.jobId);
    return q.orderBy('created_at', 'desc').orderBy('name').orderBy('version', 'desc').execute();
  }

  /** One version; `latest` is the highest number of the name. */
  async get(name: string, version: number | 'latest'): Promise<VersionRow | undefined> {
    let q = this.db.selectFrom('model_versions').selectAll().where('name', '=', name);
    q =
      version === 'latest'
        ? q.orderBy('version', 'desc').limit(1)
        : q.where('version', '=', version);
    return q.executeTakeFirst();
  }

  /** The version of one training run (job, task, attempt), the identity every party shares. */
  getByRun(jobId: string, task: string, attempt: number): Promise<VersionRow | undefined> {
    return this.db
      .selectFrom('model_versions')
      .selectAll()
      .where('job_id', '=', jobId)
      .where('task_name', '=', task)
      .where('attempt', '=', attempt)
      .executeTakeFirst();
  }

  /** Ids of the parts of a version this node holds. */
  async partIds(name: string, version: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('models')
      .select('id')
      .where('version_name', '=', name)
      .where('version', '=', version)
      .orderBy('party')
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * Moves a version (and its parts) to another name, as that name's next version.
   * @returns the new number
   */
  async move(name: string, version: number, to: string): Promise<number> {
    for (let tries = 0; ; tries++) {
      try {
        return await this.db.transaction().execute(async (trx) => {
          const n = (await this.maxVersion(trx, to)) + 1;
          await trx
            .updateTable('model_versions')
            .set({ name: to, version: n })
            .where('name', '=', name)
            .where('version', '=', version)
            .execute();
          await trx
            .updateTable('models')
            .set({ version_name: to, version: n })
            .where('version_name', '=', name)
            .where('version', '=', version)
            .execute();
          return n;
        });
      } catch (err) {
        if (tries < 5 && isUniqueViolation(err)) continue;
        throw err;
      }
    }
  }

  /**
   * Records an evaluation report on the newest version of each of `tasks` in the job (the model
   * tasks whose output the evaluation scored); replaces an earlier report of the same evaluation
   * task on that version.
   */
  async recordEvaluation(jobId: string, tasks: string[], entry: EvaluationEntry): Promise<void> {
    for (const task of tasks) {
      await this.db.transaction().execute(async (trx) => {
        const v = await trx
          .selectFrom('model_versions')
          .select(['name', 'version', 'evaluation'])
          .where('job_id', '=', jobId)
          .where('task_name', '=', task)
          .orderBy('attempt', 'desc')
          .executeTakeFirst();
        if (!v) return;
        const kept = ((v.evaluation ?? []) as EvaluationEntry[]).filter(
          (e) => e.task !== entry.task,
        );
        await trx
          .updateTable('model_versions')
          .set({ evaluation: json([...kept, entry]) })
          .where('name', '=', v.name)
          .where('version', '=', v.version)
          .execute();
      });
    }
  }

  /** Sets (or clears, `null`) when a version was deployed for online prediction. */
  async setDeployed(name: string, version: number, at: Date | null): Promise<void> {
    await this.db
      .updateTable('model_versions')
      .set({ deployed_at: at })
      .where('name', '=', name)
      .where('version', '=', version)
      .execute();
  }
}
