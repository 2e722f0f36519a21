/**
 * Model versions on three in-process nodes (guest, host, arbiter; partner calls over real mutual
 * TLS): a real job (psi-ecdh → hetero-lr → hetero-lr-predict → evaluation on 60-row files) makes
 * version 1 of a named model on the guest and the host; the approval round trip carries each
 * part's feature names to the other parties; a rerun with another parameter adds version 2 and
 * leaves version 1 (its file, digest, metrics, publication) as it was; diff, references, renaming,
 * deployment time, and a partner's malformed feature names (issue 12 item 1).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ensurePgliteTemplate,
  type ModelVersionView,
  type ModelView,
  type VersionDiff,
} from '@fedgrid/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestNodes, type TestNode } from './nodes.js';

interface Page<T> {
  items: T[];
  total: number;
}
interface ErrorBody {
  code: string;
  message: string;
  details?: { issues?: { field: string }[] } & Record<string, unknown>;
}

const NAME = 'versions-test.train';
let PROJECT: string;
const t = new TestNodes();
let guest: TestNode;
let host: TestNode;
let arbiter: TestNode;
let files: string;
let jobId: string;

async function writeData(): Promise<{ guest: string; host: string }> {
  const g = ['id,y,x0,x1'];
  const h = ['id,x2,x3,x4'];
  for (let i = 0; i < 60; i++) {
    const x0 = Math.sin(i * 0.7);
    const x1 = ((i * 37) % 11) / 11;
    const x2 = Math.cos(i * 1.3);
    const x3 = ((i * 17) % 7) / 7;
    const x4 = (i % 5) - 2;
    const y = x0 + x2 + 0.3 * x4 > 0 ? 1 : 0;
    g.push(`u${i},${y},${x0.toFixed(4)},${x1.toFixed(4)}`);
    h.push(`u${i + 6},${Math.cos((i + 6) * 1.3).toFixed(4)},${x3.toFixed(4)},${x4}`);
  }
  const paths = { guest: join(files, 'guest.csv'), host: join(files, 'host.csv') };
  await writeFile(paths.guest, g.join('\n') + '\n');
  await writeFile(paths.host, h.join('\n') + '\n');
  return paths;
}

async function waitForJob(id: string): Promise<{ status: string; error: unknown }> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const j = await guest.ok<{ status: string; error: unknown }>('GET', `/v1/jobs/${id}`);
    if (['succeeded', 'failed', 'stopped'].includes(j.status)) return j;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${j.status} after 120 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const versionOf = (n: TestNode, ref: string) =>
  n.ok<ModelVersionView>(
    'GET',
    `/v1/model-versions/${ref
      .split('@')
      .map((s) => encodeURIComponent(s))
      .join('/')}`,
  );
const party = (v: ModelVersionView, p: string) => v.parties.find((x) => x.party === p);

/** Asks every partner to approve `n`'s part of the version and has each approve it. */
async function approveAll(n: TestNode, modelId: string): Promise<void> {
  const r = await n.ok<{ requests: { id: string; approver: string }[] }>(
    'POST',
    `/v1/models/${modelId}/approvals`,
  );
  for (const a of r.requests) {
    const approver = [guest, host, arbiter].find((x) => x.id === a.approver) as TestNode;
    await approver.ok('POST', `/v1/model-approvals/${a.id}/approve`, {});
  }
}

