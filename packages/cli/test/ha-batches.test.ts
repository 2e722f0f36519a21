/**
 * Issue 16 item 1, the heavy batches of one task split across the worker processes of a node,
 * with real processes on real PostgreSQL: the guest runs as one API replica and two workers
 * (one crypto thread each), the host as one process. Both parties hold 40,000 ids, half of them
 * common.
 *
 * (a) A PSI runs on one worker; its hash-and-blind and blinding batches are cut into chunks in
 *     `crypto_batches`, some run by that worker, some by the other (read from the table, not from
 *     timings), and the intersection is exact.
 * (c) A small SecureBoost job in which this node is the SecureBoost host (the single-process
 *     partner holds the labels): the host's encrypted bucket sums of the root levels are cut
 *     into chunks, some run by each worker (read from `crypto_batches`), and the job succeeds.
 *     That the bytes equal a single process's is checked on the kernels
 *     (packages/node/test/crypto-batches.test.ts); the model is not compared here.
 * (b) The worker helping with the batches is SIGKILLed while it holds a chunk: after the chunk's
 *     lease (4 s here) the worker running the task takes it back and runs it, the take-back is
 *     recorded (`reclaimed_from`), no chunk is recorded as run twice, and the intersection is
 *     exact again.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { JobView } from '@fedgrid/node';
import type { ClusterNode } from 'fedgrid';
import { permitAdhoc, waitFor } from './cluster-helpers.js';
import { HaNode, type HaWorker } from './ha-node.js';

const N = 40_000;
const terminal = (s: string) => ['succeeded', 'failed', 'stopped'].includes(s);
const ha = new HaNode('fedgrid_hab');
let replica: ClusterNode;
let host: ClusterNode;
let datasets: { guest: string; host: string; boostFeatures: string; boostLabels: string };
/** SecureBoost data: rows, and this node's features (rows × features ≥ 4 chunks of 32,768). */
const BOOST_ROWS = 6000;
const BOOST_FEATURES = 24;
const workers: HaWorker[] = [];
/** One crypto thread per worker and a short lease, so that the test waits little. */
const workerEnv = { FEDGRID_CRYPTO_THREADS: '1', FEDGRID_BATCH_LEASE_SECONDS: '4' };

async function csv(name: string, first: number): Promise<string> {
  const rows = ['id,x'];
  for (let i = first; i < first + N; i++) rows.push(`u${i},${i % 97}`);
  const path = join(await ha.cluster.dir(), name);
  await writeFile(path, rows.join('\n') + '\n');
  return path;
}

async function psi(): Promise<JobView> {
  return replica.api.post<JobView>('/v1/jobs', {
    parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }] },
    datasets: { guest: datasets.guest, 'host-0': datasets.host },
    tasks: [{ name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } }],
  });
}

async function finished(id: string): Promise<JobView> {
  return waitFor(async () => {
    const v = await replica.api.get<JobView>(`/v1/jobs/${id}`);
    return terminal(v.status) ? v : undefined;
  }, 540_000);
}

const intersection = (v: JobView) =>
  (v.results as Record<string, Record<string, { intersection: number }>>)['psi']?.['guest']
    ?.intersection;

interface Chunk {
  grp: string;
  part: number;
  state: string;
  worker: string;
  reclaimed_from: string | null;
  kind: string;
}

/** The chunks of batches dispatched by `owner` since `since` (the table's time). */
async function chunks(owner: string): Promise<Chunk[]> {
  const r = await ha.db.query<Chunk>(
    `select grp, part, state, worker, reclaimed_from, kind from crypto_batches
     where owner = $1 order by created_at, grp, part`,
    [owner],
  );
  return r.rows;
}

async function taskWorker(jobId: string): Promise<string> {
  const r = await ha.db.query<{ worker: string }>(
    `select worker from task_executions where job_id = $1 and party = 'guest'`,
    [jobId],
  );
  return r.rows[0]?.worker as string;
}

const pidOf = (name: string) => Number(name.split(':')[1]);

