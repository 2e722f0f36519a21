/**
 * Issue 10: the data owner's node is the authority on its own data. A contracted but hostile
 * initiator (`guest`, calling the owner's partner API with its own certificate) tries to run
 * what the owner never accepted, read what it may not learn, and keep the owner's copy alive.
 * The owner is `host` (a dataset, a grant of one use) and `arbiter` (no data); `outsider` is
 * contracted with both but takes no part in the job.
 *
 * Numbered as the defects in issue 10: 1 reruns, 2 approvals and projects, 4 partner reads,
 * 6 phantom jobs and timeouts, 7 ending one's own copy, 10 revocation during a task.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, type ClusterNode } from 'fedgrid';
import type { JobView } from '@fedgrid/node';
import {
  asPartner,
  contractedCluster,
  TestCluster,
  waitFor,
  type PartnerCaller,
} from './harness.js';

const SAMPLES = fileURLToPath(new URL('../../../../examples/data/fate/', import.meta.url));
const cluster = new TestCluster();
let guest: ClusterNode;
let host: ClusterNode;
let arbiter: ClusterNode;
let outsider: ClusterNode;
/** The attacker's raw calls: guest's certificate against each victim. */
let toHost: PartnerCaller;
let toArbiter: PartnerCaller;
let gds: string;
let hds: string;

interface Grant {
  id: string;
  uses: number;
  maxUses: number | null;
  status: string;
}
interface ErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

const terminal = (s: string) => ['succeeded', 'failed', 'stopped'].includes(s);
const newJobId = () => `job-20261206000000-${randomBytes(4).toString('hex')}`;

/** A job body exactly as an initiator sends it to POST /v1/interconn/jobs. */
function partnerJob(over: Record<string, unknown> = {}) {
  return {
    id: newJobId(),
    initiator: 'guest',
    createdAt: new Date().toISOString(),
    name: 'hostile',
    priority: 0,
    timeoutSeconds: 3600,
    parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }] },
    datasets: { guest: gds, 'host-0': 'breast' },
    tasks: [{ name: 'psi', component: 'psi-ecdh', params: {}, inputs: { data: 'job.dataset' } }],
    ...over,
  };
}

async function refused(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected the call to be refused');
}

function settled(node: ClusterNode, id: string, timeoutMs = 120_000): Promise<JobView> {
  return waitFor(async () => {
    const v = await node.api.get<JobView>(`/v1/jobs/${id}`);
    return terminal(v.status) ? v : undefined;
  }, timeoutMs);
}

beforeAll(async () => {
  [guest, host, arbiter, outsider] = (await contractedCluster(cluster, [
    'guest',
    'host',
    'arbiter',
    'outsider',
  ])) as [ClusterNode, ClusterNode, ClusterNode, ClusterNode];
  toHost = await asPartner(guest, host);
  toArbiter = await asPartner(guest, arbiter);
  gds = (
    await guest.api.post<{ id: string }>('/v1/datasets', {
      name: 'breast',
      path: join(SAMPLES, 'breast_hetero_guest.csv'),
      labelColumn: 'y',
    })
  ).id;
  hds = (
    await host.api.post<{ id: string }>('/v1/datasets', {
      name: 'breast',
      path: join(SAMPLES, 'breast_hetero_host.csv'),
    })
  ).id;
}, 180_000);
afterAll(() => cluster.close());

