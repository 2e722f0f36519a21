/**
 * Flows across in-process nodes (real mutual TLS between them): create with DAG validation,
 * list and get, the approval round trip (approve, reject, the status query when a callback is
 * lost), approvals invalidated by an update, jobs from flows refused without approvals and
 * created with them (a small psi-ecdh job on CSVs written here runs to the end), deletion, and
 * the partner side refusing non-members and forged content. Standard 001 §8 flow protocol.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ensurePgliteTemplate } from '@fedgrid/node';
import { createFlowSchema, validateFlow } from '../dist/flows/flow-spec.js';
import { TestNodes, type TestNode } from './nodes.js';

interface Approval {
  id: string;
  direction: string;
  flowId: string;
  approver: string;
  initiator: string;
  digest: string;
  flowVersion: number;
  status: string;
  decision: string;
  reason: string | null;
  deliveryError: string | null;
  content: { name: string; dag: unknown; config: unknown };
}
interface Flow {
  id: string;
  projectId: string;
  name: string;
  version: number;
  status: string;
  parties: unknown;
  datasets: Record<string, string>;
  tasks: { name: string; params: Record<string, unknown> }[];
  config: { priority: number; timeoutSeconds: number };
  digest: string;
  approval: {
    approved: boolean;
    partners: { node: string; status: string; approvalId: string | null }[];
  };
}
interface ErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}
interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

const t = new TestNodes();
let a: TestNode; // guest: creates flows and jobs
let b: TestNode; // host
let c: TestNode; // arbiter
let d: TestNode; // no contract with anyone
let project: string; // a's project with b and c
let smallProject: string; // a's project with b only
const root = mkdtempSync(join(tmpdir(), 'fedgrid-flows-test-'));
const enc = encodeURIComponent;

beforeAll(async () => {
  await ensurePgliteTemplate();
  a = await t.start('fa');
  [b, c, d] = await Promise.all([t.start('fb'), t.start('fc'), t.start('fd')]);
  await t.contract(a, b);
  await t.contract(a, c);
  await t.contract(b, c);
  project = (
    await a.ok<{ id: string }>('POST', '/v1/projects', { name: 'scoring', type: 'vertical' })
  ).id;
  smallProject = (await a.ok<{ id: string }>('POST', '/v1/projects', { name: 'psi only' })).id;
  for (const [p, nodes] of [
    [project, [b, c]],
    [smallProject, [b]],
  ] as const) {
    for (const n of nodes) {
      await a.ok('POST', `/v1/projects/${enc(p)}/members`, { node: n.id });
      await n.ok('POST', `/v1/projects/${enc(p)}/accept`);
    }
  }
  // Tiny tables: ids 2, 3, 5 and 7 in common.
  const guestCsv = join(root, 'guest.csv');
  const hostCsv = join(root, 'host.csv');
  writeFileSync(guestCsv, 'id,y,x1\n1,0,0.5\n2,1,0.1\n3,0,0.7\n5,1,0.2\n7,0,0.9\n8,1,0.3\n');
  writeFileSync(hostCsv, 'id,x2\n2,3.0\n3,1.5\n4,2.2\n5,0.4\n7,9.1\n9,1.0\n');
  await a.ok('POST', '/v1/datasets', { name: 'loans', path: guestCsv, labelColumn: 'y' });
  await b.ok('POST', '/v1/datasets', { name: 'usage', path: hostCsv });
  await b.ok('POST', '/v1/grants', { dataset: 'usage', grantee: 'fa' });
});
afterAll(async () => {
  await t.close();
  rmSync(root, { recursive: true, force: true });
});

const psiDag = () => ({
  parties: { guest: { node: 'fa' }, hosts: [{ node: 'fb' }] },
  datasets: { guest: 'loans', 'host-0': 'usage' },
  tasks: [
    {
      name: 'psi',
      component: 'psi-ecdh',
      inputs: { data: 'job.dataset' },
      params: { resultParties: 'all' },
    },
  ],
});

const lrDag = () => ({
  parties: { guest: { node: 'fa' }, hosts: [{ node: 'fb' }], arbiter: { node: 'fc' } },
  datasets: { guest: 'loans', 'host-0': 'usage' },
  tasks: [
    { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
    {
      name: 'train',
      component: 'hetero-lr',
      inputs: { data: 'psi.data' },
      params: { maxIter: 3, batchSize: 64, keyBits: 2048 },
    },
  ],
});

/** The documented digest: SHA-256 of {dag, config} as JSON with sorted keys, no whitespace. */
function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  return `{${Object.keys(v)
    .sort()
    .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
    .join(',')}}`;
}
const digestOf = (f: Flow) =>
  createHash('sha256')
    .update(
      canonical({
        dag: { parties: f.parties, datasets: f.datasets, tasks: f.tasks },
        config: f.config,
      }),
    )
    .digest('hex');

