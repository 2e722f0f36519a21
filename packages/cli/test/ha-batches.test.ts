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
 * (d) Dealer-free mpc-statistics (Paillier triples, no arbiter), grouped by a key of the other
 *     party so that every value is multiplied with Beaver triples, once with this node as the
 *     guest (the Paillier key owner: its encryptions of a0, b0 are cut into chunks) and once as
 *     the host (its cross terms [[a0·b1 + b0·a1 + ρ]] are cut into chunks): some chunks of each
 *     run by each worker (read from `crypto_batches`), no decryption leaves the process running
 *     the task, and the result party's report equals the plaintext statistics.
 * (e) A HeteroLR job in which this node is the host (the single-process partner holds the labels,
 *     a third single-process node is the arbiter): the host's encrypted-gradient inner products
 *     Π [[d_i]]^{x_ij} are cut by rows into chunks, some run by each worker (read from
 *     `crypto_batches`), and both parties' models equal those of the same job with the host's
 *     features on a single-process node (the third node as host, this node as arbiter).
 * (b) The worker helping with the batches is SIGKILLed while it holds a chunk: after the chunk's
 *     lease (4 s here) the worker running the task takes it back and runs it, the take-back is
 *     recorded (`reclaimed_from`), no chunk is recorded as run twice, and the intersection is
 *     exact again.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { JobView } from '@fedgrid/node';
import { signContract, type ClusterNode } from 'fedgrid';
import { permitAdhoc, waitFor } from './cluster-helpers.js';
import { HaNode, type HaWorker } from './ha-node.js';

const N = 40_000;
const terminal = (s: string) => ['succeeded', 'failed', 'stopped'].includes(s);
const ha = new HaNode('fedgrid_hab');
let replica: ClusterNode;
let host: ClusterNode;
let datasets: {
  guest: string;
  host: string;
  boostFeatures: string;
  boostLabels: string;
  mpcHere: string;
  mpcThere: string;
};
/** MPC data: this node's ids m0..m149 with v, the partner's m30..m179 with w and a region. */
const mpcV = (i: number) => ((i * 37) % 101) - 50;
const mpcW = (i: number) => ((i * 13) % 71) / 7;
const mpcRegion = (i: number) => i % 2;
/** The HeteroLR arbiter of (e), a single-process node (it holds the host features of the reference run). */
let third: ClusterNode;
let lr: { labels: string; features: string; featuresOnThird: string };
/** HeteroLR data of (e): rows, and the host's features (a full batch: 3 row chunks of ≥ 1,024). */
const LR_ROWS = 4000;
const LR_FEATURES = 10;
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

/**
 * The chunks of `kind` in batches not in `before`, and the node's chunk counts by kind (for a
 * failure message).
 */
async function kindChunks(
  kind: string,
  before: Set<string> = new Set(),
): Promise<{ rows: (Chunk & { owner: string })[]; kinds: string }> {
  const r = await ha.db.query<Chunk & { owner: string }>(
    `select grp, part, state, worker, reclaimed_from, kind, owner from crypto_batches
     where kind = $1 order by created_at, grp, part`,
    [kind],
  );
  const kinds = await ha.db.query<{ kind: string; n: string }>(
    'select kind, count(*) as n from crypto_batches group by kind',
  );
  return { rows: r.rows.filter((c) => !before.has(c.grp)), kinds: JSON.stringify(kinds.rows) };
}

/**
 * One worker process ran the task and dispatched every chunk; each chunk ran once, there or on
 * the other worker, and both workers ran some.
 */
