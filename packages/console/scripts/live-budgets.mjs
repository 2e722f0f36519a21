/**
 * The console's live budgets (see bundle-size.mjs): first page interactive on loopback and the
 * delay from a job event on the node to its row on the job page. Starts two node processes in a
 * temporary folder (PGlite) and Debian's chromium (/usr/bin/chromium, never downloaded).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePgliteTemplate, loadConfig } from '@fedgrid/node';
import { launchNode, signContract } from 'fedgrid';
import { chromium } from 'playwright-core';

const EXAMPLES = fileURLToPath(new URL('../../../examples/data/', import.meta.url));
const LOADS = 5;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x) => Math.round(x * 10) / 10;

/** In the page: performance.now() when an element matching a selector first appears. */
const OBSERVER = `
  window.__seen = {};
  window.__rows = {};
  new MutationObserver(() => {
    const now = performance.now();
    const mark = (key, sel, test) => {
      if (window.__seen[key] !== undefined) return;
      const el = document.querySelector(sel);
      if (el && (!test || test(el))) window.__seen[key] = now;
    };
    mark('signIn', 'input[type=password]', (el) => !el.disabled);
    mark('dashboard', 'h2', (el) => /节点总览|Node overview/.test(el.textContent || ''));
    mark('live', '[data-testid=job-live]');
    for (const tr of document.querySelectorAll('[data-testid=job-events] tr[data-row-key]')) {
      const k = tr.getAttribute('data-row-key');
      if (window.__rows[k] === undefined) window.__rows[k] = performance.timeOrigin + now;
    }
  }).observe(document, { childList: true, subtree: true, attributes: true });
`;

async function tokenOf(n) {
  return (await readFile((await loadConfig(n.dir)).paths.adminToken, 'utf8')).trim();
}

export async function measureLive() {
  const root = await mkdtemp(join(tmpdir(), 'fedgrid-console-bench-'));
  const nodes = [];
  let browser;
  try {
    await ensurePgliteTemplate();
    const [bank, utility, coordinator] = await Promise.all(
      ['bank', 'utility', 'coordinator'].map((n) =>
        launchNode(root, n, { dataDirs: [EXAMPLES, root] }),
      ),
    );
    nodes.push(bank, utility, coordinator);
    const token = await tokenOf(bank);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
    const fresh = async (signedIn) => {
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      await context.addInitScript(OBSERVER);
      if (signedIn)
        await context.addInitScript(
          `sessionStorage.setItem('fedgrid.token', ${JSON.stringify(token)})`,
        );
      const page = await context.newPage();
      return { context, page };
    };

    // 1. First page interactive (fresh context each time: nothing cached).
    const signIn = [];
    const dashboard = [];
    for (let i = 0; i < LOADS; i++) {
      for (const [signedIn, out, key] of [
        [false, signIn, 'signIn'],
        [true, dashboard, 'dashboard'],
      ]) {
        const { context, page } = await fresh(signedIn);
        await page.goto(`${bank.info.apiUrl}/`);
        await page.waitForFunction((k) => window.__seen[k] !== undefined, key, { timeout: 60_000 });
        out.push(await page.evaluate((k) => window.__seen[k], key));
        await context.close();
      }
    }

    // 2. Job events on the job page.
    await signContract(bank, utility);
    await signContract(bank, coordinator);
    await signContract(utility, coordinator);
    const usage = await utility.api.post('/v1/datasets', {
      name: 'usage',
      path: join(EXAMPLES, 'fate', 'breast_hetero_host.csv'),
    });
    await utility.api.post('/v1/grants', { dataset: usage.id, grantee: 'bank' });
    for (const owner of [utility, coordinator])
      await owner.api.post('/v1/job-permissions', {
        partner: 'bank',
        roles: ['guest', 'host', 'arbiter'],
        components: ['psi-ecdh', 'hetero-lr'],
      });
    const loans = await bank.api.post('/v1/datasets', {
      name: 'loans',
      path: join(EXAMPLES, 'fate', 'breast_hetero_guest.csv'),
      labelColumn: 'y',
    });
    const { context, page } = await fresh(true);
    const job = await bank.api.post('/v1/jobs', {
      name: 'console bench',
      parties: {
        guest: { node: 'bank' },
        hosts: [{ node: 'utility' }],
        arbiter: { node: 'coordinator' },
      },
      datasets: { guest: loans.id, 'host-0': usage.id },
      tasks: [
        { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
        {
          name: 'train',
          component: 'hetero-lr',
          inputs: { data: 'psi.data' },
          params: { maxIter: 3, earlyStop: 'none' },
        },
      ],
    });
    await page.goto(`${bank.info.apiUrl}/jobs/${encodeURIComponent(job.id)}`);
    await page.waitForFunction(() => window.__seen.live !== undefined, null, { timeout: 120_000 });
    const liveAt = await page.evaluate(() => performance.timeOrigin + window.__seen.live);
    for (;;) {
      const j = await bank.api.get(`/v1/jobs/${encodeURIComponent(job.id)}`);
      if (['succeeded', 'failed', 'stopped'].includes(j.status)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    // Let the last events reach the page.
    await new Promise((r) => setTimeout(r, 3000));
    const rows = await page.evaluate(() => window.__rows);
    const events = (await bank.api.get(`/v1/jobs/${encodeURIComponent(job.id)}/events`)).items;
    const after = events.filter((e) => e.kind !== 'log' && Date.parse(e.at) > liveAt);
    const latencies = after
      .filter((e) => rows[String(e.id)] !== undefined)
      .map((e) => rows[String(e.id)] - Date.parse(e.at));
    await context.close();
    return {
      firstInteractiveMs: {
        loads: LOADS,
        signIn: { median: round(median(signIn)), max: round(Math.max(...signIn)) },
        dashboard: { median: round(median(dashboard)), max: round(Math.max(...dashboard)) },
        budget: 1500,
      },
      jobEventLatencyMs: {
        events: latencies.length,
        missing: after.length - latencies.length,
        median: latencies.length ? round(median(latencies)) : null,
        max: latencies.length ? round(Math.max(...latencies)) : null,
        budget: 1000,
      },
    };
  } finally {
    await browser?.close();
    await Promise.all(nodes.map((n) => n.kill().catch(() => {})));
    await rm(root, { recursive: true, force: true });
  }
}
