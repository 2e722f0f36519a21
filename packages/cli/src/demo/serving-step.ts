/**
 * The demo's last step (issue 12 item 6): the parts of the trained model are approved by every
 * partner and published by their holders; each host grants the guest serving use of its dataset
 * and deploys its part with that dataset as its serving feature table; the guest deploys its part
 * and this process sends online predictions one id at a time, timing each, and checks every
 * online score against the batch prediction of the same id (docs/protocols/serving.md).
 */
import type { DatasetView } from '@fedgrid/node';
import { ApiError } from '../api-client.js';
import type { ClusterNode } from './cluster.js';

/** report.json `serving` (CONTRACTS.md). */
export interface ServingReport {
  model: string;
  requests: number;
  p50_ms: number;
  p99_ms: number;
  equal_to_batch: boolean;
}

interface PredictResponse {
  model: string;
  version: string;
  degraded: boolean;
  results: { id: string; score?: number; label?: number; probabilities?: number[] }[];
}

/**
 * The holder's part of the job's `train` task: approved by every partner, then published.
 * Returns the model part's id.
 */
export async function publishPart(
  holder: ClusterNode,
  partners: ClusterNode[],
  jobId: string,
  task = 'train',
) {
  const { items } = await holder.api.get<{ items: { id: string; task: string }[] }>(
    `/v1/models?job=${jobId}`,
  );
  const model = items.find((m) => m.task === task);
  if (!model) throw new Error(`${holder.name} holds no model part of job ${jobId}`);
  await holder.api.post(`/v1/models/${encodeURIComponent(model.id)}/approvals`, {});
  for (const p of partners) {
    const inc = await p.api.get<{ items: { id: string }[] }>(
      `/v1/model-approvals?direction=incoming&status=pending&model=${encodeURIComponent(model.id)}`,
    );
    for (const a of inc.items)
      await p.api.post(`/v1/model-approvals/${encodeURIComponent(a.id)}/approve`, {});
  }
  await holder.api.post(`/v1/models/${encodeURIComponent(model.id)}/publish`);
  return model.id;
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;

/**
 * Deploys the job's model and sends `requests` online predictions (ids of the batch
 * predictions). Returns undefined when the algorithm has no online serving.
 */
export async function demoServing(a: {
  guest: ClusterNode;
  hosts: ClusterNode[];
  arbiter: ClusterNode | undefined;
  jobId: string;
  gds: DatasetView;
  hds: DatasetView[];
  batch: { ids: string[]; scores: number[] };
  requests: number;
  write: (line: string) => void;
}): Promise<ServingReport | undefined> {
  const { guest, hosts, write } = a;
  const all = [guest, ...hosts, ...(a.arbiter ? [a.arbiter] : [])];
  write('publishing the model: each holder asks its partners to approve its part, then publishes');
  const guestModel = await publishPart(
    guest,
    all.filter((n) => n !== guest),
    a.jobId,
  );
  const hostModels: string[] = [];
  for (const h of hosts)
    hostModels.push(
      await publishPart(
        h,
        all.filter((n) => n !== h),
        a.jobId,
      ),
    );
  write('deploying: each host binds its dataset as its serving feature table');
  try {
    for (const [k, h] of hosts.entries()) {
      const ds = a.hds[k] as DatasetView;
      await h.api.post('/v1/grants', { dataset: ds.id, grantee: guest.info.nodeId });
      await h.api.post('/v1/deployments', {
        model: hostModels[k],
        name: `demo-${h.name}`,
        dataset: ds.id,
      });
    }
    await guest.api.post('/v1/deployments', {
      model: guestModel,
      name: 'demo',
      dataset: a.gds.id,
    });
  } catch (err) {
    if (err instanceof ApiError && err.status === 400 && /no online serving/.test(err.message)) {
      write(`  (no online serving for this algorithm: ${err.message})`);
      return undefined;
    }
    throw err;
  }
  const batch = new Map(a.batch.ids.map((id, i) => [id, a.batch.scores[i] as number]));
  const ids = a.batch.ids.slice(0, a.requests);
  write(`online prediction: ${ids.length} requests to POST /v1/models/demo/predict, one id each`);
  const ms: number[] = [];
  let equal = true;
  let model = '';
  let shown = false;
  for (const id of ids) {
    const t = performance.now();
    const r = await guest.api.post<PredictResponse>('/v1/models/demo/predict', { id });
    const took = performance.now() - t;
    ms.push(took);
    model = `${r.model}@${r.version}`;
    const score = r.results[0]?.score;
    if (r.degraded || score === undefined || !(Math.abs(score - (batch.get(id) as number)) <= 1e-9))
      equal = false;
    if (!shown) {
      shown = true;
      write(`  request:  ${JSON.stringify({ id })}`);
      write(`  response: ${JSON.stringify(r)}`);
      write(`  latency:  ${took.toFixed(2)} ms (this process → guest → host(s) → guest → here)`);
    }
  }
  ms.sort((x, y) => x - y);
  const report: ServingReport = {
    model,
    requests: ids.length,
    p50_ms: quantile(ms, 0.5),
    p99_ms: quantile(ms, 0.99),
    equal_to_batch: equal,
  };
  write(
    `  ${report.requests} requests: p50 ${report.p50_ms.toFixed(2)} ms, p99 ${report.p99_ms.toFixed(2)} ms; every online score equals the batch prediction: ${equal}`,
  );
  return report;
}
