/**
 * The demo's held-out score (`--holdout F`): after training on the train files and publishing the
 * model (serving-step.ts), each party registers its held-out file as a new dataset and the guest
 * submits the same batch-prediction job `fedgrid predict batch` does — PSI on the new ids, the
 * generic `predict` task reading each party's own part of the published model — followed by the
 * evaluation task on the guest's labels.
 */
import type { PredictionTask } from '@fedgrid/components';
import type { DatasetView, JobView } from '@fedgrid/node';
import { batchPredictJob } from '../commands/predict.js';
import { formatEvent, watchJob } from '../job-watch.js';
import { pickMetrics } from './algorithms.js';
import type { ClusterNode } from './cluster.js';
import { permitAdhocJob } from './demo-nodes.js';

/** report.json `heldout`. */
export interface HeldOutReport {
  /** Share of each file's rows held out (by the SHA-256 rule of holdout.ts). */
  fraction: number;
  /** Held-out rows in every party's file (the batch job's PSI intersection). */
  rows: number;
  /** The federated model's metrics on those rows. */
  metrics: Record<string, number>;
  /** The plaintext twin (trained on the joined train files) on the same rows. */
  baseline: Record<string, number>;
  job_id: string;
}

/**
 * Registers the held-out files and scores them with the guest's published part of the job's
 * `train` model. Returns the federated metrics and the row count.
 * @throws Error with the job's error when the batch-prediction job does not succeed.
 */
export async function scoreHeldOut(a: {
  guest: ClusterNode;
  hosts: ClusterNode[];
  all: ClusterNode[];
  trainJobId: string;
  files: { guest: string; hosts: string[] };
  id: string;
  label: string;
  task: PredictionTask;
  /** The published `encode` model part of the training job, when its flow one-hot encoded. */
  encodeModel?: string;
  write: (line: string) => void;
}): Promise<{ rows: number; metrics: Record<string, number>; jobId: string }> {
  const { guest, hosts, write } = a;
  write('held-out rows: each party registers its held-out file as a new dataset');
  const gds = await guest.api.post<DatasetView>('/v1/datasets', {
    name: 'demo-guest-heldout',
    path: a.files.guest,
    idColumn: a.id,
    labelColumn: a.label,
  });
  const hds: DatasetView[] = [];
  for (const [k, h] of hosts.entries()) {
    const d = await h.api.post<DatasetView>('/v1/datasets', {
      name: `demo-host-${k}-heldout`,
      path: a.files.hosts[k],
      idColumn: a.id,
    });
    await h.api.post('/v1/grants', { dataset: d.id, grantee: guest.info.nodeId, maxUses: 1 });
    hds.push(d);
  }
  const { items } = await guest.api.get<{ items: { id: string; task: string }[] }>(
    `/v1/models?job=${a.trainJobId}`,
  );
  const model = items.find((m) => m.task === 'train');
  if (!model) throw new Error(`the guest holds no model of job ${a.trainJobId}`);
  const request = batchPredictJob({
    guestNode: guest.info.nodeId,
    model: model.id,
    guestDataset: gds.id,
    hostDatasets: hosts.map((h, k) => `${h.info.nodeId}=${(hds[k] as DatasetView).id}`),
    name: 'fedgrid demo: held-out rows',
  }) as {
    tasks: {
      name: string;
      component: string;
      inputs: Record<string, string>;
      params?: Record<string, unknown>;
    }[];
  };
  if (a.encodeModel) {
    // The training job's published one-hot encoding, applied to the held-out rows first.
    const at = request.tasks.findIndex((t) => t.name === 'predict');
    const predict = request.tasks[at] as (typeof request.tasks)[number];
    request.tasks.splice(at, 0, {
      name: 'encode',
      component: 'encode',
      inputs: { data: predict.inputs['data'] as string, model: `model:${a.encodeModel}` },
      params: { unseen: 'ignore' },
    });
    predict.inputs['data'] = 'encode.data';
  }
  request.tasks.push({
    name: 'evaluate',
    component: 'evaluation',
    inputs: { predictions: 'predict.predictions' },
  });
  await permitAdhocJob(request as unknown as Parameters<typeof permitAdhocJob>[0], a.all);
  write(`scoring the held-out rows: ${request.tasks.map((t) => t.component).join(' → ')}`);
  const job = await guest.api.post<JobView>('/v1/jobs', request);
  const final = await watchJob(guest.api, job.id, (e) => {
    const line = formatEvent(e);
    if (line) write(line);
  });
  if (final.status !== 'succeeded') {
    const err = final.error as { message?: string } | null;
    throw new Error(
      `held-out job ${final.id} ${final.status}: ${err?.message ?? 'see the job events'}`,
    );
  }
  const results = final.results as Record<string, Record<string, Record<string, unknown>>>;
  const psi = results['psi']?.['guest'] as { intersection: number };
  const evaluation = results['evaluate']?.['guest'] as { metrics: Record<string, number> };
  return {
    rows: psi.intersection,
    metrics: pickMetrics(a.task, evaluation.metrics),
    jobId: final.id,
  };
}
