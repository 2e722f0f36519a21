/** Persistence of the node profile (one row, id 'self'). */
import type { Kysely, Selectable } from 'kysely';
import type { Database, NodeProfileTable } from '../storage/schema.js';

export type ProfileRow = Selectable<NodeProfileTable>;

const SELF = 'self';

export class ProfileRepo {
  constructor(private readonly db: Kysely<Database>) {}

  get(): Promise<ProfileRow | undefined> {
    return this.db.selectFrom('node_profile').selectAll().where('id', '=', SELF).executeTakeFirst();
  }

  /** Stores the overrides (null: use the bootstrap value) and bumps the version. */
  async save(values: {
    name: string | null;
    description: string | null;
    api_url: string | null;
    data_address: string | null;
  }): Promise<ProfileRow> {
    const now = new Date();
    return this.db
      .insertInto('node_profile')
      .values({ id: SELF, ...values, version: 1, updated_at: now })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          ...values,
          version: eb('node_profile.version', '+', 1),
          updated_at: now,
        })),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
  }
}
