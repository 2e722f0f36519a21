/**
 * `fedgrid demo`: the main job end to end (CONTRACTS.md). Guest, host(s) and (when the algorithm
 * needs one) the arbiter run as separate node processes on loopback; this process acts as each
 * organisation's administrator and drives the nodes only through their REST APIs: register
 * datasets, sign contracts, grant, submit the flow (ECDH-PSI → training → federated prediction →
 * evaluation; the algorithms in algorithms.ts), follow it, deploy the trained model and send
 * online predictions (serving-step.ts), then compare with the plaintext twin trained on the
 * joined files and write report.json.
 */
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { PredictionTask } from '@fedgrid/components';
import { type DatasetView, type JobView } from '@fedgrid/node';
import { formatEvent, watchJob } from '../job-watch.js';
import { table } from '../output.js';
import {
  demoAlgorithm,
  inferTask,
  METRIC_KEYS,
  pickMetrics,
  type DemoAlgorithm,
} from './algorithms.js';
import { plaintextBaseline } from './baseline.js';
import type { ClusterNode } from './cluster.js';
import { permitAdhocJob, taskSeconds, withDemoNodes } from './demo-nodes.js';
import { splitCsv } from './holdout.js';
import { scoreHeldOut, type HeldOutReport } from './holdout-step.js';
import { demoServing, publishPart, type ServingReport } from './serving-step.js';

/** The demo's encoding task when a dataset has categorical columns (see runSplit). */
const encodeTask = {
  name: 'encode',
  component: 'encode',
  inputs: { data: 'psi.data' },
  params: { categorical: 'categorical', method: 'one-hot', unseen: 'ignore' },
};

export { SAMPLE_DIR } from './samples.js';

export interface DemoOptions {
  guest: string;
  hosts: string[];
  id: string;
  label: string;
  algorithm: string;
  /** binary, multiclass or regression (default: inferred from the label column). */
  task?: string;
  out: string;
  workdir?: string;
  keep?: boolean;
  /** Parameter overrides of the algorithm (maxIter, batchSize, learningRate, keyBits, …). */
  params: Record<string, unknown>;
  /** PostgreSQL URL for every node instead of PGlite. */
  databaseUrl?: string;
  /**
   * Share of rows (0–1) held out of training in every file (holdout.ts); the published model then
   * scores them in a batch-prediction job and report.json gains `heldout`. @default 0 (none)
   */
  holdout?: number;
  /** Progress lines go here (default stdout). */
  write?: (line: string) => void;
  /**
   * The nodes' crypto suite: `gm` runs every node with SM2 identities, SM2/SM4-protected
   * partner calls and data plane, SM3 audit chains (docs/protocols/gm-suite.md).
   * @default 'international'
   */
  suite?: 'international' | 'gm';
}

export interface DemoReport {
  algorithm: string;
  /** The nodes' crypto suite (CONTRACTS.md). */
  suite: 'international' | 'gm';
  task: string;
  key_bits: number;
  parties: { guest: { rows: number }; hosts: { rows: number }[] };
  intersection_size: number;
  metrics: Record<string, number>;
  baseline: Record<string, number>;
  seconds: { psi: number; train: number; predict: number; total: number; baseline: number };
  /** Training epochs (iterative algorithms; per class for one-vs-rest). */
  epochs?: number | number[];
  loss_history?: number[] | number[][];
  params: Record<string, unknown>;
  job_id: string;
  nodes: Record<
    string,
    {
      id: string;
      fingerprint: string;
      backends: Record<string, string>;
      storage: string;
      /** The suites the node's card offers (`['gm']` under --suite gm). */
      suites: string[];
    }
  >;
  files: { guest: string; hosts: string[] };
  /** The deployed model's online predictions (algorithms with online serving). */
  serving?: ServingReport;
  /** Metrics on held-out rows (`--holdout`); `metrics` and `baseline` are then on the train rows. */
  heldout?: HeldOutReport;
  /** Present when the model is no better than a constant (the demo then exits non-zero). */
  quality?: { ok: false; problem: string };
}