beforeAll(async () => {
  await ha.start();
  host = ha.host;
  const g = await ha.guestSetup.api.post<{ id: string }>('/v1/datasets', {
    name: 'g',
    path: await csv('guest.csv', 0),
  });
  const h = await host.api.post<{ id: string }>('/v1/datasets', {
    name: 'h',
    path: await csv('host.csv', N / 2),
  });
  await host.api.post('/v1/grants', { dataset: h.id, grantee: 'guest' });
  const dir = await ha.cluster.dir();
  const features = ['id', ...Array.from({ length: BOOST_FEATURES }, (_, j) => `x${j}`)];
  const labels = ['id,y,a'];
  const rows = [features.join(',')];
  for (let i = 0; i < BOOST_ROWS; i++) {
    const xs = Array.from({ length: BOOST_FEATURES }, (_, j) => ((i * (j + 7)) % 101) / 10);
    rows.push([`b${i}`, ...xs].join(','));
    labels.push(`b${i},${(xs[0] as number) + (xs[3] as number) > 10 ? 1 : 0},${i % 13}`);
  }
  await writeFile(join(dir, 'boost-x.csv'), rows.join('\n') + '\n');
  await writeFile(join(dir, 'boost-y.csv'), labels.join('\n') + '\n');
  const bx = await ha.guestSetup.api.post<{ id: string }>('/v1/datasets', {
    name: 'boost-x',
    path: join(dir, 'boost-x.csv'),
  });
  await ha.guestSetup.api.post('/v1/grants', { dataset: bx.id, grantee: 'host' });
  // The partner creates the SecureBoost job (it holds the labels): this node permits it.
  await permitAdhoc([ha.guestSetup], host);
  const by = await host.api.post<{ id: string }>('/v1/datasets', {
    name: 'boost-y',
    path: join(dir, 'boost-y.csv'),
    labelColumn: 'y',
  });
  datasets = { guest: g.id, host: h.id, boostFeatures: bx.id, boostLabels: by.id };
  await ha.endSetup();
  replica = (await ha.startReplica('guest-a')).node;
  workers.push(await ha.startWorker('guest-w1', workerEnv));
  workers.push(await ha.startWorker('guest-w2', workerEnv));
});

afterAll(() => ha.close());

test('(a) the batches of one PSI run on both workers; the intersection is exact', async () => {
  const job = await psi();
  const done = await finished(job.id);
  expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
  expect(intersection(done)).toBe(N / 2);
  const runner = await taskWorker(job.id);
  expect(runner).toMatch(/:worker$/);
  const rows = await chunks(runner);
  // Round 1 (hash and blind the guest's ids) and round 2 (blind the host's points), at least.
  expect(new Set(rows.map((c) => c.kind))).toEqual(new Set(['hashMultiply', 'x25519']));
  const byState = (s: string) => rows.filter((c) => c.state === s);
  // Every chunk ran exactly once: here (local) or on the other worker (done); none failed,
  // none was left queued, none taken back.
  expect(byState('local').length + byState('done').length).toBe(rows.length);
  expect(byState('local').every((c) => c.worker === runner)).toBe(true);
  const helpers = new Set(byState('done').map((c) => c.worker));
  expect(helpers.size).toBe(1);
  const [helper] = [...helpers];
  expect(helper).not.toBe(runner);
  expect(workers.map((w) => w.child.pid)).toContain(pidOf(helper as string));
  expect(byState('local').length).toBeGreaterThan(0);
  expect(rows.every((c) => c.reclaimed_from === null)).toBe(true);
});

