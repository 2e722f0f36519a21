/**
 * 0012: the store marker — one row holding the random id of this store, also recorded in the
 * node directory (identity/store-id) at `node init`. A node refuses to start on a store that is
 * missing (recreated empty) or that is another store (issue #11 item 3).
 */
import { sql, type Kysely, type Migration } from 'kysely';

export const m0012: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('store_marker')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('store_marker').execute();
  },
};
