/**
 * The console in a real browser (Debian's chromium through playwright-core; nothing is downloaded)
 * against a real `fedgrid node start` process over HTTPS: sign in with the admin token, see the
 * dashboard, register a dataset on the datasets page, and a stale token sends the user back to
 * sign-in. Screenshots of each step go to packages/console/test-artifacts/ (gitignored).
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it when missing).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@fedgrid/node/client';
import type { ClusterNode } from 'fedgrid';
import { EXAMPLES, TestCluster } from '../../../cli/test/cluster-helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
/** Generous: a loaded 2-core machine; this is a time-out, not a measurement. */
const STEP_MS = 120_000;

const cluster = new TestCluster();
let node: ClusterNode;
let token: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
  await mkdir(ARTIFACTS, { recursive: true });
  node = await cluster.launch('console');
  token = (await readFile((await loadConfig(node.dir)).paths.adminToken, 'utf8')).trim();
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
  // The node's certificate is self-signed (partners pin it by fingerprint).
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 800 },
  });
  context.setDefaultTimeout(STEP_MS);
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await cluster.close();
});

const shot = (name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

describe('console in chromium against a node process', () => {
  it('signs in with the admin token and shows the dashboard (zh-CN by default)', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${node.info.apiUrl}/`);
    await expect.poll(() => new URL(page.url()).pathname, { timeout: STEP_MS }).toBe('/sign-in');
    await page.getByRole('heading', { name: '登录 FedGrid 节点' }).waitFor();
    await shot('01-sign-in');
    // The token tab (the account tab, the default, is covered by console-accounts.test.ts).
    await page.getByRole('tab', { name: '令牌登录' }).click();
    const tokenInput = page.getByRole('tabpanel').locator('input[type=password]');
    await tokenInput.fill(token);
    await tokenInput.press('Enter');
    await page.getByRole('heading', { name: '节点总览' }).waitFor();
    await page.getByText(`${node.info.nodeId}`, { exact: false }).first().waitFor();
    await page.getByText('正常').first().waitFor(); // health: ok
    await shot('02-dashboard');
    expect(errors).toEqual([]);
  });

  it('registers a dataset on the datasets page', async () => {
    await page.getByRole('menuitem', { name: '数据集' }).click();
    await page.getByRole('heading', { name: '数据集' }).waitFor();
    await shot('03-datasets-empty');
    await page.getByRole('button', { name: /登\s*记数据集|登记数据集/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('名称').fill('breast_test');
    await dialog.getByLabel('文件路径').fill(join(EXAMPLES, 'fate', 'breast_homo_test.csv'));
    await dialog.getByLabel('标签列').fill('y');
    await dialog.getByRole('button', { name: /提\s*交/ }).click();
    await page.getByRole('cell', { name: 'breast_test' }).waitFor();
    await page.getByRole('cell', { name: '114', exact: true }).waitFor();
    await shot('04-datasets-registered');
    // The node agrees.
    const listed = (await node.api.get<{ items: { name: string; rows: number }[] }>('/v1/datasets'))
      .items;
    expect(listed.map((d) => [d.name, d.rows])).toEqual([['breast_test', 114]]);
  });

  it('shows the API error message when registration fails', async () => {
    await page.getByRole('button', { name: /登\s*记数据集|登记数据集/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('名称').fill('missing');
    await dialog.getByLabel('文件路径').fill(join(EXAMPLES, 'no-such-file.csv'));
    await dialog.getByRole('button', { name: /提\s*交/ }).click();
    await dialog.getByRole('alert').waitFor();
    expect(await dialog.getByRole('alert').innerText()).toMatch(/no-such-file\.csv/);
    await shot('05-datasets-error');
    await page.keyboard.press('Escape');
  });

  it('a rejected token ends the session and returns to sign-in', async () => {
    await page.evaluate("sessionStorage.setItem('fedgrid.token', 'not-the-token')");
    await page.goto(`${node.info.apiUrl}/jobs`);
    await page.getByRole('heading', { name: '登录 FedGrid 节点' }).waitFor();
    await page.getByText('会话已失效，请重新登录。').waitFor();
    expect(await page.evaluate("sessionStorage.getItem('fedgrid.token')")).toBeNull();
    await shot('06-session-expired');
  });
});
