/**
 * Issue 16 items 1–2 with real processes on real PostgreSQL: one node (the guest) run as two API
 * replicas and two workers on a fresh database, behind one address (a TCP proxy standing in for
 * the load balancer; every replica holds the node's one certificate), with a single-process
 * partner (the host).
 *
 * (a) SIGKILL of the replica leading the scheduler: the other replica takes the lead (a new term
 *     in scheduler_leader, held by its process); the job the dead leader was running fails
 *     cleanly (SCHEDULER_FAILOVER, on both nodes); a job submitted afterwards runs — its guest
 *     part on a worker — and the job that ran before the kill stays recorded.
 * (b) SIGKILL of the worker running a task: the leader records the lost run (abandoned, with the
 *     worker's name, in the execution's history and as a job event), another worker runs it again
 *     and the job succeeds; what was acknowledged before the kill is still there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { JobView } from '@fedgrid/node';
import { launchNode, signContract, type ClusterNode, type JobEvent } from 'fedgrid';
import { EXAMPLES, freePort, permitAdhoc, TestCluster, waitFor } from './cluster-helpers.js';
import { TcpFailoverProxy } from './tcp-failover-proxy.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const SAMPLES = join(EXAMPLES, 'fate');
const BASE_URL = process.env['FEDGRID_POSTGRES_URL'] || 'postgres://postgres@127.0.0.1:5432/test';
const terminal = (s: string) => ['succeeded', 'failed', 'stopped'].includes(s);

const cluster = new TestCluster();
const apiProxy = new TcpFailoverProxy();
const dataProxy = new TcpFailoverProxy();
const workers: ChildProcess[] = [];
let dbName: string;
let dbUrl: string;
let db: pg.Client;
let guestDir: string;
let host: ClusterNode;
let datasets: { small: string; big: string; host: string };
/** The ports of the guest's first, single process (set-up only). */
const setupPorts = { api: 0, data: 0 };

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: BASE_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A copy of the guest's node directory (its identity and config) for one more process. */
async function nodeCopy(name: string): Promise<string> {
  const dir = join(await cluster.dir(), name);
  await cp(guestDir, dir, {
    recursive: true,
    filter: (src) => !src.startsWith(join(guestDir, 'data')) && !src.endsWith('node.log'),
  });
  return dir;
}

/** Every process of the guest shares its data directory (outputs, snapshots) and database. */
const sharedEnv = () => ({ FEDGRID_DATA_DIR: join(guestDir, 'data') });

async function startReplica(
  name: string,
): Promise<{ node: ClusterNode; apiPort: number; dataPort: number }> {
  await nodeCopy(name);
  const [apiPort, dataPort] = [await freePort(), await freePort()];
  // Behind the node's one address from the start (the launcher asks the node through it).
  apiProxy.backends = [...apiProxy.backends.filter((p) => p !== setupPorts.api), apiPort];
  dataProxy.backends = [...dataProxy.backends.filter((p) => p !== setupPorts.data), dataPort];
  const node = await launchNode(await cluster.dir(), name, {
    existing: true,
    env: {
      ...sharedEnv(),
      FEDGRID_ROLE: 'api',
      FEDGRID_API_PORT: String(apiPort),
      FEDGRID_DATA_PORT: String(dataPort),
    },
  });
  cluster.nodes.push(node);
  return { node, apiPort, dataPort };
}

