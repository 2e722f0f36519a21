/**
 * Upgrading a store to model versions (migration 0013; standard 000 §8.3: an upgrade keeps the
 * data): model parts written before versions existed become versions of their name — the name a
 * user gave them, else `<job name>.<task>` — numbered in the order they were created; the parts
 * of one job's task (several parties on one node) share one version; the parameters come from
 * the job's spec.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../dist/storage/db.js';
import { testStoreLocation } from './nodes.js';

const root = mkdtempSync(join(tmpdir(), 'fedgrid-versions-upgrade-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('migration 0013', () => {
  it('turns existing model parts into numbered versions of their names', async () => {
    const loc = testStoreLocation(join(root, 'upgrade'));
    try {
      const old = await openStore({ ...loc.options, migrateTo: '0012_store_marker' });
      const spec = (name: string, maxIter: number) =>
        JSON.stringify({
          name,
          tasks: [{ name: 'train', component: 'hetero-lr', params: { maxIter } }],
        });
      await sql`insert into jobs (id, initiator_node_id, spec, status) values
          ('job-a', 'bank', ${spec('credit', 5)}::jsonb, 'succeeded'),
          ('job-b', 'bank', ${spec('credit', 9)}::jsonb, 'succeeded')`.execute(old.db);
      const meta = JSON.stringify({ algorithm: 'hetero-lr' });
      await sql`insert into models (id, job_id, task_name, component, party, digest, file, meta,
            created_at, name) values
          ('model-job-a-train-guest', 'job-a', 'train', 'hetero-lr', 'guest', ${'a'.repeat(64)},
            'train.guest.model.json', ${meta}::jsonb, '2026-01-01T00:00:00Z', null),
          ('model-job-a-train-host-0', 'job-a', 'train', 'hetero-lr', 'host-0', ${'b'.repeat(64)},
            'train.host-0.model.json', ${meta}::jsonb, '2026-01-01T00:00:01Z', null),
          ('model-job-b-train-guest', 'job-b', 'train', 'hetero-lr', 'guest', ${'c'.repeat(64)},
            'train.guest.model.json', ${meta}::jsonb, '2026-01-02T00:00:00Z', null),
          ('model-job-c-train-guest', 'job-c', 'train', 'hetero-lr', 'guest', ${'d'.repeat(64)},
            'train.guest.model.json', ${meta}::jsonb, '2026-01-03T00:00:00Z', 'my model')`.execute(
        old.db,
      );
      await old.close();

      const store = await openStore(loc.options);
      try {
        const versions = await store.db
          .selectFrom('model_versions')
          .select(['name', 'version', 'job_id', 'task_name', 'attempt', 'algorithm', 'params'])
          .orderBy('name')
          .orderBy('version')
          .execute();
        expect(versions).toEqual([
          {
            name: 'credit.train',
            version: 1,
            job_id: 'job-a',
            task_name: 'train',
            attempt: 0,
            algorithm: 'hetero-lr',
            params: { maxIter: 5 },
          },
          {
            name: 'credit.train',
            version: 2,
            job_id: 'job-b',
            task_name: 'train',
            attempt: 0,
            algorithm: 'hetero-lr',
            params: { maxIter: 9 },
          },
          {
            name: 'my model',
            version: 1,
            job_id: 'job-c',
            task_name: 'train',
            attempt: 0,
            algorithm: 'hetero-lr',
            params: {},
          },
        ]);
        const parts = await store.db
          .selectFrom('models')
          .select(['id', 'version_name', 'version', 'attempt', 'digest'])
          .orderBy('id')
          .execute();
        expect(parts.map((p) => [p.id, p.version_name, p.version, p.attempt])).toEqual([
          ['model-job-a-train-guest', 'credit.train', 1, 0],
          ['model-job-a-train-host-0', 'credit.train', 1, 0],
          ['model-job-b-train-guest', 'credit.train', 2, 0],
          ['model-job-c-train-guest', 'my model', 1, 0],
        ]);
        expect(parts[0]?.digest).toBe('a'.repeat(64));
      } finally {
        await store.close();
      }
    } finally {
      await loc.drop();
    }
  });
});