beforeAll(async () => {
  files = await mkdtemp(join(tmpdir(), 'fedgrid-versions-test-'));
  await ensurePgliteTemplate();
  [guest, host, arbiter] = await Promise.all([
    t.start('guest'),
    t.start('host'),
    t.start('arbiter'),
  ]);
  await t.contractAll();
  const paths = await writeData();
  const g = await guest.ok<{ id: string }>('POST', '/v1/datasets', {
    name: 'g',
    path: paths.guest,
    labelColumn: 'y',
  });
  const h = await host.ok<{ id: string }>('POST', '/v1/datasets', { name: 'h', path: paths.host });
  await host.ok('POST', '/v1/grants', { dataset: h.id, grantee: 'guest' });
  PROJECT = (await guest.ok<{ id: string }>('POST', '/v1/projects', { name: 'versions-test' })).id;
  for (const n of [host, arbiter]) {
    await guest.ok('POST', `/v1/projects/${encodeURIComponent(PROJECT)}/members`, { node: n.id });
    await n.ok('POST', `/v1/projects/${encodeURIComponent(PROJECT)}/accept`);
  }
  const flow = await guest.ok<{ id: string }>('POST', '/v1/flows', {
    projectId: PROJECT,
    name: 'versions-test',
    parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }], arbiter: { node: 'arbiter' } },
    datasets: { guest: g.id, 'host-0': h.id },
    tasks: [
      { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
      {
        name: 'train',
        component: 'hetero-lr',
        inputs: { data: 'psi.data' },
        params: { maxIter: 2 },
      },
      {
        name: 'predict',
        component: 'hetero-lr-predict',
        inputs: { data: 'psi.data', model: 'train.model' },
      },
      { name: 'evaluate', component: 'evaluation', inputs: { predictions: 'predict.predictions' } },
    ],
    // The rerun below changes maxIter under the partners' approval.
    config: { tunable: { train: { maxIter: { min: 1, max: 5 } } } },
  });
  const flowId = encodeURIComponent(flow.id);
  await guest.ok('POST', `/v1/flows/${flowId}/approvals`);
  for (const n of [host, arbiter]) {
    const req = await n.ok<{ items: { id: string }[] }>(
      'GET',
      `/v1/flow-approvals?flowId=${flowId}&direction=incoming`,
    );
    await n.ok('POST', `/v1/flow-approvals/${encodeURIComponent(req.items[0]!.id)}/approve`);
  }
  const job = await guest.ok<{ id: string }>('POST', `/v1/flows/${flowId}/jobs`, {
    name: 'versions-test',
  });
  jobId = job.id;
  const done = await waitForJob(jobId);
  expect(done, JSON.stringify(done.error)).toMatchObject({ status: 'succeeded' });
});
afterAll(async () => {
  await t.close();
  if (files) await rm(files, { recursive: true, force: true });
});

let v1: ModelVersionView;
let guestPart: ModelView;
let hostPart: ModelView;

describe('a training output is a version of a named model', () => {
  it('the guest and the host each hold version 1 of <job name>.<task>', async () => {
    const list = await guest.ok<Page<ModelVersionView>>('GET', `/v1/model-versions?job=${jobId}`);
    expect(list.total).toBe(1);
    v1 = list.items[0] as ModelVersionView;
    expect(v1).toMatchObject({
      name: NAME,
      version: 1,
      ref: `${NAME}@1`,
      component: 'hetero-lr',
      algorithm: 'hetero-lr',
      task: 'binary',
      job: { id: jobId, name: 'versions-test', task: 'train', attempt: 0, projectId: PROJECT },
      params: { maxIter: 2 },
      status: 'unapproved',
      approvedAt: null,
      publishedAt: null,
      deployedAt: null,
    });
    expect(v1.parties.map((p) => [p.party, p.node, p.holdsPart, p.holder])).toEqual([
      ['guest', 'guest', true, 'self'],
      ['host-0', 'host', true, 'partner'],
      ['arbiter', 'arbiter', false, 'partner'],
    ]);
    expect(party(v1, 'guest')?.features).toEqual(['x0', 'x1']);
    // The host has not described its part to the guest yet.
    expect(party(v1, 'host-0')).toMatchObject({ features: null, digest: null, approvals: [] });

    guestPart = await guest.ok<ModelView>('GET', `/v1/models/${party(v1, 'guest')?.modelId}`);
    expect(guestPart).toMatchObject({ name: NAME, version: 1, ref: `${NAME}@1`, attempt: 0 });
    expect(party(v1, 'guest')?.digest).toBe(guestPart.digest);

    const atHost = await versionOf(host, `${NAME}@1`);
    expect(atHost).toMatchObject({ name: NAME, version: 1, job: { id: jobId, attempt: 0 } });
    expect(party(atHost, 'host-0')?.features).toEqual(['x2', 'x3', 'x4']);
    hostPart = await host.ok<ModelView>('GET', `/v1/models/${party(atHost, 'host-0')?.modelId}`);
    expect((await arbiter.ok<Page<ModelVersionView>>('GET', '/v1/model-versions')).total).toBe(0);
  });

  it('carries the evaluation metrics of its run on the result party only', async () => {
    expect(v1.evaluation).toHaveLength(1);
    const e = v1.evaluation[0]!;
    expect(e).toMatchObject({ task: 'evaluate', kind: 'binary' });
    expect(e.rows).toBeGreaterThan(0);
    // The same numbers the evaluation task reported.
    const { report } = await guest.ok<{ report: { metrics: Record<string, number> } }>(
      'GET',
      `/v1/jobs/${jobId}/outputs/evaluate/guest/report`,
    );
    expect(e.metrics['auc']).toBe(report.metrics['auc']);
    expect(Object.keys(e.metrics)).toEqual(
      expect.arrayContaining(['auc', 'ks', 'accuracy', 'logloss']),
    );
    expect((await versionOf(host, `${NAME}@1`)).evaluation).toEqual([]);
  });
});

