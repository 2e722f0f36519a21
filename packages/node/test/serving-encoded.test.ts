/**
 * A model trained on encoded categorical columns, served (issue 12 + issue 17 item 3): rows of
 * the UCI German credit data (examples/data/credit, the bundled split of ../shared/datasets/credit; string columns registered as
 * categorical) split guest / host, PSI → encode (one-hot, each party its own columns) → HeteroLR
 * → in-job predict. Both parts are published; each party's fitted encoding of the training is
 * replayed on raw rows by the batch prediction job (`psi → predict` with `model:NAME@VERSION`, as
 * `fedgrid predict batch` submits it) and by the online deployment over each party's serving
 * table — registered datasets whose category sets differ from the training's (so codes differ
 * and categories must be matched by value). Online = batch = in-job predictions (1e-9); a
 * category the training never saw gets the training's `unseen: 'error'` as a clear per-id
 * error naming the host and column (not the host's value), and the rest of the batch is answered.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '@fedgrid/node';
import { TestNodes, type TestNode } from './nodes.js';

/** The bundled German credit split (examples/data/credit/README.md), joined back by id here. */
const CREDIT_GUEST = fileURLToPath(
  new URL('../../../examples/data/credit/german_credit_guest.csv', import.meta.url),
);
const CREDIT_HOST = fileURLToPath(
  new URL('../../../examples/data/credit/german_credit_host.csv', import.meta.url),
);
const GUEST_COLS = ['checking_status', 'duration_months', 'credit_history', 'purpose', 'bad'];
const HOST_COLS = ['savings', 'credit_amount', 'employment_since', 'housing', 'job'];

interface ErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}
interface PredictResponse {
  degraded: boolean;
  results: { id: string; score?: number; label?: number; error?: ErrorBody }[];
}

const t = new TestNodes();
let guest: TestNode;
let host: TestNode;
let arbiter: TestNode;
let dir: string;
let trainJob: string;
/** In-job predictions of the training job (its `predict` task on the encoded rows), by id. */
let inJob: Map<string, number>;
let guestModel: string;
let hostModel: string;
let guestRef: string;
const ds: Record<string, string> = {};

/** A CSV line parser for the credit file (no quoted fields in it). */
function table(text: string): { header: string[]; rows: string[][] } {
  const [head, ...lines] = text.trim().split(/\r?\n/);
  return { header: head!.split(','), rows: lines.map((l) => l.split(',')) };
}

function csv(header: string[], rows: string[][], cols: string[]): string {
  const at = ['id', ...cols].map((c) => header.indexOf(c));
  return (
    [['id', ...cols].join(','), ...rows.map((r) => at.map((j) => r[j]).join(','))].join('\n') + '\n'
  );
}

async function register(node: TestNode, name: string, file: string, label?: string) {
  const d = await node.ok<{
    id: string;
    features: { name: string; type?: string; categories?: number }[];
  }>('POST', '/v1/datasets', {
    name,
    path: join(dir, file),
    ...(label ? { labelColumn: label } : {}),
  });
  ds[name] = d.id;
  return d;
}

