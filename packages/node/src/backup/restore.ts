/**
 * `fedgrid node restore`: rebuilds a node from a backup (backup.ts) into a node directory and
 * its store — the embedded PGlite store, or PostgreSQL (the URL from `--database-url`, the
 * FEDGRID_DATABASE_URL environment variable or the restored configuration).
 *
 * Order, so that a failure leaves nothing half-written:
 *   1. the whole archive is read and verified (structure, every file's SHA-256, the trailer's
 *      SHA-256 over everything) before anything is touched;
 *   2. the target directory is locked (a running node holds it: NODE_LOCKED) and must be empty
 *      (else TARGET_NOT_EMPTY; with `force` the old directory is moved aside to
 *      `<dir>.before-restore-<time>`, never deleted);
 *   3. the files are written, the store opened (PostgreSQL: its schema advisory lock, so a node
 *      running elsewhere on that schema makes this NODE_LOCKED) and must hold no node (else
 *      TARGET_NOT_EMPTY; with `force` its tables are emptied), and every table is loaded in ONE
 *      transaction, sequences moved past the restored ids;
 *   4. on any failure the transaction rolls back, the new directory is removed and the old one
 *      moved back.
 * The backup's schema version (its migrations) must be this FedGrid's: restore a backup with
 * the version that made it, then upgrade (docs/OPERATIONS.md, "Upgrade").
 */