async function startWorker(name: string): Promise<ChildProcess> {
  const dir = await nodeCopy(name);
  const child = spawn(
    process.execPath,
    [BIN, 'node', 'start', '--dir', dir, '--role', 'worker', '--log-file', join(dir, 'node.log')],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...sharedEnv() } },
  );
  workers.push(child);
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('taking task executions')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker ${name} exited (${code}): ${err}`)));
  });
  return child;
}

async function leader(): Promise<{ holder: string; term: number } | undefined> {
  const r = await db.query<{ holder: string; term: string }>(
    'select holder, term::text from scheduler_leader where id = 1',
  );
  const row = r.rows[0];
  return row ? { holder: row.holder, term: Number(row.term) } : undefined;
}

const pidOf = (holder: string) => Number(holder.split(':')[1]);

async function runJob(api: ClusterNode['api'], guestDataset: string): Promise<JobView> {
  return api.post<JobView>('/v1/jobs', {
    parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }] },
    datasets: { guest: guestDataset, 'host-0': datasets.host },
    tasks: [{ name: 'scale', component: 'scale', inputs: { data: 'job.dataset' } }],
  });
}

async function finished(api: ClusterNode['api'], id: string): Promise<JobView> {
  return waitFor(async () => {
    const v = await api.get<JobView>(`/v1/jobs/${id}`);
    return terminal(v.status) ? v : undefined;
  }, 300_000);
}

interface Execution {
  state: string;
  runs: number;
  worker: string | null;
  history: { worker: string; outcome?: string; error?: { code: string } }[];
}

async function executions(jobId: string): Promise<Execution[]> {
  const r = await db.query<Execution>(
    `select state, runs, worker, history from task_executions where job_id = $1 and party = 'guest'`,
    [jobId],
  );
  return r.rows;
}

beforeAll(async () => {
  dbName = `fedgrid_ha_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`create database ${dbName}`));
  dbUrl = withDatabase(BASE_URL, dbName);
  db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  const [apiAddr, dataAddr] = [await apiProxy.listen(), await dataProxy.listen()];
  // The guest, first as one process, to set it up; it advertises the proxies' addresses.
  const [apiPort, dataPort] = [await freePort(), await freePort()];
  apiProxy.backends = [apiPort];
  dataProxy.backends = [dataPort];
  Object.assign(setupPorts, { api: apiPort, data: dataPort });
  const single = await cluster.launch('guest', {
    apiPort,
    dataPort,
    databaseUrl: dbUrl,
    config: {
      advertise: { apiUrl: `https://127.0.0.1:${apiAddr}`, dataAddress: `127.0.0.1:${dataAddr}` },
    },
  });
  guestDir = single.dir;
  host = await cluster.launch('host');
  await signContract(single, host);
  await permitAdhoc([host], single);
  // A large table for the guest, so that its scaling is still running when its worker is killed.
  const rows = ['id,' + Array.from({ length: 12 }, (_, k) => `x${k}`).join(',')];
  for (let i = 0; i < 400_000; i++)
    rows.push(`${i},` + Array.from({ length: 12 }, (_, k) => ((i * (k + 7)) % 1000) / 7).join(','));
  const bigCsv = join(await cluster.dir(), 'big_guest.csv');
  await writeFile(bigCsv, rows.join('\n') + '\n');
  const small = await single.api.post<{ id: string }>('/v1/datasets', {
    name: 'g',
    path: join(SAMPLES, 'breast_hetero_guest.csv'),
    labelColumn: 'y',
  });
  const big = await single.api.post<{ id: string }>('/v1/datasets', { name: 'big', path: bigCsv });
  const h = await host.api.post<{ id: string }>('/v1/datasets', {
    name: 'h',
    path: join(SAMPLES, 'breast_hetero_host.csv'),
  });
  await host.api.post('/v1/grants', { dataset: h.id, grantee: 'guest' });
  datasets = { small: small.id, big: big.id, host: h.id };
  await single.stop();
  cluster.nodes.splice(cluster.nodes.indexOf(single), 1);
});

afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await cluster.close();
  await apiProxy.close();
  await dataProxy.close();
  await db?.end().catch(() => {});
  if (dbName)
    await admin((c) => c.query(`drop database if exists ${dbName} with (force)`)).catch(() => {});
});

let replicaB: ClusterNode;
let firstJob: string;

