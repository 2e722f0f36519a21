/**
 * A cached, freshly migrated empty PGlite data directory. Creating an embedded store runs
 * PostgreSQL's initdb inside WebAssembly (≈ 4–5 s of CPU); loading a template dump takes ≈ 1.5 s.
 * The template is keyed by the PGlite version and the migration list, lives in the OS temp
 * directory (or FEDGRID_PGLITE_TEMPLATE_DIR) and holds no node data — only the empty schema.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, Migrator } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { migrationProvider, migrations } from './migrations/index.js';

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

function templatePath(): string {
  const key = createHash('sha256')
    .update(pgliteVersion())
    .update(Object.keys(migrations).join(','))
    .digest('hex')
    .slice(0, 16);
  return join(
    process.env.FEDGRID_PGLITE_TEMPLATE_DIR ?? join(tmpdir(), 'fedgrid'),
    `pglite-template-${key}.tar.gz`,
  );
}

/** The template dump, if one has been made on this machine. */
async function loadTemplate(): Promise<Blob | undefined> {
  try {
    return new Blob([await readFile(templatePath())]);
  } catch {
    return undefined;
  }
}

/**
 * Saves a dump of a freshly migrated, empty store as the template (atomically). Only dumps of an
 * in-memory store are used: dumps of a file-system store did not load back.
 */
async function saveTemplate(db: PGlite): Promise<void> {
  const path = templatePath();
  const dump = await db.dumpDataDir('gzip');
  await mkdir(join(path, '..'), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(tmp, Buffer.from(await dump.arrayBuffer()));
  await rename(tmp, path);
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
  if (await loadTemplate()) return;
  const pglite = new PGlite('memory://');
  const db = new Kysely<unknown>({ dialect: new PGliteDialect(pglite) });
  const { error } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  if (error) throw error;
  await saveTemplate(pglite);
  await db.destroy();
  if (!pglite.closed) await pglite.close();
}

/**
 * A new embedded store in `dir`, loaded from the template (made first if missing). A template
 * that does not load is discarded and made again.
 */
export async function createFromTemplate(dir: string): Promise<PGlite> {
  for (let attempt = 0; ; attempt++) {
    await ensurePgliteTemplate();
    const template = await loadTemplate();
    try {
      const db = new PGlite(dir, template ? { loadDataDir: template } : {});
      await db.waitReady;
      return db;
    } catch (err) {
      await rm(templatePath(), { force: true });
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      if (attempt >= 1) throw err;
    }
  }
}
