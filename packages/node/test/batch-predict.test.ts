/**
 * Batch prediction with a stored model (issue 12 item 2) on in-process nodes (partner calls over
 * real mutual TLS): for every model kind, a training job (PSI, train, predict) leaves model parts
 * on each party; the parts are approved, named and published; a second job scores the same rows
 * from `model:NAME@1` (PSI, then predict) and its scores equal the training job's own
 * predictions within 1e-9. Then new ids that overlap only partly (only the intersection is scored,
 * only the guest gets predictions), and the owner's refusals: a partner job naming a model part
 * that is not published, or a model trained with other parties, is refused on the owner's node.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePgliteTemplate } from '@fedgrid/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestNodes, type TestNode } from './nodes.js';

const FATE = fileURLToPath(new URL('../../../examples/data/fate/', import.meta.url));

interface Predictions {
  ids: string[];
  task: string;
  scores: number[];
  probabilities?: number[];
  classes?: number[];
}
interface ModelView {
  id: string;
  task: string;
  party: string;
  status: string;
}
interface ErrorBody {
  code: string;
  message: string;
}

const t = new TestNodes();
let guest: TestNode;
let host: TestNode;
let arbiter: TestNode;
let other: TestNode;
let files: string;
/** Dataset ids by name, on their owner's node. */
const ds: Record<string, string> = {};

