/**
 * A cached, freshly migrated empty PGlite data directory. Creating an embedded store runs
 * PostgreSQL's initdb inside WebAssembly and every migration (≈ 13–15 s on a loaded 2-core
 * machine); loading a template dump takes ≈ 4 s — tests and demos start many nodes.
 *
 * The template decides what every new node's store starts with, so (issue #11 item 6):
 * - it lives in a folder private to this user — FEDGRID_PGLITE_TEMPLATE_DIR, or
 *   `fedgrid-<uid>` in the OS temp directory — which must be a real directory (not a link),
 *   owned by this uid, with no group or other permissions; otherwise no template is used;
 * - it is keyed by the PGlite version and the migrations' names and code (an edited migration
 *   makes a new template);
 * - a SHA-256 file written after it is checked before use;
 * - a store made from it must hold only the migrated schema — every table but the migration log
 *   empty, the migration log naming exactly the known migrations — or it is thrown away, with the
 *   template, and the store is made from scratch.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { lstat, mkdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, Migrator, type Migration } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { mkdirPrivate, writeFileAtomic } from './files.js';
import { migrationProvider, migrations } from './migrations/index.js';
import { pgliteStartParams } from './pglite-settings.js';

/** PGlite's version, from its package.json (which its "exports" do not expose). */
function pgliteVersion(): string {
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === '@electric-sql/pglite' && pkg.version) return pkg.version;
    } catch {
      // keep walking up
    }
  }
  return 'unknown';
}

/** The template's key: PGlite's version and each migration's name and code (hex, 16 chars). */
export function templateKey(migs: Record<string, Migration> = migrations): string {
  const h = createHash('sha256').update(pgliteVersion());
  for (const [name, m] of Object.entries(migs))
    h.update(`\0${name}\0${m.up.toString()}\0${m.down?.toString() ?? ''}`);
  return h.digest('hex').slice(0, 16);
}

/** The folder templates live in (it may not exist yet, or be unusable: see templateDir). */
export function templateFolder(): string {
  const uid = process.getuid?.() ?? 'user';
  return process.env['FEDGRID_PGLITE_TEMPLATE_DIR'] ?? join(tmpdir(), `fedgrid-${uid}`);
}

/** Path of the template dump for the current migrations. */
export function templatePath(): string {
  return join(templateFolder(), `pglite-template-${templateKey()}.tar.gz`);
}

/**
 * The template folder, created private if missing; or why it cannot be trusted: not a
 * directory (a link, a file), owned by another user, or open to group or others.
 */
