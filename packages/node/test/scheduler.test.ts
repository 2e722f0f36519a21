/**
 * The job scheduler across three in-process nodes: the priority queue and job slots, parallel
 * DAG branches, task list/get/logs, stopping, and reruns (a whole job with new parameters, one
 * task without its downstream).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '@fedgrid/node';
import { TestNodes, type TestNode } from './nodes.js';

const t = new TestNodes();
let guest: TestNode;
let host: TestNode;
let arbiter: TestNode;
let dataDir: string;
let gds: string;
let hds: string;

/** Small linearly separable-ish data: guest has labels and 3 features, host 4 features. */
async function writeData(): Promise<void> {
  dataDir = await mkdtemp(join(tmpdir(), 'fedgrid-sched-'));
  const g = ['id,y,a,b,c'];
  const h = ['id,d,e,f,g'];
  for (let i = 0; i < 80; i++) {
    const x = Math.sin(i * 1.7);
    const z = Math.cos(i * 0.9);
    g.push(`u${i},${x + z > 0 ? 1 : 0},${x.toFixed(4)},${(x * z).toFixed(4)},${(i % 7) / 7}`);
    h.push(
      `u${i},${z.toFixed(4)},${(z * z).toFixed(4)},${((i % 5) / 5).toFixed(2)},${(x - z).toFixed(4)}`,
    );
  }
  await writeFile(join(dataDir, 'g.csv'), g.join('\n') + '\n');
  await writeFile(join(dataDir, 'h.csv'), h.join('\n') + '\n');
}

beforeAll(async () => {
  await writeData();
  [guest, host, arbiter] = await Promise.all([
    t.start('guest', { runtime: { maxConcurrentJobs: 1 } }),
    t.start('host'),
    t.start('arbiter'),
  ]);
  await t.contractAll();
  await t.permitAll();
  gds = (
    await guest.ok<{ id: string }>('POST', '/v1/datasets', {
      name: 'g',
      path: join(dataDir, 'g.csv'),
      labelColumn: 'y',
    })
  ).id;
  hds = (
    await host.ok<{ id: string }>('POST', '/v1/datasets', {
      name: 'h',
      path: join(dataDir, 'h.csv'),
    })
  ).id;
  await host.ok('POST', '/v1/grants', { dataset: hds, grantee: 'guest' });
});
afterAll(async () => {
  await t.close();
  await rm(dataDir, { recursive: true, force: true });
});

const parties = {
  guest: { node: 'guest' },
  hosts: [{ node: 'host' }],
  arbiter: { node: 'arbiter' },
};

function job(tasks: unknown[], extra: Record<string, unknown> = {}) {
  return { parties, datasets: { guest: gds, 'host-0': hds }, tasks, ...extra };
}

