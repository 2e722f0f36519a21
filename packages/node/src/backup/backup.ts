/**
 * `fedgrid node backup`: one file holding a node's whole state — every table of its store (one
 * consistent snapshot) and the files of its node directory (configuration, identity keys and
 * certificate, admin token, store id, dataset snapshots, model and output files, audit archives).
 *
 * Consistency: the tables are read in one REPEATABLE READ, READ ONLY transaction (PostgreSQL's
 * snapshot isolation: one point in time, writers not blocked), so a PostgreSQL-backed node is
 * backed up while it runs. The node writes a file completely before any row names it, and the
 * files are copied after the snapshot: every file the snapshot references already existed (a
 * file deleted in between is reported in `vanished`). The embedded PGlite store belongs to its
 * node's process, so a PGlite node is backed up while stopped (the node directory's lock is
 * held throughout; a running node makes this fail with NODE_LOCKED).
 *
 * Not copied: the node directory's lock and runtime files, temp files, the PGlite database
 * files (their rows are in the archive), and — unless `includeImports` — the directories
 * datasets are registered from (`datasets.allowedDirs`; the node reads its own snapshots).
 */
import { access, lstat, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { loadConfig, resolveDatabaseUrl } from '../config/config.js';
import { FedGridError } from '../errors/errors.js';
import { openStore } from '../storage/db.js';
import { syncDir } from '../storage/files.js';
import { lockNodeDir, type NodeLock } from '../storage/node-lock.js';
import { FEDGRID_VERSION } from '../version.js';
import {
  ArchiveWriter,
  BACKUP_FORMAT,
  BACKUP_VERSION,
  FILE_CHUNK_BYTES,
  type BackupHeader,
} from './backup-archive.js';
import { appliedMigrations, dumpTable, storeTables } from './store-dump.js';

/** Files of a node directory that are never backed up (per-process state). */
export const NOT_BACKED_UP = ['node.lock', 'runtime.json'];
/** Prefix of archive paths that live in a data directory outside the node directory. */
export const DATA_PREFIX = '@data/';

export interface BackupOptions {
  /** Node directory. */
  dir: string;
  /** Archive to write (must not exist). */
  out: string;
  /** PostgreSQL URL overriding the node's configuration (as `node start --database-url`). */
  databaseUrl?: string;
  databaseSchema?: string;
  /** Also copy the directories datasets are registered from. @default false */
  includeImports?: boolean;
}

export interface BackupResult {
  file: string;
  nodeId: string;
  store: 'pglite' | 'postgres';
  /** SHA-256 (hex) of the archive's content, as its end record holds it. */
  sha256: string;
  tables: number;
  rows: number;
  files: number;
  fileBytes: number;
  /** Files that disappeared between listing and copying (deleted by the running node). */
  vanished: string[];
  /** Size of the archive, bytes. */
  bytes: number;
}

function inside(parent: string, child: string): boolean {
  const r = relative(parent, child);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

/** Regular files under `root`, recursively, as paths relative to it ('/'-separated). */
async function listFiles(root: string, skip: (abs: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  const walk = async (abs: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(abs, e.name);
      if (skip(p)) continue;
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(relative(root, p).split(sep).join('/'));
    }
  };
  await walk(root);
  return out;
}

/**
 * Writes a backup of the node in `opts.dir` to `opts.out` (atomically: a partial file is never
 * left under that name).
 * @throws FedGridError NODE_LOCKED (a PGlite node that is running), STORE_MISSING (no store),
 *   CONFLICT (`out` exists), NOT_FOUND / VALIDATION_FAILED (configuration).
 */
export async function backupNode(opts: BackupOptions): Promise<BackupResult> {
  const loaded = await loadConfig(opts.dir);
  const { config, paths } = loaded;
  const out = resolve(opts.out);
  if (
    await access(out).then(
      () => true,
      () => false,
    )
  )
    throw new FedGridError('CONFLICT', `${out} exists: choose another file for the backup`, {
      file: out,
    });
  const databaseUrl = await resolveDatabaseUrl(loaded, opts.databaseUrl);
  const schema = opts.databaseSchema ?? config.storage.databaseSchema ?? 'public';
  let lock: NodeLock | undefined;
  if (!databaseUrl) {
    try {
      lock = await lockNodeDir(loaded.dir);
    } catch (err) {
      if (err instanceof FedGridError && err.code === 'NODE_LOCKED')
        throw new FedGridError(
          'NODE_LOCKED',
          `${err.message}. A node on the embedded store (PGlite) is backed up while it is stopped; on PostgreSQL backups run while the node runs.`,
          err.details,
        );
      throw err;
    }
    const pgVersion = join(paths.dataDir, 'pglite', 'PG_VERSION');
    if (
      !(await access(pgVersion).then(
        () => true,
        () => false,
      ))
    ) {
      await lock.release();
      throw new FedGridError(
        'STORE_MISSING',
        `node '${config.node.id}' has no embedded store in ${paths.dataDir}: nothing to back up`,
      );
    }
  }
  const partial = join(dirname(out), `.${basename(out)}.partial-${randomBytes(4).toString('hex')}`);
  let writer: ArchiveWriter | undefined;
  try {
    const store = await openStore({
      dataDir: paths.dataDir,
      ...(databaseUrl ? { databaseUrl } : {}),
      databaseSchema: schema,
    });
    writer = new ArchiveWriter(partial);
    let tables = 0;
    let rows = 0;
    try {
      await store.db
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute(async (trx) => {
          await sql`set transaction read only`.execute(trx);
          const marker = await sql<{
            id: string;
          }>`select id from store_marker limit 1`.execute(trx);
          const header: BackupHeader = {
            kind: 'header',
            format: BACKUP_FORMAT,
            version: BACKUP_VERSION,
            nodeId: config.node.id,
            createdAt: new Date().toISOString(),
            fedgridVersion: FEDGRID_VERSION,
            store: { kind: store.kind, schema, id: marker.rows[0]?.id ?? null },
            migrations: await appliedMigrations(trx),
          };
          await writer!.record(header);
          for (const name of await storeTables(trx)) {
            const count = await sql<{
              n: string;
            }>`select count(*)::text as n from ${sql.id(name)}`.execute(trx);
            const n = Number(count.rows[0]?.n ?? 0);
            await writer!.record({ kind: 'table', name, rows: n });
            const written = await dumpTable(trx, name, (j) => writer!.line(j));
            if (written !== n)
              throw new FedGridError(
                'INTERNAL',
                `table ${name} changed size within one snapshot (${n} counted, ${written} read)`,
              );
            tables++;
            rows += n;
          }
        });
    } finally {
      await store.close();
    }
    // Files, after the snapshot (see the file comment).
    const pgliteDir = join(paths.dataDir, 'pglite');
    const imports = opts.includeImports ? [] : paths.datasetDirs.map((d) => resolve(d));
    const skip = (abs: string) => {
      const name = basename(abs);
      return (
        abs === pgliteDir ||
        abs === partial ||
        abs === out ||
        (dirname(abs) === loaded.dir && NOT_BACKED_UP.includes(name)) ||
        name.startsWith(`${LOCK_PREFIX}`) ||
        /\.tmp(-|$)/.test(name) ||
        imports.some((d) => abs === d)
      );
    };
    const roots: { prefix: string; abs: string }[] = [{ prefix: '', abs: loaded.dir }];
    if (!inside(loaded.dir, paths.dataDir)) roots.push({ prefix: DATA_PREFIX, abs: paths.dataDir });
    let files = 0;
    let fileBytes = 0;
    const vanished: string[] = [];
    for (const root of roots) {
      for (const rel of await listFiles(root.abs, skip)) {
        const copied = await copyFile(writer, join(root.abs, rel), root.prefix + rel);
        if (copied === undefined) vanished.push(root.prefix + rel);
        else {
          files++;
          fileBytes += copied;
        }
      }
    }
    const end = await writer.end({ tables, files });
    writer = undefined;
    const fh = await open(partial, 'r');
    const bytes = (await fh.stat()).size;
    await fh.sync();
    await fh.close();
    await rename(partial, out);
    await syncDir(dirname(out));
    return {
      file: out,
      nodeId: config.node.id,
      store: databaseUrl ? 'postgres' : 'pglite',
      sha256: end.sha256,
      tables,
      rows,
      files,
      fileBytes,
      vanished,
      bytes,
    };
  } catch (err) {
    await writer?.abort();
    await rm(partial, { force: true });
    throw err;
  } finally {
    await lock?.release();
  }
}

/** Lock files left aside while a stale lock is taken over (node-lock.ts). */
const LOCK_PREFIX = 'node.lock.';

/**
 * Copies one file into the archive: its record (size, mode, SHA-256 computed first), then its
 * content in base64 lines. Returns its size, or undefined when it vanished meanwhile.
 */
async function copyFile(
  writer: ArchiveWriter,
  abs: string,
  path: string,
): Promise<number | undefined> {
  let fh;
  try {
    const st = await lstat(abs);
    if (!st.isFile()) return undefined;
    fh = await open(abs, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    // Two reads of one open handle: the digest first (the record precedes the content), then the
    // content. Files the node writes are replaced by rename, never changed in place, so the
    // handle's content is stable; the second read is checked against the first anyway.
    const st = await fh.stat();
    const read = async (onChunk: (c: Buffer) => Promise<void>) => {
      const hash = createHash('sha256');
      let size = 0;
      let chunks = 0;
      const buf = Buffer.alloc(FILE_CHUNK_BYTES);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, FILE_CHUNK_BYTES, size);
        if (bytesRead === 0) break;
        const chunk = buf.subarray(0, bytesRead);
        hash.update(chunk);
        await onChunk(chunk);
        size += bytesRead;
        chunks++;
      }
      return { size, chunks, sha256: hash.digest('hex') };
    };
    const first = await read(async () => {});
    await writer.record({ kind: 'file', path, mode: st.mode & 0o777, ...first });
    const second = await read((c) => writer.line(c.toString('base64')));
    if (second.sha256 !== first.sha256 || second.size !== first.size)
      throw new FedGridError(
        'INTERNAL',
        `${abs} changed while it was being backed up (it should only ever be replaced whole); run the backup again`,
      );
    return first.size;
  } finally {
    await fh.close();
  }
}
