/**
 * The store itself: it runs on the backend this test project asks for (PGlite, or PostgreSQL in a
 * schema of the node's own), and upgrading a node keeps its data (standard 000 §8.3): a store
 * written by the first release's schema is migrated to the latest on open, rows intact.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../dist/storage/db.js';
import { migrations } from '../dist/storage/migrations/index.js';
import { DatasetService } from '../dist/datasets/datasets.service.js';
import { GrantService } from '../dist/grants/grants.service.js';
import { TEST_DATABASE_URL, TestNodes, testStoreLocation } from './nodes.js';

const root = mkdtempSync(join(tmpdir(), 'fedgrid-store-test-'));
const nodes = new TestNodes();
afterAll(async () => {
  await nodes.close();
  rmSync(root, { recursive: true, force: true });
});

describe('backend', () => {
  it(`nodes run on ${TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, each with its own rows`, async () => {
    const [a, b] = await Promise.all([nodes.start('store-a'), nodes.start('store-b')]);
    for (const n of [a, b]) {
      const info = await n.ok<{ storage: string }>('GET', '/v1/node');
      expect(info.storage).toBe(TEST_DATABASE_URL ? 'postgres' : 'pglite');
    }
    await nodes.contract(a, b);
    const ca = await a.ok<{ items: { direction: string; peer: { nodeId: string } }[] }>(
      'GET',
      '/v1/contracts',
    );
    const cb = await b.ok<{ items: { direction: string; peer: { nodeId: string } }[] }>(
      'GET',
      '/v1/contracts',
    );
    // One contract, two copies: each node holds only its own side of it.
    expect(ca.items.map((c) => [c.direction, c.peer.nodeId])).toEqual([['outgoing', 'store-b']]);
    expect(cb.items.map((c) => [c.direction, c.peer.nodeId])).toEqual([['incoming', 'store-a']]);
  });

  it('refuses a schema name that is not a plain identifier, before touching the database', async () => {
    await expect(
      openStore({
        dataDir: join(root, 'bad'),
        databaseUrl: 'postgres://postgres@127.0.0.1:1/none',
        databaseSchema: 'x; drop table y',
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: /database schema/ });
  });
});

describe('upgrade', () => {
  it('a store of the first migration keeps its datasets and grants when migrated to the latest', async () => {
    const dataDir = join(root, 'upgrade');
    const loc = testStoreLocation(dataDir);
    try {
      const first = Object.keys(migrations)[0]!;
      const old = await openStore({ ...loc.options, migrateTo: first });
      const features = [{ name: 'x', type: 'float', min: 0, max: 1, mean: 0.5, missing: 0 }];
      await sql`insert into datasets (id, name, source_path, source_sha256, id_column, label_column,
          features, rows, visibility, snapshot_file)
        values ('ds-1', 'usage', '/data/usage.csv', ${'ab'.repeat(32)}, 'id', null,
          ${JSON.stringify(features)}::jsonb, 2, 'partners', 'ds-1.fgds')`.execute(old.db);
      await sql`insert into grants (id, dataset_id, grantee_node_id, max_uses, status)
        values ('g-1', 'ds-1', 'bank', 3, 'active')`.execute(old.db);
      const before = await sql<{ name: string }>`select name from kysely_migration`.execute(old.db);
      expect(before.rows.map((r) => r.name)).toEqual([first]);
      await old.close();

      const store = await openStore(loc.options);
      try {
        const applied = await sql<{
          name: string;
        }>`select name from kysely_migration order by name`.execute(store.db);
        expect(applied.rows.map((r) => r.name)).toEqual(Object.keys(migrations).sort());
        const datasets = new DatasetService(store.db, dataDir);
        expect(await datasets.get('ds-1')).toMatchObject({
          name: 'usage',
          rows: 2,
          idColumn: 'id',
          labelColumn: null,
          visibility: 'partners',
          features,
          updatedAt: null,
        });
        const grants = new GrantService(store.db, (id) => datasets.get(id));
        expect(await grants.get('g-1')).toMatchObject({
          datasetId: 'ds-1',
          grantee: 'bank',
          maxUses: 3,
          uses: 0,
          status: 'active',
          metered: false,
        });
        // The upgraded store works as a new one would: a use is counted.
        await grants.consume('ds-1', 'bank', 'job-1');
        expect((await grants.get('g-1')).uses).toBe(1);
      } finally {
        await store.close();
      }
    } finally {
      await loc.drop();
    }
  });
});

// Only where the store is PostgreSQL: PGlite holds one node per database, nothing to race with.
if (TEST_DATABASE_URL) {
  const url = TEST_DATABASE_URL;
  describe('shared PostgreSQL database', () => {
    it("opening a store is not disturbed by other schemas being dropped meanwhile (Kysely's all-schema scan raced with them)", async () => {
      // Two sessions create and drop schemas with tables, as other nodes' removal or a test's
      // cleanup would, while stores open (migrate) and introspect their own schema.
      let stop = false;
      const tag = randomBytes(3).toString('hex');
      const churn = async (w: number): Promise<number> => {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        let i = 0;
        try {
          while (!stop) {
            const s = `fedgrid_test_churn_${tag}_${w}_${i++ % 3}`;
            await c.query(`create schema ${s}; create table ${s}.t (id serial primary key, a int)`);
            await c.query(`drop schema ${s} cascade`);
          }
        } finally {
          await c.end();
        }
        return i;
      };
      const churners = [churn(0), churn(1)];
      const locations = Array.from({ length: 4 }, (_, k) =>
        testStoreLocation(join(root, `race-${k}`)),
      );
      try {
        for (const loc of locations) {
          const store = await openStore(loc.options);
          try {
            for (let k = 0; k < 40; k++) {
              const tables = await store.db.introspection.getTables({
                withInternalKyselyTables: true,
              });
              // Our schema's tables only, all of them.
              expect(new Set(tables.map((t) => t.schema))).toEqual(
                new Set([loc.options.databaseSchema]),
              );
              expect(tables.map((t) => t.name)).toEqual(
                expect.arrayContaining(['kysely_migration', 'contracts', 'datasets', 'jobs']),
              );
            }
          } finally {
            await store.close();
          }
        }
      } finally {
        stop = true;
        const rounds = await Promise.all(churners);
        await Promise.all(locations.map((l) => l.drop()));
        // The churn really ran alongside.
        expect(Math.min(...rounds)).toBeGreaterThan(10);
      }
    });
  });
}