const lrFlow = (trainParams: Record<string, unknown>) => [
  { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
  { name: 'train', component: 'hetero-lr', inputs: { data: 'psi.data' }, params: trainParams },
  {
    name: 'predict',
    component: 'hetero-lr-predict',
    inputs: { data: 'psi.data', model: 'train.model' },
  },
];

async function waitFor(id: string, pred: (j: JobView) => boolean, ms = 60_000): Promise<JobView> {
  const end = Date.now() + ms;
  for (;;) {
    const j = await guest.ok<JobView>('GET', `/v1/jobs/${id}`);
    if (pred(j)) return j;
    if (Date.now() > end) throw new Error(`job ${id} is ${j.status}: ${JSON.stringify(j.error)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
const done = (j: JobView) => ['succeeded', 'failed', 'stopped'].includes(j.status);

describe('queue and slots', () => {
  it('runs one job at a time here (maxConcurrentJobs 1) and the higher priority first', async () => {
    const long = await guest.ok<JobView>(
      'POST',
      '/v1/jobs',
      job(lrFlow({ maxIter: 40, tol: 0, earlyStop: 'none' })),
    );
    const low = await guest.ok<JobView>(
      'POST',
      '/v1/jobs',
      job(lrFlow({ maxIter: 1 }), { priority: 0 }),
    );
    const high = await guest.ok<JobView>(
      'POST',
      '/v1/jobs',
      job(lrFlow({ maxIter: 1 }), { priority: 10 }),
    );
    expect(low.status).toBe('queued');
    expect(high.status).toBe('queued');
    const [a, b, c] = await Promise.all([
      waitFor(long.id, done),
      waitFor(low.id, done),
      waitFor(high.id, done),
    ]);
    for (const j of [a, b, c]) expect(j.status).toBe('succeeded');
    // The slot went to the high-priority job first, and no two jobs overlapped.
    expect(Date.parse(c.startedAt!)).toBeGreaterThanOrEqual(Date.parse(a.finishedAt!));
    expect(Date.parse(b.startedAt!)).toBeGreaterThanOrEqual(Date.parse(c.finishedAt!));
  }, 180_000);
});

describe('DAG', () => {
  it('starts independent tasks together', async () => {
    const j = await guest.ok<JobView>(
      'POST',
      '/v1/jobs',
      job([
        { name: 'psi_a', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
        {
          name: 'psi_b',
          component: 'psi-ecdh',
          inputs: { data: 'job.dataset' },
          params: { batchSize: 16 },
        },
      ]),
    );
    const f = await waitFor(j.id, done);
    expect(f.status).toBe('succeeded');
    const [a, b] = f.tasks;
    // Both started before either finished.
    expect(Date.parse(b!.startedAt!)).toBeLessThan(Date.parse(a!.finishedAt!));
    expect(Date.parse(a!.startedAt!)).toBeLessThan(Date.parse(b!.finishedAt!));
  }, 60_000);

  it('refuses a cycle before anything runs', async () => {
    const r = await guest.call<{ code: string; message: string }>(
      'POST',
      '/v1/jobs',
      job([
        { name: 'a', component: 'psi-ecdh', inputs: { data: 'b.data' } },
        { name: 'b', component: 'psi-ecdh', inputs: { data: 'a.data' } },
      ]),
    );
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/cycle/);
  });
});

describe('tasks, stop and rerun', () => {
  it('stops a running job, reruns it with new parameters keeping the succeeded PSI, then reruns one task without its downstream', async () => {
    const j = await guest.ok<JobView>(
      'POST',
      '/v1/jobs',
      job(lrFlow({ maxIter: 500, tol: 0, earlyStop: 'none' })),
    );
    await waitFor(j.id, (x) => x.tasks.find((tk) => tk.name === 'train')?.status === 'running');
    // Give training a moment to produce an epoch, then stop the task (and so the job).
    await new Promise((r) => setTimeout(r, 500));
    const stopped = await guest.ok<JobView>('POST', `/v1/jobs/${j.id}/tasks/train/stop`);
    expect(stopped.status).toBe('stopped');
    for (const n of [host, arbiter]) {
      const copy = await waitFor(j.id, () => true).then(() =>
        n.ok<JobView>('GET', `/v1/jobs/${j.id}`),
      );
      expect(['stopped', 'failed']).toContain(copy.status);
    }

    const rerun = await guest.ok<JobView>('POST', `/v1/jobs/${j.id}/rerun`, {
      params: { train: { maxIter: 2 } },
    });
    expect(['queued', 'running']).toContain(rerun.status);
    const after = await waitFor(j.id, done);
    expect(after.status).toBe('succeeded');
    const byName = Object.fromEntries(after.tasks.map((tk) => [tk.name, tk]));
    expect(byName['psi']!.attempt).toBe(0); // succeeded before: kept, not rerun
    expect(byName['train']!.attempt).toBe(1);
    expect(byName['predict']!.attempt).toBe(1); // downstream of a rerun task
    expect(
      (after.results as Record<string, Record<string, { epochs?: number }>>)['train']!['guest']!
        .epochs,
    ).toBe(2);

    // One task, new parameters, downstream untouched.
    await guest.ok('POST', `/v1/jobs/${j.id}/tasks/train/rerun`, { params: { maxIter: 3 } });
    const again = await waitFor(
      j.id,
      (x) => done(x) && x.tasks.find((tk) => tk.name === 'train')!.attempt === 2,
    );
    expect(again.status, JSON.stringify({ error: again.error, tasks: again.tasks })).toBe(
      'succeeded',
    );
    const t2 = Object.fromEntries(again.tasks.map((tk) => [tk.name, tk]));
    expect(t2['predict']!.attempt).toBe(1);
    expect((t2['train']!.result as Record<string, { epochs?: number }>)['guest']!.epochs).toBe(3);

    // Task list, get and logs.
    const list = await guest.ok<{ items: { name: string }[]; total: number }>(
      'GET',
      `/v1/jobs/${j.id}/tasks`,
    );
    expect(list.items.map((x) => x.name)).toEqual(['psi', 'train', 'predict']);
    const one = await guest.ok<{ name: string; attempt: number }>(
      'GET',
      `/v1/jobs/${j.id}/tasks/train`,
    );
    expect(one).toMatchObject({ name: 'train', attempt: 2 });
    const logs = await guest.ok<{
      items: { id: number; level: string; message: string }[];
      truncated: boolean;
    }>('GET', `/v1/jobs/${j.id}/tasks/train/logs`);
    expect(logs.items.length).toBeGreaterThan(0);
    expect(logs.items.map((l) => l.id)).toEqual(
      [...logs.items.map((l) => l.id)].sort((x, y) => x - y),
    );
    const errorsOnly = await guest.ok<{ items: { level: string }[] }>(
      'GET',
      `/v1/jobs/${j.id}/tasks/train/logs?level=error`,
    );
    expect(errorsOnly.items.every((l) => l.level === 'error')).toBe(true);
    // Rerunning while it runs is refused.
    await guest.ok('POST', `/v1/jobs/${j.id}/tasks/predict/rerun`);
    const busy = await guest.call<{ code: string }>('POST', `/v1/jobs/${j.id}/rerun`, {});
    expect(busy.status).toBe(409);
    await waitFor(j.id, done);
  }, 180_000);

  it('lists jobs by status, newest first, with totals', async () => {
    const r = await guest.ok<{ items: JobView[]; total: number }>(
      'GET',
      '/v1/jobs?status=succeeded&pageSize=2',
    );
    expect(r.items.length).toBeLessThanOrEqual(2);
    expect(r.total).toBeGreaterThanOrEqual(r.items.length);
    expect(r.items.every((j) => j.status === 'succeeded')).toBe(true);
  });
});