describe('1 — reruns run the accepted job, and count as uses', () => {
  let jobId: string;
  let grant: Grant;

  beforeAll(async () => {
    grant = await host.api.post<Grant>('/v1/grants', {
      dataset: hds,
      grantee: 'guest',
      maxUses: 1,
    });
    // The owner permits ad-hoc PSI (and only PSI) for the guest.
    await host.api.post('/v1/job-permissions', {
      partner: 'guest',
      roles: ['host'],
      components: ['psi-ecdh'],
      datasets: [hds],
    });
    const job = await guest.api.post<JobView>('/v1/jobs', {
      parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }] },
      datasets: { guest: gds, 'host-0': hds },
      tasks: [{ name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } }],
    });
    jobId = job.id;
    expect((await settled(guest, jobId)).status).toBe('succeeded');
    await settled(host, jobId);
    expect((await host.api.get<Grant>(`/v1/grants/${grant.id}`)).status).toBe('used-up');
  }, 180_000);

  it('a rerun message carrying other tasks starts nothing the owner did not accept', async () => {
    const r = await toHost.call<ErrorBody>('POST', `/v1/interconn/jobs/${jobId}/rerun`, {
      spec: partnerJob({
        tasks: [
          { name: 'stats', component: 'statistics', params: {}, inputs: { data: 'job.dataset' } },
        ],
      }),
      tasks: ['stats'],
    });
    expect(r.status).toBe(404);
    expect(r.body.message).toContain('stats');
    const onHost = await host.api.get<JobView>(`/v1/jobs/${jobId}`);
    expect(onHost.tasks.map((t) => [t.name, t.component, t.attempt])).toEqual([
      ['psi', 'psi-ecdh', 0],
    ]);
    expect(onHost.status).toBe('succeeded');
  });

  it('recomputing a task that succeeded on a used-up grant is refused; nothing is reset', async () => {
    const r = await toHost.call<ErrorBody>('POST', `/v1/interconn/jobs/${jobId}/rerun`, {
      tasks: ['psi'],
    });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('GRANT_USED_UP');
    expect(r.body.message).toContain(grant.id);
    const onHost = await host.api.get<JobView>(`/v1/jobs/${jobId}`);
    expect(onHost.status).toBe('succeeded');
    expect(onHost.tasks[0]).toMatchObject({ status: 'succeeded', attempt: 0 });
    expect((await host.api.get<Grant>(`/v1/grants/${grant.id}`)).uses).toBe(1);
  });

  it('a task start outside a rerun is refused (a finished task does not run again)', async () => {
    const r = await toHost.call<ErrorBody>('POST', `/v1/interconn/jobs/${jobId}/tasks/psi/start`, {
      attempt: 7,
    });
    // The job is over on the owner's node: nothing of it starts.
    expect(r.status).toBe(409);
    expect((await host.api.get<JobView>(`/v1/jobs/${jobId}`)).tasks[0]!.attempt).toBe(0);
  });

  it('`job rerun --from psi` by the initiator fails cleanly on the used-up grant', async () => {
    const e = await refused(guest.api.post(`/v1/jobs/${jobId}/rerun`, { from: 'psi' }));
    expect(e.body.code).toBe('PEER_REFUSED');
    expect(e.body.details?.['peerCode']).toBe('GRANT_USED_UP');
    const v = await settled(guest, jobId);
    expect(v.status).toBe('failed');
    expect((await host.api.get<JobView>(`/v1/jobs/${jobId}`)).status).toBe('succeeded');
    expect((await host.api.get<Grant>(`/v1/grants/${grant.id}`)).uses).toBe(1);
  });

  it('with uses left, a rerun that recomputes counts one more use', async () => {
    const g2 = await host.api.post<Grant>('/v1/grants', {
      dataset: hds,
      grantee: 'guest',
      maxUses: 2,
    });
    const job = await guest.api.post<JobView>('/v1/jobs', {
      parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }] },
      datasets: { guest: gds, 'host-0': hds },
      tasks: [{ name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } }],
    });
    expect((await settled(guest, job.id)).status).toBe('succeeded');
    expect((await host.api.get<Grant>(`/v1/grants/${g2.id}`)).uses).toBe(1);
    await guest.api.post(`/v1/jobs/${job.id}/rerun`, { from: 'psi' });
    const again = await waitFor(async () => {
      const v = await guest.api.get<JobView>(`/v1/jobs/${job.id}`);
      return terminal(v.status) && v.tasks[0]!.attempt === 1 ? v : undefined;
    }, 120_000);
    expect(again.status).toBe('succeeded');
    expect(await host.api.get<Grant>(`/v1/grants/${g2.id}`)).toMatchObject({
      uses: 2,
      status: 'used-up',
    });
  }, 180_000);
});

