/**
 * The console's project management, ad-hoc jobs, batch prediction and task rerun with changed
 * parameters, in Debian's chromium against three node processes (guest, host, arbiter; every
 * pair contracted): a project created and a partner invited on the guest's console, accepted on
 * the host's; a flow's approval synced, its (empty) job list and its deletion; a HeteroLR job
 * submitted as JSON without a flow; its model published, then new data scored from the batch
 * prediction page and the scores downloaded as CSV (equal to the node's output); finally the
 * training task rerun with one more iteration; then PSI and training rerun together with changed
 * parameters from the job-level dialog (one POST /v1/jobs/:id/rerun); and the rerun's model
 * parts through the Models page: approval asked on the guest's console, approved with a comment in
 * the host's inbox, seen on the guest after a sync (the approval's drawer), published; the host's
 * part rejected with a comment in the guest's inbox. axe-core finds no serious or critical
 * violation on each new page, form and drawer. Screenshots go to packages/console/test-artifacts/ (gitignored).
 *
 * Needs /usr/bin/chromium and the built console (`npm run build -w @fedgrid/console`).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { predictionsCsv, type PredictionsOutput } from '@fedgrid/api-client';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterNode } from 'fedgrid';
import {
  EXAMPLES,
  TestCluster,
  threePartyCluster,
  waitFor,
} from '../../../cli/test/cluster-helpers.js';
import { adminToken, ARTIFACTS, axe, consolePage, launchChromium, STEP_MS } from './harness.js';

const JOB_MS = 300_000;
const FINISHED = ['succeeded', 'failed', 'stopped'];

interface ProjectRow {
  id: string;
  name: string;
  members: { nodeId: string; status: string }[];
}
interface JobRow {
  id: string;
  status: string;
  error: unknown;
  tasks: {
    name: string;
    status: string;
    attempt: number;
    /** Per party: the task's summary (PSI: its bucket count when partitioned). */
    result: Record<string, Record<string, unknown>> | null;
  }[];
}
interface ModelRow {
  id: string;
  task: string;
  attempt: number;
  status: string;
  approval: { partners: { node: string; status: string; reason: string | null }[] };
}
interface ApprovalRow {
  id: string;
  modelId: string;
  requester: string;
  approver: string;
  status: string;
  reason: string | null;
}
interface VersionRow {
  job: { id: string; task: string; attempt: number };
  params: Record<string, unknown>;
}
interface EventRow {
  id: number;
  kind: string;
  message: string;
  task_name: string | null;
  party: string | null;
  data: Record<string, unknown> | null;
}

const cluster = new TestCluster();
let guest: ClusterNode;
let host: ClusterNode;
let arbiter: ClusterNode;
let browser: Browser;
let atGuest: Page;
let atHost: Page;
let projectId: string;
let trainJob: string;
const pageErrors: string[] = [];

async function pageFor(node: ClusterNode): Promise<Page> {
  const page = await consolePage(browser, {
    token: await adminToken(node),
    language: 'en-US',
    downloads: true,
  });
  page.on('pageerror', (e) => pageErrors.push(`${node.name}: ${e.message}`));
  return page;
}

beforeAll(async () => {
  [guest, host, arbiter] = await threePartyCluster(cluster);
  await guest.api.post('/v1/datasets', {
    name: 'breast-g',
    path: join(EXAMPLES, 'fate/breast_hetero_guest.csv'),
    labelColumn: 'y',
  });
  const hData = await host.api.post<{ id: string }>('/v1/datasets', {
    name: 'breast-h',
    path: join(EXAMPLES, 'fate/breast_hetero_host.csv'),
  });
  await host.api.post('/v1/grants', { dataset: hData.id, grantee: guest.info.nodeId });
  browser = await launchChromium();
  atGuest = await pageFor(guest);
  atHost = await pageFor(host);
}, 4 * STEP_MS);

afterAll(async () => {
  await browser?.close();
  await cluster.close();
});

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `projects-${name}.png`), fullPage: true });