describe('approval shows each party the others’ feature names and who approved which digest', () => {
  it('after both part holders asked for approval and every partner approved', async () => {
    await approveAll(guest, guestPart.id);
    await approveAll(host, hostPart.id);
    v1 = await versionOf(guest, `${NAME}@1`);
    expect(v1.status).toBe('approved');
    expect(Date.parse(v1.approvedAt ?? '')).not.toBeNaN();
    expect(party(v1, 'guest')?.approvals.map((a) => [a.node, a.status])).toEqual([
      ['arbiter', 'approved'],
      ['host', 'approved'],
    ]);
    expect(party(v1, 'host-0')).toMatchObject({
      features: ['x2', 'x3', 'x4'],
      digest: hostPart.digest,
      approvals: [{ node: 'guest', status: 'approved' }],
    });
    const atHost = await versionOf(host, `${NAME}@latest`);
    expect(party(atHost, 'guest')).toMatchObject({
      features: ['x0', 'x1'],
      digest: guestPart.digest,
    });
    // Names only: the request the host stored holds no parameter of the guest's part.
    const stored = await host.node.services.db
      .selectFrom('model_approvals')
      .selectAll()
      .where('direction', '=', 'incoming')
      .execute();
    const weights = (
      await guest.ok<{ content: { weights: number[] } }>('GET', `/v1/models/${guestPart.id}`)
    ).content.weights.map(String);
    for (const row of stored) {
      const text = JSON.stringify(row);
      for (const w of weights) expect(text).not.toContain(w);
    }
  });

  it('publishing the part publishes the version', async () => {
    await guest.ok('POST', `/v1/models/${guestPart.id}/publish`);
    v1 = await versionOf(guest, `${NAME}@1`);
    expect(v1.status).toBe('published');
    expect(Date.parse(v1.publishedAt ?? '')).not.toBeNaN();
  });
});

let v2: ModelVersionView;