/** Rows of a CSV file as arrays of cells (header first). */
async function csv(path: string): Promise<string[][]> {
  return (await readFile(path, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => l.split(','));
}

async function write(name: string, rows: string[][]): Promise<string> {
  const p = join(files, `${name}.csv`);
  await writeFile(p, rows.map((r) => r.join(',')).join('\n') + '\n');
  return p;
}

async function register(node: TestNode, name: string, path: string, label?: string) {
  const d = await node.ok<{ id: string }>('POST', '/v1/datasets', {
    name,
    path,
    ...(label ? { labelColumn: label } : {}),
  });
  if (node !== guest) {
    await node.ok('POST', '/v1/grants', { dataset: d.id, grantee: 'guest' });
    await node.ok('POST', '/v1/grants', { dataset: d.id, grantee: 'other' });
  }
  ds[name] = d.id;
}

async function waitForJob(node: TestNode, id: string): Promise<{ status: string; error: unknown }> {
  const deadline = Date.now() + 240_000;
  for (;;) {
    const j = await node.ok<{ status: string; error: unknown }>('GET', `/v1/jobs/${id}`);
    if (['succeeded', 'failed', 'stopped'].includes(j.status)) return j;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${j.status} after 240 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function runJob(body: Record<string, unknown>): Promise<string> {
  const job = await guest.ok<{ id: string }>('POST', '/v1/jobs', body);
  const done = await waitForJob(guest, job.id);
  expect(done, JSON.stringify(done.error)).toMatchObject({ status: 'succeeded' });
  return job.id;
}

async function predictionsOf(node: TestNode, jobId: string, task = 'predict') {
  return node.ok<Predictions>('GET', `/v1/jobs/${jobId}/outputs/${task}/${node.id}/predictions`);
}

/** The model parts of a job's task on `node` (by party). */
async function partsOf(node: TestNode, jobId: string, task: string): Promise<ModelView[]> {
  const page = await node.ok<{ items: ModelView[] }>('GET', `/v1/models?job=${jobId}`);
  return page.items.filter((m) => m.task === task);
}

/** Approves every pending incoming model approval on `node`. */
async function approveAll(node: TestNode): Promise<void> {
  const page = await node.ok<{ items: { id: string }[] }>(
    'GET',
    '/v1/model-approvals?direction=incoming&status=pending',
  );
  for (const a of page.items) await node.ok('POST', `/v1/model-approvals/${a.id}/approve`);
}

/**
 * Names the parts of `task` of `jobId` `name` on each holder, has every other party approve them,
 * and publishes them on the holders listed in `publishOn` (default: every holder).
 */
async function nameAndPublish(
  jobId: string,
  task: string,
  name: string,
  holders: TestNode[],
  publishOn = holders,
): Promise<void> {
  const parts = new Map<TestNode, ModelView[]>();
  for (const n of holders) {
    const ps = await partsOf(n, jobId, task);
    expect(ps.length, `${n.id} holds a part of ${jobId}/${task}`).toBeGreaterThan(0);
    parts.set(n, ps);
    for (const p of ps) {
      await n.ok('PATCH', `/v1/models/${p.id}`, { name });
      await n.ok('POST', `/v1/models/${p.id}/approvals`, {});
    }
  }
  for (const n of [guest, host, arbiter]) await approveAll(n);
  for (const n of publishOn)
    for (const p of parts.get(n) ?? []) await n.ok('POST', `/v1/models/${p.id}/publish`);
}

const verticalParties = {
  guest: { node: 'guest' },
  hosts: [{ node: 'host' }],
  arbiter: { node: 'arbiter' },
};

/** Trains `component` with PSI and an in-job predict; returns the job id. */
async function trainVertical(
  component: string,
  params: Record<string, unknown>,
  guestData: string,
  hostData = 'h',
): Promise<string> {
  return runJob({
    name: `train-${component}`,
    parties: verticalParties,
    datasets: { guest: ds[guestData], 'host-0': ds[hostData] },
    tasks: [
      { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
      { name: 'train', component, params, inputs: { data: 'psi.data' } },
      { name: 'predict', component: 'predict', inputs: { data: 'psi.data', model: 'train.model' } },
    ],
  });
}

/** Scores `guestData` × `hostData` with the stored model `ref` (PSI, then predict). */
function scoringJob(ref: string, guestData: string, hostData = 'h') {
  return {
    name: `score ${ref}`,
    parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }] },
    datasets: { guest: ds[guestData], 'host-0': ds[hostData] },
    tasks: [
      { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
      { name: 'predict', component: 'predict', inputs: { data: 'psi.data', model: ref } },
    ],
  };
}

/** Asserts that `b` scores every id of `a` like `a` does (1e-9), probabilities too. */
function expectSameScores(a: Predictions, b: Predictions, ids = a.ids): void {
  const at = new Map(a.ids.map((id, i) => [id, i]));
  const bt = new Map(b.ids.map((id, i) => [id, i]));
  expect(b.task).toBe(a.task);
  expect([...b.ids].sort()).toEqual([...ids].sort());
  const k = a.probabilities ? a.probabilities.length / a.ids.length : 0;
  let max = 0;
  for (const id of ids) {
    const i = at.get(id) as number;
    const j = bt.get(id) as number;
    max = Math.max(max, Math.abs((a.scores[i] as number) - (b.scores[j] as number)));
    for (let c = 0; c < k; c++)
      max = Math.max(
        max,
        Math.abs((a.probabilities![i * k + c] as number) - (b.probabilities![j * k + c] as number)),
      );
  }
  expect(max).toBeLessThanOrEqual(1e-9);
  // The scores are not all alike (the comparison says something).
  expect(new Set(b.scores.map((s) => s.toFixed(6))).size).toBeGreaterThan(1);
}

beforeAll(async () => {
  files = await mkdtemp(join(tmpdir(), 'fedgrid-batch-predict-'));
  await ensurePgliteTemplate();
  [guest, host, arbiter, other] = await Promise.all([
    t.start('guest'),
    t.start('host'),
    t.start('arbiter'),
    t.start('other'),
  ]);
  await t.contractAll();
  await t.permitAll();
  // Breast (FATE): 200 rows; labels for every task derived from the guest's columns and y.
  const g = (await csv(join(FATE, 'breast_hetero_guest.csv'))).slice(0, 201);
  const h = (await csv(join(FATE, 'breast_hetero_host.csv'))).slice(0, 201);
  const body = g.slice(1);
  const withLabel = (label: (r: string[]) => string) => [
    g[0] as string[],
    ...body.map((r) => [r[0] as string, label(r), ...r.slice(2)]),
  ];
  const x = (r: string[], j: number) => Number(r[2 + j]);
  await register(guest, 'g-binary', await write('g-binary', g), 'y');
  await register(
    guest,
    'g-multi',
    await write(
      'g-multi',
      withLabel((r) => String(Number(r[1]) + (x(r, 0) > 0.3 ? 1 : 0))),
    ),
    'y',
  );
  await register(
    guest,
    'g-real',
    await write(
      'g-real',
      withLabel((r) => (2 * Number(r[1]) + x(r, 0) - 0.5 * x(r, 1)).toFixed(5)),
    ),
    'y',
  );
  await register(
    guest,
    'g-count',
    await write(
      'g-count',
      withLabel((r) => String(Math.round(Math.exp(0.5 * Number(r[1]) + 0.3 * x(r, 0))))),
    ),
    'y',
  );
  await register(host, 'h', await write('h', h));
  // New ids: the guest's rows 0–149 and the host's rows 50–199 (100 in common).
  await register(guest, 'g-new', await write('g-new', [g[0] as string[], ...g.slice(1, 151)]), 'y');
  await register(host, 'h-new', await write('h-new', [h[0] as string[], ...h.slice(51, 201)]));
  // Horizontal: the same columns on both clients.
  const hg = (await csv(join(FATE, 'breast_homo_guest.csv'))).slice(0, 201);
  const hh = (await csv(join(FATE, 'breast_homo_host.csv'))).slice(0, 201);
  await register(guest, 'homo-g', await write('homo-g', hg), 'y');
  await register(host, 'homo-h', await write('homo-h', hh), 'y');
}, 300_000);
afterAll(async () => {
  await t.close();
  if (files) await rm(files, { recursive: true, force: true });
});

const vertical: {
  kind: string;
  component: string;
  params: Record<string, unknown>;
  data: string;
}[] = [
  { kind: 'hetero-lr binary', component: 'hetero-lr', params: { maxIter: 2 }, data: 'g-binary' },
  {
    kind: 'hetero-lr one-vs-rest',
    component: 'hetero-lr',
    params: { maxIter: 2 },
    data: 'g-multi',
  },
  { kind: 'hetero-linr', component: 'hetero-linr', params: { maxIter: 2 }, data: 'g-real' },
  { kind: 'hetero-poisson', component: 'hetero-poisson', params: { maxIter: 2 }, data: 'g-count' },
  {
    kind: 'hetero-sshe-lr',
    component: 'hetero-sshe-lr',
    params: { maxIter: 1, computeLoss: false, earlyStop: 'none' },
    data: 'g-binary',
  },
  {
    kind: 'secureboost binary',
    component: 'secureboost',
    params: { trees: 2, maxDepth: 2, bins: 16, objective: 'binary' },
    data: 'g-binary',
  },
  {
    kind: 'secureboost multiclass',
    component: 'secureboost',
    params: { trees: 2, maxDepth: 2, bins: 16, objective: 'multiclass' },
    data: 'g-multi',
  },
  {
    kind: 'secureboost regression',
    component: 'secureboost',
    params: { trees: 2, maxDepth: 2, bins: 16, objective: 'regression' },
    data: 'g-real',
  },
];

/** Job ids of the trainings, by kind, for the later tests. */
const trained = new Map<string, string>();

describe('a stored, published model scores the training rows exactly as the training job did', () => {
  for (const v of vertical) {
    it(v.kind, async () => {
      const jobId = await trainVertical(v.component, v.params, v.data);
      trained.set(v.kind, jobId);
      const name = `m-${v.kind.replace(/ /g, '-')}`;
      await nameAndPublish(jobId, 'train', name, [guest, host]);
      const scoreId = await runJob(scoringJob(`model:${name}@1`, v.data));
      const own = await predictionsOf(guest, jobId);
      expect(own.ids.length).toBe(200);
      expectSameScores(own, await predictionsOf(guest, scoreId));
      // Vertical models: predictions only for the result party.
      expect(
        (await host.call('GET', `/v1/jobs/${scoreId}/outputs/predict/host-0/predictions`)).status,
      ).toBe(404);
    });
  }

  for (const [component, params] of [
    ['homo-lr', { rounds: 2 }],
    ['homo-linr', { rounds: 2 }],
    ['homo-nn', { rounds: 2 }],
    ['homo-kmeans', { rounds: 2, k: 2 }],
  ] as const) {
    it(`${component} (local: every client scores its own rows)`, async () => {
      const jobId = await runJob({
        name: `train-${component}`,
        parties: verticalParties,
        datasets: { guest: ds['homo-g'], 'host-0': ds['homo-h'] },
        tasks: [
          { name: 'train', component, params, inputs: { data: 'job.dataset' } },
          {
            name: 'predict',
            component: 'predict',
            inputs: { data: 'job.dataset', model: 'train.model' },
          },
        ],
      });
      const name = `m-${component}`;
      await nameAndPublish(jobId, 'train', name, [guest, host]);
      const scoreId = await runJob({
        name: `score ${name}`,
        parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }] },
        datasets: { guest: ds['homo-g'], 'host-0': ds['homo-h'] },
        tasks: [
          {
            name: 'predict',
            component: 'predict',
            inputs: { data: 'job.dataset', model: `model:${name}@1` },
          },
        ],
      });
      expectSameScores(await predictionsOf(guest, jobId), await predictionsOf(guest, scoreId));
    });
  }
});

