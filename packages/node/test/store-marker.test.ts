/**
 * A node's store deleted or replaced (issue #11 item 3): while running, the node reports itself
 * degraded and acknowledges no write; at restart it refuses a missing store (unless
 * `reinitialise`) and always refuses another node's store.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startNode } from '@fedgrid/node';
import { STORE_ID_FILE } from '../dist/storage/store-marker.js';
import { TEST_DATABASE_URL, TestNodes, type TestNode } from './nodes.js';

const root = mkdtempSync(join(tmpdir(), 'fedgrid-store-marker-'));
const nodes = new TestNodes();
afterAll(async () => {
  await nodes.close();
  rmSync(root, { recursive: true, force: true });
});

function csv(): string {
  const path = join(root, 'd.csv');
  writeFileSync(path, 'id,x,y\n1,0.5,1\n2,0.25,0\n3,0.75,1\n');
  return path;
}

/** Deletes the node's store as an operator's mistake would: the data directory, or the schema. */
async function deleteStore(n: TestNode): Promise<void> {
  await rm(n.node.config.paths.dataDir, { recursive: true, force: true });
  if (TEST_DATABASE_URL) {
    const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await c.connect();
    try {
      const schema = n.node.config.config.storage.databaseSchema!;
      // Emptied, not dropped: the node's own pool keeps working, only the data is gone.
      await c.query(`drop schema "${schema}" cascade; create schema "${schema}"`);
    } finally {
      await c.end();
    }
  }
}

describe('store deleted while running', () => {
  it('health turns degraded and writes are refused', async () => {
    const n = await nodes.start('marker-run');
    await n.ok('POST', '/v1/datasets', { name: 'before', path: csv(), labelColumn: 'y' });
    await rm(n.node.config.paths.dataDir, { recursive: true, force: true });

    const health = await n.call<{ status: string; storage: { problems: string[] } }>(
      'GET',
      '/v1/health',
    );
    expect(health.status).toBe(503);
    expect(health.body.status).toBe('degraded');
    expect(health.body.storage.problems.join(' ')).toMatch(/data directory was deleted/);
    const r = await n.call<{ code: string }>('POST', '/v1/datasets', {
      name: 'after',
      path: csv(),
      labelColumn: 'y',
    });
    expect(r.status).toBe(503);
    expect(r.body.code).toBe('STORAGE_UNAVAILABLE');
    // A write that touches only the database is refused too.
    const p = await n.call<{ code: string }>('POST', '/v1/job-permissions', {
      partner: 'someone',
      roles: ['host'],
      components: ['psi-ecdh'],
    });
    expect(p.status).toBe(503);
  });
});

describe('store missing at restart', () => {
  it('refuses to start on a recreated empty store unless told to reinitialise', async () => {
    const n = await nodes.start('marker-restart');
    await n.ok('POST', '/v1/datasets', { name: 'before', path: csv(), labelColumn: 'y' });
    const dir = n.node.config.dir;
    await n.node.close();
    await deleteStore(n);

    await expect(startNode({ dir, listen: false, logLevel: 'error' })).rejects.toMatchObject({
      code: 'STORE_MISSING',
      message: expect.stringContaining('--reinitialise'),
    });
    // Refused again, the same way (nothing was quietly adopted by the first attempt).
    await expect(startNode({ dir, listen: false, logLevel: 'error' })).rejects.toMatchObject({
      code: 'STORE_MISSING',
    });

    const before = readFileSync(join(dir, STORE_ID_FILE), 'utf8');
    const fresh = await startNode({ dir, listen: false, logLevel: 'error', reinitialise: true });
    try {
      expect(await fresh.services.datasets.list()).toEqual([]);
      expect(readFileSync(join(dir, STORE_ID_FILE), 'utf8')).not.toBe(before);
    } finally {
      await fresh.close();
    }
    // The new store is now the node's own: a plain restart works.
    const again = await startNode({ dir, listen: false, logLevel: 'error' });
    await again.close();
  });

  it("refuses another node's store", async () => {
    const [a, b] = await Promise.all([nodes.start('marker-a'), nodes.start('marker-b')]);
    await Promise.all([a.node.close(), b.node.close()]);
    // a's node directory now names b's store.
    const dirA = a.node.config.dir;
    writeFileSync(
      join(dirA, STORE_ID_FILE),
      readFileSync(join(b.node.config.dir, STORE_ID_FILE), 'utf8'),
    );
    for (const reinitialise of [false, true])
      await expect(
        startNode({ dir: dirA, listen: false, logLevel: 'error', reinitialise }),
      ).rejects.toMatchObject({ code: 'STORE_MISMATCH' });
  });
});
