/**
 * The console's detail views of what the CLI shows (`partner show`, `component partner-list`,
 * `contract show`, `invitation show` / `modify`, `grant show` with `usage`), in Debian's chromium
 * against a guest and a host process with a signed contract: each drawer shows what the node's
 * API answers (fingerprints in full), an invitation modified in the browser is changed on the
 * node, and axe-core finds no serious or critical violation in any drawer.
 * Screenshots go to packages/console/test-artifacts/ (gitignored).
 *
 * Needs /usr/bin/chromium and the built console (`npm run build -w @fedgrid/console`).
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signContract, type ClusterNode } from 'fedgrid';
import { EXAMPLES, TestCluster } from '../../../cli/test/cluster-helpers.js';
import {
  ARTIFACTS,
  STEP_MS,
  adminToken,
  axe as axeOn,
  consolePage,
  launchChromium,
} from './harness.js';

interface NodeRow {
  nodeId: string;
  fingerprint: string;
}

const cluster = new TestCluster();
let guest: ClusterNode;
let host: ClusterNode;
let guestNode: NodeRow;
let hostNode: NodeRow;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [guest, host] = await Promise.all([cluster.launch('guest'), cluster.launch('host')]);
  await signContract(guest, host);
  [guestNode, hostNode] = await Promise.all([
    guest.api.get<NodeRow>('/v1/node'),
    host.api.get<NodeRow>('/v1/node'),
  ]);
  browser = await launchChromium();
  page = await consolePage(browser, { token: await adminToken(guest), language: 'en-US' });
}, 4 * STEP_MS);

afterAll(async () => {
  await browser?.close();
  await cluster.close();
});

const shot = (name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `details-${name}.png`), fullPage: true });

const axe = () => axeOn(page);

/** The open drawer (antd: a dialog), by its title. */
const drawer = (title: RegExp) => page.getByRole('dialog').filter({ hasText: title });

async function closeDrawer(title: RegExp) {
  await drawer(title).getByRole('button', { name: 'Close' }).first().click();
  await expect.poll(() => drawer(title).count()).toBe(0);
}

describe('detail views in chromium against node processes', () => {
  it('shows a partner with its fingerprint in full and the components it offers', async () => {
    await page.goto(`${guest.info.apiUrl}/partners`);
    await page.getByRole('button', { name: 'Details and components' }).click();
    const d = drawer(new RegExp(`^Partner ${hostNode.nodeId}`));
    await d.getByText(hostNode.fingerprint, { exact: true }).waitFor();
    // The partner's card as it answers now.
    await d.getByText(/^as '.+' at \S+$/).waitFor();
    expect(await axe()).toEqual([]);
    await shot('01-partner');

    await d.getByRole('tab', { name: 'Components offered' }).click();
    const offered = await guest.api.get<{ items: { code: string; version: string }[] }>(
      `/v1/partners/${hostNode.nodeId}/components?pageSize=1000`,
    );
    expect(offered.items.length).toBeGreaterThan(0);
    const first = offered.items[0]!;
    await d.getByRole('cell', { name: first.code, exact: true }).first().waitFor();
    // A row expands to its roles, ports and parameters.
    await d.getByRole('button', { name: 'Expand row' }).first().click();
    await d.getByRole('columnheader', { name: 'Parameter' }).first().waitFor();
    expect(await axe()).toEqual([]);
    await shot('02-partner-components');
    await closeDrawer(/^Partner /);
  });

  it('shows a contract with both fingerprints in full, its suite, and checks its health', async () => {
    const contract = (
      await guest.api.get<{ items: { id: string; suite: string }[] }>('/v1/contracts')
    ).items[0]!;
    await page
      .getByRole('row', { name: /host/ })
      .getByRole('button', { name: 'Details', exact: true })
      .click();
    const d = drawer(new RegExp(`^Contract ${contract.id}`));
    await d.getByText(hostNode.fingerprint, { exact: true }).waitFor();
    await d.getByText(guestNode.fingerprint, { exact: true }).waitFor();
    await d
      .getByText(contract.suite === 'gm' ? 'National (SM2 / SM3 / SM4)' : 'International', {
        exact: true,
      })
      .waitFor();
    await d.getByRole('button', { name: 'Check health' }).click();
    await page.getByText('The partner answers').waitFor();
    // The health row follows the node's record of the check.
    const partner = (
      await guest.api.get<{ items: { lastHealthyAt: string | null }[] }>('/v1/partners')
    ).items[0]!;
    expect(partner.lastHealthyAt).not.toBeNull();
    await d.getByText('Up', { exact: true }).waitFor();
    expect(await axe()).toEqual([]);
    await shot('03-contract');
    await closeDrawer(/^Contract /);
  });

  it('shows an invitation and modifies it in the browser', async () => {
    const inv = await guest.api.post<{ id: string }>('/v1/invitations', {
      provider: hostNode.nodeId,
      kind: 'dataset',
      dataset: 'h',
      message: 'first message',
      terms: { type: 'uses', uses: 3 },
    });
    // The invitations tab is the partners page's first: loaded anew to list the new draft.
    await page.goto(`${guest.info.apiUrl}/partners`);
    await page.getByRole('tab', { name: 'Invitations' }).click();
    await page
      .getByRole('row', { name: /first message/ })
      .getByRole('button', { name: 'Details', exact: true })
      .click();
    const d = drawer(/^Invitation /);
    await d.getByText('first message', { exact: true }).waitFor();
    await d.getByText('3 × Uses', { exact: true }).waitFor();
    expect(await axe()).toEqual([]);
    await d.getByRole('button', { name: 'Modify' }).click();
    const form = page.getByRole('dialog').filter({ hasText: /^Modify invitation/ });
    await expect.poll(() => form.getByLabel('Message').inputValue()).toBe('first message');
    await form.getByLabel('Message').fill('second message');
    expect(await axe()).toEqual([]);
    await shot('04-invitation-modify');
    await form.getByRole('button', { name: 'Submit' }).click();
    await page.getByText('Invitation modified').waitFor();
    await d.getByText('second message', { exact: true }).waitFor();
    const after = await guest.api.get<{ message: string; terms: unknown }>(
      `/v1/invitations/${encodeURIComponent(inv.id)}`,
    );
    // The terms left as they were are kept.
    expect([after.message, after.terms]).toEqual(['second message', { type: 'uses', uses: 3 }]);
    await closeDrawer(/^Invitation /);
  });

  it('shows a grant given with its usage', async () => {
    const ds = await guest.api.post<{ id: string }>('/v1/datasets', {
      name: 'given_guest',
      path: join(EXAMPLES, 'fate', 'breast_hetero_guest.csv'),
      labelColumn: 'y',
    });
    const grant = await guest.api.post<{ id: string }>('/v1/grants', {
      dataset: ds.id,
      grantee: hostNode.nodeId,
    });
    await page.goto(`${guest.info.apiUrl}/datasets`);
    await page.getByRole('tab', { name: 'Grants given' }).click();
    await page
      .getByRole('row', { name: /given_guest/ })
      .getByRole('button', { name: 'Details', exact: true })
      .click();
    const d = drawer(new RegExp(`^Grant ${grant.id}`));
    await d.getByText(`given_guest (${ds.id})`, { exact: true }).waitFor();
    await d.getByText('Not used yet').waitFor();
    expect(await axe()).toEqual([]);
    await shot('05-grant');
    await closeDrawer(/^Grant /);
  });
});
