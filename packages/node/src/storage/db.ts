/**
 * Opens a node's store: embedded PGlite in the node's data directory by default, PostgreSQL when
 * a connection URL is configured. Both speak the same SQL; migrations run on open.
 */
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { FedGridError } from '../errors/errors.js';
import { migrationProvider } from './migrations/index.js';
import { createFromTemplate } from './pglite-template.js';
import type { Database } from './schema.js';

export interface Store {
  db: Kysely<Database>;
  kind: 'pglite' | 'postgres';
  close(): Promise<void>;
}

/**
 * @param options.databaseUrl postgres://… to use PostgreSQL; otherwise PGlite under `dataDir/pglite`.
 * @throws FedGridError INTERNAL when the database cannot be opened or migrated.
 */
export async function openStore(options: {
  databaseUrl?: string;
  dataDir: string;
}): Promise<Store> {
  let db: Kysely<Database>;
  let kind: Store['kind'];
  let closeExtra: () => Promise<void> = async () => {};
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    kind = 'postgres';
  } else {
    const dir = join(options.dataDir, 'pglite');
    const fresh = await access(join(dir, 'PG_VERSION')).then(
      () => false,
      () => true,
    );
    await mkdir(dir, { recursive: true });
    const pglite = fresh ? await createFromTemplate(dir) : new PGlite(dir);
    await pglite.waitReady;
    db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
    kind = 'pglite';
    closeExtra = async () => {
      // Kysely's PGlite driver may already have closed it.
      if (!pglite.closed) await pglite.close();
    };
  }
  const { error, results } = await new Migrator({
    db,
    provider: migrationProvider,
  }).migrateToLatest();
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