function expectOneDispatcherBothWorkers(rows: (Chunk & { owner: string })[]): void {
  const owners = new Set(rows.map((c) => c.owner));
  expect(owners.size).toBe(1);
  const [owner] = [...owners];
  expect(owner).toMatch(/:worker$/);
  expect(rows.every((c) => c.state === 'local' || c.state === 'done')).toBe(true);
  expect(rows.filter((c) => c.state === 'local').every((c) => c.worker === owner)).toBe(true);
  const ran = new Set(rows.map((c) => pidOf(c.worker)));
  expect([...ran].sort()).toEqual(workers.map((w) => w.child.pid).sort());
}

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
  const mv = ['id,v', ...Array.from({ length: 150 }, (_, i) => `m${i},${mpcV(i)}`)];
  const mw = ['id,w,region'];
  for (let i = 30; i < 180; i++) mw.push(`m${i},${mpcW(i)},${mpcRegion(i)}`);
  await writeFile(join(dir, 'mpc-v.csv'), mv.join('\n') + '\n');
  await writeFile(join(dir, 'mpc-w.csv'), mw.join('\n') + '\n');
  const mh = await ha.guestSetup.api.post<{ id: string }>('/v1/datasets', {
    name: 'mpc-v',
    path: join(dir, 'mpc-v.csv'),
  });
  await ha.guestSetup.api.post('/v1/grants', { dataset: mh.id, grantee: 'host' });
  const mt = await host.api.post<{ id: string }>('/v1/datasets', {
    name: 'mpc-w',
    path: join(dir, 'mpc-w.csv'),
  });
  await host.api.post('/v1/grants', { dataset: mt.id, grantee: 'guest' });
  datasets = {
    guest: g.id,
    host: h.id,
    boostFeatures: bx.id,
    boostLabels: by.id,
    mpcHere: mh.id,
    mpcThere: mt.id,
  };
  // (e): the labels and 3 features on the partner, 10 features on this node and the same file on
  // the third node (for the single-process reference run).
  third = await ha.cluster.launch('arbiter');
  await signContract(ha.guestSetup, third);
  await signContract(host, third);
  await permitAdhoc([third], host);
  const lrX = ['id', ...Array.from({ length: LR_FEATURES }, (_, j) => `h${j}`)];
  const lrY = ['id,y,g0,g1,g2'];
  const lrRows = [lrX.join(',')];
  for (let i = 0; i < LR_ROWS; i++) {
    const xs = Array.from({ length: LR_FEATURES }, (_, j) => (((i + 3) * (j + 5)) % 89) / 9 - 4);
    const gs = [(i % 23) / 5 - 2, ((i * 7) % 31) / 6, (i % 5) - 2];
    const score = (xs[0] as number) - 0.5 * (xs[4] as number) + (gs[0] as number) + Math.sin(i);
    lrRows.push([`r${i}`, ...xs.map((v) => v.toFixed(4))].join(','));
    lrY.push([`r${i}`, score > 0 ? 1 : 0, ...gs.map((v) => v.toFixed(4))].join(','));
  }
  await writeFile(join(dir, 'lr-x.csv'), lrRows.join('\n') + '\n');
  await writeFile(join(dir, 'lr-y.csv'), lrY.join('\n') + '\n');
  const lx = await ha.guestSetup.api.post<{ id: string }>('/v1/datasets', {
    name: 'lr-x',
    path: join(dir, 'lr-x.csv'),
  });
  await ha.guestSetup.api.post('/v1/grants', { dataset: lx.id, grantee: 'host' });
  const lx3 = await third.api.post<{ id: string }>('/v1/datasets', {
    name: 'lr-x',
    path: join(dir, 'lr-x.csv'),
  });
  await third.api.post('/v1/grants', { dataset: lx3.id, grantee: 'host' });
  const ly = await host.api.post<{ id: string }>('/v1/datasets', {
    name: 'lr-y',
    path: join(dir, 'lr-y.csv'),
    labelColumn: 'y',
  });
  lr = { labels: ly.id, features: lx.id, featuresOnThird: lx3.id };
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
  const { rows, kinds } = await kindChunks('paillierBucketSum');
  expect(rows.length, `chunks by kind: ${kinds}`).toBeGreaterThanOrEqual(4);
  // One process ran the host's program and dispatched every bucket-sum batch; every chunk ran
  // once, here or on the other worker, and both workers ran some.
  expectOneDispatcherBothWorkers(rows);
});

type Stats = { count: number; sum: number; mean: number; variance: number; std: number };
type Report = {
  groups: { key: Record<string, number>; count: number; stats: Record<string, Stats> }[];
};

