/**
 * Online prediction on three in-process nodes (guest, host, arbiter; partner calls over real
 * mutual TLS): a HeteroLR job and a SecureBoost job (each with its batch prediction task) leave
 * model parts that both holders publish and deploy — the host binding its registered dataset as
 * the serving feature table. Online scores equal the in-job predictions of the same ids; unknown
 * ids, malformed requests, a revoked grant, a hostile partner, a version switch under concurrent
 * requests, the audit rows on both sides, what the host receives, and a host that is gone
 * (error naming it; guest-only degraded answers).
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status as grpcStatus } from '@grpc/grpc-js';
import { servingGrpcClient } from '@fedgrid/federation';
import type { JobView } from '@fedgrid/node';
import { TestNodes, type TestNode } from './nodes.js';

interface ErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}
interface PredictResponse {
  deployment: string;
  model: string;
  version: string;
  task: string;
  degraded: boolean;
  failedHosts?: { node: string; party: string }[];
  results: { id: string; score?: number; label?: number; error?: ErrorBody }[];
}
interface Deployment {
  id: string;
  name: string;
  role: string;
  model: { id: string; version: string };
  metrics: { requests: { ok: number; error: number; degraded: number; total: number } } | null;
}

const t = new TestNodes();
let guest: TestNode;
let host: TestNode;
let arbiter: TestNode;
let dataDir: string;
let gds: string;
let hds: string;
let grantId: string;
/** Every partial request body the host received, with its caller. */
const received: { body: unknown; caller: string }[] = [];

/** Guest: u0..u79 with label y and 3 features; host: u5..u84 with 4 features. */
async function writeData(): Promise<void> {
  dataDir = await mkdtemp(join(tmpdir(), 'fedgrid-serving-'));
  const g = ['id,y,a,b,c'];
  const h = ['id,d,e,f,g'];
  for (let i = 0; i < 85; i++) {
    const x = Math.sin(i * 1.7);
    const z = Math.cos(i * 0.9);
    if (i < 80)
      g.push(`u${i},${x + z > 0 ? 1 : 0},${x.toFixed(4)},${(x * z).toFixed(4)},${(i % 7) / 7}`);
    if (i >= 5)
      h.push(
        `u${i},${z.toFixed(4)},${(z * z).toFixed(4)},${((i % 5) / 5).toFixed(2)},${(x - z).toFixed(4)}`,
      );
  }
  await writeFile(join(dataDir, 'g.csv'), g.join('\n') + '\n');
  await writeFile(join(dataDir, 'h.csv'), h.join('\n') + '\n');
}