async function waitJob(id: string): Promise<JobView> {
  const end = Date.now() + 300_000;
  for (;;) {
    const v = await guest.ok<JobView>('GET', `/v1/jobs/${id}`);
    if (['succeeded', 'failed', 'stopped'].includes(v.status) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function scores(jobId: string, task: string): Promise<Map<string, number>> {
  const p = await guest.ok<{ ids: string[]; scores: number[] }>(
    'GET',
    `/v1/jobs/${jobId}/outputs/${task}/guest/predictions`,
  );
  return new Map(p.ids.map((id, i) => [id, p.scores[i]!]));
}

/** Scores of a batch-prediction job (PSI, then the published model `ref`) on new datasets. */
async function batchPredict(
  ref: string,
  guestDataset: string | undefined,
  hostDataset: string | undefined,
): Promise<Map<string, number>> {
  const b = await guest.ok<JobView>('POST', '/v1/jobs', {
    parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }] },
    datasets: { guest: guestDataset, 'host-0': hostDataset },
    tasks: [
      { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
      {
        name: 'predict',
        component: 'predict',
        inputs: { data: 'psi.data', model: `model:${ref}` },
      },
    ],
  });
  const done = await waitJob(b.id);
  expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
  return scores(b.id, 'predict');
}

async function publish(owner: TestNode, partners: TestNode[], job = trainJob): Promise<string> {
  const models = await owner.ok<{ items: { id: string; task: string }[] }>(
    'GET',
    `/v1/models?job=${job}`,
  );
  const model = models.items.find((m) => m.task === 'train')!;
  await owner.ok('POST', `/v1/models/${model.id}/approvals`, {});
  for (const partner of partners) {
    const inc = await partner.ok<{ items: { id: string }[] }>(
      'GET',
      `/v1/model-approvals?direction=incoming&status=pending&model=${encodeURIComponent(model.id)}`,
    );
    for (const a of inc.items)
      await partner.ok('POST', `/v1/model-approvals/${encodeURIComponent(a.id)}/approve`, {});
  }
  await owner.ok('POST', `/v1/models/${model.id}/publish`);
  return model.id;
}

const predict = (body: unknown) =>
  guest.call<PredictResponse & ErrorBody>('POST', '/v1/models/credit/predict', body);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fedgrid-serving-encoded-'));
  const guestFile = table(await readFile(CREDIT_GUEST, 'utf8'));
  const hostFile = table(await readFile(CREDIT_HOST, 'utf8'));
  const hostRow = new Map(hostFile.rows.map((r) => [r[0], r.slice(1)]));
  const header = [...guestFile.header, ...hostFile.header.slice(1)];
  const rows = guestFile.rows
    .filter((r) => hostRow.has(r[0]))
    .map((r) => [...r, ...(hostRow.get(r[0]) as string[])]);
  const train = rows.slice(0, 160);
  await writeFile(join(dir, 'g.csv'), csv(header, train, GUEST_COLS));
  await writeFile(join(dir, 'h.csv'), csv(header, train, HOST_COLS));
  // New tables of the same parties: 40 training ids in another order, plus a customer the
  // training never saw. Fewer rows, so some categories are absent and the codes of the
  // remaining ones differ from the training's.
  const fresh = train.filter((_, i) => i % 4 === 1).reverse();
  const stranger = [...(train[0] as string[])];
  stranger[0] = 'c9999';
  await writeFile(join(dir, 'g-new.csv'), csv(header, [...fresh, stranger], GUEST_COLS));
  await writeFile(join(dir, 'h-new.csv'), csv(header, fresh, HOST_COLS));
  const unseen = [...stranger];
  unseen[header.indexOf('housing')] = 'castle';
  await writeFile(join(dir, 'h-serve.csv'), csv(header, [...fresh, unseen], HOST_COLS));
  [guest, host, arbiter] = await Promise.all([
    t.start('guest'),
    t.start('host'),
    t.start('arbiter'),
  ]);
  await t.contractAll();
  await t.permitAll();
  const g = await register(guest, 'g', 'g.csv', 'bad');
  expect(g.features.filter((f) => f.type === 'categorical').length).toBe(3);
  await register(host, 'h', 'h.csv');
  await register(guest, 'g-new', 'g-new.csv', 'bad');
  const hNew = await register(host, 'h-new', 'h-new.csv');
  await register(host, 'h-serve', 'h-serve.csv');
  for (const name of ['h', 'h-new', 'h-serve'])
    await host.ok('POST', '/v1/grants', { dataset: ds[name], grantee: 'guest' });
  // The new table really has fewer categories than the training one (so codes shift).
  const hTrain = await host.ok<{ features: { name: string; categories?: number }[] }>(
    'GET',
    `/v1/datasets/${ds['h']}`,
  );
  const count = (f: { name: string; categories?: number }[]) =>
    f.reduce((n, c) => n + (c.categories ?? 0), 0);
  expect(count(hNew.features as { name: string; categories?: number }[])).toBeLessThan(
    count(hTrain.features),
  );
  const j = await guest.ok<JobView>('POST', '/v1/jobs', {
    parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }], arbiter: { node: 'arbiter' } },
    datasets: { guest: ds['g'], 'host-0': ds['h'] },
    tasks: [
      { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
      { name: 'encode', component: 'encode', inputs: { data: 'psi.data' } },
      {
        name: 'train',
        component: 'hetero-lr',
        inputs: { data: 'encode.data' },
        params: { maxIter: 3 },
      },
      {
        name: 'predict',
        component: 'predict',
        inputs: { data: 'encode.data', model: 'train.model' },
      },
    ],
  });
  const done = await waitJob(j.id);
  expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
  trainJob = j.id;
  inJob = await scores(trainJob, 'predict');
  guestModel = await publish(guest, [host, arbiter]);
  hostModel = await publish(host, [guest, arbiter]);
  guestRef = (await guest.ok<{ ref: string }>('GET', `/v1/models/${guestModel}`)).ref;
}, 400_000);
afterAll(async () => {
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

describe('serving a model trained on encoded categorical columns', () => {
  let batch: Map<string, number>;

  it('batch prediction on new raw tables replays each party’s fitted encoding: equals the in-job scores', async () => {
    const j = await guest.ok<JobView>('POST', '/v1/jobs', {
      parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }] },
      datasets: { guest: ds['g-new'], 'host-0': ds['h-new'] },
      tasks: [
        { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
        {
          name: 'predict',
          component: 'predict',
          inputs: { data: 'psi.data', model: `model:${guestRef}` },
        },
      ],
    });
    const done = await waitJob(j.id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    batch = await scores(j.id, 'predict');
    expect(batch.size).toBe(40);
    for (const [id, s] of batch) expect(Math.abs(s - inJob.get(id)!), id).toBeLessThanOrEqual(1e-9);
  });

  it('online prediction over raw serving tables equals batch and in-job scores', async () => {
    await host.ok('POST', '/v1/deployments', {
      model: hostModel,
      name: 'credit-host',
      dataset: ds['h-serve'],
    });
    await guest.ok('POST', '/v1/deployments', {
      model: guestModel,
      name: 'credit',
      dataset: ds['g-new'],
      deadlineMs: 20_000,
    });
    const ids = [...batch.keys()];
    const one = await predict({ id: ids[0] });
    expect(one.status, JSON.stringify(one.body)).toBe(200);
    expect(Math.abs(one.body.results[0]!.score! - batch.get(ids[0]!)!)).toBeLessThanOrEqual(1e-9);
    const all = await predict({ ids });
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    for (const r of all.body.results) {
      expect(r.error, r.id).toBeUndefined();
      expect(Math.abs(r.score! - batch.get(r.id)!), r.id).toBeLessThanOrEqual(1e-9);
      expect(Math.abs(r.score! - inJob.get(r.id)!), r.id).toBeLessThanOrEqual(1e-9);
    }
  });

  it('a category the training never saw gets the training’s unseen handling (error), clearly, not a crash', async () => {
    const r = await predict({ id: 'c9999' });
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body.code).toBe('VALIDATION_FAILED');
    expect(r.body.details).toMatchObject({
      reason: 'UNSEEN_CATEGORY',
      column: 'housing',
      party: 'host-0',
    });
    expect(r.body.message).toContain("host node 'host'");
    // The host's category value never leaves the host: not in the answer the guest got.
    expect(JSON.stringify(r.body)).not.toContain('castle');
    // In a batch, the other ids are answered.
    const ids = [...batch.keys()].slice(0, 3);
    const several = await predict({ ids: [...ids, 'c9999'] });
    expect(several.status).toBe(200);
    for (const res of several.body.results.slice(0, 3))
      expect(Math.abs(res.score! - batch.get(res.id)!)).toBeLessThanOrEqual(1e-9);
    expect(several.body.results[3]!.error).toMatchObject({ code: 'VALIDATION_FAILED' });
    // The deployment keeps answering other ids.
    const ok = await predict({ id: [...batch.keys()][1] });
    expect(ok.status).toBe(200);
  });

  it('a serving table without a column the encoding needs is refused at deploy, naming it', async () => {
    await writeFile(
      join(dir, 'h-narrow.csv'),
      ['id,savings,credit_amount', 'c0001,unknown or none,1169'].join('\n') + '\n',
    );
    await register(host, 'h-narrow', 'h-narrow.csv');
    const r = await host.call<ErrorBody>('PATCH', '/v1/deployments/credit-host', {
      dataset: ds['h-narrow'],
    });
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/employment_since|housing|job/);
    // The deployment still serves its former table.
    expect((await predict({ id: [...batch.keys()][2] })).status).toBe(200);
  });
});