describe('2 — only approved flows or permitted ad-hoc jobs are accepted', () => {
  beforeAll(async () => {
    await host.api.post('/v1/grants', { dataset: hds, grantee: 'guest' });
  });

  it('a job claiming a project and flow the owner never approved is refused', async () => {
    const r = await toHost.call<ErrorBody>(
      'POST',
      '/v1/interconn/jobs',
      partnerJob({ projectId: 'guest:prj-invented', flowId: 'guest:flow-invented' }),
    );
    expect(r.status).toBe(403);
    expect(r.body.message).toMatch(/not in|project/);
  });

  it('an ad-hoc job running a component the permission does not list is refused', async () => {
    const r = await toHost.call<ErrorBody>(
      'POST',
      '/v1/interconn/jobs',
      partnerJob({
        tasks: [
          { name: 'psi', component: 'psi-ecdh', params: {}, inputs: { data: 'job.dataset' } },
          { name: 'stats', component: 'statistics', params: {}, inputs: { data: 'psi.data' } },
        ],
      }),
    );
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('FORBIDDEN');
    expect(r.body.message).toContain('statistics');
    expect(r.body.message).toContain('fedgrid permission create --to guest');
  });

  it('a local job request naming a project is refused: projects run approved flows', async () => {
    const e = await refused(
      guest.api.post('/v1/jobs', {
        projectId: 'guest:prj-x',
        parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }] },
        datasets: { guest: gds, 'host-0': hds },
        tasks: [{ name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } }],
      }),
    );
    expect(e.status).toBe(400);
    expect(e.body.message).toMatch(/flow/);
  });

  it('a flow job must match the approved digest: other parameters or tasks are refused', async () => {
    const project = await guest.api.post<{ id: string }>('/v1/projects', { name: 'hostile' });
    await guest.api.post(`/v1/projects/${project.id}/members`, { node: 'host' });
    await host.api.post(`/v1/projects/${project.id}/accept`);
    const dag = {
      parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }] },
      datasets: { guest: gds, 'host-0': hds },
      tasks: [
        {
          name: 'psi',
          component: 'psi-ecdh',
          inputs: { data: 'job.dataset' },
          params: { resultParties: 'guest' },
        },
      ],
    };
    const flow = await guest.api.post<{ id: string }>('/v1/flows', {
      projectId: project.id,
      name: 'psi',
      ...dag,
    });
    await guest.api.post(`/v1/flows/${flow.id}/approvals`);
    const incoming = await host.api.get<{ items: { id: string }[] }>(
      `/v1/flow-approvals?flowId=${encodeURIComponent(flow.id)}&direction=incoming`,
    );
    await host.api.post(`/v1/flow-approvals/${incoming.items[0]!.id}/approve`);

    const ids = { projectId: project.id, flowId: flow.id };
    // Same graph, a parameter the flow does not make tunable.
    const params = await toHost.call<ErrorBody>(
      'POST',
      '/v1/interconn/jobs',
      partnerJob({
        ...ids,
        ...dag,
        tasks: [{ ...dag.tasks[0], params: { resultParties: 'all' } }],
      }),
    );
    expect(params.status).toBe(403);
    expect(params.body.message).toMatch(/resultParties/);
    // An extra task on the owner's data.
    const extra = await toHost.call<ErrorBody>(
      'POST',
      '/v1/interconn/jobs',
      partnerJob({
        ...ids,
        ...dag,
        tasks: [
          ...dag.tasks,
          { name: 'stats', component: 'statistics', params: {}, inputs: { data: 'psi.data' } },
        ],
      }),
    );
    expect(extra.status).toBe(403);
    expect(extra.body.message).toMatch(/differ/);
    // The initiator's own user cannot override an approved parameter either.
    const local = await refused(
      guest.api.post(`/v1/flows/${flow.id}/jobs`, { params: { psi: { resultParties: 'all' } } }),
    );
    expect(local.status).toBe(400);
    expect(local.body.message).toMatch(/tunable/);
    // The approved flow itself runs.
    const ok = await guest.api.post<JobView>(`/v1/flows/${flow.id}/jobs`, {});
    expect((await settled(guest, ok.id)).status).toBe('succeeded');
  }, 180_000);
});

