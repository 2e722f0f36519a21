/**
 * `fedgrid predict batch`: scores newly registered datasets of the parties that trained a
 * published model — PSI aligns the new ids, then the predict task reads each party's own part of
 * `model:NAME@VERSION` (docs/objects/model.md) — and writes the result party's predictions as
 * CSV. Horizontal models (`--local`) skip PSI: each client scores its own rows.
 */
import { batchPredictRequest } from '@fedgrid/api-client';
import { Command } from 'commander';
import type { JobView, NodeInfo } from '@fedgrid/node';
import { formatEvent, watchJob } from '../job-watch.js';
import { print, reportError } from '../output.js';
import { predictionsCsv, type PredictionsOutput } from '../predictions-csv.js';
import { client, withNode, type CommonOpts } from './common.js';
import { writeCsv } from './csv-out.js';

export interface BatchPredictOptions {
  /** The guest's node id (this node). */
  guestNode: string;
  /** `NAME@VERSION`, `NAME` or a model id (without the `model:` prefix). */
  model: string;
  guestDataset: string;
  /** `NODE=DATASET`, one per host, in the hosts' order of the training job. */
  hostDatasets: string[];
  /** Horizontal models: no PSI, each party scores its own rows. @default false */
  local?: boolean;
  name?: string;
}

/**
 * The job request of a batch prediction, from the CLI's options (built by the console's same
 * `batchPredictRequest` of @fedgrid/api-client).
 * @throws Error naming the option when a host dataset is not `NODE=DATASET` or none is given.
 */
export function batchPredictJob(o: BatchPredictOptions): Record<string, unknown> {
  if (o.hostDatasets.length === 0)
    throw new Error('--host-dataset NODE=DATASET is needed (once per host of the model)');
  const hosts = o.hostDatasets.map((h) => {
    const i = h.indexOf('=');
    if (i <= 0 || i === h.length - 1)
      throw new Error(
        `--host-dataset '${h}': write NODE=DATASET, e.g. --host-dataset utility=meters`,
      );
    return { node: h.slice(0, i), dataset: h.slice(i + 1) };
  });
  return batchPredictRequest({
    guestNode: o.guestNode,
    model: o.model,
    guestDataset: o.guestDataset,
    hosts,
    ...(o.local ? { local: true } : {}),
    ...(o.name !== undefined ? { name: o.name } : {}),
  }) as unknown as Record<string, unknown>;
}

export function predictCommand(): Command {
  const cmd = new Command('predict').description('score new data with a published model');
  withNode(
    cmd
      .command('batch')
      .description(
        'score newly registered datasets with a published model: PSI, then federated prediction; the guest (this node) gets the predictions',
      ),
  )
    .requiredOption(
      '--model <ref>',
      'the published model: NAME@VERSION, NAME (newest) or a model id',
    )
    .requiredOption('--guest-dataset <dataset>', "this node's dataset to score")
    .option(
      '--host-dataset <node=dataset>',
      "a host's dataset (repeat per host, in the model's host order)",
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--local', 'a horizontal model: no PSI, every party scores its own rows')
    .option('--out <file>', 'write the predictions as CSV here (implies --wait)')
    .option('--wait', 'follow the job until it ends, then print the predictions as CSV')
    .action(
      async (
        o: CommonOpts & {
          model: string;
          guestDataset: string;
          hostDataset: string[];
          local?: boolean;
          out?: string;
          wait?: boolean;
        },
      ) => {
        try {
          const api = await client(o);
          const self = await api.get<NodeInfo>('/v1/node');
          const body = batchPredictJob({
            guestNode: self.nodeId,
            model: o.model,
            guestDataset: o.guestDataset,
            hostDatasets: o.hostDataset,
            ...(o.local ? { local: true } : {}),
          });
          const job = await api.post<JobView>('/v1/jobs', body);
          if (!o.wait && !o.out) return print(job, !!o.json, () => `submitted job ${job.id}`);
          const final = await watchJob(api, job.id, (e) => {
            const line = formatEvent(e);
            if (line) process.stderr.write(line + '\n');
          });
          if (final.status !== 'succeeded') {
            process.exitCode = 1;
            const err = final.error as { message?: string } | null;
            process.stderr.write(
              `job ${job.id} ${final.status}${err?.message ? `: ${err.message}` : ''}\n`,
            );
            return;
          }
          const v = await api.get<PredictionsOutput>(
            `/v1/jobs/${job.id}/outputs/predict/guest/predictions`,
          );
          await writeCsv(predictionsCsv(v), o.out);
        } catch (err) {
          reportError(err);
        }
      },
    );
  return cmd;
}
