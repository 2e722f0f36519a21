/** Persistence of model parts (with their job's project) and model approvals. */
import { sql, type Insertable, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { Database, ModelApprovalsTable, ModelsTable } from '../storage/schema.js';

/** A model row with what its job says about it (the job's spec is the source of the project). */
export type ModelRow = Selectable<ModelsTable> & {
  project_id: string | null;
  flow_id: string | null;
  job_name: string | null;
};
export type ApprovalRow = Selectable<ModelApprovalsTable>;

export interface ModelFilter {
  projectId?: string;
  jobId?: string;
}

export interface ApprovalFilter {
  direction?: string;
  status?: string;
  modelId?: string;
  jobId?: string;
}

export class ModelsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  private models() {
    return this.db
      .selectFrom('models')
      .leftJoin('jobs', 'jobs.id', 'models.job_id')
      .selectAll('models')
      .select([
        sql<string | null>`jobs.spec->>'projectId'`.as('project_id'),
        sql<string | null>`jobs.spec->>'flowId'`.as('flow_id'),
        sql<string | null>`jobs.spec->>'name'`.as('job_name'),
      ]);
  }

  listModels(filter: ModelFilter = {}): Promise<ModelRow[]> {
    let q = this.models();
    if (filter.jobId) q = q.where('models.job_id', '=', filter.jobId);
    if (filter.projectId) q = q.where(sql<string>`jobs.spec->>'projectId'`, '=', filter.projectId);
    return q.orderBy('models.created_at', 'desc').orderBy('models.id').execute();
  }

  getModel(id: string): Promise<ModelRow | undefined> {
    return this.models().where('models.id', '=', id).executeTakeFirst();
  }

  async updateModel(id: string, set: Updateable<ModelsTable>): Promise<void> {
    await this.db.updateTable('models').set(set).where('id', '=', id).execute();
  }

  /** The job's stored spec, if this node knows the job. */
  async jobSpec(jobId: string): Promise<Record<string, unknown> | undefined> {
    const r = await this.db
      .selectFrom('jobs')
      .select('spec')
      .where('id', '=', jobId)
      .executeTakeFirst();
    return r?.spec as Record<string, unknown> | undefined;
  }

  /** The parties of a task (party name → {node, status, …}), if this node knows the task. */
  async taskParties(
    jobId: string,
    task: string,
  ): Promise<Record<string, { node: string; status?: string }> | undefined> {
    const r = await this.db
      .selectFrom('tasks')
      .select('parties')
      .where('job_id', '=', jobId)
      .where('name', '=', task)
      .executeTakeFirst();
    return r?.parties as Record<string, { node: string; status?: string }> | undefined;
  }

  async insertApproval(row: Insertable<ModelApprovalsTable>): Promise<void> {
    await this.db.insertInto('model_approvals').values(row).execute();
  }

  getApproval(id: string): Promise<ApprovalRow | undefined> {
    return this.db
      .selectFrom('model_approvals')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
  }

  async updateApproval(id: string, set: Updateable<ModelApprovalsTable>): Promise<void> {
    await this.db
      .updateTable('model_approvals')
      .set({ ...set, updated_at: new Date() })
      .where('id', '=', id)
      .execute();
  }

  /** Approvals, newest first. */
  listApprovals(filter: ApprovalFilter = {}): Promise<ApprovalRow[]> {
    let q = this.db.selectFrom('model_approvals').selectAll();
    if (filter.direction) q = q.where('direction', '=', filter.direction);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.modelId) q = q.where('model_id', '=', filter.modelId);
    if (filter.jobId) q = q.where('job_id', '=', filter.jobId);
    return q.orderBy('created_at', 'desc').orderBy('id').execute();
  }
}
