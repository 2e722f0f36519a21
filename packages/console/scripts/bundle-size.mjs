#!/usr/bin/env node
/**
 * Size of the console's initial JavaScript: the entry script of dist/index.html and the modules
 * it preloads (everything a browser fetches before the first page renders; the pages themselves
 * are lazy chunks). Gzip level 9, as a server would send them. Budget: 500 KB gzipped (issue 14).
 *
 *   npm run build && node packages/console/scripts/bundle-size.mjs
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
  process.exit(1);
}