describe('SecureBoost on encoded categorical columns', () => {
  it('batch on new raw tables and online over raw serving tables equal the in-job scores', async () => {
    const j = await guest.ok<JobView>('POST', '/v1/jobs', {
      parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }] },
      datasets: { guest: ds['g'], 'host-0': ds['h'] },
      tasks: [
        { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
        { name: 'encode', component: 'encode', inputs: { data: 'psi.data' } },
        {
          name: 'train',
          component: 'secureboost',
          inputs: { data: 'encode.data' },
          params: { trees: 3, maxDepth: 3, bins: 4, objective: 'binary' },
        },
        {
          name: 'predict',
          component: 'predict',
          inputs: { data: 'encode.data', model: 'train.model' },
        },
      ],
    });
    const done = await waitJob(j.id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    const own = await scores(j.id, 'predict');
    const gm = await publish(guest, [host], j.id);
    const hm = await publish(host, [guest], j.id);
    const ref = (await guest.ok<{ ref: string }>('GET', `/v1/models/${gm}`)).ref;
    const batchSb = await batchPredict(ref, ds['g-new'], ds['h-new']);
    expect(batchSb.size).toBe(40);
    for (const [id, v] of batchSb) expect(Math.abs(v - own.get(id)!), id).toBeLessThanOrEqual(1e-9);
    await host.ok('POST', '/v1/deployments', { model: hm, name: 'sb-host', dataset: ds['h-new'] });
    await guest.ok('POST', '/v1/deployments', {
      model: gm,
      name: 'sb',
      dataset: ds['g-new'],
      deadlineMs: 20_000,
    });
    const all = await guest.call<PredictResponse>('POST', '/v1/models/sb/predict', {
      ids: [...batchSb.keys()],
    });
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    for (const r of all.body.results) {
      expect(r.error, r.id).toBeUndefined();
      expect(Math.abs(r.score! - batchSb.get(r.id)!), r.id).toBeLessThanOrEqual(1e-9);
    }
  });
});

