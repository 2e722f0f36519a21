/**
 * Opens a node's store: embedded PGlite in the node's data directory by default, PostgreSQL when
 * a connection URL is configured. Both speak the same SQL; migrations run on open. On PostgreSQL a
 * node keeps its tables in one schema (default `public`), so that several nodes — a demo, a test
 * run — can share one database without seeing each other's rows.
 */
import { access } from 'node:fs/promises';
import { hostname } from 'node:os';
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
import { pgliteStartParams } from './pglite-settings.js';
import { SchemaScopedPostgresDialect } from './scoped-introspector.js';
import {
  startWalCheckpoints,
  type WalCheckpointCheck,
  type WalCheckpoints,
} from './wal-checkpoints.js';
import type { Database } from './schema.js';

export interface Store {
  db: Kysely<Database>;
  kind: 'pglite' | 'postgres';
  /** This open created the store (no PGlite data directory, or no FedGrid tables in the schema). */
  created: boolean;
  /** Problems with the store found now, in words (empty: fine); the health check shows them. */
  check(): Promise<string[]>;
  /**
   * The embedded store's checkpoint policy (wal-checkpoints.ts); undefined on PostgreSQL (a
   * server checkpoints itself) or when `checkpointWalMb` is 0.
   */
  walCheckpoints?: WalCheckpoints;
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
  /**
   * On PostgreSQL, hold a session advisory lock on the schema while the store is open, so that
   * two nodes (on any machines) never share one schema.
   * `'shared'`: the lock of one replica or worker of a node run as several processes (issue 16):
   * any number of them share the schema, and a single-process node (exclusive) is kept out.
   * @throws FedGridError NODE_LOCKED when another session holds it.
   */
  lock?: boolean | 'shared';
  /**
   * Embedded store only: run `CHECKPOINT` when more than this many MiB of write-ahead log were
   * written since the last one (checked every 30 s); 0 turns it off (the log then grows until
   * the store is closed). @default 256
   */
  checkpointWalMb?: number;
  /** Called after each checkpoint the policy ran (e.g. to log it). */
  onWalCheckpoint?: (check: WalCheckpointCheck) => void;
}): Promise<Store> {
  let db: Kysely<Database>;
  let kind: Store['kind'];
  let closeExtra: () => Promise<void> = async () => {};
  let check: () => Promise<string[]> = async () => [];
  let created: boolean;
  let walCheckpoints: WalCheckpoints | undefined;
  const schema = checkSchemaName(options.databaseSchema ?? 'public');
  if (options.databaseUrl) {
    const held = options.lock
      ? await lockSchema(options.databaseUrl, schema, options.lock === 'shared')
      : undefined;
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
      const found = await sql<{
        t: string | null;
      }>`select to_regclass(${`${schema}.kysely_migration`})::text as t`.execute(db);
      created = !found.rows[0]?.t;
    } catch (err) {
      await db.destroy().catch(() => {});
      await held?.release();
      throw new FedGridError(
        'INTERNAL',
        `cannot open PostgreSQL at ${redactUrl(options.databaseUrl)}: ${(err as Error).message}`,
      );
    }
    if (held) {
      closeExtra = held.release;
      check = async () =>
        held.lost() ? ["the PostgreSQL session holding the node's schema lock ended"] : [];
    }
  } else {
    const dir = join(options.dataDir, 'pglite');
    const fresh = await access(join(dir, 'PG_VERSION')).then(
      () => false,
      () => true,
    );
    await mkdirPrivate(dir);
    created = fresh;
    // The template is fully migrated: an upgrade test that stops early needs a bare store.
    const pglite =
      fresh && !options.migrateTo
        ? await createFromTemplate(dir)
        : new PGlite(dir, { startParams: pgliteStartParams() });
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
    await closeExtra().catch(() => {});
    throw new FedGridError(
      'INTERNAL',
      `database migration ${failed ?? ''} failed: ${(error as Error).message}`,
    );
  }
  const walMb = options.checkpointWalMb ?? 256;
  if (kind === 'pglite' && walMb > 0)
    walCheckpoints = startWalCheckpoints(db as Kysely<unknown>, {
      boundBytes: walMb * 2 ** 20,
      ...(options.onWalCheckpoint ? { onCheckpoint: options.onWalCheckpoint } : {}),
    });
  return {
    db,
    kind,
    created,
    check: async () => [...(await check()), ...(walCheckpoints?.problems() ?? [])],
    ...(walCheckpoints ? { walCheckpoints } : {}),
    close: async () => {
      // First: a check must not start, or be running, on a closed database.
      await walCheckpoints?.stop();
      await db.destroy();
      await closeExtra();
    },
  };
}

/**
 * Takes a session-level advisory lock keyed by the schema on a connection of its own (held until
 * `release`). Advisory locks are per database, so the key needs only the schema.
 * @throws FedGridError NODE_LOCKED naming the session that holds it; INTERNAL if unreachable.
 */
async function lockSchema(
  databaseUrl: string,
  schema: string,
  shared = false,
): Promise<{ release(): Promise<void>; lost(): boolean }> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    application_name: `fedgrid node ${hostname()} pid ${process.pid}`,
  });
  let lost = false;
  let released = false;
  client.on('error', () => {
    lost = true;
  });
  client.on('end', () => {
    if (!released) lost = true;
  });
  try {
    await client.connect();
  } catch (err) {
    throw new FedGridError(
      'INTERNAL',
      `cannot open PostgreSQL at ${redactUrl(databaseUrl)}: ${(err as Error).message}`,
    );
  }
  const r = await client
    .query<{
      ok: boolean;
    }>(
      `select ${shared ? 'pg_try_advisory_lock_shared' : 'pg_try_advisory_lock'}(hashtext('fedgrid node'), hashtext($1)) as ok`,
      [schema],
    )
    .catch(async (err: Error) => {
      await client.end().catch(() => {});
      throw new FedGridError('INTERNAL', `cannot lock the schema '${schema}': ${err.message}`);
    });
  if (!r.rows[0]?.ok) {
    const who = await client
      .query<{ pid: number; application_name: string; client_addr: string | null }>(
        `select a.pid, a.application_name, a.client_addr::text as client_addr
           from pg_locks l join pg_stat_activity a on a.pid = l.pid
          where l.locktype = 'advisory' and l.granted
            and l.classid::int = hashtext('fedgrid node') and l.objid::int = hashtext($1)`,
        [schema],
      )
      .then((q) => q.rows[0])
      .catch(() => undefined);
    await client.end().catch(() => {});
    throw new FedGridError(
      'NODE_LOCKED',
      `PostgreSQL schema '${schema}' is in use by ${shared ? 'a node running as a single process' : 'another node'}${who ? ` (${who.application_name || 'session'}, backend pid ${who.pid}${who.client_addr ? ` from ${who.client_addr}` : ''})` : ''}; stop that node first, or give this node a schema of its own (storage.databaseSchema)${shared ? '' : '; replicas and workers of one node run with --role api|worker'}`,
      { schema, ...(who ? { holder: who } : {}) },
    );
  }
  return {
    lost: () => lost,
    release: async () => {
      released = true;
      await client.end().catch(() => {});
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