describe('a rerun adds a version instead of replacing one', () => {
  it('rerunning training with another parameter makes version 2 on both part holders', async () => {
    const v1File = await readFile(join(guest.node.config.paths.dataDir, guestPart.file));
    await guest.ok('POST', `/v1/jobs/${jobId}/rerun`, { params: { train: { maxIter: 3 } } });
    const done = await waitForJob(jobId);
    expect(done, JSON.stringify(done.error)).toMatchObject({ status: 'succeeded' });

    const list = await guest.ok<Page<ModelVersionView>>(
      'GET',
      `/v1/model-versions?name=${encodeURIComponent(NAME)}`,
    );
    expect(list.items.map((v) => v.version)).toEqual([2, 1]);
    v2 = list.items[0] as ModelVersionView;
    expect(v2).toMatchObject({
      ref: `${NAME}@2`,
      params: { maxIter: 3 },
      job: { id: jobId, attempt: 1 },
      status: 'unapproved',
      publishedAt: null,
    });
    expect(party(v2, 'guest')?.digest).not.toBe(guestPart.digest);
    expect(v2.evaluation[0]?.metrics['auc']).toEqual(expect.any(Number));

    // Version 1 is as it was: its part, file, digest, metrics and publication.
    const again = await versionOf(guest, `${NAME}@1`);
    expect(again).toMatchObject({
      params: { maxIter: 2 },
      status: 'published',
      evaluation: v1.evaluation,
    });
    expect(party(again, 'guest')?.digest).toBe(guestPart.digest);
    const part1 = await guest.ok<ModelView>('GET', `/v1/models/${guestPart.id}`);
    const bytes = await readFile(join(guest.node.config.paths.dataDir, part1.file));
    expect(bytes.equals(v1File)).toBe(true);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(guestPart.digest);
    const part2 = await guest.ok<ModelView>('GET', `/v1/models/${party(v2, 'guest')?.modelId}`);
    expect(part2.file).not.toBe(part1.file);

    const hostVersions = await host.ok<Page<ModelVersionView>>(
      'GET',
      `/v1/model-versions?name=${encodeURIComponent(NAME)}`,
    );
    expect(hostVersions.items.map((v) => [v.version, v.job.attempt])).toEqual([
      [2, 1],
      [1, 0],
    ]);
  });

  it('diff says what changed: parameter, attempt, the guest part digest, metric deltas', async () => {
    const d = await guest.ok<VersionDiff>(
      'GET',
      `/v1/model-versions/diff?from=${encodeURIComponent(`${NAME}@1`)}&to=2`,
    );
    expect(d).toMatchObject({ from: `${NAME}@1`, to: `${NAME}@2`, same: false });
    expect(d.params).toEqual([{ key: 'maxIter', from: 2, to: 3 }]);
    expect(d.fields).toEqual([{ field: 'attempt', from: 0, to: 1 }]);
    expect(d.digests.find((x) => x.party === 'guest')).toEqual({
      party: 'guest',
      from: guestPart.digest,
      to: party(v2, 'guest')?.digest,
    });
    const auc = d.metrics.find((m) => m.metric === 'auc');
    expect(auc?.from).toBe(v1.evaluation[0]?.metrics['auc']);
    expect(auc?.to).toBe(v2.evaluation[0]?.metrics['auc']);
    expect(auc?.delta).toBeCloseTo((auc?.to ?? 0) - (auc?.from ?? 0), 12);
    const self = await guest.ok<VersionDiff>(
      'GET',
      `/v1/model-versions/diff?from=${encodeURIComponent(`${NAME}@2`)}&to=${encodeURIComponent(`${NAME}@latest`)}`,
    );
    expect(self.same).toBe(true);
  });
});

