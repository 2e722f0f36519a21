/**
 * The example flows (examples/flows/*.yaml): one for every training component the registry has
 * (a component with a model output and no model input — discovered, not listed), the headline
 * example evaluating held-out rows, and the examples of SecureBoost, HeteroLinR, HeteroPoisson,
 * homo-lr and homo-linr run as they are written (node ids, dataset names, tasks) on in-process
 * nodes over mutual TLS, on the bundled data, shortened to a few trees / rounds / epochs (each
 * allowed 5 minutes on a loaded machine). flows.test.ts checks that every example is a valid
 * flow.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { BUILTIN_COMPONENTS } from '@fedgrid/components';
import type { JobView } from '@fedgrid/node';
import { TestNodes, type TestNode } from './nodes.js';

const root = join(import.meta.dirname, '../../..');
const FLOWS = join(root, 'examples/flows');
const FATE = join(root, 'examples/data/fate');

interface FlowFile {
  parties: { guest: { node: string }; hosts: { node: string }[]; arbiter?: { node: string } };
  datasets: Record<string, string>;
  tasks: {
    name: string;
    component: string;
    inputs: Record<string, string>;
    params?: Record<string, unknown>;
  }[];
}

const flowFiles = readdirSync(FLOWS).filter((f) => f.endsWith('.yaml'));
const readFlow = (file: string) => parseYaml(readFileSync(join(FLOWS, file), 'utf8')) as FlowFile;

/** The task that produced `ref` (`task.output`), or undefined for `job.dataset`. */
const producer = (flow: FlowFile, ref: string) =>
  flow.tasks.find((t) => t.name === ref.slice(0, ref.indexOf('.')));

describe('example flows', () => {
  it('every training component of the registry has an example flow', () => {
    const training = BUILTIN_COMPONENTS.filter(
      (c) => c.outputs.some((p) => p.kind === 'model') && !c.inputs.some((p) => p.kind === 'model'),
    ).map((c) => c.code);
    // The rule finds the known trainers (a sanity check on the rule, not the list it checks).
    expect(training).toEqual(expect.arrayContaining(['hetero-lr', 'secureboost', 'homo-nn']));
    const used = new Set(flowFiles.flatMap((f) => readFlow(f).tasks.map((t) => t.component)));
    expect(training.filter((c) => !used.has(c))).toEqual([]);
  });

  it('the headline example trains on the train rows and evaluates the held-out test rows', () => {
    const flow = readFlow('hetero-lr.yaml');
    const evaluate = flow.tasks.find((t) => t.component === 'evaluation');
    const predict = producer(flow, evaluate!.inputs['predictions']!);
    const train = producer(flow, predict!.inputs['model']!);
    const split = producer(flow, predict!.inputs['data']!);
    expect(split?.component).toBe('split');
    expect(predict!.inputs['data']).toBe(`${split!.name}.test`);
    expect(train!.inputs['data']).toBe(`${split!.name}.train`);
    expect(Number(split!.params?.['test'])).toBeGreaterThan(0);
  });
});

