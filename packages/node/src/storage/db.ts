/**
 * Opens a node's store: embedded PGlite in the node's data directory by default, PostgreSQL when
 * a connection URL is configured. Both speak the same SQL; migrations run on open. On PostgreSQL a
 * node keeps its tables in one schema (default `public`), so that several nodes — a demo, a test
 * run — can share one database without seeing each other's rows.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, Migrator, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { FedGridError } from '../errors/errors.js';
import { mkdirPrivate } from './files.js';
import { migrationProvider } from './migrations/index.js';
import { checkSchemaName } from './schema-name.js';
import { createFromTemplate } from './pglite-template.js';
import { SchemaScopedPostgresDialect } from './scoped-introspector.js';
import type { Database } from './schema.js';

export interface Store {
  db: Kysely<Database>;
  kind: 'pglite' | 'postgres';
  close(): Promise<void>;
}

/**
 * @param options.databaseUrl postgres://… to use PostgreSQL; otherwise PGlite under `dataDir/pglite`.
 * @param options.databaseSchema PostgreSQL schema holding the node's tables (created if missing).
 *   @default 'public'
 * @throws FedGridError VALIDATION_FAILED for a bad schema name; INTERNAL when the database cannot
 *   be opened or migrated.
 */
export async function openStore(options: {
  databaseUrl?: string;
  databaseSchema?: string;
  dataDir: string;
  /** Migrate only up to this migration (e.g. '0001_initial'), not to the latest: upgrade tests. */
  migrateTo?: string;
}): Promise<Store> {
  let db: Kysely<Database>;
  let kind: Store['kind'];
  let closeExtra: () => Promise<void> = async () => {};
  const schema = checkSchemaName(options.databaseSchema ?? 'public');
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: 10,
      // Every connection resolves unqualified table names in the node's schema.
      options: `-c search_path=${schema}`,
    });
    // Introspection limited to our schema: the Migrator's scan of all schemas races with another
    // node's schema being dropped (see scoped-introspector.ts).
    db = new Kysely<Database>({ dialect: new SchemaScopedPostgresDialect({ pool }, schema) });
    kind = 'postgres';
    try {
      await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
    } catch (err) {
      await db.destroy().catch(() => {});
      throw new FedGridError(
        'INTERNAL',
        `cannot open PostgreSQL at ${redactUrl(options.databaseUrl)}: ${(err as Error).message}`,
      );
    }
  } else {
    const dir = join(options.dataDir, 'pglite');
    const fresh = await access(join(dir, 'PG_VERSION')).then(
      () => false,
      () => true,
    );
    await mkdirPrivate(dir);
    // The template is fully migrated: an upgrade test that stops early needs a bare store.
    const pglite = fresh && !options.migrateTo ? await createFromTemplate(dir) : new PGlite(dir);
    await pglite.waitReady;
    db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
    kind = 'pglite';
    closeExtra = async () => {
      // Kysely's PGlite driver may already have closed it.
      if (!pglite.closed) await pglite.close();
    };
  }
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    // Explicit, or Kysely would take another node's migration table in the same database as ours.
    migrationTableSchema: schema,
  });
  const { error, results } = options.migrateTo
    ? await migrator.migrateTo(options.migrateTo)
    : await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    await db.destroy().catch(() => {});
    throw new FedGridError(
      'INTERNAL',
      `database migration ${failed ?? ''} failed: ${(error as Error).message}`,
    );
  }
  return {
    db,
    kind,
    close: async () => {
      await db.destroy();
      await closeExtra();
    },
  };
}

/** The URL without its password, for messages. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured URL';
  }
}

/**
 * Drops a node's schema and everything in it (a demo's or a test's throw-away nodes).
 * @throws FedGridError VALIDATION_FAILED for a bad name or for `public`, which is never dropped.
 */
export async function dropStoreSchema(databaseUrl: string, schema: string): Promise<void> {
  if (checkSchemaName(schema) === 'public')
    throw new FedGridError('VALIDATION_FAILED', "the 'public' schema is never dropped");
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}