/**
 * The demo's task: --task if given; else the algorithm's only task where it has one
 * (hetero-linr and hetero-poisson are regression, CONTRACTS.md); else inferred from the label.
 */
export function resolveTask(
  algorithm: Pick<DemoAlgorithm, 'tasks'>,
  declared: string | undefined,
  label: { type: string; distinct: number } | null | undefined,
): PredictionTask {
  if (declared) return declared as PredictionTask;
  if (algorithm.tasks.length === 1) return algorithm.tasks[0] as PredictionTask;
  return label ? inferTask(label) : 'binary';
}

/**
 * Why a trained model is no result at all, or undefined: a regression worse than predicting the
 * mean (r2 ≤ 0), a classifier no better than chance (auc ≤ 0.5), or a non-finite metric.
 */
export function qualityProblem(
  task: PredictionTask,
  metrics: Record<string, number>,
): string | undefined {
  const bad = Object.entries(metrics).find(([, v]) => !Number.isFinite(v));
  if (bad) return `${bad[0]} is ${bad[1]}`;
  if (task === 'regression' && (metrics['r2'] as number) <= 0)
    return `r2 = ${(metrics['r2'] as number).toFixed(4)}: worse than predicting the mean`;
  if (task === 'binary' && (metrics['auc'] as number) <= 0.5)
    return `auc = ${(metrics['auc'] as number).toFixed(4)}: no better than chance`;
  return undefined;
}

