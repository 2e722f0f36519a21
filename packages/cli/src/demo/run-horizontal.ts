/**
 * `fedgrid demo --mode horizontal` (CONTRACTS.md): three client nodes — the steel plant's year in
 * three periods — and an aggregator (arbiter) run as separate node processes on loopback; this
 * process registers each client's rows, signs contracts, grants, and submits the flow
 * homo-split (each client holds out its latest quarter) → homo-nn / homo-lr → homo-predict,
 * then scores the pooled test predictions and compares them with a centralised model trained on
 * the union of the training rows and with each client's local-only model.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  homoLinearParams,
  homoNnKind,
  homoNnParams,
  linearKind,
  type HomoModelKind,
  type HomoRoundParams,
  type ModelPart,
  type Predictions,
  type RoundRecord,
} from '@fedgrid/components';
import { multiclassMetrics, SeededRandom, selectFrameRows, splitRows } from '@fedgrid/ml';
import { importCsv, type DatasetView, type JobView } from '@fedgrid/node';
import { formatEvent, watchJob } from '../job-watch.js';
import { table } from '../output.js';
import type { ClusterNode } from './cluster.js';
import { permitAdhocJob, taskSeconds, withDemoNodes } from './demo-nodes.js';
import { trainAlone, unionOf } from './horizontal-baseline.js';
import { prepareSteelParties } from './horizontal-data.js';
import { ENERGY_DIR } from './samples.js';

const ALGORITHMS: Record<
  string,
  {
    kind: HomoModelKind<HomoRoundParams>;
    params: typeof homoNnParams | typeof homoLinearParams;
    defaults: Record<string, unknown>;
  }
> = {
  'homo-nn': {
    kind: homoNnKind as unknown as HomoModelKind<HomoRoundParams>,
    params: homoNnParams,
    defaults: { rounds: 15, localEpochs: 1, batchSize: 64, learningRate: 0.01, hidden: [32, 16] },
  },
  'homo-lr': {
    kind: linearKind('homo-lr', true) as unknown as HomoModelKind<HomoRoundParams>,
    params: homoLinearParams,
    defaults: { rounds: 15, localEpochs: 1, batchSize: 64, learningRate: 0.1 },
  },
};

/** Fraction of each client's rows (its latest) held out as test data. */
const TEST_FRACTION = 0.25;

export interface HorizontalDemoOptions {
  algorithm: string;
  /** The nodes' crypto suite. @default 'international' */
  suite?: 'international' | 'gm';
  out: string;
  workdir?: string;
  keep?: boolean;
  params: Record<string, unknown>;
  databaseUrl?: string;
  write?: (line: string) => void;
}

export interface HorizontalReport {
  mode: 'horizontal';
  algorithm: string;
  suite: 'international' | 'gm';
  task: 'multiclass';
  parties: { guest: { rows: number }; hosts: { rows: number }[] };
  clients: { party: string; rows: number; train: number; test: number }[];
  metrics: Record<string, number>;
  baseline: Record<string, number>;
  local: { party: string; metrics: Record<string, number> }[];
  secure_aggregation: boolean;
  rounds: RoundRecord[];
  seconds: { train: number; predict: number; baseline: number; total: number };
  params: Record<string, unknown>;
  job_id: string;
}

const KEYS = ['accuracy', 'f1_macro', 'precision_macro', 'recall_macro', 'f1_micro'];

function score(labels: Float64Array, predicted: ArrayLike<number>): Record<string, number> {
  const m = multiclassMetrics(labels, predicted) as unknown as Record<string, number>;
  return Object.fromEntries(KEYS.map((k) => [k, m[k] as number]));
}