describe('SecureBoost on raw categorical columns (no encode step)', () => {
  it('routes by category name: batch on new tables whose codes shifted and online serving equal the in-job scores', async () => {
    // New tables of 40 training ids plus a new customer whose every categorical value is a
    // category sorting first ('!new'): every other category's code is one more than in training.
    const guestFile = table(await readFile(CREDIT_GUEST, 'utf8'));
    const hostFile = table(await readFile(CREDIT_HOST, 'utf8'));
    const hostRow = new Map(hostFile.rows.map((r) => [r[0], r.slice(1)]));
    const header = [...guestFile.header, ...hostFile.header.slice(1)];
    const rows = guestFile.rows
      .filter((r) => hostRow.has(r[0]))
      .map((r) => [...r, ...(hostRow.get(r[0]) as string[])]);
    const fresh = rows.slice(0, 160).filter((_, i) => i % 4 === 1);
    const newcomer = [...(rows[0] as string[])];
    newcomer[0] = 'c9998';
    const categorical = ['checking_status', 'credit_history', 'purpose'];
    categorical.push('savings', 'employment_since', 'housing', 'job');
    for (const c of categorical) newcomer[header.indexOf(c)] = '!new';
    await writeFile(join(dir, 'g-shift.csv'), csv(header, [newcomer, ...fresh], GUEST_COLS));
    await writeFile(join(dir, 'h-shift.csv'), csv(header, [newcomer, ...fresh], HOST_COLS));
    await register(guest, 'g-shift', 'g-shift.csv', 'bad');
    await register(host, 'h-shift', 'h-shift.csv');
    await host.ok('POST', '/v1/grants', { dataset: ds['h-shift'], grantee: 'guest' });
    const j = await guest.ok<JobView>('POST', '/v1/jobs', {
      parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }] },
      datasets: { guest: ds['g'], 'host-0': ds['h'] },
      tasks: [
        { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
        {
          name: 'train',
          component: 'secureboost',
          inputs: { data: 'psi.data' },
          params: { trees: 3, maxDepth: 3, bins: 4, objective: 'binary' },
        },
        {
          name: 'predict',
          component: 'predict',
          inputs: { data: 'psi.data', model: 'train.model' },
        },
      ],
    });
    const done = await waitJob(j.id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    const own = await scores(j.id, 'predict');
    // The trees do split on categorical columns (recorded by name), else this proves nothing.
    const parts = await Promise.all([
      guest.call('GET', `/v1/jobs/${j.id}/outputs/train/guest/model`),
      host.call('GET', `/v1/jobs/${j.id}/outputs/train/host-0/model`),
    ]);
    for (const p of parts)
      expect(JSON.stringify(p.body).split('leftCategories').length - 1).toBeGreaterThan(0);
    const gm = await publish(guest, [host], j.id);
    const hm = await publish(host, [guest], j.id);
    const ref = (await guest.ok<{ ref: string }>('GET', `/v1/models/${gm}`)).ref;
    const batchSb = await batchPredict(ref, ds['g-shift'], ds['h-shift']);
    expect(batchSb.size).toBe(41);
    // The newcomer's unseen categories go the missing direction: it is scored, not refused.
    expect(Number.isFinite(batchSb.get('c9998'))).toBe(true);
    batchSb.delete('c9998');
    for (const [id, v] of batchSb) expect(Math.abs(v - own.get(id)!), id).toBeLessThanOrEqual(1e-9);
    await host.ok('POST', '/v1/deployments', {
      model: hm,
      name: 'sb-raw-host',
      dataset: ds['h-shift'],
    });
    await guest.ok('POST', '/v1/deployments', {
      model: gm,
      name: 'sb-raw',
      dataset: ds['g-shift'],
      deadlineMs: 20_000,
    });
    const all = await guest.call<PredictResponse>('POST', '/v1/models/sb-raw/predict', {
      ids: [...batchSb.keys()],
    });
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    for (const r of all.body.results) {
      expect(r.error, r.id).toBeUndefined();
      expect(Math.abs(r.score! - batchSb.get(r.id)!), r.id).toBeLessThanOrEqual(1e-9);
    }
  });
});