async function runJob(tasks: unknown[], withArbiter: boolean): Promise<string> {
  const j = await guest.ok<JobView>('POST', '/v1/jobs', {
    parties: {
      guest: { node: 'guest' },
      hosts: [{ node: 'host' }],
      ...(withArbiter ? { arbiter: { node: 'arbiter' } } : {}),
    },
    datasets: { guest: gds, 'host-0': hds },
    tasks,
  });
  const end = Date.now() + 120_000;
  for (;;) {
    const v = await guest.ok<JobView>('GET', `/v1/jobs/${j.id}`);
    if (v.status === 'succeeded') return j.id;
    if (['failed', 'stopped'].includes(v.status) || Date.now() > end)
      throw new Error(`job ${j.id} is ${v.status}: ${JSON.stringify(v.error)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The model part `owner` holds of a job's `train` task, approved by every partner and published. */
/** `name@version` of a model part: what predictions report as `model` and `version`. */
async function refOf(owner: TestNode, modelId: string): Promise<string> {
  return (await owner.ok<{ ref: string }>('GET', `/v1/models/${modelId}`)).ref;
}

async function publish(owner: TestNode, jobId: string, partners: TestNode[]): Promise<string> {
  const models = await owner.ok<{ items: { id: string; task: string }[] }>(
    'GET',
    `/v1/models?job=${jobId}`,
  );
  const model = models.items.find((m) => m.task === 'train')!;
  await owner.ok('POST', `/v1/models/${model.id}/approvals`, {});
  for (const p of partners) {
    const inc = await p.ok<{ items: { id: string }[] }>(
      'GET',
      `/v1/model-approvals?direction=incoming&status=pending&model=${encodeURIComponent(model.id)}`,
    );
    for (const a of inc.items)
      await p.ok('POST', `/v1/model-approvals/${encodeURIComponent(a.id)}/approve`, {});
  }
  await owner.ok('POST', `/v1/models/${model.id}/publish`);
  return model.id;
}

/** The batch (in-job) scores of the job's `predict` task on the guest, by id. */
async function batchScores(jobId: string): Promise<Map<string, number>> {
  const p = await guest.ok<{ ids: string[]; scores: number[] }>(
    'GET',
    `/v1/jobs/${jobId}/outputs/predict/guest/predictions`,
  );
  return new Map(p.ids.map((id, i) => [id, p.scores[i]!]));
}

/**
 * A request to the guest's HTTPS API over a real TLS connection (not `fastify.inject`): plain
 * prediction requests take the lean path in front of Fastify (serving/predict-lean-path.ts).
 */
async function https<T>(
  method: string,
  path: string,
  body: string | undefined,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; headers: IncomingHttpHeaders }> {
  const certPem = guest.node.services.identity.certPem;
  const fingerprint = new X509Certificate(certPem).fingerprint256;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: guest.node.apiPort,
        method,
        path,
        ca: certPem,
        checkServerIdentity: (_h, cert) =>
          cert.fingerprint256 === fingerprint ? undefined : new Error('not the guest'),
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            body: (text ? JSON.parse(text) : undefined) as T,
            headers: res.headers,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A prediction as a client makes it: HTTPS with the admin token (the lean path). */
const predict = (name: string, body: unknown) =>
  https<PredictResponse & ErrorBody>('POST', `/v1/models/${name}/predict`, JSON.stringify(body), {
    authorization: `Bearer ${guest.token}`,
  });

const lrTasks = (maxIter: number) => [
  { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
  { name: 'train', component: 'hetero-lr', inputs: { data: 'psi.data' }, params: { maxIter } },
  {
    name: 'predict',
    component: 'hetero-lr-predict',
    inputs: { data: 'psi.data', model: 'train.model' },
  },
];

let lrJob: string;
let lrBatch: Map<string, number>;
let lrGuestModel: string;
let lrRef: string;
let lrHostModel: string;

beforeAll(async () => {
  await writeData();
  [guest, host, arbiter] = await Promise.all([
    t.start('guest'),
    t.start('host'),
    t.start('arbiter'),
  ]);
  await t.contractAll();
  await t.permitAll();
  gds = (
    await guest.ok<{ id: string }>('POST', '/v1/datasets', {
      name: 'g',
      path: join(dataDir, 'g.csv'),
      labelColumn: 'y',
    })
  ).id;
  hds = (
    await host.ok<{ id: string }>('POST', '/v1/datasets', {
      name: 'h',
      path: join(dataDir, 'h.csv'),
    })
  ).id;
  grantId = (
    await host.ok<{ id: string }>('POST', '/v1/grants', { dataset: hds, grantee: 'guest' })
  ).id;
  host.node.services.serving.onPartialRequest((body, caller) => received.push({ body, caller }));
  lrJob = await runJob(lrTasks(5), true);
  lrBatch = await batchScores(lrJob);
  lrGuestModel = await publish(guest, lrJob, [host, arbiter]);
  lrRef = await refOf(guest, lrGuestModel);
  lrHostModel = await publish(host, lrJob, [guest, arbiter]);
}, 240_000);
afterAll(async () => {
  await t.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('HeteroLR online prediction', () => {
  it('deploys only published parts; the host needs its serving feature table', async () => {
    const r = await host.call<ErrorBody>('POST', '/v1/deployments', { model: lrHostModel });
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('dataset');
    const h = await host.ok<Deployment>('POST', '/v1/deployments', {
      model: lrHostModel,
      name: 'lr-host',
      dataset: hds,
    });
    expect(h).toMatchObject({ role: 'host', model: { id: lrHostModel } });
    const g = await guest.ok<Deployment>('POST', '/v1/deployments', {
      model: lrGuestModel,
      name: 'lr',
      dataset: gds,
      // Generous: the test machine is loaded; the deadline itself is not what is tested here.
      deadlineMs: 20_000,
    });
    expect(g).toMatchObject({ role: 'guest', name: 'lr', model: { id: lrGuestModel } });
    // The same name again is refused.
    const again = await guest.call<ErrorBody>('POST', '/v1/deployments', {
      model: lrGuestModel,
      name: 'lr',
    });
    expect(again.status).toBe(409);
  });

  it('an online score equals the in-job prediction of the same id', async () => {
    const ids = [...lrBatch.keys()];
    expect(ids.length).toBe(75);
    for (const id of ids.slice(0, 10)) {
      const r = await predict('lr', { id });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(`${r.body.model}@${r.body.version}`).toBe(lrRef);
      expect(r.body.degraded).toBe(false);
      expect(Math.abs(r.body.results[0]!.score! - lrBatch.get(id)!)).toBeLessThanOrEqual(1e-9);
      expect(r.body.results[0]!.label).toBe(lrBatch.get(id)! >= 0.5 ? 1 : 0);
    }
    const all = await predict('lr', { ids });
    expect(all.status).toBe(200);
    for (const res of all.body.results)
      expect(Math.abs(res.score! - lrBatch.get(res.id)!)).toBeLessThanOrEqual(1e-9);
  });

  it('the lean HTTPS path answers as the Fastify route does, with the same checks (caller, permission, body) and audit', async () => {
    const auth = { authorization: `Bearer ${guest.token}` };
    const path = '/v1/models/lr/predict';
    // The same answer over TLS (lean path) and through fastify.inject (always Fastify).
    const lean = await predict('lr', { id: 'u10' });
    const viaFastify = await guest.call<PredictResponse>('POST', path, { id: 'u10' });
    expect(lean.status, JSON.stringify(lean.body)).toBe(200);
    expect(viaFastify.status).toBe(200);
    expect({ ...lean.body, ms: 0 }).toEqual({ ...viaFastify.body, ms: 0 });
    expect(lean.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    // Requests the lean path leaves to Fastify (a percent-encoded name, a query string) are
    // answered the same.
    for (const other of ['/v1/models/%6Cr/predict', `${path}?x=1`]) {
      const r = await https<PredictResponse>('POST', other, '{"id":"u10"}', auth);
      expect(r.status, other).toBe(200);
      expect(r.body.results[0]!.score).toBe(lean.body.results[0]!.score);
    }
    // No token, a wrong one: 401; a user without model:predict: 403 (first for its one-time
    // password, then for the permission).
    for (const headers of [{}, { authorization: 'Bearer wrong-token' }] as Record<
      string,
      string
    >[]) {
      const r = await https<ErrorBody>('POST', path, '{"id":"u10"}', headers);
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('UNAUTHORIZED');
    }
    const created = await guest.ok<{ oneTimePassword: string }>('POST', '/v1/users', {
      name: 'viewer',
      roles: ['read-only'],
    });
    const login = await guest.node.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { user: 'viewer', password: created.oneTimePassword },
    });
    const viewer = { authorization: `Bearer ${login.json<{ token: string }>().token}` };
    const first = await https<ErrorBody>('POST', path, '{"id":"u10"}', viewer);
    expect(first).toMatchObject({ status: 403, body: { code: 'PASSWORD_CHANGE_REQUIRED' } });
    const changed = await guest.node.app.inject({
      method: 'POST',
      url: '/v1/me/password',
      headers: viewer,
      payload: { current: created.oneTimePassword, password: 'Sturdy-Pass-2026-Nine!' },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    const again = await guest.node.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { user: 'viewer', password: 'Sturdy-Pass-2026-Nine!' },
    });
    const signedIn = { authorization: `Bearer ${again.json<{ token: string }>().token}` };
    const forbidden = await https<ErrorBody>('POST', path, '{"id":"u10"}', signedIn);
    expect(forbidden).toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN', details: { permission: 'model:predict' } },
    });
    // Bodies: not JSON, empty, a NUL in a string — 400, as Fastify answers them.
    const notJson = await https<ErrorBody>('POST', path, '{"id":', auth);
    expect(notJson).toMatchObject({ status: 400, body: { code: 'FST_ERR_CTP_INVALID_JSON' } });
    const empty = await https<ErrorBody>('POST', path, '', auth);
    expect(empty).toMatchObject({ status: 400, body: { code: 'FST_ERR_CTP_EMPTY_JSON_BODY' } });
    const nul = await predict('lr', { id: 'u1\u0000' });
    expect(nul.status).toBe(400);
    expect(nul.body.details?.['issues']).toEqual([expect.objectContaining({ field: 'body.id' })]);
    // Each refusal before the prediction ran is audited, under the caller once it is known.
    type Audit = {
      items: { actor: { id: string }; outcome: string; status: number; details: object }[];
    };
    const refused = await guest.ok<Audit>(
      'GET',
      `/v1/audit?action=${encodeURIComponent('POST /v1/models/:id/predict')}&pageSize=20`,
    );
    const statuses = (actor: string) =>
      refused.items
        .filter((e) => e.actor.id === actor && e.outcome === 'failure')
        .map((e) => e.status)
        .sort();
    expect(statuses('viewer')).toEqual([403, 403]);
    expect(refused.items.filter((e) => e.status === 401)).toHaveLength(2);
    expect(statuses('admin')).toEqual([400, 400, 400]);
    // The lean path's requests are counted in the node's HTTP metrics under the route.
    const counted = async () => {
      const m = await guest.node.app.inject({ method: 'GET', url: '/metrics', headers: auth });
      const line = m.body
        .split('\n')
        .find(
          (l) =>
            l.startsWith('fedgrid_http_requests_total{') &&
            l.includes('route="/v1/models/:id/predict"') &&
            l.includes('status="200"'),
        );
      return Number(line?.split(' ').pop() ?? 0);
    };
    const before = await counted();
    expect((await predict('lr', { id: 'u11' })).status).toBe(200);
    expect(await counted()).toBe(before + 1);
  });

  it('the gRPC method answers the same scores (admin token in metadata; refused without it)', async () => {
    const token = (await readFile(guest.node.config.paths.adminToken, 'utf8')).trim();
    const address = `127.0.0.1:${guest.node.servingPort}`;
    const c = servingGrpcClient(address, guest.node.services.identity.certPem, token);
    const anonymous = servingGrpcClient(address, guest.node.services.identity.certPem, 'wrong');
    try {
      const ids = [...lrBatch.keys()].slice(0, 5);
      const r = await c.predict({ model: 'lr', ids });
      expect(`${r.model}@${r.version}`).toBe(lrRef);
      for (const x of r.results)
        expect(Math.abs(x.score - lrBatch.get(x.id)!)).toBeLessThanOrEqual(1e-9);
      const one = await c.predict({ model: 'lr', ids: [ids[0]!] });
      expect(one.results[0]!.hasLabel).toBe(true);
      await expect(c.predict({ model: 'lr', ids: ['nobody'] })).rejects.toMatchObject({
        code: grpcStatus.NOT_FOUND,
      });
      await expect(anonymous.predict({ model: 'lr', ids })).rejects.toMatchObject({
        code: grpcStatus.UNAUTHENTICATED,
      });
    } finally {
      c.close();
      anonymous.close();
    }
  });

  it('the guest may send its own features; the host receives only ids, never features or labels', async () => {
    received.length = 0;
    const r = await predict('lr', { id: 'u10', features: { a: 0.5, b: -0.25, c: 0.125 } });
    expect(r.status).toBe(200);
    const base = await predict('lr', { id: 'u10' });
    expect(r.body.results[0]!.score).not.toBe(base.body.results[0]!.score);
    expect(received.length).toBeGreaterThanOrEqual(2);
    for (const { body, caller } of received) {
      expect(caller).toBe('guest');
      expect(Object.keys(body as object).sort()).toEqual(['ids', 'job', 'task']);
      const text = JSON.stringify(body);
      for (const leak of ['"a"', '"b"', '"c"', '"y"', '0.5', '-0.25', '0.125'])
        expect(text).not.toContain(leak);
    }
  });

  it('an unknown id is a clear not-found error naming where it is missing', async () => {
    const onlyGuest = await predict('lr', { id: 'u0' });
    expect(onlyGuest.status).toBe(404);
    expect(onlyGuest.body.message).toContain("host node 'host'");
    const nowhere = await predict('lr', { id: 'nobody' });
    expect(nowhere.status).toBe(404);
    expect(nowhere.body.message).toContain("'nobody'");
    const batch = await predict('lr', { ids: ['u10', 'nobody'] });
    expect(batch.status).toBe(200);
    expect(batch.body.results[0]!.score).toBeTypeOf('number');
    expect(batch.body.results[1]!.error!.code).toBe('NOT_FOUND');
    const noModel = await predict('no-such-model', { id: 'u10' });
    expect(noModel.status).toBe(404);
    expect(noModel.body.message).toContain('no-such-model');
  });

  it('malformed requests are 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{}, 'id'],
      [{ ids: 'u1' }, 'ids'],
      [{ ids: [] }, 'ids'],
      [{ id: 7 }, 'id'],
      [{ id: 'u1', features: { a: 'x' } }, 'features'],
      [{ id: 'u1', extra: 1 }, '(root)'],
    ];
    for (const [body, field] of cases) {
      const r = await predict('lr', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.code).toBe('VALIDATION_FAILED');
      const fields = (r.body.details?.['issues'] as { field: string }[]).map((i) => i.field);
      expect(
        fields.some((f) => f.startsWith(field)),
        `${JSON.stringify(body)}: ${fields}`,
      ).toBe(true);
    }
  });

  it('audits every request on both sides: model, version, id hash, caller, outcome; never features', async () => {
    await predict('lr', { id: 'u42', features: { a: 0.75, b: 0.5, c: 0.25 } });
    const hash = createHash('sha256').update('u42').digest('hex');
    type Audit = {
      items: { actor: { id: string }; outcome: string; details: Record<string, unknown> }[];
    };
    const g = await guest.ok<Audit>('GET', '/v1/audit?action=serving.predict&pageSize=5');
    const gRow = g.items.find((e) => (e.details['idHashes'] as string[])?.includes(hash))!;
    expect(gRow).toMatchObject({
      actor: { id: 'admin' },
      outcome: 'success',
      details: { deployment: 'lr', version: lrRef.split('@')[1] },
    });
    const h = await host.ok<Audit>('GET', '/v1/audit?action=serving.partial&pageSize=5');
    const hRow = h.items.find((e) => (e.details['idHashes'] as string[])?.includes(hash))!;
    expect(hRow).toMatchObject({
      actor: { id: 'guest' },
      outcome: 'success',
      details: { deployment: 'lr-host', version: (await refOf(host, lrHostModel)).split('@')[1] },
    });
    for (const row of [gRow, hRow]) {
      const text = JSON.stringify(row);
      expect(text).not.toContain('u42');
      expect(text).not.toContain('0.75');
    }
    // The failed requests above are audited as failures.
    const fails = await guest.ok<Audit>('GET', '/v1/audit?action=serving.predict&pageSize=100');
    expect(fails.items.some((e) => e.outcome === 'failure')).toBe(true);
    const d = await guest.ok<Deployment>('GET', '/v1/deployments/lr');
    expect(d.metrics!.requests.ok).toBeGreaterThan(10);
    expect(d.metrics!.requests.error).toBeGreaterThan(0);
  });

  it('a hostile partner (the arbiter, with its own certificate) is refused by the host', async () => {
    const s = arbiter.node.services;
    const peer = await s.contracts.peerApi('host');
    const call = s.peers.call(peer, 'POST', '/v1/interconn/serving/partial', {
      job: lrJob,
      task: 'train',
      ids: ['u10'],
    });
    await expect(call).rejects.toMatchObject({
      code: 'PEER_REFUSED',
      details: { peerCode: 'NOT_FOUND' },
    });
    // And the refusal carries no partial: nothing about u10 left the host.
    const err = await call.catch((e: Error) => e);
    expect(JSON.stringify(err)).not.toContain('partials');
  });

  it('a hostile partner on the data-plane Partials stream (its own certificate) is refused; bad frames get 4xx, the host keeps serving', async () => {
    const transport = arbiter.node.services.transport;
    const ask = async (body: unknown) => {
      const raw = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
      const a = await transport.partials('host', raw, 10_000);
      return { status: a.status, body: JSON.parse(a.body.toString()) as ErrorBody };
    };
    const before = received.length;
    // The deployment's version, asked by a contracted node that is not its guest: the same 404
    // as for a model that does not exist, and nothing about u10 in it.
    const stolen = await ask({ job: lrJob, task: 'train', ids: ['u10'] });
    expect(stolen.status).toBe(404);
    expect(stolen.body.code).toBe('NOT_FOUND');
    expect(JSON.stringify(stolen.body)).not.toContain('partial');
    expect(received.slice(before).map((r) => r.caller)).toEqual(['arbiter']);
    // Malformed frames: not JSON, an unknown field, too many bytes.
    expect(await ask(Buffer.from('{not json'))).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION_FAILED' },
    });
    expect(
      await ask({ job: lrJob, task: 'train', ids: ['u10'], features: { d: 1 } }),
    ).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(await ask(Buffer.alloc(2 ** 20 + 1, 0x20))).toMatchObject({
      status: 413,
      body: { code: 'VALIDATION_FAILED' },
    });
    // The host's audit log names the hostile caller; the real guest is still answered.
    type Audit = { items: { actor: { id: string }; outcome: string }[] };
    const h = await host.ok<Audit>('GET', '/v1/audit?action=serving.partial&pageSize=20');
    expect(h.items.some((e) => e.actor.id === 'arbiter' && e.outcome === 'failure')).toBe(true);
    expect((await predict('lr', { id: 'u10' })).status).toBe(200);
  });

  it('a version switch under concurrent requests: every answer comes from exactly one version', async () => {
    const job2 = await runJob(lrTasks(2), true);
    const batch2 = await batchScores(job2);
    const g2 = await publish(guest, job2, [host, arbiter]);
    const g2Ref = await refOf(guest, g2);
    expect(g2Ref).not.toBe(lrRef);
    const h2 = await publish(host, job2, [guest, arbiter]);
    await host.ok('POST', '/v1/deployments', { model: h2, name: 'lr-host-2', dataset: hds });
    const ids = [...lrBatch.keys()];
    const requests = Array.from({ length: 60 }, (_, k) =>
      predict('lr', { id: ids[k % ids.length] }),
    );
    const switched = guest.ok<Deployment>('PATCH', '/v1/deployments/lr', { model: g2 });
    const later = Array.from({ length: 20 }, (_, k) => predict('lr', { id: ids[k] }));
    const answers = await Promise.all([...requests, ...later]);
    expect((await switched).model.id).toBe(g2);
    const seen = new Set<string>();
    for (const a of answers) {
      expect(a.status, JSON.stringify(a.body)).toBe(200);
      const res = a.body.results[0]!;
      const got = `${a.body.model}@${a.body.version}`;
      seen.add(got);
      const expected = (got === lrRef ? lrBatch : batch2).get(res.id)!;
      expect([lrRef, g2Ref]).toContain(got);
      expect(Math.abs(res.score! - expected)).toBeLessThanOrEqual(1e-9);
    }
    // The two versions differ on these ids (so a mixed answer could not pass).
    expect(ids.some((id) => Math.abs(lrBatch.get(id)! - batch2.get(id)!) > 1e-6)).toBe(true);
    const after = await predict('lr', { id: ids[0] });
    expect(`${after.body.model}@${after.body.version}`).toBe(g2Ref);
    // The model versions record it: the new one deployed, the old one no longer.
    const version = async (ref: string) =>
      guest.ok<{ deployedAt: string | null }>('GET', `/v1/model-versions/${ref.replace('@', '/')}`);
    expect((await version(g2Ref)).deployedAt).not.toBeNull();
    expect((await version(lrRef)).deployedAt).toBeNull();
  }, 180_000);

  it('a revoked grant: the host refuses the next request', async () => {
    expect((await predict('lr', { id: 'u11' })).status).toBe(200);
    await host.ok('POST', `/v1/grants/${grantId}/revoke`, { reason: 'test' });
    const r = await predict('lr', { id: 'u11' });
    expect(r.status).toBe(504);
    expect(r.body).toMatchObject({
      code: 'SERVING_HOST_FAILED',
      details: { host: 'host', peerCode: 'GRANT_REVOKED' },
    });
    grantId = (
      await host.ok<{ id: string }>('POST', '/v1/grants', { dataset: hds, grantee: 'guest' })
    ).id;
    expect((await predict('lr', { id: 'u11' })).status).toBe(200);
  });
});

describe('SecureBoost online prediction', () => {
  it('an online score equals the in-job prediction of the same id', async () => {
    const job = await runJob(
      [
        { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
        {
          name: 'train',
          component: 'secureboost',
          inputs: { data: 'psi.data' },
          params: { trees: 3, maxDepth: 3, bins: 4, objective: 'binary' },
        },
        {
          name: 'predict',
          component: 'secureboost-predict',
          inputs: { data: 'psi.data', model: 'train.model' },
        },
      ],
      false,
    );
    const batch = await batchScores(job);
    const gm = await publish(guest, job, [host]);
    const gmRef = await refOf(guest, gm);
    const hm = await publish(host, job, [guest]);
    await host.ok('POST', '/v1/deployments', { model: hm, name: 'sb-host', dataset: hds });
    await guest.ok('POST', '/v1/deployments', {
      model: gm,
      name: 'sb',
      dataset: gds,
      deadlineMs: 20_000,
    });
    const ids = [...batch.keys()];
    const all = await predict('sb', { ids });
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    expect(`${all.body.model}@${all.body.version}`).toBe(gmRef);
    for (const res of all.body.results)
      expect(Math.abs(res.score! - batch.get(res.id)!)).toBeLessThanOrEqual(1e-9);
    const one = await predict('sb', { id: ids[3] });
    expect(Math.abs(one.body.results[0]!.score! - batch.get(ids[3]!)!)).toBeLessThanOrEqual(1e-9);
  }, 180_000);
});

describe('a host that is gone', () => {
  let otherBatch: Map<string, number>;

  it('(set-up) a second deployment whose host is another node (the arbiter node as host)', async () => {
    const ads = (
      await arbiter.ok<{ id: string }>('POST', '/v1/datasets', {
        name: 'h-other',
        path: join(dataDir, 'h.csv'),
      })
    ).id;
    await arbiter.ok('POST', '/v1/grants', { dataset: ads, grantee: 'guest' });
    const j = await guest.ok<JobView>('POST', '/v1/jobs', {
      parties: { guest: { node: 'guest' }, hosts: [{ node: 'arbiter' }] },
      datasets: { guest: gds, 'host-0': ads },
      tasks: [
        { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
        {
          name: 'train',
          component: 'secureboost',
          inputs: { data: 'psi.data' },
          params: { trees: 2, maxDepth: 2, bins: 4, objective: 'binary' },
        },
        {
          name: 'predict',
          component: 'secureboost-predict',
          inputs: { data: 'psi.data', model: 'train.model' },
        },
      ],
    });
    const end = Date.now() + 150_000;
    for (;;) {
      const v = await guest.ok<JobView>('GET', `/v1/jobs/${j.id}`);
      if (v.status === 'succeeded') break;
      if (['failed', 'stopped'].includes(v.status) || Date.now() > end)
        throw new Error(`job ${j.id} is ${v.status}: ${JSON.stringify(v.error)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    otherBatch = await batchScores(j.id);
    const gm = await publish(guest, j.id, [arbiter]);
    const am = await publish(arbiter, j.id, [guest]);
    await arbiter.ok('POST', '/v1/deployments', { model: am, name: 'other-host', dataset: ads });
    await guest.ok('POST', '/v1/deployments', {
      model: gm,
      name: 'other',
      dataset: gds,
      deadlineMs: 20_000,
    });
  }, 180_000);

  it('fails the request naming the host, or answers guest-only flagged degraded; other deployments keep serving', async () => {
    await host.node.close();
    const r = await predict('lr', { id: 'u12' });
    expect(r.status).toBe(504);
    expect(r.body.code).toBe('SERVING_HOST_FAILED');
    expect(r.body.message).toContain("host node 'host'");
    await guest.ok('PATCH', '/v1/deployments/lr', { onHostFailure: 'guest-only' });
    const d = await predict('lr', { id: 'u12' });
    expect(d.status).toBe(200);
    expect(d.body.degraded).toBe(true);
    expect(d.body.failedHosts).toEqual([
      expect.objectContaining({ node: 'host', party: 'host-0' }),
    ]);
    const s = d.body.results[0]!.score!;
    expect(s).toBeGreaterThan(0);
    expect(s).toBeLessThan(1);
    const sb = await predict('sb', { id: 'u12' });
    expect(sb.status).toBe(504);
    expect(sb.body.message).toContain("host node 'host'");
    // The deployment served by another host is unaffected: same scores as its in-job ones.
    const ids = [...otherBatch.keys()].slice(0, 10);
    const other = await predict('other', { ids });
    expect(other.status, JSON.stringify(other.body)).toBe(200);
    expect(other.body.degraded).toBe(false);
    for (const res of other.body.results)
      expect(Math.abs(res.score! - otherBatch.get(res.id)!)).toBeLessThanOrEqual(1e-9);
    const one = await predict('other', { id: ids[0] });
    expect(one.status).toBe(200);
    // Concurrent requests to the dead host's deployment and to the other one: each fails or
    // succeeds on its own.
    const mixed = await Promise.all(
      ids.flatMap((id) => [predict('sb', { id }), predict('other', { id })]),
    );
    for (const [k, r] of mixed.entries()) {
      if (k % 2 === 0) {
        expect(r.status).toBe(504);
        expect(r.body.message).toContain("host node 'host'");
      } else expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
  });
});