describe('4 — partner reads answer only what the caller may learn', () => {
  let jobId: string;

  beforeAll(async () => {
    await arbiter.api.post('/v1/job-permissions', {
      partner: 'guest',
      roles: ['arbiter'],
      components: ['psi-ecdh', 'hetero-lr'],
    });
    await host.api.post('/v1/job-permissions', {
      partner: 'guest',
      roles: ['host'],
      components: ['psi-ecdh', 'hetero-lr'],
    });
    const job = await guest.api.post<JobView>('/v1/jobs', {
      parties: {
        guest: { node: 'guest' },
        hosts: [{ node: 'host' }],
        arbiter: { node: 'arbiter' },
      },
      datasets: { guest: gds, 'host-0': hds },
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
    jobId = job.id;
    expect((await settled(guest, jobId)).status).toBe('succeeded');
  }, 180_000);

  it("a node outside the job learns nothing of the guest's task, not even that it exists", async () => {
    const r = await (
      await asPartner(outsider, guest)
    ).call<ErrorBody>('GET', `/v1/interconn/jobs/${jobId}/tasks/train`);
    expect(r.status).toBe(404);
    expect(JSON.stringify(r.body)).not.toMatch(/loss|auc/i);
  });

  it("a host of the job cannot read the guest's (initiator's) task results", async () => {
    const r = await (
      await asPartner(host, guest)
    ).call<ErrorBody>('GET', `/v1/interconn/jobs/${jobId}/tasks/train`);
    expect(r.status).toBe(404);
    expect(JSON.stringify(r.body)).not.toMatch(/lossHistory|auc/i);
  });

  it('the initiator polling a host gets states only, no summaries', async () => {
    const r = await toHost.call<{ parties: Record<string, Record<string, unknown>> }>(
      'GET',
      `/v1/interconn/jobs/${jobId}/tasks/train`,
    );
    expect(r.status).toBe(200);
    expect(r.body.parties['host-0']).toMatchObject({ status: 'succeeded' });
    expect(r.body.parties['host-0']).not.toHaveProperty('summary');
  });
});

describe('6 — phantom jobs: no permission, per-partner caps, timeouts', () => {
  const arbiterJob = (over: Record<string, unknown> = {}) =>
    partnerJob({
      parties: {
        guest: { node: 'guest' },
        hosts: [{ node: 'outsider' }],
        arbiter: { node: 'arbiter' },
      },
      datasets: { guest: gds, 'host-0': 'x' },
      tasks: [
        { name: 'train', component: 'hetero-lr', params: {}, inputs: { data: 'job.dataset' } },
      ],
      ...over,
    });

  it('a job in which the victim only arbitrates needs its permission', async () => {
    const perms = await arbiter.api.get<{ items: { id: string; partner: string }[] }>(
      '/v1/job-permissions?partner=outsider',
    );
    expect(perms.items).toHaveLength(0);
    const r = await (
      await asPartner(outsider, arbiter)
    ).call<ErrorBody>(
      'POST',
      '/v1/interconn/jobs',
      arbiterJob({
        initiator: 'outsider',
        parties: {
          guest: { node: 'outsider' },
          hosts: [{ node: 'guest' }],
          arbiter: { node: 'arbiter' },
        },
      }),
    );
    expect(r.status).toBe(403);
    expect(r.body.message).toMatch(/no job permission/);
  });

  it('a partner cannot hold more unfinished jobs on the owner than runtime.maxPartnerJobs (8)', async () => {
    const answers: number[] = [];
    for (let i = 0; i < 10; i++)
      answers.push((await toArbiter.call('POST', '/v1/interconn/jobs', arbiterJob())).status);
    // Earlier tests of this file left no unfinished guest job on the arbiter.
    expect(answers.slice(0, 8)).toEqual(Array(8).fill(200));
    expect(answers.slice(8)).toEqual([429, 429]);
    const mine = await arbiter.api.get<{ items: JobView[] }>('/v1/jobs?status=running');
    expect(mine.items.filter((j) => j.initiator === 'guest')).toHaveLength(8);
    // The owner ends them itself (defect 7): always possible, whatever the initiator does.
    for (const j of mine.items)
      await arbiter.api.post(`/v1/jobs/${j.id}/stop`, { reason: 'cleanup' });
    const after = await arbiter.api.get<{ items: JobView[] }>('/v1/jobs?status=running');
    expect(after.items).toHaveLength(0);
  });

  it("a partner's copy ends at its timeout even if the initiator never says so", async () => {
    const body = arbiterJob({ timeoutSeconds: 1 });
    expect((await toArbiter.call('POST', '/v1/interconn/jobs', body)).status).toBe(200);
    const v = await settled(arbiter, body.id, 60_000);
    expect(v.status).toBe('failed');
    expect(v.error).toMatchObject({ code: 'TIMEOUT' });
  });
});

describe('7 — the owner ends its own copy; a late stop does not rewrite the outcome', () => {
  it('`job stop` on the owner ends its copy at once, and a stale finish cannot revive it', async () => {
    const body = partnerJob();
    expect((await toHost.call('POST', '/v1/interconn/jobs', body)).status).toBe(200);
    // A stale finish (an older attempt than the owner's) is ignored ...
    await host.api.get(`/v1/jobs/${body.id}`);
    const stale = await toHost.call('POST', `/v1/interconn/jobs/${body.id}/finish`, {
      status: 'running',
      tasks: { psi: { status: 'running', attempt: -1 } },
    });
    expect(stale.status).toBeLessThan(500);
    expect((await host.api.get<JobView>(`/v1/jobs/${body.id}`)).status).toBe('running');
    // ... and the owner stops its copy locally, without asking the initiator.
    const stopped = await host.api.post<JobView>(`/v1/jobs/${body.id}/stop`, { reason: 'mine' });
    expect(stopped.status).toBe('stopped');
    // The dataset can be deleted now (no unfinished job uses it) — not tested further here.
    await toHost.call('POST', `/v1/interconn/jobs/${body.id}/finish`, { status: 'running' });
    expect((await host.api.get<JobView>(`/v1/jobs/${body.id}`)).status).toBe('stopped');
  });

  it("a stop from the initiator after success does not turn the owner's succeeded copy into stopped", async () => {
    const done = await host.api.get<{ items: JobView[] }>('/v1/jobs?status=succeeded');
    const j = done.items.find((x) => x.initiator === 'guest');
    expect(j).toBeDefined();
    const r = await toHost.call('POST', `/v1/interconn/jobs/${j!.id}/finish`, {
      status: 'stopped',
      error: { code: 'STOPPED', message: 'late' },
    });
    expect(r.status).toBe(200);
    expect((await host.api.get<JobView>(`/v1/jobs/${j!.id}`)).status).toBe('succeeded');
  });
});

describe('10 — revoking a grant during a task ends the task', () => {
  it('the owner revokes while training runs: its copy fails GRANT_REVOKED, the job ends', async () => {
    const g = await host.api.post<Grant>('/v1/grants', { dataset: hds, grantee: 'guest' });
    // The grant the job will consume is this one: revoke the others so that it is the only one.
    for (const other of (await host.api.get<{ items: Grant[] }>('/v1/grants?status=active')).items)
      if (other.id !== g.id) await host.api.post(`/v1/grants/${other.id}/revoke`);
    const job = await guest.api.post<JobView>('/v1/jobs', {
      parties: {
        guest: { node: 'guest' },
        hosts: [{ node: 'host' }],
        arbiter: { node: 'arbiter' },
      },
      datasets: { guest: gds, 'host-0': hds },
      tasks: [
        { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
        {
          name: 'train',
          component: 'hetero-lr',
          inputs: { data: 'psi.data' },
          params: { maxIter: 500, tol: 0, earlyStop: 'none' },
        },
      ],
    });
    await waitFor(async () => {
      const v = await host.api.get<JobView>(`/v1/jobs/${job.id}`);
      return v.tasks.find((t) => t.name === 'train')?.status === 'running';
    }, 120_000);
    await host.api.post(`/v1/grants/${g.id}/revoke`, { reason: 'contract ended' });
    const onHost = await host.api.get<JobView>(`/v1/jobs/${job.id}`);
    expect(onHost.status).toBe('failed');
    expect(onHost.error).toMatchObject({ code: 'GRANT_REVOKED' });
    const atGuest = await settled(guest, job.id);
    expect(atGuest.status).not.toBe('succeeded');
    expect(atGuest.tasks.find((t) => t.name === 'train')?.status).not.toBe('succeeded');
  }, 240_000);
});