const incoming = async (n: TestNode, flowId: string) =>
  (await n.ok<Page<Approval>>('GET', `/v1/flow-approvals?direction=incoming&flowId=${enc(flowId)}`))
    .items;

/** Calls `to`'s partner API as node `from` over their pinned contract. */
async function peerCall<T>(
  from: TestNode,
  to: string,
  method: string,
  path: string,
  body?: unknown,
) {
  const s = from.node.services;
  return s.peers.call<T>(await s.contracts.peerApi(to), method, path, body);
}
async function refusal(p: Promise<unknown>): Promise<ErrorBody> {
  try {
    await p;
  } catch (err) {
    return err as ErrorBody;
  }
  throw new Error('expected a rejection');
}

describe('creating flows', () => {
  it('refuses invalid DAGs, naming the task and field', async () => {
    const post = (body: object) => a.call<ErrorBody>('POST', '/v1/flows', body);
    const unknown = psiDag();
    unknown.tasks[0]!.component = 'psi-magic';
    const r1 = await post({ projectId: project, name: 'x', ...unknown });
    expect(r1.status).toBe(400);
    expect(r1.body.code).toBe('VALIDATION_FAILED');
    expect(r1.body.message).toMatch(/psi-magic/);
    expect(r1.body.details).toMatchObject({ task: 'psi', field: 'tasks.0.component' });

    const wrongOutput = lrDag();
    wrongOutput.tasks[1]!.inputs = { data: 'psi.model' };
    const r2 = await post({ projectId: project, name: 'x', ...wrongOutput });
    expect(r2.status).toBe(400);
    expect(r2.body.message).toMatch(/task 'train'.*'psi' has no output 'model'/);

    const noSuchTask = lrDag();
    noSuchTask.tasks[1]!.inputs = { data: 'join.data' };
    const r3 = await post({ projectId: project, name: 'x', ...noSuchTask });
    expect(r3.status).toBe(400);
    expect(r3.body.message).toMatch(/refers to 'join.data'/);

    const badParam = psiDag();
    badParam.tasks[0]!.params = { resultParties: 'everyone' };
    expect((await post({ projectId: project, name: 'x', ...badParam })).status).toBe(400);

    const notGuest = psiDag();
    notGuest.parties = { guest: { node: 'fb' }, hosts: [{ node: 'fa' }] };
    const r4 = await post({ projectId: project, name: 'x', ...notGuest });
    expect(r4.status).toBe(400);
    expect(r4.body.message).toMatch(/guest's node/);

    // fc is not a member of smallProject.
    const r5 = await post({ projectId: smallProject, name: 'x', ...lrDag() });
    expect(r5.status).toBe(400);
    expect(r5.body.message).toMatch(/node 'fc' takes part in the flow but is not a member/);

    expect((await post({ projectId: 'fa:prj-nope', name: 'x', ...psiDag() })).status).toBe(404);
    expect((await post({ projectId: project, ...psiDag() })).status).toBe(400); // no name
    expect((await a.ok<Page<Flow>>('GET', `/v1/projects/${enc(project)}/flows`)).total).toBe(0);
  });

  it('creates, lists by project (paged, with the total) and gets flows', async () => {
    const lr = await a.ok<Flow>('POST', '/v1/flows', {
      projectId: project,
      name: 'credit LR',
      description: 'PSI then HeteroLR',
      ...lrDag(),
      config: { priority: 5, timeoutSeconds: 600 },
    });
    expect(lr.id).toMatch(/^fa:flow-[0-9a-f-]{36}$/);
    expect(lr).toMatchObject({
      projectId: project,
      version: 1,
      status: 'active',
      config: { priority: 5, timeoutSeconds: 600 },
    });
    expect(lr.digest).toBe(digestOf(lr));
    expect(lr.approval).toEqual({
      digest: lr.digest,
      approved: false,
      partners: [
        { node: 'fb', status: 'missing', approvalId: null, reason: null },
        { node: 'fc', status: 'missing', approvalId: null, reason: null },
      ],
    });
    const psi = await a.ok<Flow>('POST', '/v1/flows', {
      projectId: project,
      name: 'psi only',
      ...psiDag(),
      // Jobs may choose who gets the intersection without a new approval.
      config: { tunable: { psi: { resultParties: { values: ['all', 'guest'] } } } },
    });
    expect(psi.config).toEqual({
      priority: 0,
      timeoutSeconds: 86400,
      tunable: { psi: { resultParties: { values: ['all', 'guest'] } } },
    });
    expect(psi.approval.partners.map((p) => p.node)).toEqual(['fb']);

    const page1 = await a.ok<Page<Flow>>('GET', `/v1/projects/${enc(project)}/flows?pageSize=1`);
    expect(page1).toMatchObject({ total: 2, page: 1, pageSize: 1 });
    expect(page1.items).toHaveLength(1);
    const byName = await a.ok<Page<Flow>>(
      'GET',
      `/v1/flows?projectId=${enc(project)}&q=${enc('credit lr')}`,
    );
    expect(byName.items.map((f) => f.id)).toEqual([lr.id]);
    expect(await a.ok<Flow>('GET', `/v1/flows/${enc(lr.id)}`)).toEqual(lr);
  });
});

describe('approvals and jobs', () => {
  let lr: Flow;
  let psi: Flow;

  beforeAll(async () => {
    const all = (await a.ok<Page<Flow>>('GET', `/v1/projects/${enc(project)}/flows`)).items;
    lr = all.find((f) => f.name === 'credit LR')!;
    psi = all.find((f) => f.name === 'psi only')!;
  });

  it('running without approvals is refused, naming the partner', async () => {
    const r = await a.call<ErrorBody>('POST', `/v1/flows/${enc(psi.id)}/jobs`, {});
    expect(r.status).toBe(403);
    expect(r.body.message).toMatch(/not approved by node 'fb' \(never asked\)/);
    expect(r.body.details).toMatchObject({ missing: [{ node: 'fb', status: 'missing' }] });
    expect((await a.ok<Page<unknown>>('GET', `/v1/flows/${enc(psi.id)}/jobs`)).total).toBe(0);
  });

  it('request → partners hold the content and digest → approve / reject reach the initiator', async () => {
    const req = await a.ok<{ items: Approval[] }>('POST', `/v1/flows/${enc(lr.id)}/approvals`);
    expect(req.items.map((x) => [x.approver, x.status])).toEqual([
      ['fb', 'pending'],
      ['fc', 'pending'],
    ]);
    for (const x of req.items) {
      expect(x.id).toMatch(/^fa:apv-/);
      expect(x.digest).toBe(lr.digest);
      expect(x.deliveryError).toBeNull();
    }
    const [atB] = await incoming(b, lr.id);
    expect(atB).toMatchObject({
      id: req.items[0]!.id,
      initiator: 'fa',
      approver: 'fb',
      status: 'pending',
      digest: lr.digest,
      flowVersion: 1,
      content: { name: 'credit LR', config: { priority: 5, timeoutSeconds: 600 } },
    });
    expect(atB!.content.dag).toEqual({
      parties: lr.parties,
      datasets: lr.datasets,
      tasks: lr.tasks,
    });
    const [atC] = await incoming(c, lr.id);

    expect(
      (await b.ok<Approval>('POST', `/v1/flow-approvals/${enc(atB!.id)}/approve`)).status,
    ).toBe('approved');
    await c.ok('POST', `/v1/flow-approvals/${enc(atC!.id)}/reject`, { reason: 'arbiter busy' });
    const after = await a.ok<Flow>('GET', `/v1/flows/${enc(lr.id)}`);
    expect(after.approval.partners).toEqual([
      { node: 'fb', status: 'approved', approvalId: atB!.id, reason: null },
      { node: 'fc', status: 'rejected', approvalId: atC!.id, reason: 'arbiter busy' },
    ]);
    // A decision is final.
    expect((await c.call('POST', `/v1/flow-approvals/${enc(atC!.id)}/approve`)).status).toBe(409);
    // Only the approver answers incoming requests; the initiator has none to answer.
    expect((await a.call('POST', `/v1/flow-approvals/${enc(atB!.id)}/approve`)).status).toBe(404);

    const run = await a.call<ErrorBody>('POST', `/v1/flows/${enc(lr.id)}/jobs`, {});
    expect(run.status).toBe(403);
    expect(run.body.message).toMatch(/not approved by node 'fc' \(rejected: arbiter busy/);
    expect(run.body.message).not.toMatch(/node 'fb'/);

    // Asking again: fb's approval of this digest stands, fc gets a new request.
    const again = await a.ok<{ items: Approval[] }>('POST', `/v1/flows/${enc(lr.id)}/approvals`);
    expect(again.items[0]).toMatchObject({ id: atB!.id, status: 'approved' });
    expect(again.items[1]!.id).not.toBe(atC!.id);
    expect(again.items[1]!.status).toBe('pending');
    await c.ok('POST', `/v1/flow-approvals/${enc(again.items[1]!.id)}/approve`);
    expect((await a.ok<Flow>('GET', `/v1/flows/${enc(lr.id)}`)).approval.approved).toBe(true);
  });

  it('an update of the DAG or config invalidates approvals; a rename does not', async () => {
    const renamed = await a.ok<Flow>('PATCH', `/v1/flows/${enc(lr.id)}`, { name: 'credit LR v2' });
    expect(renamed).toMatchObject({ version: 2, digest: lr.digest, name: 'credit LR v2' });
    expect(renamed.approval.approved).toBe(true);

    const changed = await a.ok<Flow & { withdrawn: string[] }>('PATCH', `/v1/flows/${enc(lr.id)}`, {
      config: { priority: 9 },
    });
    expect(changed.version).toBe(3);
    expect(changed.config).toEqual({ priority: 9, timeoutSeconds: 600 });
    expect(changed.digest).not.toBe(lr.digest);
    expect(changed.digest).toBe(digestOf(changed));
    expect(changed.approval.approved).toBe(false);
    expect(changed.approval.partners.map((p) => p.status)).toEqual(['missing', 'missing']);
    const history = await a.ok<Page<Approval>>('GET', `/v1/flows/${enc(lr.id)}/approvals`);
    expect(history.total).toBe(3);
    expect(new Set(history.items.map((x) => x.status))).toEqual(new Set(['invalidated']));
    const run = await a.call<ErrorBody>('POST', `/v1/flows/${enc(lr.id)}/jobs`, {});
    expect(run.status).toBe(403);
    expect(run.body.message).toMatch(/node 'fb' \(never asked\), node 'fc' \(never asked\)/);

    // Pending requests of an old digest are withdrawn from the partners.
    const pending = await a.ok<{ items: Approval[] }>('POST', `/v1/flows/${enc(lr.id)}/approvals`);
    expect(pending.items.map((x) => x.digest)).toEqual([changed.digest, changed.digest]);
    const tasks = structuredClone(changed.tasks);
    tasks[1]!.params['maxIter'] = 4;
    const changedAgain = await a.ok<Flow & { withdrawn: string[] }>(
      'PATCH',
      `/v1/flows/${enc(lr.id)}`,
      { tasks },
    );
    expect(changedAgain.withdrawn.sort()).toEqual(pending.items.map((x) => x.id).sort());
    const atB = (await incoming(b, lr.id)).find((x) => x.id === pending.items[0]!.id)!;
    expect(atB.status).toBe('withdrawn');
    const late = await b.call<ErrorBody>('POST', `/v1/flow-approvals/${enc(atB.id)}/approve`);
    expect(late.status).toBe(409);
    expect(late.body.message).toMatch(/withdrawn/);

    // Invalid updates are refused and change nothing.
    const bad = await a.call<ErrorBody>('PATCH', `/v1/flows/${enc(lr.id)}`, {
      tasks: [{ name: 'psi', component: 'nope', inputs: { data: 'job.dataset' } }],
    });
    expect(bad.status).toBe(400);
    expect((await a.ok<Flow>('GET', `/v1/flows/${enc(lr.id)}`)).version).toBe(4);
  });

  it('a lost approval callback: the initiator queries the partner', async () => {
    const [req] = (await a.ok<{ items: Approval[] }>('POST', `/v1/flows/${enc(psi.id)}/approvals`))
      .items;
    // The partner's callback to the initiator fails (the network drops it).
    const spy = vi
      .spyOn(b.node.services.peers, 'call')
      .mockRejectedValueOnce(new Error('connection reset'));
    const answered = await b.ok<Approval>('POST', `/v1/flow-approvals/${enc(req!.id)}/approve`);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    expect(answered.status).toBe('approved');
    expect(answered.deliveryError).toMatch(/callback to fa failed: connection reset/);

    expect((await a.ok<Approval>('GET', `/v1/flow-approvals/${enc(req!.id)}`)).status).toBe(
      'pending',
    );
    const synced = await a.ok<Approval>('POST', `/v1/flow-approvals/${enc(req!.id)}/sync`);
    expect(synced).toMatchObject({ status: 'approved', decision: 'approved', approver: 'fb' });
    expect((await a.ok<Flow>('GET', `/v1/flows/${enc(psi.id)}`)).approval.approved).toBe(true);
  });

  it('with every approval, a job is created from the flow (with overrides) and runs', async () => {
    const badTask = await a.call<ErrorBody>('POST', `/v1/flows/${enc(psi.id)}/jobs`, {
      params: { join: { x: 1 } },
    });
    expect(badTask.status).toBe(400);
    expect(badTask.body.message).toMatch(/no such task/);
    const badParam = await a.call<ErrorBody>('POST', `/v1/flows/${enc(psi.id)}/jobs`, {
      params: { psi: { hashFunction: 'md5' } },
    });
    expect(badParam.status).toBe(400);
    expect(badParam.body.message).toMatch(/no parameter 'hashFunction'/);

    const job = await a.ok<{ id: string; status: string }>(
      'POST',
      `/v1/flows/${enc(psi.id)}/jobs`,
      {
        name: 'psi run 1',
        priority: 7,
        params: { psi: { resultParties: 'guest' } },
      },
    );
    expect(job.id).toMatch(/^job-/);
    const row = await a.node.services.db
      .selectFrom('jobs')
      .select('spec')
      .where('id', '=', job.id)
      .executeTakeFirstOrThrow();
    expect(row.spec).toMatchObject({
      name: 'psi run 1',
      projectId: project,
      flowId: psi.id,
      priority: 7,
      timeoutSeconds: 86400,
      tasks: [{ name: 'psi', params: { resultParties: 'guest' } }],
    });
    // The flow itself is unchanged by the overrides.
    expect((await a.ok<Flow>('GET', `/v1/flows/${enc(psi.id)}`)).tasks[0]!.params).toEqual({
      resultParties: 'all',
    });

    let status = job.status;
    for (let i = 0; i < 300 && !['succeeded', 'failed', 'stopped'].includes(status); i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await a.ok<{ status: string }>('GET', `/v1/jobs/${job.id}`)).status;
    }
    const done = await a.ok<{ status: string; error: unknown }>('GET', `/v1/jobs/${job.id}`);
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');
    const out = await a.ok<{ ids: string[] }>('GET', `/v1/jobs/${job.id}/outputs/psi/guest/data`);
    expect([...out.ids].sort()).toEqual(['2', '3', '5', '7']);

    const jobs = await a.ok<Page<{ id: string }>>('GET', `/v1/flows/${enc(psi.id)}/jobs`);
    expect(jobs).toMatchObject({ total: 1, page: 1 });
    expect(jobs.items.map((j) => j.id)).toEqual([job.id]);
    expect((await a.ok<Page<unknown>>('GET', `/v1/flows/${enc(lr.id)}/jobs`)).total).toBe(0);
  });

  it('delete: the flow stays readable, cannot run, and pending requests are withdrawn', async () => {
    const [req] = (await a.ok<{ items: Approval[] }>('POST', `/v1/flows/${enc(lr.id)}/approvals`))
      .items;
    const del = await a.ok<Flow & { withdrawn: string[] }>('DELETE', `/v1/flows/${enc(lr.id)}`);
    expect(del.status).toBe('deleted');
    expect(del.withdrawn).toContain(req!.id);
    expect((await incoming(b, lr.id)).find((x) => x.id === req!.id)?.status).toBe('withdrawn');
    expect((await a.call('POST', `/v1/flows/${enc(lr.id)}/jobs`, {})).status).toBe(409);
    expect((await a.call('PATCH', `/v1/flows/${enc(lr.id)}`, { name: 'again' })).status).toBe(409);
    expect((await a.call('POST', `/v1/flows/${enc(lr.id)}/approvals`)).status).toBe(409);
    const listed = await a.ok<Page<Flow>>('GET', `/v1/projects/${enc(project)}/flows`);
    expect(listed.items.map((f) => f.id)).not.toContain(lr.id);
    expect(
      (await a.ok<Page<Flow>>('GET', `/v1/projects/${enc(project)}/flows?status=all`)).total,
    ).toBe(2);
  });
});

describe('the partner side', () => {
  const request = (over: Record<string, unknown> = {}) => {
    const dag = lrDag();
    const config = { priority: 0, timeoutSeconds: 60 };
    return {
      approvalId: `fa:apv-${Math.random().toString(16).slice(2)}`,
      projectId: smallProject,
      flowId: 'fa:flow-x',
      flowVersion: 1,
      name: 'forged',
      description: '',
      dag,
      config,
      digest: createHash('sha256').update(canonical({ dag, config })).digest('hex'),
      ...over,
    };
  };

  it('refuses requests from non-members, with a wrong digest or for others’ flows', async () => {
    // fc is contracted with fa but not a member of smallProject.
    const e1 = await refusal(peerCall(a, 'fc', 'POST', '/v1/interconn/flow-approvals', request()));
    expect(e1.details).toMatchObject({ status: 403, peerCode: 'FORBIDDEN' });
    expect(e1.message).toMatch(/not in project/);

    const e2 = await refusal(
      peerCall(
        a,
        'fb',
        'POST',
        '/v1/interconn/flow-approvals',
        request({ digest: '0'.repeat(64) }),
      ),
    );
    expect(e2.details).toMatchObject({ status: 400, peerCode: 'VALIDATION_FAILED' });
    expect(e2.message).toMatch(/hashes to/);

    const e3 = await refusal(
      peerCall(a, 'fb', 'POST', '/v1/interconn/flow-approvals', request({ flowId: 'fc:flow-y' })),
    );
    expect(e3.details).toMatchObject({ status: 403, peerCode: 'FORBIDDEN' });

    // fc may not answer, or query, an approval that fa asked of fb.
    const [mine] = (
      await a.ok<Page<Approval>>('GET', '/v1/flow-approvals?direction=outgoing&status=approved')
    ).items;
    const e4 = await refusal(
      peerCall(c, 'fa', 'POST', `/v1/interconn/flow-approvals/${enc(mine!.id)}/answer`, {
        status: 'rejected',
        digest: mine!.digest,
      }),
    );
    expect(e4.details).toMatchObject({ peerCode: 'NOT_FOUND' });
    const e5 = await refusal(
      peerCall(c, 'fb', 'GET', `/v1/interconn/flow-approvals/${enc(mine!.id)}`),
    );
    expect(e5.details).toMatchObject({ peerCode: 'NOT_FOUND' });
    expect((await incoming(c, 'fa:flow-x')).length).toBe(0);
  });

  it('a node without a contract is refused', async () => {
    const e = await refusal(
      d.node.services.peers.firstContact(
        a.node.apiUrl,
        'GET',
        '/v1/interconn/flow-approvals/x',
        undefined,
      ),
    );
    expect(e.details).toMatchObject({ status: 403, peerCode: 'PEER_NOT_PINNED' });
  });
});

describe('flow files', () => {
  it('every example in examples/flows is a valid flow', () => {
    const dir = join(import.meta.dirname, '../../../examples/flows');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) {
      const doc = parseYaml(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;
      const flow = createFlowSchema.parse({ projectId: 'p', ...doc });
      expect(() => validateFlow(flow.name, flow, flow.config), f).not.toThrow();
    }
  });
});
