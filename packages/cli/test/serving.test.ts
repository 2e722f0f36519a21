/**
 * Online prediction across separate node processes (guest, host, arbiter; mutual TLS on
 * loopback), driven as a user would: `fedgrid model deploy | deployments | predict` on the
 * command line. A frozen host (SIGSTOP) fails requests with an error naming it once the
 * deadline passes — no hang — and a guest-only deployment answers degraded; a killed host
 * likewise.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { JobView } from '@fedgrid/node';
import { ApiError, publishPart, watchJob, type ClusterNode } from 'fedgrid';
import { TestCluster, threePartyCluster } from './cluster-helpers.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/fedgrid.js', import.meta.url));
const SAMPLES = fileURLToPath(new URL('../../../examples/data/fate/', import.meta.url));
const cluster = new TestCluster();
let guest: ClusterNode;
let host: ClusterNode;
let arbiter: ClusterNode;
let batch: Map<string, number>;

interface PredictResponse {
  version: string;
  degraded: boolean;
  failedHosts?: { node: string }[];
  results: { id: string; score: number; label: number }[];
}

const cli = async <T>(node: ClusterNode, args: string[]): Promise<T> => {
  const { stdout } = await run(process.execPath, [BIN, ...args, '--node', node.dir, '--json']);
  return JSON.parse(stdout) as T;
};

beforeAll(async () => {
  [guest, host, arbiter] = await threePartyCluster(cluster);
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
        params: { maxIter: 3 },
      },
      {
        name: 'predict',
        component: 'hetero-lr-predict',
        inputs: { data: 'psi.data', model: 'train.model' },
      },
    ],
  });
  const final = await watchJob(guest.api, job.id, () => {});
  expect(final.status, JSON.stringify(final.error)).toBe('succeeded');
  const p = await guest.api.get<{ ids: string[]; scores: number[] }>(
    `/v1/jobs/${job.id}/outputs/predict/guest/predictions`,
  );
  batch = new Map(p.ids.map((id, i) => [id, p.scores[i]!]));
  const gm = await publishPart(guest, [host, arbiter], job.id);
  const hm = await publishPart(host, [guest, arbiter], job.id);
  await cli(host, ['model', 'deploy', hm, '--name', 'credit-host', '--dataset', h.id]);
  await cli(guest, [
    'model',
    'deploy',
    gm,
    '--name',
    'credit',
    '--dataset',
    g.id,
    '--deadline-ms',
    '1500',
  ]);
}, 300_000);
afterAll(async () => {
  if (host.process.exitCode === null) host.process.kill('SIGCONT');
  await cluster.close();
});

test('the command line deploys and predicts; online scores equal the batch predictions', async () => {
  const ids = [...batch.keys()].slice(0, 5);
  const r = await cli<PredictResponse>(guest, ['model', 'predict', 'credit', '--id', ...ids]);
  expect(r.degraded).toBe(false);
  for (const x of r.results) expect(Math.abs(x.score - batch.get(x.id)!)).toBeLessThanOrEqual(1e-9);
  const one = await cli<PredictResponse>(guest, ['model', 'predict', 'credit', '--id', ids[0]!]);
  expect(Math.abs(one.results[0]!.score - batch.get(ids[0]!)!)).toBeLessThanOrEqual(1e-9);
  const list = await cli<{ items: { name: string; role: string }[] }>(guest, [
    'model',
    'deployments',
  ]);
  expect(list.items).toEqual([expect.objectContaining({ name: 'credit', role: 'guest' })]);
}, 60_000);

test('a frozen host: the request fails at its deadline naming the host; guest-only answers degraded', async () => {
  const id = [...batch.keys()][7]!;
  host.process.kill('SIGSTOP');
  try {
    const err = await guest.api.post('/v1/models/credit/predict', { id }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(504);
    expect((err as ApiError).body).toMatchObject({
      code: 'SERVING_HOST_FAILED',
      details: { host: 'host', party: 'host-0', timeoutMs: 1500 },
    });
    expect((err as ApiError).message).toContain("host node 'host'");
    await guest.api.call('PATCH', '/v1/deployments/credit', { onHostFailure: 'guest-only' });
    const d = await guest.api.post<PredictResponse>('/v1/models/credit/predict', { id });
    expect(d.degraded).toBe(true);
    expect(d.failedHosts).toEqual([expect.objectContaining({ node: 'host' })]);
    expect(d.results[0]!.score).toBeGreaterThan(0);
    expect(d.results[0]!.score).toBeLessThan(1);
  } finally {
    host.process.kill('SIGCONT');
  }
  // Thawed, the host answers again: full scores, equal to the batch ones.
  const back = await guest.api.post<PredictResponse>('/v1/models/credit/predict', { id });
  expect(back.degraded).toBe(false);
  expect(Math.abs(back.results[0]!.score - batch.get(id)!)).toBeLessThanOrEqual(1e-9);
}, 60_000);

test('a killed host: degraded answers, then (failure mode error) an error naming it', async () => {
  const id = [...batch.keys()][9]!;
  await host.kill();
  const d = await guest.api.post<PredictResponse>('/v1/models/credit/predict', { id });
  expect(d.degraded).toBe(true);
  await guest.api.call('PATCH', '/v1/deployments/credit', { onHostFailure: 'error' });
  const err = await guest.api.post('/v1/models/credit/predict', { id }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect((err as ApiError).body).toMatchObject({
    code: 'SERVING_HOST_FAILED',
    details: { host: 'host' },
  });
  // The guest's audit holds every one of these requests, with the outcome.
  const audit = await guest.api.get<{
    items: { outcome: string; details: { degraded: boolean } }[];
  }>('/v1/audit?action=serving.predict&pageSize=100');
  expect(audit.items.some((e) => e.outcome === 'failure')).toBe(true);
  expect(audit.items.some((e) => e.details.degraded)).toBe(true);
}, 60_000);
