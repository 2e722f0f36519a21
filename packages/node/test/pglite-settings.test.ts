/**
 * The PostgreSQL settings an embedded store starts with (storage/pglite-settings.ts, issue 12):
 * in effect in a store made from the template, in one made without a template, and again when
 * an existing store is reopened.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../dist/storage/db.js';
import { PGLITE_SETTINGS } from '../dist/storage/pglite-settings.js';
import { TEST_DATABASE_URL } from './nodes.js';

const root = mkdtempSync(join(tmpdir(), 'fedgrid-pglite-settings-test-'));
const saved = process.env['FEDGRID_PGLITE_TEMPLATE_DIR'];
afterAll(() => {
  if (saved === undefined) delete process.env['FEDGRID_PGLITE_TEMPLATE_DIR'];
  else process.env['FEDGRID_PGLITE_TEMPLATE_DIR'] = saved;
  rmSync(root, { recursive: true, force: true });
});

/** Each of PGLITE_SETTINGS as the store's PostgreSQL reports it (`current_setting`). */
async function settingsOf(dataDir: string): Promise<Record<string, string>> {
  const store = await openStore({ dataDir });
  try {
    const out: Record<string, string> = {};
    for (const name of Object.keys(PGLITE_SETTINGS)) {
      const r = await sql<{ v: string }>`select current_setting(${name}) as v`.execute(store.db);
      out[name] = r.rows[0]!.v;
    }
    return out;
  } finally {
    await store.close();
  }
}

describe.skipIf(!!TEST_DATABASE_URL)('PGlite settings', () => {
  it('names wal_init_zero = off', () => {
    expect(PGLITE_SETTINGS).toMatchObject({ wal_init_zero: 'off' });
  });

  it('are in effect in a store made from the template and after it is reopened', async () => {
    const dir = join(root, 'from-template');
    expect(await settingsOf(dir)).toEqual(PGLITE_SETTINGS);
    expect(await settingsOf(dir)).toEqual(PGLITE_SETTINGS);
  });

  it('are in effect in a store made without a template', async () => {
    // A template folder others can read is refused, so the store is made by initdb.
    const open = join(root, 'open-folder');
    mkdirSync(open);
    chmodSync(open, 0o755);
    process.env['FEDGRID_PGLITE_TEMPLATE_DIR'] = open;
    try {
      expect(await settingsOf(join(root, 'no-template'))).toEqual(PGLITE_SETTINGS);
    } finally {
      if (saved === undefined) delete process.env['FEDGRID_PGLITE_TEMPLATE_DIR'];
      else process.env['FEDGRID_PGLITE_TEMPLATE_DIR'] = saved;
    }
  });
});
