/**
 * `fedgrid demo`: the main job end to end (CONTRACTS.md). Guest, host(s) and arbiter run as
 * separate node processes on loopback; this process acts as each organisation's administrator
 * and drives the nodes only through their REST APIs: register datasets, sign contracts, grant,
 * submit the flow (ECDH-PSI → HeteroLR → federated prediction → evaluation), follow it, then
 * compare with a plaintext model trained on the joined files and write report.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { heteroLrParams, lrParams, type HeteroLrParams } from '@fedgrid/components';
import {
  dropStoreSchema,
  ensurePgliteTemplate,
  type DatasetView,
  type JobView,
} from '@fedgrid/node';
import { formatEvent, watchJob } from '../job-watch.js';
import { table } from '../output.js';
import { plaintextBaseline } from './baseline.js';
import { launchNode, signContract, type ClusterNode } from './cluster.js';

export { SAMPLE_DIR } from './samples.js';

export interface DemoOptions {
  guest: string;
  hosts: string[];
  id: string;
  label: string;
  algorithm: string;
  task?: string;
  out: string;
  workdir?: string;
  keep?: boolean;
  /** HeteroLR parameter overrides (maxIter, batchSize, learningRate, keyBits, …). */
  params: Partial<HeteroLrParams>;
  /** PostgreSQL URL for every node instead of PGlite. */
  databaseUrl?: string;
  /** Progress lines go here (default stdout). */
  write?: (line: string) => void;
}

export interface DemoReport {
  algorithm: string;
  task: string;
  key_bits: number;
  parties: { guest: { rows: number }; hosts: { rows: number }[] };
  intersection_size: number;
  metrics: Record<string, number>;
  baseline: Record<string, number>;
  seconds: { psi: number; train: number; predict: number; total: number; baseline: number };
  epochs: number;
  loss_history: number[];
  params: HeteroLrParams;
  job_id: string;
  nodes: Record<
    string,
    { id: string; fingerprint: string; backends: Record<string, string>; storage: string }
  >;
  files: { guest: string; hosts: string[] };
}

const FLOW_TASKS = (params: HeteroLrParams) => [
  {
    name: 'psi',
    component: 'psi-ecdh',
    inputs: { data: 'job.dataset' },
    params: { resultParties: 'all' },
  },
  { name: 'train', component: 'hetero-lr', inputs: { data: 'psi.data' }, params },
  {
    name: 'predict',
    component: 'hetero-lr-predict',
    inputs: { data: 'psi.data', model: 'train.model' },
  },
  { name: 'evaluate', component: 'evaluation', inputs: { predictions: 'predict.predictions' } },
];

function taskSeconds(job: JobView, name: string): number {
  const t = job.tasks.find((x) => x.name === name);
  return t?.startedAt && t.finishedAt
    ? (Date.parse(t.finishedAt) - Date.parse(t.startedAt)) / 1000
    : 0;
}