/** @throws Error with a clear message when any step fails (nodes are stopped either way). */
export async function runDemo(opts: DemoOptions): Promise<DemoReport> {
  const t0 = performance.now();
  const out = opts.write ?? ((l: string) => process.stdout.write(l + '\n'));
  const write = (l: string) =>
    out(l ? `[${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${l}` : l);
  const algorithm = demoAlgorithm(opts.algorithm);
  const parsed = algorithm.params.safeParse(opts.params);
  if (!parsed.success)
    throw new Error(
      `bad parameters for ${algorithm.code}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const params = parsed.data;
  if (opts.task && !['binary', 'multiclass', 'regression'].includes(opts.task))
    throw new Error(`--task ${opts.task}: use binary, multiclass or regression`);
  if (opts.hosts.length > (algorithm.maxHosts ?? Infinity))
    throw new Error(
      `${algorithm.code} takes at most ${algorithm.maxHosts} host(s); ${opts.hosts.length} --host files were given`,
    );
  const given = { guest: resolve(opts.guest), hosts: opts.hosts.map((h) => resolve(h)) };
  const holdout = opts.holdout ?? 0;
  if (!(holdout >= 0 && holdout < 1))
    throw new Error(`--holdout ${holdout}: give a fraction between 0 and 1, e.g. 0.2`);
  if (!holdout) return runSplit(opts, algorithm, params, given, undefined, t0, write);
  // Each party's file split by the same public rule on its id column, in a folder of its own.
  const splitDir = await mkdtemp(join(tmpdir(), 'fedgrid-holdout-'));
  try {
    const g = await splitCsv(given.guest, opts.id, holdout, join(splitDir, 'guest'));
    const hs = await Promise.all(
      given.hosts.map((h, k) => splitCsv(h, opts.id, holdout, join(splitDir, `host-${k}`))),
    );
    write(
      `holding out ${(holdout * 100).toFixed(0)}% of rows by SHA-256(id): guest ${g.trainRows} train / ${g.testRows} held out`,
    );
    return await runSplit(
      opts,
      algorithm,
      params,
      { guest: g.train, hosts: hs.map((h) => h.train) },
      { guest: g.test, hosts: hs.map((h) => h.test) },
      t0,
      write,
    );
  } finally {
    await rm(splitDir, { recursive: true, force: true });
  }
}

/** The demo on the given (train) files; `heldout` files are scored after training when given. */
async function runSplit(
  opts: DemoOptions,
  algorithm: DemoAlgorithm,
  params: Record<string, unknown>,
  files: { guest: string; hosts: string[] },
  heldout: { guest: string; hosts: string[] } | undefined,
  t0: number,
  write: (line: string) => void,
): Promise<DemoReport> {
  const names = [
    'guest',
    ...opts.hosts.map((_, k) => `host-${k}`),
    ...(algorithm.arbiter ? ['arbiter'] : []),
  ];
  // Each node may read only the folder of its own file (symlinks resolved, as the node does).
  const folderOf = async (f: string) => dirname(await realpath(f).catch(() => f));
  const folders = new Map<string, string>([
    ['guest', await folderOf(files.guest)],
    ...(await Promise.all(
      files.hosts.map(async (h, k) => [`host-${k}`, await folderOf(h)] as [string, string]),
    )),
  ]);
  const dataDirs = (node: string) => {
    const f = folders.get(node);
    return f ? [f] : [];
  };
  return withDemoNodes({ ...opts, names, write, dataDirs }, async (nodes) => {
    const [guest, ...rest] = nodes as [ClusterNode, ...ClusterNode[]];
    const arbiter = algorithm.arbiter ? (rest[rest.length - 1] as ClusterNode) : undefined;
    const hosts = algorithm.arbiter ? rest.slice(0, -1) : rest;

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
    const task = resolveTask(algorithm, opts.task, gds.label);
    if (!algorithm.tasks.includes(task)) {
      throw new Error(
        `${algorithm.code} handles ${algorithm.tasks.join(' and ')} tasks; label '${opts.label}' (${gds.label?.distinct} distinct ${gds.label?.type} values) is ${opts.task ? 'declared' : 'inferred as'} ${task}` +
          (task === 'regression' ? ' — try --algorithm hetero-linr' : '') +
          (opts.task ? '' : ', or say --task'),
      );
    }
    write(`  task: ${task}`);

    write('granting the guest the use of each host dataset');
    for (const [k, h] of hosts.entries())
      await h.api.post('/v1/grants', {
        dataset: (hds[k] as DatasetView).id,
        grantee: guest.info.nodeId,
        maxUses: 1,
      });

    // String columns registered as categorical: each party one-hot encodes its own after PSI
    // (encode component), and training and prediction read the encoded rows.
    const categorical = [gds, ...hds].some((d) =>
      d.features.some((f) => (f.type as string) === 'categorical'),
    );
    if (categorical)
      write(
        `  categorical columns: ${[gds, ...hds].map((d, k) => `${k === 0 ? 'guest' : `host-${k - 1}`} ${d.features.filter((f) => (f.type as string) === 'categorical').length}`).join(', ')} — one-hot encoded by each party after PSI`,
      );
    const tasks = [
      {
        name: 'psi',
        component: 'psi-ecdh',
        inputs: { data: 'job.dataset' },
        params: { resultParties: 'all' },
      },
      ...(categorical ? [encodeTask] : []),
      ...algorithm.flow(params, task).map((t) =>
        categorical
          ? {
              ...t,
              inputs: Object.fromEntries(
                Object.entries(t.inputs).map(([k, v]) => [k, v === 'psi.data' ? 'encode.data' : v]),
              ),
            }
          : t,
      ),
    ];
    const request = {
      name: `fedgrid demo (${algorithm.code})`,
      parties: {
        guest: { node: guest.info.nodeId },
        hosts: hosts.map((h) => ({ node: h.info.nodeId })),
        ...(arbiter ? { arbiter: { node: arbiter.info.nodeId } } : {}),
      },
      datasets: Object.fromEntries([['guest', gds.id], ...hds.map((d, k) => [`host-${k}`, d.id])]),
      tasks,
    };
    write(
      `each partner permits the guest's ad-hoc job (${[...new Set(tasks.map((t) => t.component))].join(', ')})`,
    );
    await permitAdhocJob(request, nodes);
    write(`submitting the job: ${tasks.map((t) => t.component).join(' → ')}`);
    const job = await guest.api.post<JobView>('/v1/jobs', request);
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
      epochs?: number | number[];
      lossHistory?: number[] | number[][];
      keyBits?: number;
    };
    const evaluation = results['evaluate']?.['guest'] as { metrics: Record<string, number> };

    write('training the plaintext baseline on the joined files (for comparison only)');
    const base = await plaintextBaseline(
      { guest: files.guest, hosts: files.hosts, id: opts.id, label: opts.label },
      algorithm,
      params,
      task,
      heldout,
    );
    if (base.rows !== psi.intersection) {
      throw new Error(
        `PSI found ${psi.intersection} common ids, a plaintext join finds ${base.rows}`,
      );
    }

    // Outputs: predictions (guest only) and each party's own model part.
    await mkdir(resolve(opts.out), { recursive: true });
    const preds = await guest.api.get<{
      ids: string[];
      scores: number[];
      labels?: number[];
      classes?: number[];
      probabilities?: number[];
    }>(`/v1/jobs/${final.id}/outputs/predict/guest/predictions`);
    const csv = predictionsCsv(task, preds).join('\n');
    await writeFile(join(resolve(opts.out), 'predictions.csv'), csv + '\n');
    for (const n of [guest, ...hosts]) {
      const { items: models } = await n.api.get<{ items: { id: string; task: string }[] }>(
        `/v1/models?job=${final.id}`,
      );
      for (const m of models) {
        const content = await n.api.get(`/v1/models/${m.id}`);
        // The trained model is model-<party>.json; a preprocessing model (encode) gets its task.
        const file = m.task === 'train' ? `model-${n.name}.json` : `model-${n.name}-${m.task}.json`;
        await writeFile(join(resolve(opts.out), file), JSON.stringify(content, null, 2));
      }
    }
    // A model of encoded columns is served like any other: each party replays its own fitted
    // encoding of the training on its raw serving table (docs/protocols/serving.md). The
    // encoding parts are published too, for the held-out job's own encode task.
    let encodeModel: string | undefined;
    if (categorical) {
      write('publishing the encoding: each party’s own fitted categories');
      const all = [guest, ...hosts, ...(arbiter ? [arbiter] : [])];
      for (const n of [guest, ...hosts]) {
        const id = await publishPart(
          n,
          all.filter((x) => x !== n),
          final.id,
          'encode',
        );
        if (n === guest) encodeModel = id;
      }
    }
    const serving = await demoServing({
      guest,
      hosts,
      arbiter,
      jobId: final.id,
      gds,
      hds,
      batch: preds,
      requests: 100,
      write,
    });
    let heldoutReport: HeldOutReport | undefined;
    if (heldout && base.heldout) {
      const h = await scoreHeldOut({
        guest,
        hosts,
        all: nodes,
        trainJobId: final.id,
        files: heldout,
        id: opts.id,
        label: opts.label,
        task,
        ...(encodeModel ? { encodeModel } : {}),
        write,
      });
      if (h.rows !== base.heldout.rows)
        throw new Error(
          `held-out PSI found ${h.rows} common ids, a plaintext join finds ${base.heldout.rows}`,
        );
      heldoutReport = {
        fraction: opts.holdout as number,
        rows: h.rows,
        metrics: h.metrics,
        baseline: base.heldout.metrics,
        job_id: h.jobId,
      };
    }
    const report: DemoReport = {
      algorithm: algorithm.code,
      suite: opts.suite ?? 'international',
      task,
      key_bits: train.keyBits ?? algorithm.keyBits(params),
      parties: { guest: { rows: gds.rows }, hosts: hds.map((d) => ({ rows: d.rows })) },
      intersection_size: psi.intersection,
      metrics: pickMetrics(task, evaluation.metrics),
      baseline: base.metrics,
      seconds: {
        psi: taskSeconds(final, 'psi'),
        train: taskSeconds(final, 'train'),
        predict: taskSeconds(final, 'predict') + taskSeconds(final, 'evaluate'),
        total: (performance.now() - t0) / 1000,
        baseline: base.seconds,
      },
      ...(train.epochs !== undefined ? { epochs: train.epochs } : {}),
      ...(train.lossHistory !== undefined ? { loss_history: train.lossHistory } : {}),
      ...(serving ? { serving } : {}),
      ...(heldoutReport ? { heldout: heldoutReport } : {}),
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
            suites: n.info.suites ?? ['international'],
          },
        ]),
      ),
      files: { guest: resolve(opts.guest), hosts: opts.hosts.map((h) => resolve(h)) },
    };
    const problem = qualityProblem(task, report.metrics);
    if (problem) report.quality = { ok: false, problem };
    await writeFile(join(resolve(opts.out), 'report.json'), JSON.stringify(report, null, 2) + '\n');
    if (problem)
      throw new Error(
        `the federated model is hopeless: ${problem} (report: ${join(resolve(opts.out), 'report.json')}); not a result to use`,
      );
    write('');
    write(
      table([
        ['metric', 'federated', 'plaintext', 'difference'],
        ...METRIC_KEYS[task].map((k) => [
          k,
          report.metrics[k]!.toFixed(4),
          report.baseline[k]!.toFixed(4),
          (report.metrics[k]! - report.baseline[k]!).toFixed(4),
        ]),
      ]),
    );
    if (heldoutReport) {
      write('');
      write(`held-out rows (${heldoutReport.rows}, never seen in training):`);
      write(
        table([
          ['metric', 'federated', 'plaintext', 'difference'],
          ...METRIC_KEYS[task].map((k) => [
            k,
            heldoutReport.metrics[k]!.toFixed(4),
            heldoutReport.baseline[k]!.toFixed(4),
            (heldoutReport.metrics[k]! - heldoutReport.baseline[k]!).toFixed(4),
          ]),
        ]),
      );
    }
    write('');
    write(
      `intersection ${report.intersection_size} of ${gds.rows} guest / ${hds.map((d) => d.rows).join(', ')} host rows; ${report.epochs !== undefined ? `${String(report.epochs)} epochs; ` : ''}Paillier-${report.key_bits}`,
    );
    write(
      `seconds: psi ${report.seconds.psi.toFixed(2)}, train ${report.seconds.train.toFixed(2)}, predict ${report.seconds.predict.toFixed(2)}, total ${report.seconds.total.toFixed(2)}`,
    );
    if (serving)
      write(
        `online: ${serving.model}, ${serving.requests} requests, p50 ${serving.p50_ms.toFixed(2)} ms, p99 ${serving.p99_ms.toFixed(2)} ms, equal to batch: ${serving.equal_to_batch}`,
      );
    write(`report: ${join(resolve(opts.out), 'report.json')}`);
    return report;
  });
}

/** predictions.csv: id, the score (binary P(y=1); regression the value; multiclass the class), label. */
function predictionsCsv(
  task: PredictionTask,
  p: {
    ids: string[];
    scores: number[];
    labels?: number[];
    classes?: number[];
    probabilities?: number[];
  },
): string[] {
  if (task === 'multiclass' && p.classes && p.probabilities) {
    const k = p.classes.length;
    return [
      ['id', 'class', ...p.classes.map((c) => `p_${c}`), 'label'].join(','),
      ...p.ids.map((id, i) =>
        [
          id,
          p.classes![p.scores[i] as number],
          ...p.probabilities!.slice(i * k, (i + 1) * k),
          p.labels?.[i] ?? '',
        ].join(','),
      ),
    ];
  }
  const name = task === 'regression' ? 'prediction' : 'score';
  return [
    `id,${name},label`,
    ...p.ids.map((id, i) => `${id},${p.scores[i]},${p.labels?.[i] ?? ''}`),
  ];
}