describe('new data of the same parties', () => {
  it('only the PSI intersection is scored, scores equal the training ones, and only the guest gets them', async () => {
    const jobId = trained.get('hetero-lr binary');
    expect(jobId).toBeDefined();
    // A name without @version: the newest part of that name.
    const scoreId = await runJob(scoringJob('model:m-hetero-lr-binary', 'g-new', 'h-new'));
    const own = await predictionsOf(guest, jobId as string);
    const scored = await predictionsOf(guest, scoreId);
    // Guest rows 0–149, host rows 50–199: the 100 ids of rows 50–149.
    const common = own.ids.filter((_, i) => i >= 50 && i < 150);
    expect(scored.ids.length).toBe(100);
    expectSameScores(own, scored, common);
    const hostOutputs = await host.ok<{ items: { task_name: string; name: string }[] }>(
      'GET',
      `/v1/jobs/${scoreId}/outputs`,
    );
    expect(hostOutputs.items.filter((o) => o.name === 'predictions')).toEqual([]);
  });

  it("a model id names the same training on every party: the host finds its own part from the guest's id", async () => {
    const jobId = trained.get('hetero-lr binary') as string;
    const scoreId = await runJob(scoringJob(`model:model-${jobId}-train-guest`, 'g-binary'));
    expectSameScores(await predictionsOf(guest, jobId), await predictionsOf(guest, scoreId));
  });

  it('an unknown version is a clear NOT_FOUND naming the versions there are', async () => {
    const r = await guest.call<ErrorBody>(
      'POST',
      '/v1/jobs',
      scoringJob('model:m-hetero-lr-binary@7', 'g-new', 'h-new'),
    );
    expect(r.status).toBe(404);
    expect(r.body.message).toMatch(/holds versions 1 of 'm-hetero-lr-binary'/);
  });

  it('a malformed reference is refused with 400 naming the field', async () => {
    const r = await guest.call<ErrorBody & { details?: { field?: string } }>(
      'POST',
      '/v1/jobs',
      scoringJob('model:bad name@x', 'g-new', 'h-new'),
    );
    expect(r.status).toBe(400);
    expect(r.body.details?.field).toBe('tasks.1.inputs.model');
  });
});