/** Plaintext count, sum, mean, variance (divisor n) and std of `f` over the ids of `region`. */
function plain(f: (i: number) => number, region: number): Stats {
  const v: number[] = [];
  for (let i = 30; i < 150; i++) if (mpcRegion(i) === region) v.push(f(i));
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const variance = v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length;
  return { count: v.length, sum: mean * v.length, mean, variance, std: Math.sqrt(variance) };
}

/** The report equals the plaintext within §9.4 (2^-32 relative or < 1 absolute). */
function expectPlain(report: Report, cols: Record<string, (i: number) => number>): void {
  expect(report.groups).toHaveLength(2);
  for (const g of report.groups) {
    const region = g.key['region'] as number;
    for (const [ref, f] of Object.entries(cols)) {
      const want = plain(f, region);
      expect(g.count).toBe(want.count);
      const got = g.stats[ref] ?? g.stats[ref.split(':')[1]!];
      expect(got, `${ref} in ${Object.keys(g.stats).join(', ')}`).toBeDefined();
      for (const k of ['sum', 'mean', 'variance', 'std'] as const) {
        const err = Math.abs(got![k] - want[k]);
        expect(err <= 2 ** -32 * Math.abs(want[k]) || err < 1, `${ref} ${k}`).toBe(true);
        expect(err, `${ref} ${k} region ${region}`).toBeLessThan(1e-6);
      }
    }
  }
}

/** PSI, then dealer-free mpc-statistics of the two columns per region. */
function mpcTasks(columns: string[]) {
  return [
    {
      name: 'psi',
      component: 'psi-ecdh',
      inputs: { data: 'job.dataset' },
      params: { resultParties: 'all' },
    },
    {
      name: 'stats',
      component: 'mpc-statistics',
      inputs: { data: 'psi.data' },
      params: {
        columns,
        groupBy: ['region'],
        quantiles: [],
        minMax: false,
        bound: 100,
        triples: 'dealer-free',
      },
    },
  ];
}

/**
 * The chunks of `kind` dispatched by the process that ran this node's `stats` task of `jobId`
 * (batches not in `before`): at least two, each run once, here or by another worker.
 */
async function jobChunks(jobId: string, kind: string, before: Set<string>): Promise<Chunk[]> {
  const owner = await ha.db.query<{ worker: string }>(
    `select worker from task_executions where job_id = $1 and task_name = 'stats'
     order by attempt desc limit 1`,
    [jobId],
  );
  const runner = owner.rows[0]?.worker as string;
  expect(runner).toMatch(/:worker$/);
  const r = await ha.db.query<Chunk>(
    `select grp, part, state, worker, reclaimed_from, kind from crypto_batches
     where owner = $1 and kind = $2 order by created_at, grp, part`,
    [runner, kind],
  );
  r.rows = r.rows.filter((c) => !before.has(c.grp));
  expect(r.rows.length, `${kind} chunks of ${runner}`).toBeGreaterThanOrEqual(2);
  expect(r.rows.every((c) => c.state === 'local' || c.state === 'done')).toBe(true);
  expect(r.rows.filter((c) => c.state === 'local').every((c) => c.worker === runner)).toBe(true);
  return r.rows;
}

