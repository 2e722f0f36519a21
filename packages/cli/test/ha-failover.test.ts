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
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { JobView } from '@fedgrid/node';
import type { ClusterNode, JobEvent } from 'fedgrid';
import { EXAMPLES, waitFor } from './cluster-helpers.js';
import { HaNode } from './ha-node.js';

const SAMPLES = join(EXAMPLES, 'fate');
const terminal = (s: string) => ['succeeded', 'failed', 'stopped'].includes(s);

const ha = new HaNode('fedgrid_ha');
const { cluster, apiProxy, workers } = ha;
let host: ClusterNode;
let datasets: { small: string; big: string; host: string };

const startReplica = (name: string) => ha.startReplica(name);
const startWorker = async (name: string) => (await ha.startWorker(name)).child;

async function leader(): Promise<{ holder: string; term: number } | undefined> {
  const r = await ha.db.query<{ holder: string; term: string }>(
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
  const r = await ha.db.query<Execution>(
    `select state, runs, worker, history from task_executions where job_id = $1 and party = 'guest'`,
    [jobId],
  );
  return r.rows;
}

beforeAll(async () => {
  await ha.start();
  host = ha.host;
  const single = ha.guestSetup;
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
  await ha.endSetup();
});

afterAll(() => ha.close());

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
  const holders = await ha.db.query<{ application_name: string }>(
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