describe('the owner of a model part decides whether it is used', () => {
  /** A partner job as `from` sends it, straight to the owner's partner route. */
  function partnerJob(from: TestNode, body: Record<string, unknown>) {
    const spec = {
      ...body,
      priority: 0,
      timeoutSeconds: 3600,
      id: `job-hostile-${Math.random().toString(16).slice(2, 10)}`,
      initiator: from.id,
      createdAt: new Date().toISOString(),
    };
    return from.node.services.jobs.scheduler.callPartner<unknown>(
      'host',
      'POST',
      '/v1/interconn/jobs',
      spec,
      1,
    );
  }

  it('a part the host has not published is refused on the host, even when the guest published its own', async () => {
    const jobId = await trainVertical('hetero-lr', { maxIter: 1 }, 'g-binary');
    await nameAndPublish(jobId, 'train', 'half-published', [guest, host], [guest]);
    // Through the guest's API: the host refuses while accepting, so the job is not created.
    const r = await guest.call<ErrorBody>(
      'POST',
      '/v1/jobs',
      scoringJob('model:half-published@1', 'g-binary'),
    );
    expect(r.status).toBe(502);
    expect(r.body.code).toBe('PEER_REFUSED');
    expect(r.body.message).toContain('not published');
    // Straight to the host's partner route: the same refusal.
    await expect(
      partnerJob(guest, scoringJob('model:half-published@1', 'g-binary')),
    ).rejects.toThrow(/not published/);
    // Once the host publishes its part, the job runs.
    const [part] = await partsOf(host, jobId, 'train');
    await host.ok('POST', `/v1/models/${part!.id}/publish`);
    await runJob(scoringJob('model:half-published@1', 'g-binary'));
  });

  it("a partner naming a model trained with other parties is refused on the model's owner", async () => {
    // 'other' claims the guest's role for the host's published part of a guest–host model.
    const body = {
      ...scoringJob('model:m-hetero-lr-binary@1', 'g-binary'),
      parties: { guest: { node: 'other' }, hosts: [{ node: 'host' }] },
      datasets: { guest: 'whatever', 'host-0': ds['h'] },
    };
    await expect(partnerJob(other, body)).rejects.toThrow(
      /trained by guest=guest, host-0=host; this job's parties are guest=other, host-0=host/,
    );
    // Nothing of it stays on the host.
    const jobs = await host.ok<{ items: { initiator: string }[] }>('GET', '/v1/jobs');
    expect(jobs.items.filter((j) => j.initiator === 'other')).toEqual([]);
  });
});