test('(d) dealer-free mpc-statistics: the Paillier triples of this node run on both workers, the report equals the plaintext', async () => {
  const before = new Set(
    (await ha.db.query<{ grp: string }>('select distinct grp from crypto_batches')).rows.map(
      (r) => r.grp,
    ),
  );
  // This node is the guest (party 0, the Paillier key owner and the result party).
  const job = await replica.api.post<JobView>('/v1/jobs', {
    parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }] },
    datasets: { guest: datasets.mpcHere, 'host-0': datasets.mpcThere },
    tasks: mpcTasks(['guest:v', 'host-0:w']),
  });
  const done = await finished(job.id);
  expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
  const mine = await replica.api.get<{ report: Report }>(
    `/v1/jobs/${job.id}/outputs/stats/guest/report`,
  );
  expectPlain(mine.report, { 'guest:v': mpcV, 'host-0:w': mpcW });
  const enc = await jobChunks(job.id, 'paillierEncryptRing', before);
  expect(new Set(enc.map((c) => pidOf(c.worker)))).toEqual(
    new Set(workers.map((w) => w.child.pid)),
  );

  // The partner is the guest; this node computes the cross terms as the host (party 1).
  const theirs = await host.api.post<JobView>('/v1/jobs', {
    parties: { guest: { node: 'host' }, hosts: [{ node: 'guest' }] },
    datasets: { guest: datasets.mpcThere, 'host-0': datasets.mpcHere },
    tasks: mpcTasks(['guest:w', 'host-0:v']),
  });
  const ended = await waitFor(async () => {
    const v = await host.api.get<JobView>(`/v1/jobs/${theirs.id}`);
    return terminal(v.status) ? v : undefined;
  }, 540_000);
  expect(ended.status, JSON.stringify(ended.error)).toBe('succeeded');
  const report = await host.api.get<{ report: Report }>(
    `/v1/jobs/${theirs.id}/outputs/stats/guest/report`,
  );
  expectPlain(report.report, { 'guest:w': mpcW, 'host-0:v': mpcV });
  const cross = await jobChunks(theirs.id, 'paillierGilboaCross', before);
  expect(new Set(cross.map((c) => pidOf(c.worker)))).toEqual(
    new Set(workers.map((w) => w.child.pid)),
  );
  // Decryption needs the job's private key: it never becomes a chunk.
  const dec = await ha.db.query(`select 1 from crypto_batches where kind = 'paillierDecrypt'`);
  expect(dec.rows).toHaveLength(0);
});

/** The job's model on `node` (one per party and task), as stored there. */
async function modelOf(
  node: ClusterNode,
  jobId: string,
): Promise<{ role: string; weights: number[]; intercept?: number }> {
  const { items } = await node.api.get<{ items: { id: string }[] }>(`/v1/models?job=${jobId}`);
  expect(items).toHaveLength(1);
  const m = await node.api.get<{
    content: { role: string; weights: number[]; intercept?: number };
  }>(`/v1/models/${items[0]!.id}`);
  return m.content;
}

/** A HeteroLR job created by the partner (the guest: labels), with `hostNode` as host. */
async function heteroLr(hostNode: string, arbiterNode: string, features: string): Promise<JobView> {
  const job = await host.api.post<JobView>('/v1/jobs', {
    parties: {
      guest: { node: 'host' },
      hosts: [{ node: hostNode }],
      arbiter: { node: arbiterNode },
    },
    datasets: { guest: lr.labels, 'host-0': features },
    tasks: [
      {
        name: 'train',
        component: 'hetero-lr',
        params: { maxIter: 3, batchSize: -1, tol: 0, keyBits: 2048 },
        inputs: { data: 'job.dataset' },
      },
    ],
  });
  return waitFor(async () => {
    const v = await host.api.get<JobView>(`/v1/jobs/${job.id}`);
    return terminal(v.status) ? v : undefined;
  }, 540_000);
}

test('(e) HeteroLR: the host inner products of this node run on both workers; same model as one process', async () => {
  const before = new Set(
    (await ha.db.query<{ grp: string }>('select distinct grp from crypto_batches')).rows.map(
      (r) => r.grp,
    ),
  );
  const done = await heteroLr('guest', 'arbiter', lr.features);
  expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
  const { rows, kinds } = await kindChunks('paillierInnerProduct', before);
  // Three full-batch epochs, each gradient 4,000 rows × 10 features: 3 row chunks each.
  expect(rows.length, `chunks by kind: ${kinds}`).toBe(9);
  expectOneDispatcherBothWorkers(rows);

  // The same job with the host's features on the single-process third node (this node the
  // arbiter): both parties' models are the very same numbers.
  const ref = await heteroLr('arbiter', 'guest', lr.featuresOnThird);
  expect(ref.status, JSON.stringify(ref.error)).toBe('succeeded');
  const hostModel = await modelOf(replica, done.id);
  expect(hostModel.role).toBe('host');
  expect(hostModel.weights).toHaveLength(LR_FEATURES);
  expect(hostModel.weights.some((v) => v !== 0)).toBe(true);
  expect(hostModel).toEqual(await modelOf(third, ref.id));
  expect(await modelOf(host, done.id)).toEqual(await modelOf(host, ref.id));
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
