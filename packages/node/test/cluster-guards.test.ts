/**
 * The guards of a node run as several processes (issue 16 items 1–2), on PostgreSQL (they rely
 * on its advisory locks; PGlite serves one process and is not concerned):
 * - the scheduler lock: one leader at a time; when its session ends another takes over with a
 *   higher term;
 * - an execution is claimed by one worker only, however many try at once, and a run is ended or
 *   abandoned only by (or on behalf of) the worker that holds it;
 * - a worker is alive exactly while it holds its lock;
 * - the schema lock: replicas share it, a single-process node is kept out, and the other way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, dropStoreSchema, type Store } from '../dist/storage/db.js';
import { SchedulerLeader } from '../dist/cluster/scheduler-leader.js';
import { TaskExecutionsRepo } from '../dist/cluster/task-executions.repo.js';
import { holdWorkerLock, workerAlive } from '../dist/cluster/worker-liveness.js';
import { initNode } from '../dist/server/init.js';
import { startNode } from '../dist/server/start.js';
import { parseNodeRole } from '../dist/cluster/node-role.js';
import { TEST_DATABASE_URL } from './nodes.js';

const log = pino({ level: 'silent' });
const url = TEST_DATABASE_URL as string;

describe.skipIf(!TEST_DATABASE_URL)('guards of a node run as several processes', () => {
  const root = mkdtempSync(join(tmpdir(), 'fedgrid-cluster-guards-'));
  const schema = `fedgrid_test_${randomBytes(4).toString('hex')}_cluster`;
  let store: Store;
  beforeAll(async () => {
    store = await openStore({
      dataDir: root,
      databaseUrl: url,
      databaseSchema: schema,
      lock: 'shared',
    });
  });
  afterAll(async () => {
    await store?.close();
    await dropStoreSchema(url, schema);
    rmSync(root, { recursive: true, force: true });
  });

  it('one scheduler leads at a time; when its session ends another leads with a higher term', async () => {
    const events: string[] = [];
    const make = (holder: string) =>
      new SchedulerLeader({
        databaseUrl: url,
        schema,
        holder,
        pollSeconds: 0.2,
        log,
        onLead: async (term) => {
          events.push(`${holder}@${term}`);
        },
        onLose: (reason) => events.push(`${holder} lost: ${reason}`),
      });
    const a = make('a');
    const b = make('b');
    await a.start();
    await b.start();
    expect(a.isLeader()).toBe(true);
    expect(b.isLeader()).toBe(false);
    const first = a.currentTerm();
    // b keeps trying and never leads while a holds the lock.
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 200));
      expect(b.isLeader()).toBe(false);
    }
    await a.stop();
    const deadline = Date.now() + 30_000;
    while (!b.isLeader() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(b.isLeader()).toBe(true);
    expect(b.currentTerm()).toBe(first + 1);
    const row = await store.db.selectFrom('scheduler_leader').selectAll().executeTakeFirstOrThrow();
    expect(row.holder).toBe('b');
    expect(Number(row.term)).toBe(first + 1);
    await b.stop();
    expect(events).toEqual([`a@${first}`, `b@${first + 1}`]);
  });

  it('an execution is claimed by one worker only, and ended only by the worker holding it', async () => {
    const repo = new TaskExecutionsRepo(store.db);
    const ref = { jobId: 'job-x', task: 'scale', party: 'guest', attempt: 0 };
    const inserted = await store.db.transaction().execute((t) => repo.insertQueued(t, ref));
    expect(inserted).toBe(true);
    // The same execution queued twice: recorded once.
    expect(await store.db.transaction().execute((t) => repo.insertQueued(t, ref))).toBe(false);
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => repo.claim(ref, `w${i}`)));
    const winners = claims.filter((c) => c !== undefined);
    expect(winners).toEqual([1]);
    const [row] = await repo.ofJob('job-x');
    const holder = row!.worker!;
    // Another worker cannot end or abandon it; the holder can, once.
    expect(await repo.end(ref, holder === 'w0' ? 'w1' : 'w0', 'succeeded')).toBe(false);
    expect(await repo.end(ref, holder, 'abandoned', { code: 'WORKER_LOST', message: 'x' })).toBe(
      true,
    );
    expect(await repo.end(ref, holder, 'succeeded')).toBe(false);
    // Abandoned: claimable again, as run 2, by one worker.
    const again = await Promise.all([repo.claim(ref, 'w8'), repo.claim(ref, 'w9')]);
    expect(again.filter((c) => c !== undefined)).toEqual([2]);
    const [after] = await repo.ofJob('job-x');
    const history = after!.history as unknown as { worker: string; outcome?: string }[];
    expect(history.map((h) => h.outcome)).toEqual(['abandoned', undefined]);
    expect(history[0]!.worker).toBe(holder);
    expect(['w8', 'w9']).toContain(history[1]!.worker);
  });

  it('a worker is alive exactly while it holds its lock, and its name is its own', async () => {
    const name = `host:${process.pid}:worker-${randomBytes(3).toString('hex')}`;
    expect(await workerAlive(store.db, name)).toBe(false);
    const lost: string[] = [];
    const lock = await holdWorkerLock(url, name, (r) => lost.push(r));
    expect(await workerAlive(store.db, name)).toBe(true);
    await expect(holdWorkerLock(url, name, () => {})).rejects.toThrow(/in use/);
    await lock.release();
    expect(await workerAlive(store.db, name)).toBe(false);
    expect(lost).toEqual([]);
  });

  it('replicas share the schema lock; a single-process node and a replica exclude each other', async () => {
    // `store` holds the shared lock: another replica may open, a single process may not.
    const replica = await openStore({
      dataDir: root,
      databaseUrl: url,
      databaseSchema: schema,
      lock: 'shared',
    });
    await replica.close();
    await expect(
      openStore({ dataDir: root, databaseUrl: url, databaseSchema: schema, lock: true }),
    ).rejects.toMatchObject({ code: 'NODE_LOCKED', message: /single process/ });
    const other = `${schema}_single`;
    const single = await openStore({
      dataDir: root,
      databaseUrl: url,
      databaseSchema: other,
      lock: true,
    });
    try {
      await expect(
        openStore({ dataDir: root, databaseUrl: url, databaseSchema: other, lock: 'shared' }),
      ).rejects.toMatchObject({ code: 'NODE_LOCKED' });
    } finally {
      await single.close();
      await dropStoreSchema(url, other);
    }
  });
});

describe('node roles', () => {
  it('reads all, api and worker; anything else is refused naming where it came from', () => {
    expect(parseNodeRole(undefined, 'FEDGRID_ROLE')).toBe('all');
    expect(parseNodeRole('', 'FEDGRID_ROLE')).toBe('all');
    expect(parseNodeRole('worker', '--role')).toBe('worker');
    expect(() => parseNodeRole('boss', 'FEDGRID_ROLE')).toThrow(
      /FEDGRID_ROLE: unknown node role 'boss'; use one of all, api, worker/,
    );
  });

  it('refuses api and worker on the embedded PGlite store, which serves one process', async () => {
    const root = mkdtempSync(join(tmpdir(), 'fedgrid-role-pglite-'));
    try {
      await initNode({ dir: join(root, 'n'), id: 'n', apiPort: 0, dataPort: 0 });
      for (const role of ['api', 'worker'] as const)
        await expect(
          startNode({ dir: join(root, 'n'), role, listen: false, logLevel: 'silent' }),
        ).rejects.toMatchObject({
          code: 'VALIDATION_FAILED',
          message: expect.stringMatching(/PGlite store, which serves one process/),
        });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
