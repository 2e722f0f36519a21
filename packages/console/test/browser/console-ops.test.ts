/**
 * Console operations that used to be CLI-only, in Debian's chromium against real node processes
 * (guest and host with a signed contract): upload a CSV file from the browser as a dataset (with
 * a column type override), run a scale job on it, and on the finished job's page open a task's
 * stored log and download an output — each compared with what the node's API answers.
 * Screenshots go to packages/console/test-artifacts/ (gitignored).
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it when missing), and
 * the built console (`npm run build -w @fedgrid/console`).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signContract, type ClusterNode } from 'fedgrid';
import { EXAMPLES, TestCluster, waitFor } from '../../../cli/test/cluster-helpers.js';
import { ARTIFACTS, STEP_MS, adminToken, consolePage, launchChromium } from './harness.js';
const GUEST_CSV = join(EXAMPLES, 'fate', 'breast_hetero_guest.csv');

interface DatasetRow {
  id: string;
  name: string;
  rows: number;
  labelColumn: string | null;
  features: { name: string; type: string }[];
}
interface JobRow {
  id: string;
  status: string;
}

const cluster = new TestCluster();
let guest: ClusterNode;
let host: ClusterNode;
let browser: Browser;
let page: Page;
let jobId: string;

beforeAll(async () => {
  [guest, host] = await Promise.all([cluster.launch('guest'), cluster.launch('host')]);
  await signContract(guest, host);
  browser = await launchChromium();
  // Signed in with the admin token, in English.
  page = await consolePage(browser, {
    token: await adminToken(guest),
    language: 'en-US',
    downloads: true,
  });
}, 4 * STEP_MS);

afterAll(async () => {
  await browser?.close();
  await cluster.close();
});

const shot = (name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `ops-${name}.png`), fullPage: true });

describe('console operations in chromium against node processes', () => {
  it('uploads a CSV file from the browser as a dataset, with a column type override', async () => {
    await page.goto(`${guest.info.apiUrl}/datasets`);
    await page.getByRole('button', { name: 'Upload a file' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('dataset-upload-file').setInputFiles(GUEST_CSV);
    // The name is proposed from the file name; replaced here.
    await expect.poll(() => dialog.getByLabel('Name').inputValue()).toBe('breast_hetero_guest');
    await dialog.getByLabel('Name').fill('uploaded_guest');
    await dialog.getByLabel('Label column').fill('y');
    await dialog.getByLabel('Column types (optional)').fill('x0=categorical');
    await shot('01-upload-form');
    await dialog.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByRole('cell', { name: 'uploaded_guest' }).waitFor();
    await shot('02-uploaded');
    const listed = (await guest.api.get<{ items: DatasetRow[] }>('/v1/datasets')).items;
    expect(listed).toHaveLength(1);
    const d = listed[0]!;
    expect([d.name, d.rows, d.labelColumn]).toEqual(['uploaded_guest', 569, 'y']);
    expect(d.features.find((f) => f.name === 'x0')?.type).toBe('categorical');
    // Without an override the node infers the type.
    expect(d.features.find((f) => f.name === 'x1')?.type).toBe('float');
  });

  it('a bad type override is refused in the form with what to write', async () => {
    await page.getByRole('button', { name: 'Upload a file' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('dataset-upload-file').setInputFiles(GUEST_CSV);
    await dialog.getByLabel('Name').fill('bad_types');
    await dialog.getByLabel('Column types (optional)').fill('x0=colour');
    await dialog.getByRole('button', { name: 'Upload', exact: true }).click();
    await dialog.getByRole('alert').waitFor();
    expect(await dialog.getByRole('alert').innerText()).toMatch(/x0=colour.*COLUMN=TYPE/s);
    await page.keyboard.press('Escape');
    const names = (await guest.api.get<{ items: DatasetRow[] }>('/v1/datasets')).items.map(
      (x) => x.name,
    );
    expect(names).toEqual(['uploaded_guest']);
  });

  it("edits a dataset's description, visibility and a column's data dictionary", async () => {
    await page.goto(`${guest.info.apiUrl}/datasets`);
    const row = page.getByRole('row', { name: /uploaded_guest/ });
    await row.getByRole('button', { name: 'More' }).click();
    await page.getByRole('menuitem', { name: 'Edit and describe columns' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Description', { exact: true }).fill('breast cancer, guest side');
    await dialog.getByLabel('x0 Unit').fill('mm');
    await dialog.getByLabel('x0 Values').fill('1, 2, 3');
    await shot('05-edit');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const d = (
      await guest.api.get<{
        items: (DatasetRow & {
          description: string;
          dictionary: Record<string, { unit?: string; values?: string[] }>;
        })[];
      }>('/v1/datasets')
    ).items[0]!;
    expect(d.description).toBe('breast cancer, guest side');
    expect(d.dictionary['x0']).toEqual({ unit: 'mm', values: ['1', '2', '3'] });
    expect(Object.keys(d.dictionary)).toEqual(['x0']);
  });

  it("shows a finished job's task log and downloads its output as the API answers it", async () => {
    const own = (await guest.api.get<{ items: DatasetRow[] }>('/v1/datasets')).items[0]!;
    const h = await host.api.post<{ id: string }>('/v1/datasets', {
      name: 'host',
      path: join(EXAMPLES, 'fate', 'breast_hetero_host.csv'),
    });
    await host.api.post('/v1/grants', { dataset: h.id, grantee: 'guest' });
    // The host permits the guest's ad-hoc scale jobs (no approved flow here).
    await host.api.post('/v1/job-permissions', {
      partner: 'guest',
      roles: ['host'],
      components: ['scale'],
    });
    const job = await guest.api.post<JobRow>('/v1/jobs', {
      parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }] },
      datasets: { guest: own.id, 'host-0': h.id },
      tasks: [{ name: 'scale', component: 'scale', inputs: { data: 'job.dataset' } }],
    });
    jobId = job.id;
    const done = await waitFor(async () => {
      const v = await guest.api.get<JobRow>(`/v1/jobs/${jobId}`);
      return ['succeeded', 'failed', 'stopped'].includes(v.status) ? v : undefined;
    }, 5 * STEP_MS);
    expect(done.status).toBe('succeeded');

    await page.goto(`${guest.info.apiUrl}/jobs/${jobId}`);
    // Logs of the task, as stored on the node.
    const logs = await guest.api.get<{ items: { message: string }[] }>(
      `/v1/jobs/${jobId}/tasks/scale/logs`,
    );
    await page.getByTestId('task-logs-scale').click();
    const dialog = page.getByRole('dialog');
    if (logs.items.length) {
      const text = await dialog.getByTestId('task-logs').innerText();
      for (const l of logs.items) expect(text).toContain(l.message);
    } else await dialog.getByText('No log lines yet').waitFor();
    await shot('03-task-logs');
    await page.keyboard.press('Escape');

    // The outputs on this node, one download compared with the API's answer.
    const outputs = await guest.api.get<{
      items: { task_name: string; party: string; name: string; kind: string }[];
    }>(`/v1/jobs/${jobId}/outputs`);
    expect(outputs.items.length).toBeGreaterThan(0);
    const o = outputs.items[0]!;
    const card = page.getByTestId('job-outputs');
    await card.getByRole('cell', { name: o.name, exact: true }).first().waitFor();
    await shot('04-outputs');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      card.getByRole('button', { name: 'Download JSON' }).first().click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${jobId}-${o.task_name}-${o.party}-${o.name}.json`);
    const saved = JSON.parse(await readFile((await download.path())!, 'utf8')) as unknown;
    const fromApi = await guest.api.get<unknown>(
      `/v1/jobs/${jobId}/outputs/${o.task_name}/${o.party}/${o.name}`,
    );
    expect(saved).toEqual(fromApi);
  });
});
