/** Persistence of invitations (both sides: 'sent' by the demander, 'received' by the provider). */
import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database, InvitationsTable } from '../storage/schema.js';

export type InvitationRow = Selectable<InvitationsTable>;

export class InvitationsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  insert(row: Insertable<InvitationsTable>): Promise<unknown> {
    return this.db.insertInto('invitations').values(row).execute();
  }

  get(id: string): Promise<InvitationRow | undefined> {
    return this.db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(filter: { role?: string; status?: string; kind?: string }): Promise<InvitationRow[]> {
    let q = this.db.selectFrom('invitations').selectAll();
    if (filter.role) q = q.where('role', '=', filter.role);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.kind) q = q.where('kind', '=', filter.kind);
    return q.orderBy('created_at', 'desc').execute();
  }

  /**
   * Updates invitation `id` only while its status is one of `from` (so that a concurrent answer
   * or withdrawal wins cleanly). Resolves with whether it changed.
   */
  async update(
    id: string,
    from: string[],
    values: Omit<Updateable<InvitationsTable>, 'id'>,
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('invitations')
      .set({ ...values, updated_at: new Date() })
      .where('id', '=', id)
      .where('status', 'in', from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async delete(id: string, status: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('invitations')
      .where('id', '=', id)
      .where('status', '=', status)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
