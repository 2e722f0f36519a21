/**
 * The console's account pages and an accessibility check of every page, in a real browser
 * (Debian's chromium through playwright-core) against a real `fedgrid node start` process:
 *
 * - a security administrator signs in with the one-time password the node gave it, must set a new
 *   password, then sees the menu its permissions give (users and roles, user centre — not the
 *   platform's pages) and creates a user on the users page;
 * - in the user centre it enrols a TOTP second factor (secret read from the page, code computed
 *   here by RFC 6238), issues an API token, and then needs the code to sign in again;
 * - the audit administrator lands on the audit page (it has no dashboard), verifies the chain and
 *   downloads a sealed export archive, which `fedgrid audit verify-archive` opens and verifies;
 * - axe-core (injected from node_modules, nothing downloaded) finds no serious or critical
 *   violation on the sign-in page and on every page of the console, signed in with the admin
 *   token (which sees every page but the user centre) and as users (user centre, audit).
 *
 * Screenshots go to packages/console/test-artifacts/ (gitignored). Needs /usr/bin/chromium.
 */
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterNode } from 'fedgrid';
import { TestCluster } from '../../../cli/test/cluster-helpers.js';
import {
  ARTIFACTS,
  STEP_MS,
  adminToken as readAdminToken,
  axe as axeOn,
  consolePage,
  launchChromium,
} from './harness.js';

const NEW_PASSWORD = 'Console-Test-2026!';

const cluster = new TestCluster();
let node: ClusterNode;
let adminToken: string;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
/** One-time passwords of the users made for this test, by name. */
const otp: Record<string, string> = {};

/** RFC 6238 code (HMAC-SHA1, 6 digits, 30 s) of a base32 secret at `ms`. */
function totp(secret: string, ms: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '').toUpperCase())
    bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(ms / 1000 / 30)));
  const h = createHmac('sha1', key).update(counter).digest();
  const o = h[h.length - 1]! & 0xf;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

beforeAll(async () => {
  node = await cluster.launch('pages');
  adminToken = await readAdminToken(node);
  for (const [name, role] of [
    ['sec', 'security-admin'],
    ['aud', 'audit-admin'],
  ] as const) {
    const u = await node.api.post<{ oneTimePassword: string }>('/v1/users', {
      name,
      roles: [role],
    });
    otp[name] = u.oneTimePassword;
  }
  browser = await launchChromium();
  page = await consolePage(browser, { downloads: true });
  page.on('pageerror', (e) => pageErrors.push(e.message));
});

afterAll(async () => {
  await browser?.close();
  await cluster.close();
});

const shot = (name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `pages-${name}.png`), fullPage: true });

const axe = () => axeOn(page);

async function signInAs(user: string, password: string, code?: string): Promise<void> {
  await page.goto(`${node.info.apiUrl}/sign-in`);
  await page.getByRole('heading', { name: '登录 FedGrid 节点' }).waitFor();
  await page.getByLabel('用户名').fill(user);
  await page.getByLabel('密码', { exact: true }).fill(password);
  await page.getByRole('button', { name: /登\s*录/ }).click();
  if (code) {
    await page.getByLabel('动态验证码').fill(code);
    await page.getByRole('button', { name: /登\s*录/ }).click();
  }
}

async function signOut(): Promise<void> {
  await page.getByRole('button', { name: /退\s*出/ }).click();
  await page.getByRole('heading', { name: '登录 FedGrid 节点' }).waitFor();
}

const menuItems = async () =>
  (await page.getByRole('menuitem').allInnerTexts()).map((s) => s.trim()).filter(Boolean);

