/** Persistence of deployments (table `deployments`, migration 0014). */
import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database, DeploymentsTable } from '../storage/schema.js';

export type DeploymentRow = Selectable<DeploymentsTable>;

export class DeploymentsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: Insertable<DeploymentsTable>): Promise<void> {
    await this.db.insertInto('deployments').values(row).execute();
  }

  get(id: string): Promise<DeploymentRow | undefined> {
    return this.db.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The active deployment named `name`, if any. */
  activeByName(name: string): Promise<DeploymentRow | undefined> {
    return this.db
      .selectFrom('deployments')
      .selectAll()
      .where('name', '=', name)
      .where('status', '=', 'active')
      .executeTakeFirst();
  }

  /** Newest first; active ones only unless `all`. */
  list(all = false): Promise<DeploymentRow[]> {
    let q = this.db.selectFrom('deployments').selectAll();
    if (!all) q = q.where('status', '=', 'active');
    return q.orderBy('created_at', 'desc').orderBy('id').execute();
  }

  async update(id: string, set: Updateable<DeploymentsTable>): Promise<void> {
    await this.db
      .updateTable('deployments')
      .set({ ...set, updated_at: new Date() })
      .where('id', '=', id)
      .execute();
  }

  /**
   * Whether `grantee` holds a grant on `datasetId` that is usable now: active (not revoked), not
   * expired, not used up, not tied to one job (a job-scoped grant covers that job only) and, if
   * tied to a project, tied to the model's project `projectId`.
   * Read from the store on every call, so a revocation takes effect at the next request.
   */
  async grantUsable(
    datasetId: string,
    grantee: string,
    projectId: string | null,
  ): Promise<{ ok: true } | { ok: false; why: string }> {
    const rows = await this.db
      .selectFrom('grants')
      .select(['id', 'status', 'expires_at', 'max_uses', 'uses', 'job_id', 'project_id'])
      .where('dataset_id', '=', datasetId)
      .where('grantee_node_id', '=', grantee)
      .execute();
    const now = Date.now();
    const usable = rows.find(
      (r) =>
        r.status === 'active' &&
        r.job_id === null &&
        (r.project_id === null || r.project_id === projectId) &&
        (r.expires_at === null || new Date(r.expires_at).getTime() > now) &&
        (r.max_uses === null || r.uses < r.max_uses),
    );
    if (usable) return { ok: true };
    if (rows.length === 0) return { ok: false, why: 'no grant' };
    if (rows.some((r) => r.status === 'revoked'))
      return { ok: false, why: 'its grant was revoked' };
    return { ok: false, why: 'its grant expired, is used up or covers one job only' };
  }
}