test('(c) SecureBoost: the host bucket sums of this node run on both workers', async () => {
  // The partner is the SecureBoost guest (labels) and creates the job; this node, the host,
  // sums the histograms.
  const job = await host.api.post<JobView>('/v1/jobs', {
    parties: { guest: { node: 'host' }, hosts: [{ node: 'guest' }] },
    datasets: { guest: datasets.boostLabels, 'host-0': datasets.boostFeatures },
    tasks: [
      { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
      {
        name: 'train',
        component: 'secureboost',
        params: { trees: 1, maxDepth: 2, bins: 16, objective: 'binary' },
        inputs: { data: 'psi.data' },
      },
    ],
  });
  const done = await waitFor(async () => {
    const v = await host.api.get<JobView>(`/v1/jobs/${job.id}`);
    return terminal(v.status) ? v : undefined;
  }, 540_000);
  expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
  const r = await ha.db.query<Chunk & { owner: string }>(
    `select grp, part, state, worker, reclaimed_from, kind, owner from crypto_batches
     where kind = 'paillierBucketSum' order by created_at, grp, part`,
  );
  const rows = r.rows;
  const kinds = await ha.db.query<{ kind: string; n: string }>(
    'select kind, count(*) as n from crypto_batches group by kind',
  );
  expect(rows.length, `chunks by kind: ${JSON.stringify(kinds.rows)}`).toBeGreaterThanOrEqual(4);
  // One process ran the host's program and dispatched every bucket-sum batch.
  const owners = new Set(rows.map((c) => c.owner));
  expect(owners.size).toBe(1);
  const [owner] = [...owners];
  expect(owner).toMatch(/:worker$/);
  // Every chunk ran once, here or on the other worker, and both workers ran some.
  expect(rows.every((c) => c.state === 'local' || c.state === 'done')).toBe(true);
  expect(rows.filter((c) => c.state === 'local').every((c) => c.worker === owner)).toBe(true);
  const ran = new Set(rows.map((c) => pidOf(c.worker)));
  expect([...ran].sort()).toEqual(workers.map((w) => w.child.pid).sort());
});

test('(b) SIGKILL of the worker holding a chunk: the chunk is taken back, the PSI is exact', async () => {
  const before = new Set(
    (await ha.db.query<{ grp: string }>('select distinct grp from crypto_batches')).rows.map(
      (r) => r.grp,
    ),
  );
  // The first chunk another worker holds: kill that worker while it runs it. The worker is
  // stopped (SIGSTOP) before the chunk it holds is read again, so it cannot finish that chunk
  // between the read and the SIGKILL (a finished chunk is not taken back); the pause lets a
  // result already on its way to the database land before the second read. A job that ends
  // before a held chunk is caught (every chunk finished between a read and the stop) is left to
  // finish and the next PSI job gives the next chances: up to five jobs.
  type Held = { grp: string; part: number; worker: string; owner: string };
  let held: Held | undefined;
  let victim: (typeof workers)[number] | undefined;
  let job: JobView | undefined;
  for (let attempt = 0; attempt < 5 && !held; attempt++) {
    const submitted = await psi();
    job = submitted;
    for (;;) {
      const running = await waitFor(async () => {
        const r = await ha.db.query<Held>(
          `select grp, part, worker, owner from crypto_batches where state = 'running' limit 1`,
        );
        if (r.rows[0]) return r.rows[0];
        const v = await replica.api.get<JobView>(`/v1/jobs/${submitted.id}`);
        return terminal(v.status) ? ('ended' as const) : undefined;
      }, 300_000);
      if (running === 'ended') break;
      victim = workers.find((w) => w.child.pid === pidOf(running.worker));
      expect(victim, `no worker has pid ${pidOf(running.worker)}`).toBeDefined();
      victim?.child.kill('SIGSTOP');
      await new Promise((r) => setTimeout(r, 300));
      const still = await ha.db.query<Held>(
        `select grp, part, worker, owner from crypto_batches where state = 'running' and worker = $1 limit 1`,
        [running.worker],
      );
      held = still.rows[0];
      if (held) break;
      victim?.child.kill('SIGCONT');
    }
    if (!held) await finished(submitted.id);
  }
  if (!held || !job) throw new Error('no chunk held by another worker was caught in five PSI jobs');
  const caught = held;
  victim?.child.kill('SIGKILL');

  const done = await finished(job.id);
  expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
  expect(intersection(done)).toBe(N / 2);
  const rows = (await chunks(caught.owner)).filter((c) => !before.has(c.grp));
  const taken = rows.find((c) => c.grp === caught.grp && c.part === caught.part);
  expect(taken).toMatchObject({
    state: 'local',
    worker: caught.owner,
    reclaimed_from: caught.worker,
  });
  // Each chunk is one row with one outcome: taken back ones say so; nothing else ran twice.
  expect(rows.filter((c) => c.reclaimed_from !== null).every((c) => c.state === 'local')).toBe(
    true,
  );
  expect(rows.every((c) => c.state === 'local' || c.state === 'done')).toBe(true);
  expect(new Set(rows.map((c) => `${c.grp}/${c.part}`)).size).toBe(rows.length);
  // The take-back is in the log of the worker running the task, naming the dead worker.
  const runner = workers.find((w) => w.child.pid === pidOf(caught.owner));
  const logText = await readFile(join(runner?.dir as string, 'node.log'), 'utf8');
  const line = logText.split('\n').find((l) => l.includes('running it here'));
  expect(line).toContain(caught.worker);
});