describe('console account pages in chromium against a node process', () => {
  it('the sign-in page has no serious or critical accessibility violations', async () => {
    await page.goto(`${node.info.apiUrl}/`);
    await page.getByRole('heading', { name: '登录 FedGrid 节点' }).waitFor();
    expect(await axe()).toEqual([]);
  });

  it('a new user signs in with its one-time password, sets a new one and sees its menu', async () => {
    // A wrong password: the node's message, no session.
    await signInAs('sec', 'not-the-password');
    await page.getByRole('alert').filter({ hasText: 'UNAUTHORIZED' }).waitFor();
    expect(await page.getByRole('alert').last().innerText()).toMatch(/wrong user name or password/);

    await signInAs('sec', otp['sec']!);
    await page.getByText('这是一次性密码，请先设置新密码。').waitFor();
    await page.getByLabel('新密码', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('再次输入新密码').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: /设置密码并登录/ }).click();
    // The security administrator has no dashboard: it starts on users and roles.
    await page.getByRole('heading', { name: '用户与角色' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/users');
    expect(await menuItems()).toEqual(['用户与角色', '个人中心']);
    await page.getByRole('cell', { name: 'aud', exact: true }).waitFor();
    await shot('01-users');
    expect(await axe()).toEqual([]);

    // Create a user: its one-time password is shown once and works.
    await page.getByRole('button', { name: /创建用户/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('名称').fill('modeler1');
    await dialog.getByLabel('角色').click();
    await page
      .locator('.ant-select-item-option')
      .filter({ hasText: /^modeler$/ })
      .click();
    await dialog.getByLabel('名称').click(); // closes the role list, which covers the button
    await dialog.getByRole('button', { name: /提\s*交/ }).click();
    const shown = page.getByRole('dialog').filter({ hasText: '一次性密码' });
    await shown.waitFor();
    const password = (await shown.locator('code').innerText()).trim();
    expect(password.length).toBeGreaterThanOrEqual(12);
    const users = (await node.api.get<{ items: { name: string; roles: string[] }[] }>('/v1/users'))
      .items;
    expect(users.find((u) => u.name === 'modeler1')?.roles).toEqual(['modeler']);
    await shown.locator('.ant-modal-footer').getByRole('button').click();

    // The roles tab, with the permission catalogue in the create form.
    await page.getByRole('tab', { name: '角色' }).click();
    await page.getByRole('cell', { name: 'audit-admin', exact: true }).waitFor();
    await page.getByRole('button', { name: /创建自定义角色/ }).click();
    await page.getByRole('dialog').getByText('user:read').waitFor();
    expect(await axe()).toEqual([]);
    await shot('02-roles-create');
    await page.keyboard.press('Escape');
  });

  it('enrols TOTP and issues an API token in the user centre; the next sign-in needs the code', async () => {
    await page.getByRole('menuitem', { name: '个人中心' }).click();
    await page.getByRole('heading', { name: '个人中心' }).waitFor();
    await page.getByRole('cell', { name: '当前' }).waitFor(); // this session is listed
    expect(await axe()).toEqual([]);

    await page.getByRole('button', { name: /启用双因素/ }).click();
    const uri = (await page.getByText(/^otpauth:\/\//).innerText()).trim();
    const secret = new URL(uri).searchParams.get('secret')!;
    expect(secret).toMatch(/^[A-Z2-7]+=*$/);
    expect(await axe()).toEqual([]);
    await page.getByLabel('动态验证码').fill(totp(secret, Date.now()));
    await page.getByRole('button', { name: /^确\s*认$/ }).click();
    await page.getByText('已启用', { exact: true }).first().waitFor();

    // An API token with two scopes: shown once.
    await page.getByRole('textbox', { name: '名称' }).fill('automation');
    await page.getByLabel('权限范围').click();
    await page
      .locator('.ant-select-item-option')
      .filter({ hasText: /^user:read$/ })
      .click();
    // session:own too: the console asks GET /v1/me for the menu.
    await page
      .locator('.ant-select-item-option')
      .filter({ hasText: /^session:own$/ })
      .click();
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: /签发令牌/ }).click();
    const issued = page.getByRole('dialog').filter({ hasText: 'API 令牌已签发' });
    await issued.waitFor();
    const apiToken = (await issued.locator('code').innerText()).trim();
    expect(apiToken.length).toBeGreaterThan(20);
    await shot('03-user-centre');
    await issued.locator('.ant-modal-footer').getByRole('button').click();
    await page.getByRole('cell', { name: 'automation', exact: true }).waitFor();

    await signOut();
    // Without the code the node asks for it; the next step's code is accepted (±1 step), and
    // never the one used to confirm.
    await signInAs('sec', NEW_PASSWORD, totp(secret, Date.now() + 30_000));
    await page.getByRole('heading', { name: '用户与角色' }).waitFor();
    await signOut();

    // The API token signs in on the token tab, and its scope is all it has.
    await page.getByRole('tab', { name: '令牌登录' }).click();
    const input = page.getByRole('tabpanel').locator('input[type=password]');
    await input.fill(apiToken);
    await input.press('Enter');
    await page.getByRole('heading', { name: '用户与角色' }).waitFor();
    expect(await menuItems()).toEqual(['用户与角色', '个人中心']);
    await signOut();
  });

  it('the audit administrator lands on the audit page and verifies the chain', async () => {
    await signInAs('aud', otp['aud']!);
    await page.getByLabel('新密码', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('再次输入新密码').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: /设置密码并登录/ }).click();
    await page.getByRole('heading', { name: '审计日志' }).waitFor();
    expect(await menuItems()).toEqual(['审计', '个人中心']);
    // The sign-ins above are in the log.
    await page.getByRole('cell', { name: 'login', exact: true }).first().waitFor();
    await page.getByRole('button', { name: /校验哈希链/ }).click();
    await page.getByText('审计链完整，合作方检查点一致').waitFor();
    await shot('04-audit-verified');
    expect(await axe()).toEqual([]);
    // Search by action.
    await page.getByLabel('操作').fill('login');
    await page.getByRole('button', { name: /查\s*询/ }).click();
    await page.getByRole('cell', { name: 'login', exact: true }).first().waitFor();
    expect(await axe()).toEqual([]);

    // A sealed export: too short a passphrase is refused on the page, a good one downloads the
    // node-sealed archive, which the CLI opens and verifies offline against the node's certificate.
    await page.getByLabel('加密口令').fill('short');
    await page.getByRole('button', { name: '导出加密归档' }).click();
    await page.getByText('至少 12 个字符').waitFor();
    const passphrase = 'audit archive passphrase';
    await page.getByLabel('加密口令').fill(passphrase);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: '导出加密归档' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('audit-first-head.jsonl.fgseal');
    const sealed = await readFile((await download.path())!);
    expect(sealed.subarray(0, 7).toString()).toBe('FGSEAL1');
    const file = join(ARTIFACTS, 'pages-audit.jsonl.fgseal');
    const passFile = join(ARTIFACTS, 'pages-audit.pass');
    await writeFile(file, sealed);
    await writeFile(passFile, passphrase, { mode: 0o600 });
    const cli = fileURLToPath(new URL('../../../cli/dist/bin.js', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [
      cli,
      'audit',
      'verify-archive',
      file,
      '--passphrase-file',
      passFile,
      '--fingerprint',
      node.info.fingerprint,
      '--json',
    ]);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, sealed: true, fromSeq: 1 });
    await signOut();
  });

  it('every page signed in with the admin token has no serious or critical violations', async () => {
    await page.goto(`${node.info.apiUrl}/sign-in`);
    await page.getByRole('tab', { name: '令牌登录' }).click();
    const input = page.getByRole('tabpanel').locator('input[type=password]');
    await input.fill(adminToken);
    await input.press('Enter');
    await page.getByRole('heading', { name: '节点总览' }).waitFor();
    const menu = await menuItems();
    expect(menu).toEqual([
      '总览',
      '合作方与合约',
      '数据集',
      '项目管理',
      '项目与流程',
      '组件',
      '作业',
      '结果',
      '模型',
      '批量预测',
      '用户与角色',
      '审计',
      '设置',
    ]);
    const found: Record<string, string[]> = {};
    for (const item of menu) {
      await page.getByRole('menuitem', { name: item }).click();
      await page.getByRole('heading', { level: 2 }).first().waitFor();
      // Every query of the page has answered (no spinner left).
      await expect
        .poll(() => page.locator('.ant-spin-spinning').count(), { timeout: STEP_MS })
        .toBe(0);
      await shot(`10-${new URL(page.url()).pathname.slice(1) || 'dashboard'}`);
      const v = await axe();
      if (v.length) found[item] = v;
      // Each tab of the page too.
      const tabs = await page.getByRole('tab').all();
      for (const tab of tabs.slice(1)) {
        await tab.click();
        await expect
          .poll(() => page.locator('.ant-spin-spinning').count(), { timeout: STEP_MS })
          .toBe(0);
        const tv = await axe();
        if (tv.length) found[`${item} / ${await tab.innerText()}`] = tv;
      }
    }
    // The settings page shows the data dictionary.
    await page.getByRole('menuitem', { name: '设置' }).click();
    await page.getByRole('tab', { name: '数据字典' }).click();
    await page.getByRole('cell', { name: 'jobStates' }).waitFor();
    expect(found).toEqual({});
    expect(pageErrors).toEqual([]);
  });
});