async function waitDone(node: TestNode, id: string): Promise<JobView> {
  for (;;) {
    const j = await node.ok<JobView>('GET', `/v1/jobs/${id}`);
    if (['succeeded', 'failed', 'stopped'].includes(j.status)) return j;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Submits an example flow as written, with `params` merged into its `train` task. */
async function runExample(
  guest: TestNode,
  file: string,
  params: Record<string, unknown>,
): Promise<JobView> {
  const flow = readFlow(file);
  const tasks = flow.tasks.map((t) =>
    t.name === 'train' ? { ...t, params: { ...t.params, ...params } } : t,
  );
  const job = await guest.ok<JobView>('POST', '/v1/jobs', { ...flow, tasks });
  const done = await waitDone(guest, job.id);
  expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
  return done;
}

type Summary = { task: string; rows: number; metrics: Record<string, number> };
type Event = { party: string; kind: string; data: Record<string, unknown> | null };

async function progress(node: TestNode, jobId: string): Promise<Record<string, unknown>[]> {
  const { items } = await node.ok<{ items: Event[] }>('GET', `/v1/jobs/${jobId}/events`);
  return items
    .filter((e) => e.kind === 'progress' && e.party === 'guest' && e.data?.['stage'] === 'train')
    .map((e) => e.data!);
}

describe('secureboost.yaml', () => {
  const t = new TestNodes();
  afterAll(() => t.close());

  it('runs as written on the breast split: trees reported with their total, test rows evaluated', async () => {
    const flow = readFlow('secureboost.yaml');
    const [guest, host] = await Promise.all([
      t.start(flow.parties.guest.node),
      t.start(flow.parties.hosts[0]!.node),
    ]);
    await t.contractAll();
    await t.permitAll();
    await guest.ok('POST', '/v1/datasets', {
      name: flow.datasets['guest'],
      path: join(FATE, 'breast_hetero_guest.csv'),
      labelColumn: 'y',
    });
    await host.ok('POST', '/v1/datasets', {
      name: flow.datasets['host-0'],
      path: join(FATE, 'breast_hetero_host.csv'),
    });
    await host.ok('POST', '/v1/grants', { dataset: flow.datasets['host-0'], grantee: guest.id });

    const done = await runExample(guest, 'secureboost.yaml', { trees: 3 });
    const byName = new Map(done.tasks.map((tk) => [tk.name, tk]));
    // The job view says where each task's inputs came from.
    expect(byName.get('predict')?.inputs).toEqual({ data: 'split.test', model: 'train.model' });
    const report = (byName.get('evaluate')?.result as Record<string, Summary>)['guest']!;
    expect(report.task).toBe('binary');
    // Exactly the split's held-out rows (a stratified 20 % of the 569 common ids).
    const test = await guest.ok<{ rows: number }>(
      'GET',
      `/v1/jobs/${done.id}/outputs/split/guest/test`,
    );
    expect(report.rows).toBe(test.rows);
    expect(Math.abs(test.rows - 0.2 * 569)).toBeLessThan(2);
    expect(report.metrics['auc']).toBeGreaterThan(0.8);

    const events = await progress(guest, done.id);
    const start = events.find((d) => d['step'] === 'start');
    expect(start).toMatchObject({ trees: 3, features: 10, hostFeatures: 20, hosts: 1 });
    const rounds = events.filter((d) => d['round'] !== undefined);
    expect(rounds.map((d) => [d['round'], d['rounds']])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  }, 300_000);
});

describe('homo-lr.yaml', () => {
  const t = new TestNodes();
  afterAll(() => t.close());

  it('runs as written on the horizontal credit split: rounds reported, held-out rows evaluated', async () => {
    const flow = readFlow('homo-lr.yaml');
    const clients = await Promise.all(
      [flow.parties.guest, ...flow.parties.hosts].map((p) => t.start(p.node)),
    );
    await t.start(flow.parties.arbiter!.node);
    await t.contractAll();
    await t.permitAll();
    const files = [
      'default_credit_homo_guest.csv',
      'default_credit_homo_host_1.csv',
      'default_credit_homo_host_2.csv',
    ];
    const parties = ['guest', 'host-0', 'host-1'];
    for (const [k, n] of clients.entries()) {
      const name = flow.datasets[parties[k]!];
      await n.ok('POST', '/v1/datasets', {
        name,
        path: join(FATE, files[k]!),
        labelColumn: 'y',
      });
      if (k > 0) await n.ok('POST', '/v1/grants', { dataset: name, grantee: clients[0]!.id });
    }

    const done = await runExample(clients[0]!, 'homo-lr.yaml', { rounds: 3 });
    const evaluate = done.tasks.find((tk) => tk.component === 'evaluation');
    expect(evaluate?.inputs).toEqual({ predictions: 'predict.predictions' });
    const report = (evaluate?.result as Record<string, Summary>)['guest']!;
    expect(report.task).toBe('binary');
    // The guest's held-out quarter of its 8,000 rows.
    const test = await clients[0]!.ok<{ rows: number }>(
      'GET',
      `/v1/jobs/${done.id}/outputs/split/guest/test`,
    );
    expect(report.rows).toBe(test.rows);
    expect(Math.abs(test.rows - 2000)).toBeLessThan(2);
    expect(report.metrics['auc']).toBeGreaterThan(0.6);

    const events = await progress(clients[0]!, done.id);
    expect(events.find((d) => d['step'] === 'start')).toMatchObject({ rounds: 3, startRound: 0 });
    expect(
      events.filter((d) => d['round'] !== undefined).map((d) => [d['round'], d['rounds']]),
    ).toEqual([
      [0, 3],
      [1, 3],
      [2, 3],
    ]);
  }, 300_000);
});

/** A CSV registered for a party of an example flow. */
interface PartyData {
  path: string;
  idColumn?: string;
  labelColumn?: string;
}

/**
 * Starts a node per party of `file` with the node ids it names, contracts and permits between
 * all of them, registers each party's data under the flow's dataset name (hosts grant theirs to
 * the guest), and runs the flow with `params` merged into its `train` task.
 * @returns the finished job and the guest's node.
 */
async function runAsWritten(
  t: TestNodes,
  file: string,
  data: Record<string, PartyData>,
  params: Record<string, unknown>,
): Promise<{ done: JobView; guest: TestNode }> {
  const flow = readFlow(file);
  const byParty = new Map<string, TestNode>();
  const parties: [string, { node: string } | undefined][] = [
    ['guest', flow.parties.guest],
    ...flow.parties.hosts.map((h, k): [string, { node: string }] => [`host-${k}`, h]),
    ['arbiter', flow.parties.arbiter],
  ];
  for (const [party, ref] of parties) if (ref) byParty.set(party, await t.start(ref.node));
  await t.contractAll();
  await t.permitAll();
  const guest = byParty.get('guest')!;
  for (const [party, d] of Object.entries(data)) {
    const n = byParty.get(party)!;
    const name = flow.datasets[party];
    await n.ok('POST', '/v1/datasets', { name, ...d });
    if (party !== 'guest') await n.ok('POST', '/v1/grants', { dataset: name, grantee: guest.id });
  }
  return { done: await runExample(guest, file, params), guest };
}

/** The guest's evaluation report and the number of rows the split held out on the guest. */
async function heldOut(guest: TestNode, done: JobView) {
  const evaluate = done.tasks.find((tk) => tk.component === 'evaluation');
  const report = (evaluate?.result as Record<string, Summary>)['guest']!;
  const test = await guest.ok<{ rows: number }>(
    'GET',
    `/v1/jobs/${done.id}/outputs/split/guest/test`,
  );
  return { report, testRows: test.rows };
}

describe('the regression examples, as written', () => {
  const t = new TestNodes();
  afterAll(() => t.close());

  it('hetero-linr.yaml on the motor split: regression metrics on the held-out rows', async () => {
    const { done, guest } = await runAsWritten(
      t,
      'hetero-linr.yaml',
      {
        guest: {
          path: join(FATE, 'motor_hetero_guest.csv'),
          idColumn: 'idx',
          labelColumn: 'motor_speed',
        },
        'host-0': { path: join(FATE, 'motor_hetero_host.csv'), idColumn: 'idx' },
      },
      { maxIter: 3 },
    );
    const { report, testRows } = await heldOut(guest, done);
    expect(report.task).toBe('regression');
    expect(report.rows).toBe(testRows);
    expect(Math.abs(testRows - 160)).toBeLessThan(2);
    expect(report.metrics['r2']).toBeGreaterThan(0);
  }, 300_000);
});

describe('hetero-poisson.yaml, as written', () => {
  const t = new TestNodes();
  afterAll(() => t.close());

  // The breast split stands in for the credit files the comment names (the same columns' roles,
  // 569 rows instead of 30,000): this checks the wiring, not the model.
  it('runs with 0/1 counts and evaluates the held-out rows', async () => {
    const { done, guest } = await runAsWritten(
      t,
      'hetero-poisson.yaml',
      {
        guest: { path: join(FATE, 'breast_hetero_guest.csv'), labelColumn: 'y' },
        'host-0': { path: join(FATE, 'breast_hetero_host.csv') },
      },
      { maxIter: 2 },
    );
    const { report, testRows } = await heldOut(guest, done);
    expect(report.task).toBe('regression');
    expect(report.rows).toBe(testRows);
    expect(Number.isFinite(report.metrics['mse'])).toBe(true);
  }, 300_000);
});

describe('homo-linr.yaml, as written', () => {
  const t = new TestNodes();
  let dir: string;
  afterAll(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs on the motor readings split by rows as the comment says', async () => {
    // head -n 401 → a.csv; header + tail -n +402 → b.csv
    dir = await mkdtemp(join(tmpdir(), 'fedgrid-homo-linr-'));
    const lines = readFileSync(join(FATE, 'motor_hetero_guest.csv'), 'utf8').trimEnd().split('\n');
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    await writeFile(a, lines.slice(0, 401).join('\n') + '\n');
    await writeFile(b, [lines[0], ...lines.slice(401)].join('\n') + '\n');
    const label = { idColumn: 'idx', labelColumn: 'motor_speed' };
    const { done, guest } = await runAsWritten(
      t,
      'homo-linr.yaml',
      { guest: { path: a, ...label }, 'host-0': { path: b, ...label } },
      { rounds: 3 },
    );
    const { report, testRows } = await heldOut(guest, done);
    expect(report.task).toBe('regression');
    expect(report.rows).toBe(testRows);
    expect(Math.abs(testRows - 100)).toBeLessThan(2);
    expect(report.metrics['r2']).toBeGreaterThan(0);
  }, 300_000);
});
