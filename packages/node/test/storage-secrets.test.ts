/**
 * Secrets at rest (issue #11 item 5): whatever the umask, a node's directories are 0700 and its
 * files 0600, and a database password never lands in fedgrid.yaml.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  dropStoreSchema,
  initNode,
  loadConfig,
  resolveDatabaseUrl,
  startNode,
  DATABASE_URL_FILE,
} from '@fedgrid/node';
import { TEST_DATABASE_URL, TestNodes } from './nodes.js';

const root = mkdtempSync(join(tmpdir(), 'fedgrid-secrets-'));
const nodes = new TestNodes();
afterAll(async () => {
  await nodes.close();
  rmSync(root, { recursive: true, force: true });
});

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe('file modes', () => {
  it('a node made and run under umask 000 keeps every directory 0700 and file 0600', async () => {
    const old = process.umask(0);
    try {
      const n = await nodes.start('secrets-modes');
      const { dir, paths } = n.node.config;
      const csv = join(root, 'd.csv');
      writeFileSync(csv, 'id,x,y\n1,0.5,1\n2,0.25,0\n3,0.75,1\n');
      const ds = await n.ok<{ id: string }>('POST', '/v1/datasets', {
        name: 'd',
        path: csv,
        labelColumn: 'y',
      });
      const dirs = [dir, join(dir, 'identity'), paths.dataDir, join(paths.dataDir, 'datasets')];
      if (!TEST_DATABASE_URL) dirs.push(join(paths.dataDir, 'pglite'));
      const files = [
        join(dir, 'fedgrid.yaml'),
        paths.key,
        paths.cert,
        paths.adminToken,
        join(paths.dataDir, 'datasets', `${ds.id}.fgds`),
      ];
      expect(Object.fromEntries([...dirs, ...files].map((p) => [p, mode(p)]))).toEqual(
        Object.fromEntries([...dirs.map((p) => [p, '700']), ...files.map((p) => [p, '600'])]),
      );
    } finally {
      process.umask(old);
    }
  });
});

describe('database password', () => {
  it('comes from FEDGRID_DATABASE_URL first, then storage.databaseUrlFile, then fedgrid.yaml', async () => {
    const loaded = {
      dir: root,
      config: { storage: { databaseUrl: 'postgres://u@yaml/db', databaseUrlFile: 'url' } },
      paths: {},
    } as unknown as Parameters<typeof resolveDatabaseUrl>[0];
    writeFileSync(join(root, 'url'), 'postgres://u:pw@file/db\n', { mode: 0o600 });
    expect(await resolveDatabaseUrl(loaded, undefined, {})).toBe('postgres://u:pw@file/db');
    expect(
      await resolveDatabaseUrl(loaded, undefined, {
        FEDGRID_DATABASE_URL: 'postgres://u:pw@env/db',
      }),
    ).toBe('postgres://u:pw@env/db');
    expect(
      await resolveDatabaseUrl(loaded, 'postgres://flag/db', {
        FEDGRID_DATABASE_URL: 'postgres://u:pw@env/db',
      }),
    ).toBe('postgres://flag/db');
  });

  it.skipIf(!TEST_DATABASE_URL)(
    '`node init --database-url` with a password keeps it in a 0600 file, not in fedgrid.yaml',
    async () => {
      const url = new URL(TEST_DATABASE_URL!);
      url.password = 'pw-must-not-leak';
      const schema = `fedgrid_test_${randomBytes(4).toString('hex')}_secret`;
      const dir = join(root, 'pg-node');
      try {
        await initNode({ dir, id: 'pg-node', databaseUrl: url.toString(), databaseSchema: schema });
        const yaml = readFileSync(join(dir, 'fedgrid.yaml'), 'utf8');
        expect(yaml).not.toContain('pw-must-not-leak');
        const file = join(dir, DATABASE_URL_FILE);
        expect(mode(file)).toBe('600');
        expect(readFileSync(file, 'utf8').trim()).toBe(url.toString());
        expect((await loadConfig(dir)).config.storage.databaseUrlFile).toBe(DATABASE_URL_FILE);
        // The node starts on the URL from the file.
        const node = await startNode({ dir, listen: false, logLevel: 'error' });
        try {
          expect(node.services.store.kind).toBe('postgres');
        } finally {
          await node.close();
        }
      } finally {
        await dropStoreSchema(TEST_DATABASE_URL!, schema);
      }
    },
  );
});
