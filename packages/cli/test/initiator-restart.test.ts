/**
 * The initiator killed (SIGKILL) in the middle of a job and restarted: no node may leave the job
 * or a task "running"; the job is failed everywhere, and a rerun completes it, reusing the
 * outputs of the tasks that had succeeded.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { JobView } from '@fedgrid/node';
import { signContract, type ClusterNode, type JobEvent } from 'fedgrid';
import { freePort, TestCluster, waitFor, permitAdhoc } from './cluster-helpers.js';

const SAMPLES = fileURLToPath(new URL('../../../examples/data/fate/', import.meta.url));
const cluster = new TestCluster();
let guest: ClusterNode;
let host: ClusterNode;
let arbiter: ClusterNode;

beforeAll(async () => {
  const [apiPort, dataPort] = [await freePort(), await freePort()];
  [guest, host, arbiter] = await Promise.all([
    cluster.launch('guest', { apiPort, dataPort }),
    cluster.launch('host'),
    cluster.launch('arbiter'),
  ]);
  await signContract(guest, host);
  await signContract(guest, arbiter);
  await signContract(host, arbiter);
  await permitAdhoc([host, arbiter], guest);
});
afterAll(() => cluster.close());

const terminal = (s: string) => ['succeeded', 'failed', 'stopped'].includes(s);

test('SIGKILL of the initiator mid-job: consistent states on every node, then a rerun completes', async () => {
  const g = await guest.api.post<{ id: string }>('/v1/datasets', {
    name: 'g',
    path: join(SAMPLES, 'breast_hetero_guest.csv'),
    labelColumn: 'y',
  });
  const h = await host.api.post<{ id: string }>('/v1/datasets', {
    name: 'h',
    path: join(SAMPLES, 'breast_hetero_host.csv'),
  });
  await host.api.post('/v1/grants', { dataset: h.id, grantee: 'guest' });
  const job = await guest.api.post<JobView>('/v1/jobs', {
    parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }], arbiter: { node: 'arbiter' } },
    datasets: { guest: g.id, 'host-0': h.id },
    tasks: [
      { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
      {
        name: 'train',
        component: 'hetero-lr',
        inputs: { data: 'psi.data' },
        params: { maxIter: 500, tol: 0, earlyStop: 'none' },
      },
    ],
  });
  await waitFor(async () => {
    const { items } = await guest.api.get<{ items: JobEvent[] }>(`/v1/jobs/${job.id}/events`);
    return items.some((e) => e.kind === 'progress' && e.data?.['epoch'] === 2);
  }, 90_000);

  await guest.kill();
  cluster.nodes.splice(cluster.nodes.indexOf(guest), 1);
  const restarted = await cluster.launch('guest', { existing: true });

  // Every node ends the job; no task stays "running" anywhere.
  for (const n of [restarted, host, arbiter]) {
    const j = await waitFor(async () => {
      const v = await n.api.get<JobView>(`/v1/jobs/${job.id}`);
      return terminal(v.status) ? v : undefined;
    }, 45_000);
    expect(j.status).toBe('failed');
    expect(j.tasks.every((t) => t.status !== 'running')).toBe(true);
    expect(j.tasks.find((t) => t.name === 'psi')!.status).toBe('succeeded');
  }
  const onGuest = await restarted.api.get<JobView>(`/v1/jobs/${job.id}`);
  expect((onGuest.error as { code: string }).code).toBe('NODE_RESTARTED');

  // Rerun with a short training: PSI's outputs are reused, training runs again.
  await restarted.api.post(`/v1/jobs/${job.id}/rerun`, { params: { train: { maxIter: 2 } } });
  const final = await waitFor(async () => {
    const v = await restarted.api.get<JobView>(`/v1/jobs/${job.id}`);
    return terminal(v.status) ? v : undefined;
  }, 90_000);
  expect(final.status, JSON.stringify(final.error)).toBe('succeeded');
  const tasks = Object.fromEntries(final.tasks.map((t) => [t.name, t]));
  expect(tasks['psi']!.attempt).toBe(0);
  expect(tasks['train']!.attempt).toBe(1);
  for (const n of [host, arbiter]) {
    const v = await waitFor(async () => {
      const x = await n.api.get<JobView>(`/v1/jobs/${job.id}`);
      return terminal(x.status) ? x : undefined;
    }, 30_000);
    expect(v.status).toBe('succeeded');
  }
});
