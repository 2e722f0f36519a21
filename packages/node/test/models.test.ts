/**
 * The model registry on three in-process nodes (guest, host, arbiter; partner calls over real
 * mutual TLS): a real job (psi-ecdh, then hetero-lr with two iterations on 60-row files) leaves
 * a model part on the guest and on the host; then listing by job and project, naming, the
 * approval round trip on the part's digest (one partner approves, another rejects), refused and
 * accepted publication, the status query as the fallback for a lost callback, and unpublication.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePgliteTemplate } from '@fedgrid/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestNodes, type TestNode } from './nodes.js';

interface PartnerState {
  node: string;
  status: string;
  approvalId: string | null;
  reason: string | null;
}
interface Model {
  id: string;
  name: string;
  version: number | null;
  jobId: string;
  task: string;
  component: string;
  algorithm: string | null;
  projectId: string | null;
  party: string;
  role: string;
  digest: string;
  file: string;
  size: number | null;
  createdAt: string;
  status: string;
  approval: { digest: string; partners: PartnerState[] };
  published: { at: string; by: string; digest: string; current: boolean } | null;
}
interface Approval {
  id: string;
  direction: string;
  modelId: string;
  requester: string;
  approver: string;
  jobId: string;
  task: string;
  projectId: string | null;
  party: string;
  digest: string;
  status: string;
  reason: string | null;
  decidedAt: string | null;
  deliveryError: string | null;
}
interface Page<T> {
  items: T[];
  total: number;
}
interface ErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** The project the job runs in (a real one: a job of a project runs one of its approved flows). */
let PROJECT: string;
const t = new TestNodes();
let guest: TestNode;
let host: TestNode;
let arbiter: TestNode;
let files: string;
let jobId: string;

/** 60 rows on each side, 54 ids in common; the label depends on features of both sides. */
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
  const deadline = Date.now() + 60_000;
  for (;;) {
    const j = await guest.ok<{ status: string; error: unknown }>('GET', `/v1/jobs/${id}`);
    if (['succeeded', 'failed', 'stopped'].includes(j.status)) return j;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${j.status} after 60 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  files = await mkdtemp(join(tmpdir(), 'fedgrid-models-test-'));
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
  // A project of the three nodes, and a flow both partners approved.
  PROJECT = (await guest.ok<{ id: string }>('POST', '/v1/projects', { name: 'models-test' })).id;
  for (const n of [host, arbiter]) {
    await guest.ok('POST', `/v1/projects/${encodeURIComponent(PROJECT)}/members`, { node: n.id });
    await n.ok('POST', `/v1/projects/${encodeURIComponent(PROJECT)}/accept`);
  }
  const flow = await guest.ok<{ id: string }>('POST', '/v1/flows', {
    projectId: PROJECT,
    name: 'models-test',
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
    ],
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
    name: 'models-test',
  });
  jobId = job.id;
  const done = await waitForJob(jobId);
  expect(done, JSON.stringify(done.error)).toMatchObject({ status: 'succeeded' });
});
afterAll(async () => {
  await t.close();
  if (files) await rm(files, { recursive: true, force: true });
});

let model: Model;