/** @throws Error with a clear message when any step fails (nodes are stopped either way). */
export async function runHorizontalDemo(opts: HorizontalDemoOptions): Promise<HorizontalReport> {
  const t0 = performance.now();
  const out = opts.write ?? ((l: string) => process.stdout.write(l + '\n'));
  const write = (l: string) =>
    out(l ? `[${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${l}` : l);
  const algo = ALGORITHMS[opts.algorithm];
  if (!algo)
    throw new Error(
      `--mode horizontal trains ${Object.keys(ALGORITHMS).join(' or ')}; '${opts.algorithm}' is not one of them`,
    );
  const parsed = algo.params.safeParse({ ...algo.defaults, ...opts.params });
  if (!parsed.success)
    throw new Error(
      `bad parameters for ${opts.algorithm}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const params = parsed.data as HomoRoundParams;
  const clientNames = ['guest', 'host-0', 'host-1'];
  const names = [...clientNames, 'arbiter'];
  // The clients' files are written to ROOT/data (below); each client may read only that folder.
  const dataDirs = (node: string, root: string) =>
    clientNames.includes(node) ? [join(root, 'data')] : [];
  return withDemoNodes({ ...opts, names, write, dataDirs }, async (nodes, root) => {
    write('preparing three clients: the steel plant in Jan–Apr, May–Aug, Sep–Dec (bundled data)');
    await mkdir(join(root, 'data'), { recursive: true });
    const data = await prepareSteelParties(
      join(ENERGY_DIR, 'Steel_industry_data.csv'),
      join(root, 'data'),
      clientNames.length,
    );
    const clients = nodes.slice(0, clientNames.length);
    const arbiter = nodes[clientNames.length] as ClusterNode;
    write('registering each client’s rows');
    const datasets = await Promise.all(
      clients.map((n, k) =>
        n.api.post<DatasetView>('/v1/datasets', {
          name: `steel-${clientNames[k]}`,
          path: data.files[k],
          idColumn: 'id',
          labelColumn: 'y',
        }),
      ),
    );
    datasets.forEach((d, k) =>
      write(
        `  ${clientNames[k]}: ${d.rows} rows, ${d.features.length} features, classes ${JSON.stringify(d.label?.counts ?? {})}`,
      ),
    );
    const [guest, ...hosts] = clients as [ClusterNode, ...ClusterNode[]];
    for (const [k, h] of hosts.entries())
      await h.api.post('/v1/grants', {
        dataset: (datasets[k + 1] as DatasetView).id,
        grantee: guest.info.nodeId,
        maxUses: 1,
      });
    const tasks = [
      {
        name: 'split',
        component: 'homo-split',
        inputs: { data: 'job.dataset' },
        params: { train: 1 - TEST_FRACTION, validate: 0, test: TEST_FRACTION, shuffle: false },
      },
      { name: 'train', component: opts.algorithm, inputs: { data: 'split.train' }, params },
      {
        name: 'predict',
        component: 'homo-predict',
        inputs: { model: 'train.model', data: 'split.test' },
        params: {},
      },
    ];
    const request = {
      name: `fedgrid demo (horizontal, ${opts.algorithm})`,
      parties: {
        guest: { node: guest.info.nodeId },
        hosts: hosts.map((h) => ({ node: h.info.nodeId })),
        arbiter: { node: arbiter.info.nodeId },
      },
      datasets: Object.fromEntries(datasets.map((d, k) => [clientNames[k], d.id])),
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
    const history = (results['train']?.['guest']?.['history'] ?? []) as RoundRecord[];

    // Pooled test predictions of the federated model (each client scored its own rows).
    const pooled = { labels: [] as number[], predicted: [] as number[] };
    for (const [k, n] of clients.entries()) {
      const p = await n.api.get<Predictions & { scores: number[]; labels: number[] }>(
        `/v1/jobs/${final.id}/outputs/predict/${clientNames[k]}/predictions`,
      );
      pooled.labels.push(...p.labels);
      pooled.predicted.push(...p.scores);
    }
    const metrics = score(Float64Array.from(pooled.labels), pooled.predicted);

    write(
      'training the centralised model on the union and each client’s local-only model (for comparison only)',
    );
    const tb = performance.now();
    const frames = await Promise.all(
      data.files.map(
        async (f) => (await importCsv({ path: f, idColumn: 'id', labelColumn: 'y' })).frame,
      ),
    );
    const parts = frames.map((f) => {
      const cut = splitRows(
        f.ids.length,
        { train: 1 - TEST_FRACTION, validate: 0, test: TEST_FRACTION },
        new SeededRandom(0),
        { shuffle: false },
      );
      const rows = (code: number) => [...cut.keys()].filter((i) => cut[i] === code);
      return { train: selectFrameRows(f, rows(0)), test: selectFrameRows(f, rows(2)) };
    });
    const test = unionOf(parts.map((p) => p.test));
    const predictTest = async (model: ModelPart) =>
      score(test.labels as Float64Array, (await algo.kind.predict(model, test)).scores);
    const trainFrames = parts.map((p) => p.train);
    const baseline = await predictTest(
      await trainAlone(algo.kind, unionOf(trainFrames), params, trainFrames),
    );
    const local: HorizontalReport['local'] = [];
    for (const [k, p] of parts.entries())
      local.push({
        party: clientNames[k] as string,
        metrics: await predictTest(await trainAlone(algo.kind, p.train, params, trainFrames)),
      });
    const baselineSeconds = (performance.now() - tb) / 1000;

    await mkdir(resolve(opts.out), { recursive: true });
    const report: HorizontalReport = {
      mode: 'horizontal',
      algorithm: opts.algorithm,
      suite: opts.suite ?? 'international',
      task: 'multiclass',
      parties: {
        guest: { rows: datasets[0]?.rows ?? 0 },
        hosts: datasets.slice(1).map((d) => ({ rows: d.rows })),
      },
      clients: parts.map((p, k) => ({
        party: clientNames[k] as string,
        rows: frames[k]?.ids.length ?? 0,
        train: p.train.ids.length,
        test: p.test.ids.length,
      })),
      metrics,
      baseline,
      local,
      secure_aggregation: params.secureAggregation.enabled,
      rounds: history,
      seconds: {
        train: taskSeconds(final, 'train'),
        predict: taskSeconds(final, 'predict'),
        baseline: baselineSeconds,
        total: (performance.now() - t0) / 1000,
      },
      params: params as unknown as Record<string, unknown>,
      job_id: final.id,
    };
    await writeFile(join(resolve(opts.out), 'report.json'), JSON.stringify(report, null, 2) + '\n');
    write('');
    write(
      table([
        ['model (pooled test rows)', ...KEYS.slice(0, 2)],
        ['federated', ...KEYS.slice(0, 2).map((k) => metrics[k]!.toFixed(4))],
        ['centralised (union)', ...KEYS.slice(0, 2).map((k) => baseline[k]!.toFixed(4))],
        ...local.map((l) => [
          `${l.party} alone`,
          ...KEYS.slice(0, 2).map((k) => l.metrics[k]!.toFixed(4)),
        ]),
      ]),
    );
    write('');
    write(
      `${params.rounds} rounds${report.secure_aggregation ? ' with secure aggregation' : ''}; seconds: train ${report.seconds.train.toFixed(2)}, predict ${report.seconds.predict.toFixed(2)}, total ${report.seconds.total.toFixed(2)}`,
    );
    write(`report: ${join(resolve(opts.out), 'report.json')}`);
    return report;
  });
}
