#!/usr/bin/env node
/**
 * The console's budgets (issue 14), measured here and not in tests:
 *
 * 1. Size of the initial JavaScript: the entry script of dist/index.html and the modules it
 *    preloads (everything a browser fetches before the first page renders; the pages themselves
 *    are lazy chunks). Gzip level 9, as a server would send them. Budget: 500 KB gzipped.
 * 2. First page interactive on loopback: a real node process serves the console; a fresh
 *    chromium context (Debian's /usr/bin/chromium through playwright-core, no cache) loads `/`
 *    and the time from navigation start to the sign-in form's token field accepting input, and
 *    (signed in) to the dashboard's heading, is read from the page's own clock
 *    (performance.now() in a MutationObserver). Median of 5 loads. Budget: 1.5 s.
 * 3. A job event visible on the job page within 1 s: two more nodes (host, arbiter), a PSI → HeteroLR job
 *    (Paillier-2048, 3 iterations); the job page is open while it runs and a MutationObserver
 *    records when each event's row appears; latency = that moment − the event's `at` on the node
 *    (same machine, same clock). Events written before the page was live are left out.
 *
 *   npm run build -w @fedgrid/console && npm run bench:console [-- --size-only]
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const html = await readFile(join(dist, 'index.html'), 'utf8');
const initial = [
  ...html.matchAll(/<script[^>]*\ssrc="\/([^"]+\.js)"/g),
  ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="\/([^"]+\.js)"/g),
].map((m) => m[1]);
const size = async (f) => {
  const buf = await readFile(join(dist, f));
  return { file: f, bytes: buf.length, gzipBytes: gzipSync(buf, { level: 9 }).length };
};
const files = await Promise.all(initial.map(size));
const all = await Promise.all(
  (await readdir(join(dist, 'assets')))
    .filter((f) => f.endsWith('.js'))
    .map((f) => size(`assets/${f}`)),
);
const sum = (xs, k) => xs.reduce((s, x) => s + x[k], 0);
const report = {
  initialJsFiles: files.length,
  initialJsBytes: sum(files, 'bytes'),
  initialJsGzipBytes: sum(files, 'gzipBytes'),
  budgetGzipBytes: 500 * 1024,
  allJsChunks: all.length,
  allJsGzipBytes: sum(all, 'gzipBytes'),
  largestLazyChunks: all
    .filter((x) => !initial.includes(x.file))
    .sort((a, b) => b.gzipBytes - a.gzipBytes)
    .slice(0, 3),
};
console.log(JSON.stringify(report, null, 2));
if (report.initialJsGzipBytes > report.budgetGzipBytes) {
  console.error(`initial JS ${report.initialJsGzipBytes} B gzipped is over the 500 KB budget`);
  process.exitCode = 1;
}
if (!process.argv.includes('--size-only')) {
  const { measureLive } = await import('./live-budgets.mjs');
  const live = await measureLive();
  console.log(JSON.stringify(live, null, 2));
  const f = live.firstInteractiveMs;
  const e = live.jobEventLatencyMs;
  if (f.signIn.median > 1500 || f.dashboard.median > 1500 || !e.events || e.missing || e.max > 1000)
    process.exitCode = 1;
}
