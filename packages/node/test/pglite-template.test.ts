/**
 * The PGlite template every new embedded store starts from (issue #11 item 6): a template planted
 * by someone else — in a folder open to others, or one that holds rows — never reaches a node,
 * and an edited migration makes a new template.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, Migrator, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../dist/storage/db.js';
import { migrationProvider, migrations } from '../dist/storage/migrations/index.js';
import {
  ensurePgliteTemplate,
  templateKey,
  templatePath,
} from '../dist/storage/pglite-template.js';
import { TEST_DATABASE_URL } from './nodes.js';

const root = mkdtempSync(join(tmpdir(), 'fedgrid-template-test-'));
const saved = process.env['FEDGRID_PGLITE_TEMPLATE_DIR'];
afterAll(() => {
  if (saved === undefined) delete process.env['FEDGRID_PGLITE_TEMPLATE_DIR'];
  else process.env['FEDGRID_PGLITE_TEMPLATE_DIR'] = saved;
  rmSync(root, { recursive: true, force: true });
});

/** A migrated store holding an active contract with a party nobody approved, as a dump. */
let planted: Buffer;
beforeAll(async () => {
  if (TEST_DATABASE_URL) return;
  const pglite = new PGlite('memory://');
  const db = new Kysely<unknown>({ dialect: new PGliteDialect(pglite) });
  const { error } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  if (error) throw error;
  await sql`insert into contracts (id, peer_node_id, peer_name, peer_api_url, peer_data_address,
      peer_cert_pem, peer_fingerprint, direction, status, auth_method, valid_until)
    values ('ct-planted', 'mallory', 'Mallory', 'https://mallory', 'mallory:1', 'pem', 'ff',
      'incoming', 'active', 'certificate', now() + interval '1 year')`.execute(db);
  planted = Buffer.from(await (await pglite.dumpDataDir('gzip')).arrayBuffer());
  await db.destroy();
}, 120_000);

/** Plants the dump (with a matching checksum) where new nodes look for the template. */
function plant(folder: string, mode: number): void {
  mkdirSync(folder, { recursive: true });
  chmodSync(folder, mode);
  process.env['FEDGRID_PGLITE_TEMPLATE_DIR'] = folder;
  writeFileSync(templatePath(), planted);
  writeFileSync(
    `${templatePath()}.sha256`,
    createHash('sha256').update(planted).digest('hex') + '\n',
  );
}

async function contractsOfNewStore(name: string): Promise<number> {
  const store = await openStore({ dataDir: join(root, name) });
  try {
    const r = await sql<{ n: number }>`select count(*)::int as n from contracts`.execute(store.db);
    return r.rows[0]!.n;
  } finally {
    await store.close();
  }
}

describe.skipIf(!!TEST_DATABASE_URL)('PGlite template', () => {
  it('is keyed by the migrations’ code, not only their names', () => {
    const first = Object.keys(migrations)[0]!;
    const edited = {
      ...migrations,
      [first]: { ...migrations[first]!, up: async () => {} },
    };
    expect(templateKey(edited)).not.toBe(templateKey(migrations));
    expect(templateKey({ ...migrations })).toBe(templateKey(migrations));
  });

  it('is not used from a folder others can write', async () => {
    plant(join(root, 'shared'), 0o777);
    expect(await contractsOfNewStore('from-shared')).toBe(0);
  });

  it('is discarded when it holds rows, even in a private folder with a matching checksum', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      plant(join(root, 'private'), 0o700);
      expect(await contractsOfNewStore('from-private')).toBe(0);
      expect(existsSync(templatePath())).toBe(false);
      // Let the warning event (emitted on the next tick) arrive.
      await new Promise((r) => setImmediate(r));
      expect(warnings.join('\n')).toMatch(/table contracts holds rows/);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('a clean template in a private folder is made, checked and used', async () => {
    process.env['FEDGRID_PGLITE_TEMPLATE_DIR'] = join(root, 'clean');
    await ensurePgliteTemplate();
    expect(existsSync(templatePath())).toBe(true);
    expect(existsSync(`${templatePath()}.sha256`)).toBe(true);
    expect(await contractsOfNewStore('from-clean')).toBe(0);
    // Still there: it passed the content check.
    expect(existsSync(templatePath())).toBe(true);
  });
});
