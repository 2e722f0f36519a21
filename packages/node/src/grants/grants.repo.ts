/**
 * Queries on the grant tables (no logic): grants given by this node, the grants partners gave it
 * (received_grants), grant applications (both sides), the grant each job consumed (job_grants)
 * and metered use (grant_usages).
 */
import {
  sql,
  type Insertable,
  type Kysely,
  type Selectable,
  type Transaction,
  type Updateable,
} from 'kysely';
import type {
  Database,
  GrantApplicationsTable,
  GrantsTable,
  GrantUsagesTable,
  ReceivedGrantsTable,
} from '../storage/schema.js';

/** A grant row with its dataset's current name (null once the dataset is gone). */
export type GrantRow = Selectable<GrantsTable> & { dataset_name: string | null };
export type ReceivedGrantRow = Selectable<ReceivedGrantsTable>;
export type ApplicationRow = Selectable<GrantApplicationsTable>;
export type UsageRow = Selectable<GrantUsagesTable>;
type Db = Kysely<Database> | Transaction<Database>;

export interface GrantFilter {
  datasetId?: string;
  grantee?: string;
  applicationId?: string;
}

export class GrantsRepo {
  constructor(readonly db: Kysely<Database>) {}

  private grants(db: Db = this.db) {
    return db
      .selectFrom('grants')
      .leftJoin('datasets', 'datasets.id', 'grants.dataset_id')
      .selectAll('grants')
      .select('datasets.name as dataset_name');
  }

  async getGrant(id: string, db: Db = this.db): Promise<GrantRow | undefined> {
    return this.grants(db).where('grants.id', '=', id).executeTakeFirst();
  }

  async listGrants(f: GrantFilter = {}): Promise<GrantRow[]> {
    let q = this.grants();
    if (f.datasetId) q = q.where('grants.dataset_id', '=', f.datasetId);
    if (f.grantee) q = q.where('grants.grantee_node_id', '=', f.grantee);
    if (f.applicationId) q = q.where('grants.application_id', '=', f.applicationId);
    return q.orderBy('grants.created_at', 'desc').orderBy('grants.id').execute();
  }

  /** Grants of `datasetId` to `grantee` that may serve `jobId` (any-job, that job, that project), locked. */
  async candidates(
    trx: Transaction<Database>,
    datasetId: string,
    grantee: string,
    jobId: string,
    projectId: string | undefined,
  ): Promise<GrantRow[]> {
    const ids = await trx
      .selectFrom('grants')
      .select('id')
      .where('dataset_id', '=', datasetId)
      .where('grantee_node_id', '=', grantee)
      .where((eb) =>
        eb.or([
          eb.and([eb('job_id', 'is', null), eb('project_id', 'is', null)]),
          eb('job_id', '=', jobId),
          ...(projectId ? [eb('project_id', '=', projectId)] : []),
        ]),
      )
      .forUpdate()
      .execute();
    if (ids.length === 0) return [];
    return this.grants(trx)
      .where(
        'grants.id',
        'in',
        ids.map((r) => r.id),
      )
      .orderBy('grants.created_at', 'desc')
      .orderBy('grants.id')
      .execute();
  }

  async insertGrant(values: Insertable<GrantsTable>): Promise<void> {
    await this.db.insertInto('grants').values(values).execute();
  }

  async updateGrant(id: string, set: Updateable<GrantsTable>, db: Db = this.db): Promise<void> {
    await db
      .updateTable('grants')
      .set({ ...set, updated_at: new Date() })
      .where('id', '=', id)
      .execute();
  }

  async addUse(trx: Transaction<Database>, id: string): Promise<void> {
    await trx
      .updateTable('grants')
      .set({ uses: sql`uses + 1`, updated_at: new Date() })
      .where('id', '=', id)
      .execute();
  }

  // job_grants

  async jobGrant(
    jobId: string,
    datasetId: string,
    grantee: string,
    db: Db = this.db,
  ): Promise<string | undefined> {
    const r = await db
      .selectFrom('job_grants')
      .select('grant_id')
      .where('job_id', '=', jobId)
      .where('dataset_id', '=', datasetId)
      .where('grantee_node_id', '=', grantee)
      .executeTakeFirst();
    return r?.grant_id;
  }

  /** Jobs that consumed grant `grantId`. */
  async jobsOfGrant(grantId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('job_grants')
      .select('job_id')
      .where('grant_id', '=', grantId)
      .execute();
    return rows.map((r) => r.job_id);
  }

