/**
 * 0005: the node profile (overrides of the bootstrap values in fedgrid.yaml), per-contract partner
 * state (health checks, which node card the partner holds), directory offers (on a directory
 * node) and the offers a member published, and invitations (both sides). Issue #4 items 2 and 3.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export const m0005: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('node_profile')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text')
      .addColumn('description', 'text')
      .addColumn('api_url', 'text')
      .addColumn('data_address', 'text')
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();

    await db.schema
      .createTable('partner_status')
      .addColumn('contract_id', 'text', (c) =>
        c.primaryKey().references('contracts.id').onDelete('cascade'),
      )
      .addColumn('peer_description', 'text')
      .addColumn('card_known', 'text')
      .addColumn('card_synced_at', 'timestamptz')
      .addColumn('card_sync_error', 'text')
      .addColumn('last_health_at', 'timestamptz')
      .addColumn('last_healthy_at', 'timestamptz')
      .addColumn('last_health_error', 'text')
      .execute();

    await db.schema
      .createTable('directory_offers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('node_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('dataset_id', 'text')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('meta', 'jsonb', (c) => c.notNull())
      .addColumn('published_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema
      .createIndex('directory_offers_node')
      .on('directory_offers')
      .column('node_id')
      .execute();

    await db.schema
      .createTable('published_offers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('directory_node_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('dataset_id', 'text')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('meta', 'jsonb', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('status_reason', 'text')
      .addColumn('published_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();

    await db.schema
      .createTable('invitations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('demander_node_id', 'text', (c) => c.notNull())
      .addColumn('provider_node_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('dataset', 'text')
      .addColumn('offer_id', 'text')
      .addColumn('resource', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('message', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('terms', 'jsonb', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('status_reason', 'text')
      .addColumn('grant_id', 'text')
      .addColumn('billing', 'jsonb')
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('callback_error', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('published_at', 'timestamptz')
      .addColumn('answered_at', 'timestamptz')
      .execute();
    await db.schema
      .createIndex('invitations_role_status')
      .on('invitations')
      .columns(['role', 'status'])
      .execute();
  },
};