test('(a) SIGKILL of the leading replica: the other leads, and a job submitted afterwards runs', async () => {
  const a = await startReplica('guest-a');
  const leadA = await waitFor(async () => {
    const l = await leader();
    return l && pidOf(l.holder) === a.node.process.pid ? l : undefined;
  }, 60_000);
  const b = await startReplica('guest-b');
  replicaB = b.node;
  expect(apiProxy.backends).toEqual([a.apiPort, b.apiPort]);
  await startWorker('guest-w1');

  // Through the node's one address; the guest's part runs on the worker.
  const before = await runJob(a.node.api, datasets.small);
  firstJob = before.id;
  const done1 = await finished(a.node.api, before.id);
  expect(done1.status, JSON.stringify(done1.error)).toBe('succeeded');
  const ex1 = await executions(before.id);
  expect(ex1).toHaveLength(1);
  expect(ex1[0]!.state).toBe('succeeded');
  expect(ex1[0]!.worker).toMatch(/:worker$/);

  // A job the leader is running when it dies: its guest part is mid-run on the worker.
  const during = await runJob(a.node.api, datasets.big);
  await waitFor(async () => (await executions(during.id))[0]?.state === 'running', 300_000, 50);

  await a.node.kill();
  cluster.nodes.splice(cluster.nodes.indexOf(a.node), 1);
  const leadB = await waitFor(async () => {
    const l = await leader();
    return l && pidOf(l.holder) === b.node.process.pid ? l : undefined;
  }, 60_000);
  expect(leadB.term).toBeGreaterThan(leadA.term);
  // Exactly one session holds the scheduler lock: B's.
  const holders = await db.query<{ application_name: string }>(
    `select a.application_name from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and l.classid::int = hashtext('fedgrid scheduler')`,
  );
  expect(holders.rows.map((r) => r.application_name)).toEqual([
    `fedgrid scheduler ${leadB.holder}`,
  ]);

  // That job fails cleanly, saying why, on both nodes; its execution is not left running.
  const failed = await finished(b.node.api, during.id);
  expect(failed.status).toBe('failed');
  expect((failed.error as { code: string }).code).toBe('SCHEDULER_FAILOVER');
  expect((failed.error as { message: string }).message).toContain(leadB.holder);
  expect((await finished(host.api, during.id)).status).toBe('failed');
  await waitFor(async () => {
    const [e] = await executions(during.id);
    return e && e.state !== 'running' && e.state !== 'queued';
  }, 300_000);

  const after = await runJob(b.node.api, datasets.small);
  const done2 = await finished(b.node.api, after.id);
  expect(done2.status, JSON.stringify(done2.error)).toBe('succeeded');
  // The job acknowledged before the kill is still there, unchanged.
  const kept = await b.node.api.get<JobView>(`/v1/jobs/${before.id}`);
  expect(kept.status).toBe('succeeded');
  // The partner saw one node throughout: its copy of the second job ran to the end too.
  expect((await finished(host.api, after.id)).status).toBe('succeeded');
});

test('(b) SIGKILL of the worker running a task: the run is recorded as lost and another worker completes it', async () => {
  await startWorker('guest-w2');
  const job = await runJob(replicaB.api, datasets.big);
  // The worker that claimed the guest's execution.
  const claimed = await waitFor(
    async () => {
      const [e] = await executions(job.id);
      return e?.state === 'running' ? e : undefined;
    },
    300_000,
    50,
  );
  const victim = workers.find((w) => claimed.worker?.split(':')[1] === String(w.pid));
  expect(victim, `no worker process with the pid of ${claimed.worker}`).toBeDefined();
  // Freeze it first, so that it is certainly still mid-run when it is killed.
  victim!.kill('SIGSTOP');
  const [frozen] = await executions(job.id);
  expect(
    frozen?.state,
    'the task finished before its worker could be killed: make the table larger',
  ).toBe('running');
  const eventsBefore = (await replicaB.api.get<{ items: JobEvent[] }>(`/v1/jobs/${job.id}/events`))
    .items;
  victim!.kill('SIGKILL');

  const done = await finished(replicaB.api, job.id);
  expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
  const [e] = await executions(job.id);
  expect(e!.state).toBe('succeeded');
  expect(e!.runs).toBe(2);
  expect(e!.history).toHaveLength(2);
  expect(e!.history[0]!.worker).toBe(claimed.worker);
  expect(e!.history[0]!.outcome).toBe('abandoned');
  expect(e!.history[0]!.error?.code).toBe('WORKER_LOST');
  expect(e!.history[1]!.worker).not.toBe(claimed.worker);
  expect(e!.history[1]!.outcome).toBe('succeeded');
  // Said, not silent: the job's events name the lost run and the second run.
  const events = (await replicaB.api.get<{ items: JobEvent[] }>(`/v1/jobs/${job.id}/events`)).items;
  expect(events.some((x) => x.message.includes('ended during run 1'))).toBe(true);
  expect(events.some((x) => x.message.includes('runs scale again'))).toBe(true);
  // No acknowledged write lost: every event before the kill is still there, and earlier jobs.
  const ids = new Set(events.map((x) => x.id));
  expect(eventsBefore.every((x) => ids.has(x.id))).toBe(true);
  expect((await replicaB.api.get<JobView>(`/v1/jobs/${firstJob}`)).status).toBe('succeeded');
});
