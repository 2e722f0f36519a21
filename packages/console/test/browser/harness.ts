/**
 * What the console's browser tests share: Debian's chromium (never downloaded), a page at
 * 1280×800 signed in with a node's admin token, and axe-core's serious and critical violations.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { loadConfig } from '@fedgrid/node/client';
import type { ClusterNode } from 'fedgrid';

export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots (gitignored). */
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
/** Generous: a loaded 2-core machine; this is a time-out, not a measurement. */
export const STEP_MS = 120_000;
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Headless chromium; fails with the install command when it is missing. */
export async function launchChromium(): Promise<Browser> {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
  await mkdir(ARTIFACTS, { recursive: true });
  return chromium.launch({
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
}

/** The node's admin token (the bootstrap credential in its identity folder). */
export async function adminToken(node: ClusterNode): Promise<string> {
  return (await readFile((await loadConfig(node.dir)).paths.adminToken, 'utf8')).trim();
}

/**
 * A page at 1280×800 with `STEP_MS` as its time-out; with `token`, signed in with it in
 * `language` (the console's default, zh-CN, otherwise).
 */
export async function consolePage(
  browser: Browser,
  opts: { token?: string; language?: 'en-US' | 'zh-CN'; downloads?: boolean } = {},
): Promise<Page> {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 800 },
    ...(opts.downloads ? { acceptDownloads: true } : {}),
    ...(opts.language ? { locale: opts.language } : {}),
  });
  context.setDefaultTimeout(STEP_MS);
  if (opts.token)
    await context.addInitScript({
      content: `sessionStorage.setItem('fedgrid.token', ${JSON.stringify(opts.token)});
        ${opts.language ? `localStorage.setItem('fedgrid.language', ${JSON.stringify(opts.language)});` : ''}`,
    });
  return context.newPage();
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/**
 * Elements in an opening or closing animation. Not the button's loading icon: its leave motion
 * (a width collapse of an icon, nothing axe measures) sometimes never gets its transitionend in
 * chromium and stays `-leave-active` — seen stuck for 120 s after the audit page's "verify chain"
 * button stopped loading, which failed the CI run.
 */
const ANIMATING = ['-appear-active', '-enter-active', '-leave-active']
  .map((c) => `[class*="${c}"]:not([class*="ant-btn-loading-icon-motion"])`)
  .join(', ');

/** Runs axe-core on the page as it is; answers the serious and critical violations. */
export async function axe(page: Page): Promise<string[]> {
  // Not in the middle of an opening or closing animation (faded colours are not the page's).
  // Polled as the animating elements' class names, so that a failure names what stayed animating.
  await expect
    .poll(
      () =>
        page
          .locator(ANIMATING)
          .evaluateAll((els) =>
            els.map((e) => `${e.tagName.toLowerCase()}.${e.getAttribute('class') ?? ''}`),
          ),
      { timeout: STEP_MS },
    )
    .toEqual([]);
  // The console's CSP (script-src 'self') refuses an injected <script>; the DevTools protocol's
  // evaluation is not subject to it, so axe's source is evaluated directly.
  if (!(await page.evaluate('typeof window.axe !== "undefined"')))
    await page.evaluate(`${await readFile(AXE, 'utf8')}\n;true`);
  const violations = (await page.evaluate(
    'window.axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)',
  )) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} — ${v.nodes
          .slice(0, 8)
          .map((n) => `${n.target.join(' ')} (${n.failureSummary ?? ''})`)
          .join('; ')}`,
    );
}
