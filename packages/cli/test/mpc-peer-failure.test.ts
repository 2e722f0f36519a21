/**
 * MPC across node processes with a party killed mid-computation: the guest, host and arbiter run
 * mpc-statistics (quantiles: one oblivious sort per column, thousands of rounds); the host is
 * killed (SIGKILL) once the guest reports the computation under way. The job must end failed
 * with an error naming the host — not hang — and the survivors keep serving.
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

test('killing the host mid-MPC fails the job with an error naming it; guest and arbiter keep serving', async () => {
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
  const cols = [
    ...Array.from({ length: 10 }, (_, i) => `guest:x${i}`),
    ...Array.from({ length: 20 }, (_, i) => `host-0:x${i}`),
  ];
  const job = await guest.api.post<JobView>('/v1/jobs', {
    parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }], arbiter: { node: 'arbiter' } },
    datasets: { guest: g.id, 'host-0': h.id },
    tasks: [
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
        params: { columns: cols, quantiles: [0.5], bound: 1e4 },
      },
    ],
  });
  await waitFor(async () => {
    const { items: events } = await guest.api.get<{ items: JobEvent[] }>(
      `/v1/jobs/${job.id}/events`,
    );
    return events.some((e) => e.kind === 'progress' && e.data?.['stage'] === 'mpc-statistics');
  }, 120_000);
  await host.kill();

  const final = await waitFor(async () => {
    const j = await guest.api.get<JobView>(`/v1/jobs/${job.id}`);
    return j.status === 'running' ? undefined : j;
  }, 120_000);
  expect(final.status).toBe('failed');
  const error = final.error as { task: string; message: string };
  expect(error.task).toBe('stats');
  expect(error.message).toMatch(/host/);
  expect((await guest.api.get<{ nodeId: string }>('/v1/node')).nodeId).toBe('guest');
  expect((await arbiter.api.get<{ nodeId: string }>('/v1/node')).nodeId).toBe('arbiter');
  const onArbiter = await waitFor(async () => {
    const j = await arbiter.api.get<JobView>(`/v1/jobs/${job.id}`);
    return j.status === 'running' ? undefined : j;
  }, 60_000);
  expect(['failed', 'stopped']).toContain(onArbiter.status);
});