export async function templateDir(): Promise<{ dir: string } | { problem: string }> {
  const dir = templateFolder();
  try {
    await mkdir(dirname(dir), { recursive: true });
    await mkdir(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
      return { problem: `cannot create ${dir}: ${(err as Error).message}` };
  }
  const s = await lstat(dir);
  if (!s.isDirectory()) return { problem: `${dir} is not a directory` };
  const uid = process.getuid?.();
  if (uid !== undefined && s.uid !== uid)
    return { problem: `${dir} belongs to uid ${s.uid}, not to this user (${uid})` };
  if (process.platform !== 'win32' && (s.mode & 0o077) !== 0)
    return { problem: `${dir} has mode ${(s.mode & 0o777).toString(8)}; only 700 is trusted` };
  return { dir };
}

const warned = new Set<string>();
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(`PGlite template not used: ${message}`);
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The template dump, if a trusted one whose checksum matches exists. */
async function loadTemplate(): Promise<Blob | undefined> {
  const where = await templateDir();
  if ('problem' in where) {
    warnOnce(where.problem);
    return undefined;
  }
  const path = templatePath();
  try {
    const [dump, sum] = await Promise.all([readFile(path), readFile(`${path}.sha256`, 'utf8')]);
    if (sha256(dump) !== sum.trim()) {
      await discardTemplate();
      return undefined;
    }
    return new Blob([dump]);
  } catch {
    return undefined;
  }
}

async function discardTemplate(): Promise<void> {
  const path = templatePath();
  await rm(`${path}.sha256`, { force: true });
  await rm(path, { force: true });
}

/**
 * Saves a dump of a freshly migrated, empty store as the template, then its checksum (each
 * written completely and atomically, mode 0600). Only dumps of an in-memory store are used:
 * dumps of a file-system store did not load back.
 */
async function saveTemplate(db: PGlite): Promise<void> {
  const where = await templateDir();
  if ('problem' in where) return warnOnce(where.problem);
  const path = templatePath();
  const dump = Buffer.from(await (await db.dumpDataDir('gzip')).arrayBuffer());
  await writeFileAtomic(path, dump);
  await writeFileAtomic(`${path}.sha256`, `${sha256(dump)}\n`);
}

/**
 * Makes sure the template exists (creating it in memory if needed); call before starting several
 * new nodes at once so that they do not all run initdb.
 */
export function ensurePgliteTemplate(): Promise<void> {
  // One build per process at a time: nodes started together share it.
  building ??= buildTemplate().finally(() => {
    building = undefined;
  });
  return building;
}

let building: Promise<void> | undefined;

async function buildTemplate(): Promise<void> {
  // No template can be kept in an untrusted folder: each store is then made from scratch.
  if ('problem' in (await templateDir())) return;
  if (await loadTemplate()) return;
  const pglite = new PGlite('memory://');
  const db = new Kysely<unknown>({ dialect: new PGliteDialect(pglite) });
  const { error } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  if (error) throw error;
  // A template that cannot be saved (full disk, untrusted folder) only costs speed.
  await saveTemplate(pglite).catch((err: Error) => warnOnce(`cannot save it: ${err.message}`));
  await db.destroy();
  if (!pglite.closed) await pglite.close();
}

/**
 * Why a store made from a template is not a bare migrated schema, or undefined if it is: every
 * table empty but the migration log, which names exactly the known migrations.
 */
export async function templateContentProblem(db: PGlite): Promise<string | undefined> {
  const tables = await db.query<{ schema: string; name: string }>(
    `select table_schema as schema, table_name as name from information_schema.tables
      where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`,
  );
  for (const t of tables.rows) {
    // The migration log, and Kysely's lock table (one row, always).
    if (
      t.schema === 'public' &&
      (t.name === 'kysely_migration' || t.name === 'kysely_migration_lock')
    )
      continue;
    const q = `select exists(select 1 from "${t.schema.replace(/"/g, '""')}"."${t.name.replace(/"/g, '""')}") as e`;
    if ((await db.query<{ e: boolean }>(q)).rows[0]?.e) return `table ${t.name} holds rows`;
  }
  const applied = await db.query<{ name: string }>(
    'select name from kysely_migration order by name',
  );
  const expected = Object.keys(migrations).sort();
  if (applied.rows.map((r) => r.name).join(',') !== expected.join(','))
    return 'its migration log is not the known migrations';
  return undefined;
}

/**
 * A new embedded store in `dir`, loaded from the template (made first if missing). A template
 * that does not load or holds anything but the empty schema is discarded, and the store is made
 * from scratch (initdb; the caller's migrations then run on it).
 */
export async function createFromTemplate(dir: string): Promise<PGlite> {
  await ensurePgliteTemplate();
  const template = await loadTemplate();
  if (template) {
    let db: PGlite | undefined;
    let problem: string | undefined;
    try {
      db = new PGlite(dir, { loadDataDir: template, startParams: pgliteStartParams() });
      await db.waitReady;
      problem = await templateContentProblem(db);
      if (!problem) return db;
    } catch (err) {
      problem = `it did not load: ${(err as Error).message}`;
    }
    process.emitWarning(`PGlite template ${templatePath()} discarded: ${problem}`);
    if (db && !db.closed) await db.close().catch(() => {});
    await discardTemplate();
    await rm(dir, { recursive: true, force: true });
    await mkdirPrivate(dir);
  }
  return new PGlite(dir, { startParams: pgliteStartParams() });
}