/** @throws Error with a clear message when any step fails (nodes are stopped either way). */
export async function runDemo(opts: DemoOptions): Promise<DemoReport> {
  const t0 = performance.now();
  const out = opts.write ?? ((l: string) => process.stdout.write(l + '\n'));
  const write = (l: string) =>
    out(l ? `[${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${l}` : l);
  if (opts.algorithm !== 'hetero-lr') {
    throw new Error(
      `--algorithm ${opts.algorithm} is not available yet; this version runs hetero-lr`,
    );
  }
  if (opts.task && opts.task !== 'binary')
    throw new Error(`--task ${opts.task}: hetero-lr is a binary classifier; use --task binary`);
  const params = heteroLrParams.parse(opts.params);
  const files = { guest: resolve(opts.guest), hosts: opts.hosts.map((h) => resolve(h)) };
  const root = opts.workdir
    ? resolve(opts.workdir)
    : await mkdtemp(join(tmpdir(), 'fedgrid-demo-'));
  await mkdir(root, { recursive: true });
  const nodes: ClusterNode[] = [];
  const names = ['guest', ...opts.hosts.map((_, k) => `host-${k}`), 'arbiter'];
  // On a shared PostgreSQL database each node keeps its tables in a schema of this run's own.
  const run = randomBytes(3).toString('hex');
  const schemaOf = (node: string) => `fedgrid_demo_${run}_${node.replace(/-/g, '_')}`;
  let ok = false;
  try {
    write(
      `starting ${opts.hosts.length + 2} nodes in ${root} (guest, ${opts.hosts.map((_, k) => `host-${k}`).join(', ')}, arbiter)`,
    );
    if (!opts.databaseUrl) await ensurePgliteTemplate();
    const launched = await Promise.allSettled(
      names.map((n) =>
        launchNode(
          root,
          n,
          opts.databaseUrl ? { databaseUrl: opts.databaseUrl, databaseSchema: schemaOf(n) } : {},
        ),
      ),
    );
    for (const r of launched) if (r.status === 'fulfilled') nodes.push(r.value);
    const failed = launched.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const [guest, ...rest] = nodes as [ClusterNode, ...ClusterNode[]];
    const arbiter = rest[rest.length - 1] as ClusterNode;
    const hosts = rest.slice(0, -1);
    for (const n of nodes)
      write(
        `  ${n.name.padEnd(8)} ${n.info.apiUrl}  data ${n.info.dataAddress}  cert ${n.info.fingerprint.slice(0, 17)}…  paillier:${n.info.backends['paillier']} x25519:${n.info.backends['x25519']}`,
      );

    write('registering datasets');
    const gds = await guest.api.post<DatasetView>('/v1/datasets', {
      name: 'demo-guest',
      path: files.guest,
      idColumn: opts.id,
      labelColumn: opts.label,
    });
    const hds = await Promise.all(
      hosts.map((h, k) =>
        h.api.post<DatasetView>('/v1/datasets', {
          name: `demo-host-${k}`,
          path: files.hosts[k],
          idColumn: opts.id,
        }),
      ),
    );
    write(
      `  guest: ${gds.rows} rows, ${gds.features.length} features, label '${gds.labelColumn}' ${JSON.stringify(gds.label?.counts ?? {})}`,
    );
    hds.forEach((d, k) => write(`  host-${k}: ${d.rows} rows, ${d.features.length} features`));
    if (gds.label && gds.label.distinct !== 2) {
      throw new Error(
        `label '${opts.label}' has ${gds.label.distinct} distinct values; hetero-lr needs a binary label`,
      );
    }

    write('signing contracts (each side pins the other’s certificate)');
    for (let i = 0; i < nodes.length; i++)
      for (let j = i + 1; j < nodes.length; j++)
        await signContract(nodes[i] as ClusterNode, nodes[j] as ClusterNode);

    write('granting the guest the use of each host dataset');
    for (const [k, h] of hosts.entries())
      await h.api.post('/v1/grants', {
        dataset: (hds[k] as DatasetView).id,
        grantee: guest.info.nodeId,
        maxUses: 1,
      });

    write('submitting the job: psi-ecdh → hetero-lr → hetero-lr-predict → evaluation');
    const job = await guest.api.post<JobView>('/v1/jobs', {
      name: 'fedgrid demo',
      parties: {
        guest: { node: guest.info.nodeId },
        hosts: hosts.map((h) => ({ node: h.info.nodeId })),
        arbiter: { node: arbiter.info.nodeId },
      },
      datasets: Object.fromEntries([['guest', gds.id], ...hds.map((d, k) => [`host-${k}`, d.id])]),
      tasks: FLOW_TASKS(params),
    });
    write(`  job ${job.id}`);
    const final = await watchJob(guest.api, job.id, (e) => {
      const line = formatEvent(e);
      if (line) write(line);
    });
    if (final.status !== 'succeeded') {
      const err = final.error as { message?: string } | null;
      throw new Error(`job ${final.id} ${final.status}: ${err?.message ?? 'see the job events'}`);
    }
    const results = final.results as Record<string, Record<string, Record<string, unknown>>>;
    const psi = results['psi']?.['guest'] as { intersection: number };
    const train = results['train']?.['guest'] as {
      epochs: number;
      lossHistory: number[];
      keyBits: number;
    };
    const evaluation = results['evaluate']?.['guest'] as { metrics: Record<string, number> };

    write('training the plaintext baseline on the joined files (for comparison only)');
    const base = await plaintextBaseline(
      { guest: files.guest, hosts: files.hosts, id: opts.id, label: opts.label },
      lrParams(params),
    );
    if (base.rows !== psi.intersection) {
      throw new Error(
        `PSI found ${psi.intersection} common ids, a plaintext join finds ${base.rows}`,
      );
    }

    // Outputs: predictions (guest only) and each party's own model part.
    await mkdir(resolve(opts.out), { recursive: true });
    const preds = await guest.api.get<{ ids: string[]; scores: number[]; labels?: number[] }>(
      `/v1/jobs/${final.id}/outputs/predict/guest/predictions`,
    );
    const csv = [
      'id,score,label',
      ...preds.ids.map((id, i) => `${id},${preds.scores[i]},${preds.labels?.[i] ?? ''}`),
    ].join('\n');
    await writeFile(join(resolve(opts.out), 'predictions.csv'), csv + '\n');
    for (const n of [guest, ...hosts]) {
      const { items: models } = await n.api.get<{ items: { id: string }[] }>(
        `/v1/models?job=${final.id}`,
      );
      for (const m of models) {
        const content = await n.api.get(`/v1/models/${m.id}`);
        await writeFile(
          join(resolve(opts.out), `model-${n.name}.json`),
          JSON.stringify(content, null, 2),
        );
      }
    }
    const pick = (m: Record<string, number>) => ({
      auc: m['auc'] as number,
      ks: m['ks'] as number,
      accuracy: m['accuracy'] as number,
      logloss: m['logloss'] as number,
      precision: m['precision'] as number,
      recall: m['recall'] as number,
      f1: m['f1'] as number,
    });
    const report: DemoReport = {
      algorithm: 'hetero-lr',
      task: 'binary',
      key_bits: train.keyBits,
      parties: { guest: { rows: gds.rows }, hosts: hds.map((d) => ({ rows: d.rows })) },
      intersection_size: psi.intersection,
      metrics: pick(evaluation.metrics),
      baseline: pick(base.metrics as unknown as Record<string, number>),
      seconds: {
        psi: taskSeconds(final, 'psi'),
        train: taskSeconds(final, 'train'),
        predict: taskSeconds(final, 'predict') + taskSeconds(final, 'evaluate'),
        total: (performance.now() - t0) / 1000,
        baseline: base.seconds,
      },
      epochs: train.epochs,
      loss_history: train.lossHistory,
      params,
      job_id: final.id,
      nodes: Object.fromEntries(
        nodes.map((n) => [
          n.name,
          {
            id: n.info.nodeId,
            fingerprint: n.info.fingerprint,
            backends: n.info.backends,
            storage: n.info.storage,
          },
        ]),
      ),
      files,
    };
    await writeFile(join(resolve(opts.out), 'report.json'), JSON.stringify(report, null, 2) + '\n');
    write('');
    write(
      table([
        ['metric', 'federated', 'plaintext', 'difference'],
        ...(['auc', 'ks', 'accuracy', 'precision', 'recall', 'f1', 'logloss'] as const).map((k) => [
          k,
          report.metrics[k]!.toFixed(4),
          report.baseline[k]!.toFixed(4),
          (report.metrics[k]! - report.baseline[k]!).toFixed(4),
        ]),
      ]),
    );
    write('');
    write(
      `intersection ${report.intersection_size} of ${gds.rows} guest / ${hds.map((d) => d.rows).join(', ')} host rows; ${report.epochs} epochs; Paillier-${report.key_bits}`,
    );
    write(
      `seconds: psi ${report.seconds.psi.toFixed(2)}, train ${report.seconds.train.toFixed(2)}, predict ${report.seconds.predict.toFixed(2)}, total ${report.seconds.total.toFixed(2)}`,
    );
    write(`report: ${join(resolve(opts.out), 'report.json')}`);
    ok = true;
    return report;
  } finally {
    await Promise.all(nodes.map((n) => n.stop().catch(() => {})));
    if (ok && !opts.workdir && !opts.keep) {
      await rm(root, { recursive: true, force: true });
      const url = opts.databaseUrl;
      if (url) await Promise.all(names.map((n) => dropStoreSchema(url, schemaOf(n))));
    } else if (!ok) write(`node directories and logs kept in ${root}`);
  }
}