describe('model parts', () => {
  it('each part holder lists its own part by job; the arbiter holds none', async () => {
    const mine = await guest.ok<Page<Model>>('GET', `/v1/models?job=${jobId}`);
    expect(mine.total).toBe(1);
    model = mine.items[0] as Model;
    expect(model).toMatchObject({
      jobId,
      task: 'train',
      component: 'hetero-lr',
      party: 'guest',
      role: 'guest',
      projectId: PROJECT,
      // Version 1 of the model named after the job and task (issue 12 item 1).
      name: 'models-test.train',
      version: 1,
      status: 'unapproved',
      published: null,
    });
    expect(model.algorithm).toBeTruthy();
    expect(model.digest).toMatch(/^[0-9a-f]{64}$/);
    const hostParts = await host.ok<Page<Model>>('GET', `/v1/models?job=${jobId}`);
    expect(hostParts.items.map((m) => [m.party, m.role])).toEqual([['host-0', 'host']]);
    expect(hostParts.items[0]?.digest).not.toBe(model.digest);
    expect((await arbiter.ok<Page<Model>>('GET', `/v1/models?job=${jobId}`)).total).toBe(0);
  });

  it('names the file relative to the data directory, with its size and SHA-256 digest', async () => {
    const bytes = await readFile(join(guest.node.config.paths.dataDir, model.file));
    expect(model.size).toBe(bytes.length);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(model.digest);
    const full = await guest.ok<Model & { content: { algorithm: string } }>(
      'GET',
      `/v1/models/${model.id}`,
    );
    expect(full.content.algorithm).toBe(model.algorithm);
  });

  it('lists by project', async () => {
    const inProject = await guest.ok<Page<Model>>(
      'GET',
      `/v1/models?project=${encodeURIComponent(PROJECT)}`,
    );
    expect(inProject.items.map((m) => m.id)).toEqual([model.id]);
    expect((await guest.ok<Page<Model>>('GET', '/v1/models?project=guest:prj-other')).total).toBe(
      0,
    );
  });

  it('can be named', async () => {
    const named = await guest.ok<Model>('PATCH', `/v1/models/${model.id}`, { name: 'credit-lr' });
    expect(named.name).toBe('credit-lr');
    const found = await guest.ok<Page<Model>>('GET', '/v1/models?q=credit');
    expect(found.items.map((m) => m.id)).toEqual([model.id]);
    const bad = await guest.call<ErrorBody>('PATCH', `/v1/models/${model.id}`, { name: '' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/name/);
  });
});

describe('approval and publication', () => {
  let toHost: Approval;
  let toArbiter: Approval;

  it('publishing before any approval is refused, naming every partner', async () => {
    expect(model.approval.partners.map((p) => [p.node, p.status])).toEqual([
      ['arbiter', 'none'],
      ['host', 'none'],
    ]);
    const r = await guest.call<ErrorBody>('POST', `/v1/models/${model.id}/publish`);
    expect(r.status).toBe(409);
    expect(r.body.message).toMatch(/never requested from 'arbiter'/);
    expect(r.body.message).toMatch(/never requested from 'host'/);
    expect(r.body.details).toMatchObject({ missing: ['arbiter', 'host'] });
  });

  it('the holder asks every other party of the task; each stores a pending approval', async () => {
    const r = await guest.ok<{ model: Model; requests: Approval[] }>(
      'POST',
      `/v1/models/${model.id}/approvals`,
    );
    expect(r.requests.map((a) => [a.approver, a.status])).toEqual([
      ['arbiter', 'pending'],
      ['host', 'pending'],
    ]);
    expect(r.model.status).toBe('pending');
    toArbiter = r.requests[0] as Approval;
    toHost = r.requests[1] as Approval;
    expect(toHost.id).toMatch(/^guest:mapv-/);
    for (const [node, sent] of [
      [host, toHost],
      [arbiter, toArbiter],
    ] as const) {
      const incoming = await node.ok<Page<Approval>>(
        'GET',
        '/v1/model-approvals?direction=incoming&status=pending',
      );
      expect(incoming.items).toHaveLength(1);
      expect(incoming.items[0]).toMatchObject({
        id: sent.id,
        direction: 'incoming',
        modelId: model.id,
        requester: 'guest',
        approver: node.id,
        jobId,
        task: 'train',
        projectId: PROJECT,
        party: 'guest',
        digest: model.digest,
        status: 'pending',
      });
    }
    // Asking again while both are pending sends nothing new.
    const again = await guest.ok<{ requests: Approval[] }>(
      'POST',
      `/v1/models/${model.id}/approvals`,
    );
    expect(again.requests).toEqual([]);
  });

  it('a node that does not hold the claimed party cannot ask for approval', async () => {
    const s = host.node.services;
    const err = await s.peers
      .call(await s.contracts.peerApi('arbiter'), 'POST', '/v1/interconn/model-approvals', {
        approvalId: 'host:mapv-forged',
        modelId: model.id,
        digest: model.digest,
        jobId,
        task: 'train',
        party: 'guest',
        component: 'hetero-lr',
      })
      .then(
        () => undefined,
        (e: { details?: { peerCode?: string }; message: string }) => e,
      );
    expect(err?.details?.peerCode).toBe('FORBIDDEN');
    expect(err?.message).toMatch(/does not hold party 'guest'/);
  });

  it('one partner approves, another rejects; the callbacks reach the holder', async () => {
    const approved = await host.ok<Approval>(
      'POST',
      `/v1/model-approvals/${toHost.id}/approve`,
      {},
    );
    expect(approved).toMatchObject({ status: 'approved', deliveryError: null });
    const rejected = await arbiter.ok<Approval>(
      'POST',
      `/v1/model-approvals/${toArbiter.id}/reject`,
      { reason: 'training log not reviewed yet' },
    );
    expect(rejected).toMatchObject({ status: 'rejected', deliveryError: null });
    // A decision cannot be turned around; the requester must ask again.
    const flip = await arbiter.call<ErrorBody>(
      'POST',
      `/v1/model-approvals/${toArbiter.id}/approve`,
      {},
    );
    expect(flip.status).toBe(409);
    // Only the asked partner answers: the holder cannot approve its own request.
    expect((await guest.call('POST', `/v1/model-approvals/${toHost.id}/approve`, {})).status).toBe(
      404,
    );
    const m = await guest.ok<Model>('GET', `/v1/models/${model.id}`);
    expect(m.approval.partners.map((p) => [p.node, p.status])).toEqual([
      ['arbiter', 'rejected'],
      ['host', 'approved'],
    ]);
    expect(m.status).toBe('rejected');
  });

  it('publishing is refused, naming the partner that rejected and why', async () => {
    const r = await guest.call<ErrorBody>('POST', `/v1/models/${model.id}/publish`);
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('CONFLICT');
    expect(r.body.message).toMatch(/rejected by 'arbiter' \(training log not reviewed yet\)/);
    expect(r.body.message).not.toMatch(/'host'/);
    expect(r.body.details).toMatchObject({ rejected: ['arbiter'], pending: [], missing: [] });
    expect((await guest.ok<Model>('GET', `/v1/models/${model.id}`)).published).toBeNull();
  });

  it('a new request goes to the rejecting partner only; the status query recovers a lost callback', async () => {
    const r = await guest.ok<{ requests: Approval[] }>('POST', `/v1/models/${model.id}/approvals`);
    expect(r.requests.map((a) => [a.approver, a.status])).toEqual([['arbiter', 'pending']]);
    const second = r.requests[0] as Approval;
    expect(second.id).not.toBe(toArbiter.id);
    // While undecided, the fallback query reports pending.
    expect((await guest.ok<Approval>('POST', `/v1/model-approvals/${second.id}/sync`)).status).toBe(
      'pending',
    );
    await arbiter.ok('POST', `/v1/model-approvals/${second.id}/approve`, {});
    // Lose the callback: put the holder's record back to pending, as if it never arrived.
    await guest.node.services.db
      .updateTable('model_approvals')
      .set({ status: 'pending', decided_at: null, decided_by: null })
      .where('id', '=', second.id)
      .execute();
    expect((await guest.ok<Model>('GET', `/v1/models/${model.id}`)).status).toBe('pending');
    const synced = await guest.ok<{ model: Model; synced: Approval[] }>(
      'POST',
      `/v1/models/${model.id}/approvals/sync`,
    );
    expect(synced.synced.map((a) => [a.id, a.status])).toEqual([[second.id, 'approved']]);
    expect(synced.model.status).toBe('approved');
    // The partner answers status queries only for the node that asked.
    const s = host.node.services;
    const foreign = await s.peers
      .call(
        await s.contracts.peerApi('arbiter'),
        'GET',
        `/v1/interconn/model-approvals/${encodeURIComponent(second.id)}`,
      )
      .then(
        () => undefined,
        (e: { details?: { peerCode?: string } }) => e,
      );
    expect(foreign?.details?.peerCode).toBe('NOT_FOUND');
  });

  it('publishes once every partner approved the current digest, and unpublishes', async () => {
    const p = await guest.ok<Model>('POST', `/v1/models/${model.id}/publish`);
    expect(p.status).toBe('published');
    expect(p.published).toMatchObject({ by: 'admin', digest: model.digest, current: true });
    expect(Date.parse(p.published?.at ?? '')).not.toBeNaN();
    expect(
      (await guest.ok<Page<Model>>('GET', '/v1/models?status=published')).items.map((m) => m.id),
    ).toEqual([model.id]);
    const u = await guest.ok<Model>('POST', `/v1/models/${model.id}/unpublish`);
    expect(u).toMatchObject({ status: 'approved', published: null });
    expect((await guest.call('POST', `/v1/models/${model.id}/unpublish`)).status).toBe(409);
  });

  it('a new digest (a rerun) needs new approvals', async () => {
    await guest.node.services.db
      .updateTable('models')
      .set({ digest: 'f'.repeat(64) })
      .where('id', '=', model.id)
      .execute();
    const m = await guest.ok<Model>('GET', `/v1/models/${model.id}`);
    expect(m.status).toBe('unapproved');
    const r = await guest.call<ErrorBody>('POST', `/v1/models/${model.id}/publish`);
    expect(r.status).toBe(409);
    expect(r.body.details).toMatchObject({ missing: ['arbiter', 'host'] });
  });

  it('lists approvals on both sides', async () => {
    const out = await guest.ok<Page<Approval>>('GET', `/v1/models/${model.id}/approvals`);
    expect(out.total).toBe(3);
    expect(out.items.every((a) => a.direction === 'outgoing')).toBe(true);
    const atArbiter = await arbiter.ok<Page<Approval>>(
      'GET',
      '/v1/model-approvals?direction=incoming',
    );
    expect(atArbiter.items.map((a) => a.status)).toEqual(['approved', 'rejected']);
    expect((await arbiter.ok<Approval>('GET', `/v1/model-approvals/${toArbiter.id}`)).reason).toBe(
      'training log not reviewed yet',
    );
  });
});
