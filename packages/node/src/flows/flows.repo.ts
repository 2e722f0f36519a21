/** Persistence of flows and flow approvals (and the jobs created from a flow). */
import { sql, type Insertable, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { Database, FlowApprovalsTable, FlowsTable } from '../storage/schema.js';

export type FlowRow = Selectable<FlowsTable>;
export type ApprovalRow = Selectable<FlowApprovalsTable>;

export class FlowsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: Insertable<FlowsTable>): Promise<void> {
    await this.db.insertInto('flows').values(row).execute();
  }

  get(id: string): Promise<FlowRow | undefined> {
    return this.db.selectFrom('flows').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(filter: { projectId?: string; status?: string } = {}): Promise<FlowRow[]> {
    let q = this.db.selectFrom('flows').selectAll();
    if (filter.projectId) q = q.where('project_id', '=', filter.projectId);
    if (filter.status) q = q.where('status', '=', filter.status);
    return q.orderBy('created_at', 'desc').execute();
  }

  async update(id: string, set: Updateable<FlowsTable>): Promise<void> {
    await this.db
      .updateTable('flows')
      .set({ ...set, updated_at: new Date() })
      .where('id', '=', id)
      .execute();
  }

  async insertApproval(row: Insertable<FlowApprovalsTable>): Promise<void> {
    await this.db.insertInto('flow_approvals').values(row).execute();
  }

  getApproval(id: string): Promise<ApprovalRow | undefined> {
    return this.db.selectFrom('flow_approvals').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listApprovals(
    filter: { flowId?: string; direction?: string; status?: string } = {},
  ): Promise<ApprovalRow[]> {
    let q = this.db.selectFrom('flow_approvals').selectAll();
    if (filter.flowId) q = q.where('flow_id', '=', filter.flowId);
    if (filter.direction) q = q.where('direction', '=', filter.direction);
    if (filter.status) q = q.where('status', '=', filter.status);
    return q.orderBy('created_at', 'desc').orderBy('id').execute();
  }

  async updateApproval(id: string, set: Updateable<FlowApprovalsTable>): Promise<void> {
    await this.db
      .updateTable('flow_approvals')
      .set({ ...set, updated_at: new Date() })
      .where('id', '=', id)
      .execute();
  }

  /** Ids of the jobs whose spec names `flowId`, newest first, paged, with the total. */
  async jobIds(
    flowId: string,
    offset: number,
    limit: number,
  ): Promise<{ ids: string[]; total: number }> {
    const byFlow = sql<string>`spec->>'flowId'`;
    const [rows, count] = await Promise.all([
      this.db
        .selectFrom('jobs')
        .select('id')
        .where(byFlow, '=', flowId)
        .orderBy('created_at', 'desc')
        .offset(offset)
        .limit(limit)
        .execute(),
      this.db
        .selectFrom('jobs')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where(byFlow, '=', flowId)
        .executeTakeFirstOrThrow(),
    ]);
    return { ids: rows.map((r) => r.id), total: Number(count.n) };
  }
}
