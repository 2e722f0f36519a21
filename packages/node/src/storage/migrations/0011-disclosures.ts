/**
 * 0011: the disclosure ledger — what this node, as a data owner, has revealed about each of its
 * datasets to each partner node across jobs (docs/protocols/README.md, "Disclosure budgets").
 * `disclosure_budgets` holds the running total per (dataset, partner node, kind) and the smallest
 * row count charged; `disclosure_charges` one row per charging task, so that a rerun of the same
 * task is counted once and an auditor can see which job revealed what.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export const m0011: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('disclosure_budgets')
      .addColumn('dataset_id', 'text', (c) => c.notNull())
      .addColumn('partner_node_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('used', 'integer', (c) => c.notNull())
      .addColumn('min_rows', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint('disclosure_budgets_pk', ['dataset_id', 'partner_node_id', 'kind'])
      .execute();
    await db.schema
      .createTable('disclosure_charges')
      .addColumn('job_id', 'text', (c) => c.notNull())
      .addColumn('task_name', 'text', (c) => c.notNull())
      .addColumn('party', 'text', (c) => c.notNull())
      .addColumn('partner', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('dataset_id', 'text', (c) => c.notNull())
      .addColumn('partner_node_id', 'text', (c) => c.notNull())
      .addColumn('amount', 'integer', (c) => c.notNull())
      .addColumn('rows', 'integer', (c) => c.notNull())
      .addColumn('charged_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint('disclosure_charges_pk', [
        'job_id',
        'task_name',
        'party',
        'partner',
        'kind',
      ])
      .execute();
    await db.schema
      .createIndex('disclosure_charges_budget')
      .on('disclosure_charges')
      .columns(['dataset_id', 'partner_node_id', 'kind'])
      .execute();
  },
};
