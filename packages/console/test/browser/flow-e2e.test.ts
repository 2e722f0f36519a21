/**
 * The console end to end (issue 14, Checks), in Debian's chromium through playwright-core
 * against real `fedgrid node start` processes — a bank (guest), a utility (host) and a
 * coordinator (HeteroLR's arbiter, which holds the Paillier key; the data plane does not connect
 * a node to itself, so the arbiter is a node of its own): sign in; register a dataset; build the HeteroLR flow by drag and drop on the
 * canvas (PSI → HeteroLR → prediction → evaluation), with a parameter form checked by the node;
 * save and ask for approval; approve it on the utility's console, seeing its DAG; run it and watch
 * it finish on the job page (live events); open the ROC chart; have the utility approve the
 * model part and publish it. Screenshots of each step go to packages/console/test-artifacts/.
 *
 * The set-up a user does elsewhere (the contracts, the project and its membership, the utility's
 * dataset and its grant) and the coordinator's answers (flow and model approvals) go through the
 * API. Waits are generous time-outs, never timings.
 * Needs /usr/bin/chromium (`apt-get install -y chromium`).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@fedgrid/node/client';
import { signContract, type ClusterNode } from 'fedgrid';
import { EXAMPLES, TestCluster } from '../../../cli/test/cluster-helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/flow-e2e/', import.meta.url));
/** Generous: a loaded 2-core machine; a time-out, not a measurement. */
const STEP_MS = 180_000;
/** PSI and HeteroLR with 2048-bit Paillier on two node processes. */
const JOB_MS = 900_000;

const cluster = new TestCluster();
let bank: ClusterNode;
let utility: ClusterNode;
let coordinator: ClusterNode;
let browser: Browser;
let atBank: Page;
let atUtility: Page;
let projectId: string;
let jobId: string;
const pageErrors: string[] = [];

async function tokenOf(n: ClusterNode): Promise<string> {
  return (await readFile((await loadConfig(n.dir)).paths.adminToken, 'utf8')).trim();
}

async function openConsole(n: ClusterNode): Promise<Page> {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 800 },
  });
  context.setDefaultTimeout(STEP_MS);
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(`${n.info.nodeId}: ${e.message}`));
  await page.goto(`${n.info.apiUrl}/`);
  await page.getByRole('heading', { name: '登录 FedGrid 节点' }).waitFor();
  // The token tab (the account tab is the default; console-pages.test.ts signs in with accounts).
  await page.getByRole('tab', { name: '令牌登录' }).click();
  const tokenInput = page.getByRole('tabpanel').locator('input[type=password]');
  await tokenInput.fill(await tokenOf(n));
  await tokenInput.press('Enter');
  await page.getByRole('heading', { name: '节点总览' }).waitFor();
  return page;
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

/** Presses the mouse on `from`'s centre and releases it on `to`'s, in small steps. */
async function dragBetween(page: Page, from: Locator, to: Locator): Promise<void> {
  const a = (await from.boundingBox())!;
  const b = (await to.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 });
  await page.mouse.up();
}