/** Chooses `option` (an option whose text contains it) in the select named `label` in `scope`. */
async function pick(
  page: Page,
  label: string,
  option: string,
  scope: Locator = page.locator('body'),
): Promise<void> {
  await scope.getByRole('combobox', { name: label }).click();
  await page
    .locator('.ant-select-dropdown:visible .ant-select-item-option')
    .filter({ hasText: option })
    .first()
    .click();
  await page.locator('.ant-select-dropdown:visible').waitFor({ state: 'hidden' });
}

/** Waits until job `id` on `node` has ended, and answers it. */
function ended(node: ClusterNode, id: string, also: (j: JobRow) => boolean = () => true) {
  return waitFor(async () => {
    const j = await node.api.get<JobRow>(`/v1/jobs/${id}`);
    return FINISHED.includes(j.status) && also(j) && j;
  }, JOB_MS);
}

describe('projects, ad-hoc jobs, batch prediction and task rerun in the console', () => {
  it("creates a project and invites the host on the guest's console; the host accepts on its own", async () => {
    await atGuest.goto(`${guest.info.apiUrl}/projects`);
    await atGuest.getByRole('heading', { name: 'Projects', level: 2 }).waitFor();
    await atGuest.getByText('No project yet').waitFor();
    expect(await axe(atGuest)).toEqual([]);
    await atGuest.getByRole('button', { name: 'Create a project' }).click();
    const dialog = atGuest.getByRole('dialog');
    await dialog.getByLabel('Name').fill('credit scoring');
    await dialog.getByLabel('Description').fill('loans and payments');
    expect(await axe(atGuest)).toEqual([]);
    await dialog.getByRole('button', { name: 'Create a project' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await atGuest.getByRole('cell', { name: /credit scoring/ }).waitFor();
    const own = (await guest.api.get<{ items: ProjectRow[] }>('/v1/projects')).items;
    expect(own.map((p) => p.name)).toEqual(['credit scoring']);
    projectId = own[0]!.id;

    await atGuest.getByRole('button', { name: 'Invite a partner' }).click();
    const invite = atGuest.getByRole('dialog');
    await pick(atGuest, 'Partner', host.info.nodeId, invite);
    await shot(atGuest, '01-invite');
    await invite.getByRole('button', { name: 'Submit' }).click();
    await invite.waitFor({ state: 'hidden' });
    const invited = await guest.api.get<ProjectRow>(`/v1/projects/${projectId}`);
    expect(invited.members).toEqual([
      expect.objectContaining({ nodeId: host.info.nodeId, status: 'invited' }),
    ]);

    await atHost.goto(`${host.info.apiUrl}/projects`);
    await atHost.getByRole('cell', { name: /credit scoring/ }).waitFor();
    await shot(atHost, '02-invited');
    expect(await axe(atHost)).toEqual([]);
    await atHost.getByRole('button', { name: 'Accept' }).click();
    await atHost.getByText('Invitation accepted').waitFor();
    const accepted = await waitFor(async () => {
      const p = await guest.api.get<ProjectRow>(`/v1/projects/${projectId}`);
      return p.members[0]?.status === 'accepted' && p;
    }, STEP_MS);
    expect(accepted.members[0]).toMatchObject({ nodeId: host.info.nodeId, status: 'accepted' });
  });

  it("lists the project's flows: syncs a partner's approval, shows the flow's jobs, deletes the flow", async () => {
    const flow = await guest.api.post<{ id: string }>('/v1/flows', {
      projectId,
      name: 'align ids',
      parties: { guest: { node: guest.info.nodeId }, hosts: [{ node: host.info.nodeId }] },
      datasets: { guest: 'breast-g', 'host-0': 'breast-h' },
      tasks: [{ name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } }],
    });
    await guest.api.post(`/v1/flows/${flow.id}/approvals`, {});
    const incoming = (
      await host.api.get<{ items: { id: string }[] }>(
        '/v1/flow-approvals?direction=incoming&status=pending',
      )
    ).items;
    expect(incoming).toHaveLength(1);
    await host.api.post(`/v1/flow-approvals/${incoming[0]!.id}/approve`, {});

    await atGuest.goto(`${guest.info.apiUrl}/projects`);
    await atGuest.getByRole('button', { name: 'Expand row' }).first().click();
    const flows = atGuest.getByTestId(`project-flows-${projectId}`);
    await flows.getByRole('cell', { name: /align ids/ }).waitFor();
    await flows.getByTestId(`approval-sync-${host.info.nodeId}`).click();
    await atGuest.getByText("The partner's answer was fetched").waitFor();
    await flows.getByText(`${host.info.nodeId}: approved`).waitFor();
    // The flow's jobs: none yet.
    await flows.getByRole('button', { name: 'Expand row' }).click();
    await atGuest.getByTestId(`flow-jobs-${flow.id}`).getByText('No job was created').waitFor();
    await shot(atGuest, '03-flows');
    expect(await axe(atGuest)).toEqual([]);

    await flows.getByRole('button', { name: 'Delete flow' }).click();
    await atGuest.locator('.ant-popconfirm').getByRole('button', { name: 'OK' }).click();
    // The list's empty state, not the three-second toast (missed once on a loaded machine).
    await flows.getByText('No flow in this project').waitFor();
    expect(await guest.api.get<{ status: string }>(`/v1/flows/${flow.id}`)).toMatchObject({
      status: 'deleted',
    });
  });

  it('submits a HeteroLR job written as JSON, without a flow', async () => {
    const job = {
      name: 'train breast',
      parties: {
        guest: { node: guest.info.nodeId },
        hosts: [{ node: host.info.nodeId }],
        arbiter: { node: arbiter.info.nodeId },
      },
      datasets: { guest: 'breast-g', 'host-0': 'breast-h' },
      tasks: [
        { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
        {
          name: 'train',
          component: 'hetero-lr',
          params: { maxIter: 2 },
          inputs: { data: 'psi.data' },
        },
        {
          name: 'predict',
          component: 'predict',
          inputs: { data: 'psi.data', model: 'train.model' },
        },
      ],
    };
    await atGuest.goto(`${guest.info.apiUrl}/projects`);
    const form = atGuest.getByTestId('adhoc-job');
    // A malformed job is refused with where the JSON breaks.
    await form.getByLabel('Job (JSON)').fill('{"name": ');
    await form.getByRole('button', { name: 'Submit the job' }).click();
    await form
      .getByRole('alert')
      .getByText(/not valid JSON/)
      .waitFor();
    await form.getByLabel('Job (JSON)').fill(JSON.stringify(job, null, 2));
    await shot(atGuest, '04-adhoc-job');
    await form.getByRole('button', { name: 'Submit the job' }).click();
    await atGuest.waitForURL(/\/jobs\/[^/]+$/);
    trainJob = decodeURIComponent(new URL(atGuest.url()).pathname.split('/').pop()!);
    const done = await ended(guest, trainJob);
    expect(done, JSON.stringify(done.error)).toMatchObject({ status: 'succeeded' });
  });

  it('scores new data with the published model on the batch prediction page and downloads the scores', async () => {
    for (const n of [guest, host]) {
      const { items } = await n.api.get<{ items: { id: string; task: string }[] }>(
        `/v1/models?job=${trainJob}`,
      );
      const part = items.find((m) => m.task === 'train')!;
      await n.api.call('PATCH', `/v1/models/${part.id}`, { name: 'breast' });
      await n.api.post(`/v1/models/${part.id}/approvals`, {});
    }
    for (const n of [guest, host, arbiter]) {
      const { items } = await n.api.get<{ items: { id: string }[] }>(
        '/v1/model-approvals?direction=incoming&status=pending',
      );
      for (const a of items) await n.api.post(`/v1/model-approvals/${a.id}/approve`, {});
    }
    for (const n of [guest, host]) {
      const { items } = await n.api.get<{ items: { id: string; task: string }[] }>(
        `/v1/models?job=${trainJob}`,
      );
      for (const m of items.filter((x) => x.task === 'train'))
        await n.api.post(`/v1/models/${m.id}/publish`, {});
    }

    await atGuest.goto(`${guest.info.apiUrl}/predict`);
    await atGuest.getByRole('heading', { name: 'Batch prediction', level: 2 }).waitFor();
    await pick(atGuest, 'Published model version (NAME@VERSION)', 'breast@1');
    await pick(atGuest, "This node's dataset", 'breast-g');
    await atGuest.getByLabel(`Dataset of host-0 (${host.info.nodeId})`).fill('breast-h');
    expect(await axe(atGuest)).toEqual([]);
    await shot(atGuest, '05-predict-form');
    await atGuest.getByRole('button', { name: 'Submit the prediction' }).click();
    const jobLink = atGuest.getByTestId('predict-job').getByRole('link');
    await jobLink.waitFor();
    const predictJob = (await jobLink.innerText()).trim();
    const done = await ended(guest, predictJob);
    expect(done, JSON.stringify(done.error)).toMatchObject({ status: 'succeeded' });
    const [download] = await Promise.all([
      atGuest.waitForEvent('download'),
      atGuest.getByTestId('predict-download').click(),
    ]);
    const csv = await readFile((await download.path())!, 'utf8');
    await atGuest.getByText('569 rows scored').waitFor();
    await shot(atGuest, '06-predicted');
    const stored = await guest.api.get<PredictionsOutput>(
      `/v1/jobs/${predictJob}/outputs/predict/guest/predictions`,
    );
    expect(csv).toBe(predictionsCsv(stored));
    expect(csv.split('\n')[0]).toBe('id,score,label,actual');
    expect(csv.trim().split('\n')).toHaveLength(570);
  });

  it('reruns the training task with one more iteration from the job page', async () => {
    const before = await guest.api.get<JobRow>(`/v1/jobs/${trainJob}`);
    const attempt = before.tasks.find((x) => x.name === 'train')!.attempt;
    await atGuest.goto(`${guest.info.apiUrl}/jobs/${encodeURIComponent(trainJob)}`);
    await atGuest.getByTestId('task-rerun-train').click();
    const dialog = atGuest.getByRole('dialog');
    await dialog.getByTestId('task-rerun-form').waitFor();
    await dialog.getByRole('button', { name: 'Rerun with the same parameters' }).waitFor();
    await dialog.getByLabel('maxIter', { exact: true }).fill('3');
    expect(await axe(atGuest)).toEqual([]);
    await shot(atGuest, '07-rerun');
    await dialog.getByRole('button', { name: 'Rerun with 1 changed parameter(s)' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const done = await ended(
      guest,
      trainJob,
      (j) => j.tasks.find((x) => x.name === 'train')!.attempt > attempt,
    );
    expect(done, JSON.stringify(done.error)).toMatchObject({ status: 'succeeded' });
    // The guest's training epochs: 2 before the rerun, 3 after it.
    const { items } = await guest.api.get<{ items: EventRow[] }>(
      `/v1/jobs/${trainJob}/events?after=0`,
    );
    const rerunAt = items.find((e) => e.kind === 'job' && e.message === 'rerun of train')!.id;
    const epochs = (after: boolean) =>
      items.filter(
        (e) =>
          e.kind === 'progress' &&
          e.task_name === 'train' &&
          e.party === 'guest' &&
          typeof e.data?.['epoch'] === 'number' &&
          e.id > rerunAt === after,
      ).length;
    expect([epochs(false), epochs(true)]).toEqual([2, 3]);
    expect(pageErrors).toEqual([]);
  });

  it('reruns PSI and training with changed parameters in one rerun from the job-level dialog', async () => {
    const before = await guest.api.get<JobRow>(`/v1/jobs/${trainJob}`);
    const attemptOf = (j: JobRow, task: string) => j.tasks.find((x) => x.name === task)!.attempt;
    await atGuest.goto(`${guest.info.apiUrl}/jobs/${encodeURIComponent(trainJob)}`);
    await atGuest.getByTestId('job-rerun-params').click();
    const dialog = atGuest.getByRole('dialog');
    const chooser = dialog.getByTestId('job-rerun-tasks');
    await chooser.getByRole('checkbox', { name: 'psi (psi-ecdh)' }).check();
    await chooser.getByRole('checkbox', { name: 'train (hetero-lr)' }).check();
    await dialog
      .getByTestId('job-rerun-params-psi')
      .getByLabel('buckets', { exact: true })
      .fill('2');
    await dialog
      .getByTestId('job-rerun-params-train')
      .getByLabel('maxIter', { exact: true })
      .fill('4');
    const submit = dialog.getByRole('button', {
      name: 'Rerun 2 task(s) with 2 changed parameter(s)',
    });
    await submit.waitFor();
    expect(await axe(atGuest)).toEqual([]);
    await shot(atGuest, '08-job-rerun');
    await submit.click();
    await dialog.waitFor({ state: 'hidden' });
    const done = await ended(
      guest,
      trainJob,
      (j) =>
        attemptOf(j, 'psi') > attemptOf(before, 'psi') &&
        attemptOf(j, 'train') > attemptOf(before, 'train'),
    );
    expect(done, JSON.stringify(done.error)).toMatchObject({ status: 'succeeded' });
    // One rerun: PSI, training and the prediction downstream of them.
    const { items } = await guest.api.get<{ items: EventRow[] }>(
      `/v1/jobs/${trainJob}/events?after=0`,
    );
    const reruns = items.filter((e) => e.kind === 'job' && e.message.startsWith('rerun of '));
    expect(reruns.at(-1)!.message).toBe('rerun of psi, train, predict');
    // PSI ran partitioned (the host got buckets 2 too, or the guest's check of it fails the job).
    expect(done.tasks.find((x) => x.name === 'psi')!.result?.['guest']?.['buckets']).toBe(2);
    // The guest's training epochs after this rerun: 4.
    const epochs = items.filter(
      (e) =>
        e.kind === 'progress' &&
        e.task_name === 'train' &&
        e.party === 'guest' &&
        typeof e.data?.['epoch'] === 'number' &&
        e.id > reruns.at(-1)!.id,
    );
    expect(epochs).toHaveLength(4);
    // Both parties' model versions of this attempt record the new parameter.
    for (const n of [guest, host]) {
      const versions = await n.api.get<{ items: VersionRow[] }>(
        `/v1/model-versions?job=${encodeURIComponent(trainJob)}`,
      );
      const train = versions.items.filter((v) => v.job.task === 'train');
      const newest = train.reduce((a, b) => (b.job.attempt > a.job.attempt ? b : a));
      expect(newest.params, n.name).toMatchObject({ maxIter: 4 });
    }
    expect(pageErrors).toEqual([]);
  });

  it("approves the rerun's model on the Models pages: asked on the guest, approved with a comment on the host, synced, published; a rejection records its comment", async () => {
    /** `node`'s model part of the newest training attempt. */
    const newestPart = async (node: ClusterNode) => {
      const { items } = await node.api.get<{ items: ModelRow[] }>(
        `/v1/models?job=${encodeURIComponent(trainJob)}&pageSize=100`,
      );
      const train = items.filter((m) => m.task === 'train');
      const newest = train.reduce((a, b) => (b.attempt > a.attempt ? b : a));
      expect(newest.status).toBe('unapproved');
      return newest;
    };
    const approvals = (node: ClusterNode, direction: 'incoming' | 'outgoing') =>
      node.api
        .get<{ items: ApprovalRow[] }>(`/v1/model-approvals?direction=${direction}&pageSize=200`)
        .then((r) => r.items);
    const guestPart = await newestPart(guest);
    const hostPart = await newestPart(host);

    // The guest asks its partners to approve its part.
    await atGuest.goto(`${guest.info.apiUrl}/models`);
    await atGuest.getByRole('heading', { name: 'Models', level: 2 }).waitFor();
    const guestRow = atGuest.locator(`tr[data-row-key="${guestPart.id}"]`);
    await guestRow.getByRole('button', { name: 'Request approval' }).click();
    await guestRow.getByText('Pending', { exact: true }).waitFor();
    const asked = (await approvals(guest, 'outgoing')).filter((a) => a.modelId === guestPart.id);
    expect(asked.map((a) => a.approver).sort()).toEqual(
      [host.info.nodeId, arbiter.info.nodeId].sort(),
    );
    const toHost = asked.find((a) => a.approver === host.info.nodeId)!;

    // The host approves it with a comment in its inbox.
    await atHost.goto(`${host.info.apiUrl}/models`);
    await atHost.getByRole('tab', { name: /Approvals inbox/ }).click();
    const inboxRow = atHost.locator(`tr[data-row-key="${toHost.id}"]`);
    await inboxRow.getByRole('button', { name: 'Approve' }).click();
    const decide = atHost.getByRole('dialog', { name: "Approve the partner's model" });
    await decide.getByLabel('Comment').fill('features and digest checked');
    expect(await axe(atHost)).toEqual([]);
    await shot(atHost, '09-host-approves-model');
    await decide.getByRole('button', { name: 'Approve' }).click();
    await decide.waitFor({ state: 'hidden' });
    await inboxRow.waitFor({ state: 'detached' });
    const atHostNow = (await approvals(host, 'incoming')).find((a) => a.id === toHost.id)!;
    expect(atHostNow).toMatchObject({ status: 'approved', reason: 'features and digest checked' });

    // The guest syncs (its part still waits for the arbiter) and sees the host's answer.
    await guestRow.getByRole('button', { name: 'Sync' }).click();
    await atGuest.getByText('Synced', { exact: true }).first().waitFor();
    await atGuest.getByRole('tab', { name: 'All approvals', exact: true }).click();
    await atGuest
      .locator(`tr[data-row-key="${toHost.id}"]`)
      .getByRole('button', { name: 'Details' })
      .click();
    const drawer = atGuest.getByRole('dialog').filter({ hasText: toHost.id });
    await drawer.getByText('features and digest checked').waitFor();
    await drawer.getByText('Approved', { exact: true }).waitFor();
    expect(await axe(atGuest)).toEqual([]);
    await shot(atGuest, '10-approval-drawer');
    await drawer.getByRole('button', { name: 'Close' }).click();
    await drawer.waitFor({ state: 'hidden' });

    // The arbiter approves through its API; the guest syncs again and publishes.
    const forArbiter = (await approvals(arbiter, 'incoming')).filter(
      (a) => a.requester === guest.info.nodeId && a.status === 'pending',
    );
    expect(forArbiter).toHaveLength(1);
    await arbiter.api.post(`/v1/model-approvals/${forArbiter[0]!.id}/approve`, {});
    await atGuest.getByRole('tab', { name: 'Models', exact: true }).click();
    const publish = guestRow.getByRole('button', { name: 'Publish', exact: true });
    // The page shows the part as it was loaded: still pending until synced (or reloaded).
    if (!(await publish.isVisible())) await guestRow.getByRole('button', { name: 'Sync' }).click();
    await publish.click();
    await guestRow.getByText('Published', { exact: true }).waitFor();
    await shot(atGuest, '11-model-published');
    expect(
      (await guest.api.get<ModelRow>(`/v1/models/${encodeURIComponent(guestPart.id)}`)).status,
    ).toBe('published');

    // The host's part: the guest rejects it with a comment in its own inbox.
    await host.api.post(`/v1/models/${encodeURIComponent(hostPart.id)}/approvals`, {});
    const fromHost = await waitFor(async () => {
      const a = (await approvals(guest, 'incoming')).find(
        (x) => x.requester === host.info.nodeId && x.status === 'pending',
      );
      return a ?? false;
    }, STEP_MS);
    await atGuest.reload();
    await atGuest.getByRole('tab', { name: /Approvals inbox/ }).click();
    await atGuest
      .locator(`tr[data-row-key="${fromHost.id}"]`)
      .getByRole('button', { name: 'Reject' })
      .click();
    const reject = atGuest.getByRole('dialog', { name: "Reject the partner's model" });
    await reject.getByLabel('Comment').fill('four iterations overfit the host features');
    expect(await axe(atGuest)).toEqual([]);
    await reject.getByRole('button', { name: 'Reject' }).click();
    await reject.waitFor({ state: 'hidden' });
    expect((await approvals(guest, 'incoming')).find((a) => a.id === fromHost.id)).toMatchObject({
      status: 'rejected',
      reason: 'four iterations overfit the host features',
    });
    // The host learns it (callback, or its own sync) with the comment.
    await host.api.post(`/v1/models/${encodeURIComponent(hostPart.id)}/approvals/sync`, {});
    const rejected = await host.api.get<ModelRow>(`/v1/models/${encodeURIComponent(hostPart.id)}`);
    expect(rejected.status).toBe('rejected');
    expect(rejected.approval.partners.find((p) => p.node === guest.info.nodeId)).toMatchObject({
      status: 'rejected',
      reason: 'four iterations overfit the host features',
    });
    expect(pageErrors).toEqual([]);
  });
});