  async recordJobGrant(
    trx: Transaction<Database>,
    v: { jobId: string; datasetId: string; grantee: string; grantId: string },
  ): Promise<void> {
    await trx
      .insertInto('job_grants')
      .values({
        job_id: v.jobId,
        dataset_id: v.datasetId,
        grantee_node_id: v.grantee,
        grant_id: v.grantId,
      })
      .onConflict((oc) => oc.columns(['job_id', 'dataset_id', 'grantee_node_id']).doNothing())
      .execute();
  }

  // grant_usages

  async addUsage(
    v: {
      grantId: string;
      datasetId: string;
      grantee: string;
      jobId: string;
      task: string | null;
      party: string | null;
      event: 'job-accepted' | 'job-rerun' | 'task-started' | 'pir-query';
      rows: number;
    },
    db: Db = this.db,
  ): Promise<void> {
    await db
      .insertInto('grant_usages')
      .values({
        grant_id: v.grantId,
        dataset_id: v.datasetId,
        grantee_node_id: v.grantee,
        job_id: v.jobId,
        task_name: v.task,
        party: v.party,
        event: v.event,
        rows: v.rows,
      })
      .execute();
  }

  async usages(grantId: string): Promise<UsageRow[]> {
    return this.db
      .selectFrom('grant_usages')
      .selectAll()
      .where('grant_id', '=', grantId)
      .orderBy('id')
      .execute();
  }

  async datasetRows(
    idOrName: string,
    db: Db = this.db,
  ): Promise<{ id: string; name: string; rows: number } | undefined> {
    return db
      .selectFrom('datasets')
      .select(['id', 'name', 'rows'])
      .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
      .executeTakeFirst();
  }

  /** The project a stored job belongs to (read from its spec), if the job is known here. */
  async jobProject(jobId: string): Promise<string | undefined> {
    const r = await this.db
      .selectFrom('jobs')
      .select('spec')
      .where('id', '=', jobId)
      .executeTakeFirst();
    const p = (r?.spec as { projectId?: unknown } | undefined)?.projectId;
    return typeof p === 'string' ? p : undefined;
  }

  // received_grants

  async upsertReceived(v: Omit<Insertable<ReceivedGrantsTable>, 'received_at'>): Promise<void> {
    const { owner_node_id, id, ...rest } = v;
    await this.db
      .insertInto('received_grants')
      .values({ owner_node_id, id, ...rest, received_at: new Date() })
      .onConflict((oc) =>
        oc.columns(['owner_node_id', 'id']).doUpdateSet({ ...rest, received_at: new Date() }),
      )
      .execute();
  }

  async listReceived(f: { owner?: string; datasetId?: string } = {}): Promise<ReceivedGrantRow[]> {
    let q = this.db.selectFrom('received_grants').selectAll();
    if (f.owner) q = q.where('owner_node_id', '=', f.owner);
    if (f.datasetId) q = q.where('dataset_id', '=', f.datasetId);
    return q.orderBy('granted_at', 'desc').orderBy('id').execute();
  }

  async markReceived(owner: string, ids: string[], status: string): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('received_grants')
      .set({ status, received_at: new Date() })
      .where('owner_node_id', '=', owner)
      .where('id', 'in', ids)
      .execute();
  }

  // grant_applications

  async getApplication(id: string): Promise<ApplicationRow | undefined> {
    return this.db
      .selectFrom('grant_applications')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
  }

  async insertApplication(v: Insertable<GrantApplicationsTable>): Promise<void> {
    await this.db.insertInto('grant_applications').values(v).execute();
  }

  /**
   * Updates an application; with `fromStatus`, only if it is still in that state (a compare-and-
   * set against concurrent answers). Returns whether a row changed.
   */
  async updateApplication(
    id: string,
    set: Updateable<GrantApplicationsTable>,
    fromStatus?: string,
  ): Promise<boolean> {
    let q = this.db
      .updateTable('grant_applications')
      .set({ ...set, updated_at: new Date() })
      .where('id', '=', id);
    if (fromStatus) q = q.where('status', '=', fromStatus);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async deleteApplication(id: string): Promise<void> {
    await this.db.deleteFrom('grant_applications').where('id', '=', id).execute();
  }

  async listApplications(
    f: { direction?: string; status?: string; datasetId?: string; peer?: string } = {},
  ): Promise<ApplicationRow[]> {
    let q = this.db.selectFrom('grant_applications').selectAll();
    if (f.direction) q = q.where('direction', '=', f.direction);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.datasetId) q = q.where('dataset_id', '=', f.datasetId);
    if (f.peer)
      q = q.where((eb) =>
        eb.or([eb('applicant_node_id', '=', f.peer!), eb('owner_node_id', '=', f.peer!)]),
      );
    return q.orderBy('created_at', 'desc').orderBy('id').execute();
  }
}