/** `step`, unless the job fails or stops first (then its error, at once). */
async function untilFailed(step: Promise<void>): Promise<void> {
  let done = false;
  const watch = (async () => {
    while (!done) {
      const j = await bank.api.get<{ status: string; error: unknown }>(
        `/v1/jobs/${encodeURIComponent(jobId)}`,
      );
      if (j.status === 'failed' || j.status === 'stopped')
        throw new Error(`job ${jobId} ${j.status}: ${JSON.stringify(j.error)}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  })();
  try {
    await Promise.race([step, watch]);
  } finally {
    done = true;
  }
}

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
  await mkdir(ARTIFACTS, { recursive: true });
  [bank, utility, coordinator] = await Promise.all([
    cluster.launch('bank'),
    cluster.launch('utility'),
    cluster.launch('coordinator'),
  ]);
  await signContract(bank, utility);
  await signContract(bank, coordinator);
  await signContract(utility, coordinator);
  // The utility's dataset, granted to the bank.
  const usage = await utility.api.post<{ id: string }>('/v1/datasets', {
    name: 'usage',
    path: join(EXAMPLES, 'fate', 'breast_hetero_host.csv'),
  });
  await utility.api.post('/v1/grants', { dataset: usage.id, grantee: bank.info.nodeId });
  // A project of the bank's with the utility as a member.
  projectId = (await bank.api.post<{ id: string }>('/v1/projects', { name: 'credit scoring' })).id;
  for (const member of [utility, coordinator]) {
    await bank.api.post(`/v1/projects/${encodeURIComponent(projectId)}/members`, {
      node: member.info.nodeId,
    });
    await member.api.post(`/v1/projects/${encodeURIComponent(projectId)}/accept`, {});
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}, 600_000);

// A failed step leaves a picture of both consoles.
afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  const name = ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40);
  for (const [who, page] of [
    ['bank', atBank],
    ['utility', atUtility],
  ] as const)
    await page
      ?.screenshot({ path: join(ARTIFACTS, `failed-${name}-${who}.png`), fullPage: true })
      .catch(() => {});
});

afterAll(async () => {
  await browser?.close();
  await cluster.close();
});

describe('the HeteroLR flow in the console, across three node processes', () => {
  it('signs in on both consoles', async () => {
    [atBank, atUtility] = await Promise.all([openConsole(bank), openConsole(utility)]);
    await shot(atBank, '01-bank-dashboard');
    await shot(atUtility, '01-utility-dashboard');
  });

  it('registers the bank’s dataset', async () => {
    const page = atBank;
    await page.getByRole('menuitem', { name: '数据集' }).click();
    await page.getByRole('heading', { name: '数据集' }).waitFor();
    await page.getByRole('button', { name: /登\s*记数据集|登记数据集/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('名称').fill('loans');
    await dialog.getByLabel('文件路径').fill(join(EXAMPLES, 'fate', 'breast_hetero_guest.csv'));
    await dialog.getByLabel('标签列').fill('y');
    await dialog.getByRole('button', { name: /提\s*交/ }).click();
    await page.getByRole('cell', { name: 'loans', exact: true }).waitFor();
    await shot(page, '02-dataset-registered');
  });

  it('builds the HeteroLR flow by drag and drop, checks a parameter with the node, saves it and asks for approval', async () => {
    const page = atBank;
    await page.getByRole('menuitem', { name: '项目与流程' }).click();
    await page.getByRole('heading', { name: '项目与流程' }).waitFor();
    await page.getByRole('combobox', { name: '项目' }).click();
    await page.getByTitle(`credit scoring (${projectId})`).click();
    await page.getByLabel('流程名称').fill('credit default — HeteroLR');
    const pick = async (label: string, option: string) => {
      await page.getByRole('combobox', { name: label }).click();
      await page
        .locator('.ant-select-dropdown:visible')
        .getByTitle(option, { exact: true })
        .click();
      await page.locator('.ant-select-dropdown:visible').waitFor({ state: 'hidden' });
    };
    await pick('本方数据集', 'loans');
    await pick('数据提供方', utility.info.nodeId);
    await page.getByLabel('提供方数据集名称').fill('usage');
    await pick('协调方', coordinator.info.nodeId);

    // Drag each component from the palette onto the canvas.
    const canvas = page.getByTestId('flow-canvas');
    await canvas.waitFor();
    const drops: [string, number, number][] = [
      ['psi-ecdh', 20, 130],
      ['hetero-lr', 240, 20],
      ['hetero-lr-predict', 240, 150],
      ['evaluation', 240, 300],
    ];
    for (const [code, x, y] of drops) {
      await page.getByTestId(`palette-${code}`).dragTo(canvas, { targetPosition: { x, y } });
      await page.getByTestId(`task-node-${code}`).waitFor();
    }
    await shot(page, '03-components-dropped');

    // Wire outputs to inputs.
    const wires: [string, string][] = [
      ['out-job.dataset-dataset', 'in-psi-ecdh-data'],
      ['out-psi-ecdh-data', 'in-hetero-lr-data'],
      ['out-psi-ecdh-data', 'in-hetero-lr-predict-data'],
      ['out-hetero-lr-model', 'in-hetero-lr-predict-model'],
      ['out-hetero-lr-predict-predictions', 'in-evaluation-predictions'],
    ];
    for (const [from, to] of wires) {
      await dragBetween(page, page.getByTestId(from), page.getByTestId(to));
    }
    await expect
      .poll(() => canvas.locator('.react-flow__edge').count(), { timeout: STEP_MS })
      .toBe(wires.length);

    // HeteroLR's parameters: a value the node refuses shows its message; then 2 iterations.
    await page.getByTestId('task-node-hetero-lr').click();
    await page.locator('#param-learningRate').fill('0');
    await page.locator('#param-maxIter').click(); // leave the field
    const refused = page.locator('.ant-form-item-has-error').filter({ hasText: 'learningRate' });
    await refused.waitFor();
    await shot(page, '04-parameter-refused');
    await page.locator('#param-learningRate').fill('0.15');
    await page.locator('#param-maxIter').fill('2');
    await page.locator('#task-name').click();
    await refused.waitFor({ state: 'detached' });
    await shot(page, '05-flow-built');

    await page.getByRole('button', { name: /保\s*存/ }).click();
    await page.getByTestId('flow-approval').waitFor();
    const flows = await bank.api.get<{
      items: { id: string; tasks: { name: string; inputs: Record<string, string> }[] }[];
    }>(`/v1/projects/${encodeURIComponent(projectId)}/flows`);
    expect(flows.items).toHaveLength(1);
    expect(Object.fromEntries(flows.items[0]!.tasks.map((t) => [t.name, t.inputs]))).toEqual({
      'psi-ecdh': { data: 'job.dataset' },
      'hetero-lr': { data: 'psi-ecdh.data' },
      'hetero-lr-predict': { data: 'psi-ecdh.data', model: 'hetero-lr.model' },
      evaluation: { predictions: 'hetero-lr-predict.predictions' },
    });
    await page.getByRole('button', { name: '发起审批' }).click();
    await page.getByTestId('flow-approval').getByText(`${utility.info.nodeId}: 待审批`).waitFor();
    await shot(page, '06-approval-requested');
  });

  it('the utility reviews the flow as its DAG and approves it', async () => {
    const page = atUtility;
    await page.getByRole('menuitem', { name: '项目与流程' }).click();
    await page
      .getByRole('button', { name: /审\s*阅/ })
      .first()
      .click();
    const dialog = page.getByRole('dialog');
    const view = dialog.getByTestId('flow-view');
    for (const task of ['psi-ecdh', 'hetero-lr', 'hetero-lr-predict', 'evaluation'])
      await view.getByTestId(`task-node-${task}`).waitFor();
    await expect.poll(() => view.locator('.react-flow__edge').count()).toBe(5);
    await dialog.getByText('"maxIter":2').waitFor();
    await shot(page, '07-utility-reviews-dag');
    await dialog.getByRole('button', { name: /批\s*准/ }).click();
    await dialog.waitFor({ state: 'detached' });
    await shot(page, '08-utility-approved');
    // The coordinator approves through its API.
    const asked = await coordinator.api.get<{ items: { id: string }[] }>(
      '/v1/flow-approvals?direction=incoming&status=pending',
    );
    expect(asked.items).toHaveLength(1);
    await coordinator.api.post(
      `/v1/flow-approvals/${encodeURIComponent(asked.items[0]!.id)}/approve`,
      {},
    );
  });

  it('runs the approved flow and watches the job finish on its live page', async () => {
    const page = atBank;
    const run = page.getByRole('button', { name: /运\s*行/ });
    await expect.poll(() => run.isEnabled(), { timeout: STEP_MS }).toBe(true);
    await run.click();
    await page.waitForURL(/\/jobs\//);
    jobId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    await page.getByTestId('task-graph').waitFor();
    await shot(page, '09-job-started');
    // Progress of the HeteroLR task appears from the event stream (epoch of 2).
    await untilFailed(
      page
        .getByTestId('progress-hetero-lr')
        .getByText(/轮次 \d+ \/ 2/)
        .waitFor({ timeout: JOB_MS }),
    );
    await shot(page, '10-job-progress');
    const status = page.locator('.ant-descriptions-item').filter({ hasText: '状态' }).first();
    await untilFailed(status.getByText('成功').waitFor({ timeout: JOB_MS }));
    await shot(page, '11-job-succeeded');
    const job = await bank.api.get<{ status: string }>(`/v1/jobs/${encodeURIComponent(jobId)}`);
    expect(job.status).toBe('succeeded');
  });

  it('opens the ROC chart', async () => {
    const page = atBank;
    await page.getByRole('link', { name: '查看结果' }).click();
    // The chart draws its title on a canvas; the figure is named for assistive technology.
    const roc = page.getByRole('img', { name: 'ROC 曲线' });
    await roc.locator('canvas').first().waitFor();
    await shot(page, '12-roc');
  });

  it('the utility approves the model part and the bank publishes it', async () => {
    await atBank.goto(`${bank.info.apiUrl}/jobs/${encodeURIComponent(jobId)}`);
    const models = atBank.getByTestId('job-models');
    await models.getByRole('button', { name: '请求审批' }).click();
    await models.getByText(`${utility.info.nodeId}: 待审批`).waitFor();
    await shot(atBank, '13-model-approval-requested');

    await atUtility.goto(`${utility.info.apiUrl}/jobs/${encodeURIComponent(jobId)}`);
    const asked = atUtility.getByTestId('job-models');
    await asked.getByRole('button', { name: /批\s*准/ }).click();
    await asked
      .getByRole('button', { name: /批\s*准/ })
      .and(atUtility.locator(':disabled'))
      .waitFor();
    await shot(atUtility, '14-utility-approved-model');
    // The coordinator answers through its API.
    const forCoordinator = await coordinator.api.get<{ items: { id: string; status: string }[] }>(
      `/v1/model-approvals?direction=incoming&job=${encodeURIComponent(jobId)}`,
    );
    for (const a of forCoordinator.items.filter((x) => x.status === 'pending'))
      await coordinator.api.post(`/v1/model-approvals/${encodeURIComponent(a.id)}/approve`, {});

    const publish = models.getByRole('button', { name: /发\s*布/ });
    await expect.poll(() => publish.isEnabled(), { timeout: STEP_MS }).toBe(true);
    await publish.click();
    await models.getByText('已发布', { exact: true }).waitFor();
    await shot(atBank, '15-model-published');
    const parts = await bank.api.get<{ items: { status: string; published: unknown }[] }>(
      `/v1/models?job=${encodeURIComponent(jobId)}`,
    );
    expect(parts.items.map((m) => m.status)).toContain('published');
    expect(pageErrors).toEqual([]);
  });
});
