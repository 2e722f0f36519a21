/** Persistence of job permissions (table job_permissions, migration 0009). */
import type { Kysely, Selectable } from 'kysely';
import { json, type Database, type JobPermissionsTable } from '../storage/schema.js';

export type JobPermissionRow = Selectable<JobPermissionsTable>;

export class JobPermissionsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(r: {
    id: string;
    partner: string;
    roles: string[];
    components: string[];
    datasets: string[] | null;
    expiresAt: string | null;
    note: string;
  }): Promise<void> {
    await this.db
      .insertInto('job_permissions')
      .values({
        id: r.id,
        partner_node_id: r.partner,
        roles: json(r.roles),
        components: json(r.components),
        datasets: r.datasets ? json(r.datasets) : null,
        expires_at: r.expiresAt,
        status: 'active',
        note: r.note,
      })
      .execute();
  }

  get(id: string): Promise<JobPermissionRow | undefined> {
    return this.db
      .selectFrom('job_permissions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
  }

  list(partner?: string): Promise<JobPermissionRow[]> {
    let q = this.db.selectFrom('job_permissions').selectAll();
    if (partner) q = q.where('partner_node_id', '=', partner);
    return q.orderBy('created_at', 'desc').orderBy('id').execute();
  }

  async revoke(id: string): Promise<void> {
    await this.db
      .updateTable('job_permissions')
      .set({ status: 'revoked', revoked_at: new Date() })
      .where('id', '=', id)
      .execute();
  }
}
