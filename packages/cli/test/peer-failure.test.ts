/**
 * A peer killed in the middle of training: the job must end in a clear failed state within a
 * bounded time (no hang), and the surviving nodes keep serving.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { JobView } from '@fedgrid/node';
import { signContract, type ClusterNode, type JobEvent } from 'fedgrid';
import { TestCluster, waitFor, permitAdhoc } from './cluster-helpers.js';

const SAMPLES = fileURLToPath(new URL('../../../examples/data/fate/', import.meta.url));
const cluster = new TestCluster();
let guest: ClusterNode;
let host: ClusterNode;
let arbiter: ClusterNode;

beforeAll(async () => {
  [guest, host, arbiter] = await Promise.all([
    cluster.launch('guest'),
    cluster.launch('host'),
    cluster.launch('arbiter'),
  ]);
  await signContract(guest, host);
  await signContract(guest, arbiter);
  await signContract(host, arbiter);
  await permitAdhoc([host, arbiter], guest);
});
afterAll(() => cluster.close());

test('killing the host mid-training fails the job promptly; guest and arbiter keep serving', async () => {
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
      // Many epochs and no early stop: training is still running when the host dies.
      {
        name: 'train',
        component: 'hetero-lr',
        inputs: { data: 'psi.data' },
        params: { maxIter: 500, tol: 0, earlyStop: 'none' },
      },
    ],
  });
  // Wait until training is under way (two epochs done), then kill the host like a crash would.
  await waitFor(async () => {
    const { items: events } = await guest.api.get<{ items: JobEvent[] }>(
      `/v1/jobs/${job.id}/events`,
    );
    return events.some((e) => e.kind === 'progress' && e.data?.['epoch'] === 2);
  }, 90_000);
  const killedAt = Date.now();
  await host.kill();

  const final = await waitFor(async () => {
    const j = await guest.api.get<JobView>(`/v1/jobs/${job.id}`);
    return j.status === 'running' ? undefined : j;
  }, 60_000);
  const seconds = (Date.now() - killedAt) / 1000;
  expect(final.status).toBe('failed');
  const error = final.error as { task: string; message: string };
  expect(error.task).toBe('train');
  expect(error.message).toMatch(/host/);
  expect(error.message).toMatch(/unreachable|stopped answering|cannot send/);
  expect(seconds).toBeLessThan(60);

  // The survivors answer, and the arbiter's copy of the job is not left running.
  expect((await guest.api.get<{ nodeId: string }>('/v1/node')).nodeId).toBe('guest');
  expect((await arbiter.api.get<{ nodeId: string }>('/v1/node')).nodeId).toBe('arbiter');
  const onArbiter = await waitFor(async () => {
    const j = await arbiter.api.get<JobView>(`/v1/jobs/${job.id}`);
    return j.status === 'running' ? undefined : j;
  }, 30_000);
  expect(['failed', 'stopped']).toContain(onArbiter.status);
});
