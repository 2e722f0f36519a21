/** Persistence of projects and their members. */
import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database, ProjectMembersTable, ProjectsTable } from '../storage/schema.js';

export type ProjectRow = Selectable<ProjectsTable>;
export type MemberRow = Selectable<ProjectMembersTable>;

export class ProjectsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(
    row: Insertable<ProjectsTable>,
    members: Insertable<ProjectMembersTable>[] = [],
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('projects').values(row).execute();
      if (members.length) await trx.insertInto('project_members').values(members).execute();
    });
  }

  get(id: string): Promise<ProjectRow | undefined> {
    return this.db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(): Promise<ProjectRow[]> {
    return this.db.selectFrom('projects').selectAll().orderBy('created_at', 'desc').execute();
  }

  /** Projects owned by `owner` in which `member` holds one of `statuses`. */
  ownedWithMember(owner: string, member: string, statuses: string[]): Promise<ProjectRow[]> {
    return this.db
      .selectFrom('projects')
      .innerJoin('project_members', 'project_members.project_id', 'projects.id')
      .selectAll('projects')
      .where('projects.owner_node_id', '=', owner)
      .where('project_members.node_id', '=', member)
      .where('project_members.status', 'in', statuses)
      .orderBy('projects.created_at', 'desc')
      .execute();
  }

  async update(id: string, set: Updateable<ProjectsTable>): Promise<void> {
    await this.db
      .updateTable('projects')
      .set({ ...set, ...(set.updated_at === undefined ? { updated_at: new Date() } : {}) })
      .where('id', '=', id)
      .execute();
  }

  members(projectId: string): Promise<MemberRow[]> {
    return this.db
      .selectFrom('project_members')
      .selectAll()
      .where('project_id', '=', projectId)
      .orderBy('invited_at')
      .orderBy('node_id')
      .execute();
  }

  /** Members of every project in `projectIds`, grouped by project. */
  async membersOf(projectIds: string[]): Promise<Map<string, MemberRow[]>> {
    const out = new Map<string, MemberRow[]>(projectIds.map((id) => [id, []]));
    if (!projectIds.length) return out;
    const rows = await this.db
      .selectFrom('project_members')
      .selectAll()
      .where('project_id', 'in', projectIds)
      .orderBy('invited_at')
      .orderBy('node_id')
      .execute();
    for (const r of rows) out.get(r.project_id)?.push(r);
    return out;
  }

  member(projectId: string, nodeId: string): Promise<MemberRow | undefined> {
    return this.db
      .selectFrom('project_members')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('node_id', '=', nodeId)
      .executeTakeFirst();
  }

  /** Inserts or replaces one membership. */
  async putMember(row: Insertable<ProjectMembersTable>): Promise<void> {
    const now = new Date();
    await this.db
      .insertInto('project_members')
      .values({ ...row, updated_at: now })
      .onConflict((oc) =>
        oc.columns(['project_id', 'node_id']).doUpdateSet({
          status: row.status,
          reason: row.reason ?? null,
          ...(row.invited_at !== undefined ? { invited_at: row.invited_at } : {}),
          answered_at: row.answered_at ?? null,
          updated_at: now,
        }),
      )
      .execute();
  }

  /** Replaces the memberships of `projectId` other than `keep`'s (a member copy's sync). */
  async replaceOtherMembers(
    projectId: string,
    keep: string,
    rows: Insertable<ProjectMembersTable>[],
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('project_members')
        .where('project_id', '=', projectId)
        .where('node_id', '!=', keep)
        .execute();
      const others = rows.filter((r) => r.node_id !== keep);
      if (others.length) await trx.insertInto('project_members').values(others).execute();
    });
  }
}
