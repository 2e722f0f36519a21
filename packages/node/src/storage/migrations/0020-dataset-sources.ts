/**
 * 0020: datasets read from sources other than a local CSV, and their lifecycle (issue 17 items
 * 2–3): the source spec (never a secret: only where the password is), the version a refresh
 * bumps, enabled/disabled, the data dictionary, the declared column types (so that a refresh
 * reads the source in the same types); on jobs, the dataset versions each job used.
 */
import type { Kysely, Migration } from 'kysely';

export const m0020: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('datasets')
      .addColumn('source_spec', 'jsonb')
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
      .addColumn('dictionary', 'jsonb')
      .addColumn('column_types', 'jsonb')
      .execute();
    await db.schema.alterTable('jobs').addColumn('dataset_versions', 'jsonb').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('jobs').dropColumn('dataset_versions').execute();
    await db.schema
      .alterTable('datasets')
      .dropColumn('source_spec')
      .dropColumn('version')
      .dropColumn('enabled')
      .dropColumn('dictionary')
      .dropColumn('column_types')
      .execute();
  },
};