describe('references and bad input', () => {
  it('latest is the newest version; unknown names and versions are a clear 404', async () => {
    expect((await versionOf(guest, `${NAME}@latest`)).version).toBe(2);
    const none = await guest.call<ErrorBody>('GET', '/v1/model-versions/nope/1');
    expect(none.status).toBe(404);
    expect(none.body.message).toMatch(/model version nope@1 does not exist on this node/);
    const v9 = await guest.call<ErrorBody>(
      'GET',
      `/v1/model-versions/${encodeURIComponent(NAME)}/9`,
    );
    expect(v9.status).toBe(404);
    expect(v9.body.message).toMatch(/fedgrid model versions/);
  });

  it('another party finds its own version of the same run by job, task and attempt', async () => {
    const atHost = await host.node.services.modelVersions.byRun(jobId, 'train', v2.job.attempt);
    expect(atHost).toMatchObject({ ref: `${NAME}@2`, job: { id: jobId, attempt: 1 } });
    expect(party(atHost, 'host-0')?.holder).toBe('self');
    await expect(
      arbiter.node.services.modelVersions.byRun(jobId, 'train', 1),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', message: /holds no model part of task 'train'/ });
  });

  it('malformed references are a 400 naming the field', async () => {
    for (const [url, field] of [
      [`/v1/model-versions/${encodeURIComponent(NAME)}/0`, 'version'],
      [`/v1/model-versions/${encodeURIComponent(NAME)}/two`, 'version'],
      ['/v1/model-versions/diff?from=noversion&to=2', 'from'],
      [`/v1/model-versions/diff?from=${encodeURIComponent(`${NAME}@1`)}&to=x%40y%40`, 'to'],
      [`/v1/model-versions/diff?from=${encodeURIComponent(`${NAME}@1`)}`, 'to'],
      ['/v1/model-versions?name=a%2Fb', 'name'],
    ] as const) {
      const r = await guest.call<ErrorBody>('GET', url);
      expect(r.status, url).toBe(400);
      expect(r.body.code).toBe('VALIDATION_FAILED');
      expect(
        r.body.details?.issues?.map((i) => i.field),
        url,
      ).toContain(field);
    }
  });

  it('naming a part moves its version to that name, as its next version', async () => {
    const id = party(v2, 'guest')?.modelId as string;
    const named = await guest.ok<ModelView>('PATCH', `/v1/models/${id}`, { name: 'credit-lr' });
    expect(named).toMatchObject({ name: 'credit-lr', version: 1, ref: 'credit-lr@1' });
    expect((await versionOf(guest, 'credit-lr@1')).job).toMatchObject({ id: jobId, attempt: 1 });
    const left = await guest.ok<Page<ModelVersionView>>(
      'GET',
      `/v1/model-versions?name=${encodeURIComponent(NAME)}`,
    );
    expect(left.items.map((v) => v.version)).toEqual([1]);
    const bad = await guest.call<ErrorBody>('PATCH', `/v1/models/${id}`, { name: 'a@2' });
    expect(bad.status).toBe(400);
    expect(bad.body.details?.issues?.map((i) => i.field)).toEqual(['name']);
    expect((await guest.ok<ModelView>('GET', `/v1/models/${id}`)).ref).toBe('credit-lr@1');
  });

  it('records deployment only for a published version', async () => {
    const s = guest.node.services.modelVersions;
    await expect(s.setDeployed('credit-lr@1', new Date())).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    const d = await s.setDeployed(`${NAME}@1`, new Date());
    expect(Date.parse(d.deployedAt ?? '')).not.toBeNaN();
    expect((await s.setDeployed(`${NAME}@1`, null)).deployedAt).toBeNull();
  });
});

describe('a hostile partner', () => {
  it('cannot make this node store oversized or malformed feature names', async () => {
    const s = host.node.services;
    const base = {
      modelId: hostPart.id,
      digest: hostPart.digest,
      jobId,
      task: 'train',
      party: 'host-0',
      component: 'hetero-lr',
    };
    for (const [n, features] of [
      [1, Array.from({ length: 10_001 }, (_, i) => `f${i}`)],
      [2, ['x'.repeat(201)]],
      [3, ['bad\u0000name']],
      [4, [42]],
    ] as const) {
      const err = await s.peers
        .call(await s.contracts.peerApi('guest'), 'POST', '/v1/interconn/model-approvals', {
          ...base,
          approvalId: `host:mapv-hostile-${n}`,
          features,
        })
        .then(
          () => undefined,
          (e: { details?: { peerCode?: string } }) => e,
        );
      expect(err?.details?.peerCode, String(n)).toBe('VALIDATION_FAILED');
    }
    const stored = await guest.node.services.db
      .selectFrom('model_approvals')
      .select('id')
      .where('id', 'like', 'host:mapv-hostile-%')
      .execute();
    expect(stored).toEqual([]);
  });
});
