/**
 * Batch prediction through the command line, across three node processes over mutual TLS: a
 * HeteroLR model trained by one job (PSI, train, predict) is named, approved and published on
 * both part holders; `fedgrid predict batch --model NAME@1 … --out scores.csv` then scores the
 * guest's and host's datasets in a new job, and `fedgrid job output <job> predict --csv` exports
 * the training job's own predictions. Both CSVs hold the same scores (1e-9) for every id.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ClusterNode } from 'fedgrid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES, TestCluster, threePartyCluster, waitFor } from './cluster-helpers.js';

const BIN = fileURLToPath(new URL('../bin/fedgrid.js', import.meta.url));
const exec = promisify(execFile);
const cluster = new TestCluster();
let guest: ClusterNode;
let host: ClusterNode;
let arbiter: ClusterNode;
let trainJob: string;
let gData: string;
let hData: string;

async function fedgrid(node: ClusterNode, args: string[]) {
  return exec(process.execPath, [BIN, ...args, '--node', node.dir], { maxBuffer: 64 * 2 ** 20 });
}

/** id → score column of a predictions CSV (and the header). */
function scores(csv: string): { header: string; byId: Map<string, number> } {
  const [header, ...rows] = csv.trim().split('\n');
  return {
    header: header as string,
    byId: new Map(rows.map((r) => r.split(',')).map((c) => [c[0] as string, Number(c[1])])),
  };
}

async function publishParts(jobId: string, name: string): Promise<void> {
  for (const n of [guest, host]) {
    const { items } = await n.api.get<{ items: { id: string; task: string }[] }>(
      `/v1/models?job=${jobId}`,
    );
    const part = items.find((m) => m.task === 'train');
    expect(part, `${n.name} holds a part`).toBeDefined();
    await n.api.call('PATCH', `/v1/models/${part!.id}`, { name });
    await n.api.post(`/v1/models/${part!.id}/approvals`, {});
  }
  for (const n of [guest, host, arbiter]) {
    const { items } = await n.api.get<{ items: { id: string }[] }>(
      '/v1/model-approvals?direction=incoming&status=pending',
    );
    for (const a of items) await n.api.post(`/v1/model-approvals/${a.id}/approve`, {});
  }
  for (const n of [guest, host]) {
    const { items } = await n.api.get<{ items: { id: string; task: string }[] }>(
      `/v1/models?job=${jobId}`,
    );
    for (const m of items.filter((x) => x.task === 'train'))
      await n.api.post(`/v1/models/${m.id}/publish`, {});
  }
}

beforeAll(async () => {
  [guest, host, arbiter] = await threePartyCluster(cluster);
  gData = (
    await guest.api.post<{ id: string }>('/v1/datasets', {
      name: 'breast-g',
      path: join(EXAMPLES, 'fate/breast_hetero_guest.csv'),
      labelColumn: 'y',
    })
  ).id;
  hData = (
    await host.api.post<{ id: string }>('/v1/datasets', {
      name: 'breast-h',
      path: join(EXAMPLES, 'fate/breast_hetero_host.csv'),
    })
  ).id;
  await host.api.post('/v1/grants', { dataset: hData, grantee: guest.info.nodeId });
  const job = await guest.api.post<{ id: string }>('/v1/jobs', {
    name: 'train breast',
    parties: {
      guest: { node: guest.info.nodeId },
      hosts: [{ node: host.info.nodeId }],
      arbiter: { node: arbiter.info.nodeId },
    },
    datasets: { guest: gData, 'host-0': hData },
    tasks: [
      { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
      {
        name: 'train',
        component: 'hetero-lr',
        params: { maxIter: 2 },
        inputs: { data: 'psi.data' },
      },
      { name: 'predict', component: 'predict', inputs: { data: 'psi.data', model: 'train.model' } },
    ],
  });
  trainJob = job.id;
  const done = await waitFor(async () => {
    const j = await guest.api.get<{ status: string; error: unknown }>(`/v1/jobs/${trainJob}`);
    return ['succeeded', 'failed', 'stopped'].includes(j.status) && j;
  }, 300_000);
  expect(done, JSON.stringify(done.error)).toMatchObject({ status: 'succeeded' });
  await publishParts(trainJob, 'breast');
}, 600_000);
afterAll(() => cluster.close());

describe('fedgrid predict batch and job output --csv', () => {
  it('scores new data of the same parties from breast@1 and writes the same scores as the training job', async () => {
    const out = join(await cluster.dir(), 'scores.csv');
    const r = await fedgrid(guest, [
      'predict',
      'batch',
      '--model',
      'breast@1',
      '--guest-dataset',
      gData,
      '--host-dataset',
      `${host.info.nodeId}=${hData}`,
      '--out',
      out,
    ]);
    expect(r.stderr).toContain(`wrote 569 rows to ${out}`);
    const batch = scores(await readFile(out, 'utf8'));
    const own = scores(
      (await fedgrid(guest, ['job', 'output', trainJob, 'predict', '--csv'])).stdout,
    );
    expect(batch.header).toBe('id,score,label,actual');
    expect(own.header).toBe(batch.header);
    expect(batch.byId.size).toBe(569);
    let max = 0;
    for (const [id, s] of own.byId) max = Math.max(max, Math.abs(s - (batch.byId.get(id) ?? NaN)));
    expect(max).toBeLessThanOrEqual(1e-9);
  });

  it('job output --csv of a model output is refused with a clear message', async () => {
    await expect(
      fedgrid(guest, ['job', 'output', trainJob, 'train', 'guest', 'model', '--csv']),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('not predictions') });
  });
});