import { createHash } from 'node:crypto';
import { access, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { sql } from 'kysely';
import { loadConfig, resolveDatabaseUrl, saveConfig } from '../config/config.js';
import { FedGridError } from '../errors/errors.js';
import { openStore, type Store } from '../storage/db.js';
import { PRIVATE_DIR_MODE, syncDir } from '../storage/files.js';
import { migrations } from '../storage/migrations/index.js';
import { lockNodeDir, type NodeLock } from '../storage/node-lock.js';
import {
  archiveLines,
  verifyArchive,
  type ArchiveSummary,
  type FileRecord,
} from './backup-archive.js';
import { DATA_PREFIX } from './backup.js';
import { loadRows, resetSequences, storeTables, truncateAll } from './store-dump.js';

export interface RestoreOptions {
  /** The backup file. */
  file: string;
  /** Node directory to restore into (created; must be empty unless `force`). */
  dir: string;
  /** PostgreSQL URL of the target store (default: environment, then the restored configuration). */
  databaseUrl?: string;
  /** PostgreSQL schema of the target store; written into the restored fedgrid.yaml. */
  databaseSchema?: string;
  /** Replace a node already in the target (its directory is moved aside, its tables emptied). */
  force?: boolean;
}

export interface RestoreResult {
  dir: string;
  nodeId: string;
  store: 'pglite' | 'postgres';
  tables: number;
  rows: number;
  files: number;
  /** Where the directory that was in the way went (`force`). */
  movedAside?: string;
  /** The backup's digest, as verified. */
  sha256: string;
}

/** A file path from the archive, checked to stay inside its root. */
function safePath(root: string, rel: string): string {
  const norm = normalize(rel);
  if (!rel || isAbsolute(rel) || norm.startsWith('..') || norm.split(sep).includes('..'))
    throw new FedGridError('BACKUP_CORRUPT', `the backup names an unsafe path '${rel}'`, {
      path: rel,
    });
  return join(root, norm);
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

/**
 * Restores the backup `opts.file` into `opts.dir` and its store.
 * @throws FedGridError BACKUP_CORRUPT, BACKUP_UNSUPPORTED, NODE_LOCKED, TARGET_NOT_EMPTY,
 *   NOT_FOUND; INTERNAL when the store cannot be opened or a table not loaded (rolled back).
 */
export async function restoreNode(opts: RestoreOptions): Promise<RestoreResult> {
  const file = resolve(opts.file);
  const summary = await verifyArchive(file);
  const known = Object.keys(migrations).sort();
  const theirs = summary.header.migrations;
  if (theirs.join(',') !== known.join(',')) {
    const newer = theirs.filter((m) => !known.includes(m));
    throw new FedGridError(
      'BACKUP_UNSUPPORTED',
      newer.length
        ? `${file} was made by a newer FedGrid (its store has migrations ${newer.join(', ')} that this version lacks): restore it with FedGrid ${summary.header.fedgridVersion}`
        : `${file} was made by an older FedGrid (${summary.header.fedgridVersion}, store at migration ${theirs[theirs.length - 1] ?? 'none'}): restore it with that version, then start the node with this one to upgrade it`,
      { backupMigrations: theirs.length, knownMigrations: known.length },
    );
  }
  const dir = resolve(opts.dir);
  let movedAside: string | undefined;
  let lock: NodeLock | undefined;
  let created = false;
  const undo = async () => {
    await lock?.release().catch(() => {});
    lock = undefined;
    if (created) await rm(dir, { recursive: true, force: true }).catch(() => {});
    if (movedAside) await rename(movedAside, dir).catch(() => {});
  };
  try {
    if (await exists(dir)) {
      lock = await lockNodeDir(dir);
      const entries = (await readdir(dir)).filter((e) => e !== 'node.lock');
      if (entries.length > 0) {
        if (!opts.force)
          throw new FedGridError(
            'TARGET_NOT_EMPTY',
            `${dir} is not empty (${entries.length} entries): restore into a new directory, or pass --force to move it aside to ${dir}.before-restore-<time> and restore in its place`,
            { dir },
          );
        movedAside = `${dir}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        await lock.release();
        lock = undefined;
        await rename(dir, movedAside);
      } else {
        await lock.release();
        lock = undefined;
      }
    }
    await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    created = true;
    lock = await lockNodeDir(dir);
    // Files first: the configuration says where the store is.
    await writeFiles(file, dir, undefined);
    if (opts.databaseSchema) {
      // The file alone (no environment overrides), so that only the schema changes in it.
      const file = await loadConfig(dir, {});
      if (opts.databaseSchema !== file.config.storage.databaseSchema) {
        file.config.storage.databaseSchema = opts.databaseSchema;
        await saveConfig(dir, file.config);
      }
    }
    const loaded = await loadConfig(dir);
    // Files of a data directory outside the node directory (archive paths under @data/).
    if (summary.files.some((f) => f.path.startsWith(DATA_PREFIX)))
      await writeFiles(file, dir, loaded.paths.dataDir);
    const databaseUrl = await resolveDatabaseUrl(loaded, opts.databaseUrl);
    const schema = opts.databaseSchema ?? loaded.config.storage.databaseSchema ?? 'public';
    const store = await openStore({
      dataDir: loaded.paths.dataDir,
      ...(databaseUrl ? { databaseUrl } : {}),
      databaseSchema: schema,
      lock: true,
    });
    let rows: number;
    try {
      rows = await loadTables(store, file, summary, opts.force === true);
    } finally {
      await store.close();
    }
    await lock.release();
    lock = undefined;
    await syncDir(dirname(dir));
    return {
      dir,
      nodeId: summary.header.nodeId,
      store: store.kind,
      tables: summary.tables.length,
      rows,
      files: summary.files.length,
      ...(movedAside ? { movedAside } : {}),
      sha256: summary.end.sha256,
    };
  } catch (err) {
    await undo();
    throw err;
  }
}

/**
 * Writes the archive's files: those of the node directory (`dataDir` undefined) or those of an
 * outside data directory (paths under @data/). Each is written to a temp name, checked against
 * its SHA-256, fsynced and renamed.
 */
async function writeFiles(file: string, dir: string, dataDir: string | undefined): Promise<void> {
  let current:
    | {
        rec: FileRecord;
        left: number;
        fh: Awaited<ReturnType<typeof open>>;
        tmp: string;
        final: string;
        hash: ReturnType<typeof createHash>;
      }
    | undefined;
  let skipRows = 0;
  let header = true;
  const finish = async () => {
    if (!current) return;
    const c = current;
    current = undefined;
    await c.fh.sync();
    await c.fh.close();
    if (c.hash.digest('hex') !== c.rec.sha256)
      throw new FedGridError(
        'BACKUP_CORRUPT',
        `${c.rec.path} in ${file} changed after it was verified`,
      );
    await rename(c.tmp, c.final);
  };
  try {
    for await (const { text } of archiveLines(file)) {
      if (header) {
        header = false;
        continue;
      }
      if (skipRows > 0) {
        skipRows--;
        continue;
      }
      if (current && current.left > 0) {
        const chunk = Buffer.from(text, 'base64');
        current.hash.update(chunk);
        await current.fh.write(chunk);
        current.left--;
        if (current.left === 0) await finish();
        continue;
      }
      const r = JSON.parse(text) as { kind: string; rows?: number };
      if (r.kind === 'table') skipRows = r.rows ?? 0;
      else if (r.kind === 'file') {
        const rec = r as unknown as FileRecord;
        const outside = rec.path.startsWith(DATA_PREFIX);
        if (outside !== (dataDir !== undefined)) {
          skipRows = rec.chunks;
          continue;
        }
        const final = outside
          ? safePath(dataDir!, rec.path.slice(DATA_PREFIX.length))
          : safePath(dir, rec.path);
        await mkdir(dirname(final), { recursive: true, mode: PRIVATE_DIR_MODE });
        const tmp = `${final}.restore-tmp`;
        const fh = await open(tmp, 'w', rec.mode & 0o777);
        await fh.chmod(rec.mode & 0o777);
        current = { rec, left: rec.chunks, fh, tmp, final, hash: createHash('sha256') };
        if (rec.chunks === 0) await finish();
      }
    }
  } finally {
    if (current) {
      await current.fh.close().catch(() => {});
      await rm(current.tmp, { force: true });
    }
  }
}

/** Loads every table of the archive in one transaction; returns the number of rows. */
async function loadTables(
  store: Store,
  file: string,
  summary: ArchiveSummary,
  force: boolean,
): Promise<number> {
  const BATCH = 2000;
  return store.db.transaction().execute(async (trx) => {
    const tables = await storeTables(trx);
    const missing = summary.tables.map((t) => t.name).filter((t) => !tables.includes(t));
    if (missing.length)
      throw new FedGridError(
        'BACKUP_UNSUPPORTED',
        `the backup holds tables this store lacks: ${missing.join(', ')}`,
      );
    const marker = await sql<{ id: string }>`select id from store_marker limit 1`.execute(trx);
    if (marker.rows.length > 0 && !force)
      throw new FedGridError(
        'TARGET_NOT_EMPTY',
        `the target store already holds a node (store ${marker.rows[0]!.id}): restore into an empty store (another PostgreSQL schema: --database-schema), or pass --force to replace its content`,
        { store: marker.rows[0]!.id },
      );
    // Also rows seeded by migrations: the backup has its own copy of them.
    await truncateAll(trx, tables);
    let table: string | undefined;
    let left = 0;
    let batch: string[] = [];
    let rows = 0;
    let header = true;
    for await (const { text } of archiveLines(file)) {
      if (header) {
        header = false;
        continue;
      }
      if (left > 0) {
        left--;
        if (table) {
          batch.push(text);
          rows++;
          if (batch.length >= BATCH || left === 0) {
            await loadRows(trx, table, batch);
            batch = [];
          }
        }
        continue;
      }
      const r = JSON.parse(text) as { kind: string; name?: string; rows?: number; chunks?: number };
      if (r.kind === 'table') {
        table = r.name;
        left = r.rows ?? 0;
      } else if (r.kind === 'file') {
        table = undefined;
        left = r.chunks ?? 0;
      }
    }
    await resetSequences(trx);
    return rows;
  });
}
