/**
 * `fedgrid demo --suite gm` end to end (issue 13 item 4): separate node processes created with
 * `node init --suite gm` (SM2 identities, SM3 audit chains), gm contracts, every partner call
 * SM2-signed and SM4-sealed (a gm node refuses unprotected ones, packages/node/test/gm-suite.test.ts)
 * and every data-plane payload a GM envelope (jobs/gm-channel.ts). The protection changes no
 * result: PSI, training history, metrics and online scores equal the international run's.
 * Two demo runs of 3 epochs on the embedded store (a kept --workdir would leave PostgreSQL
 * schemas behind): ≈ 2 minutes on the shared 2-core machine.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { readSm2Certificate } from '@fedgrid/crypto';
import type { DemoReport } from 'fedgrid';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/fedgrid.js', import.meta.url));
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function demo(suite: string): Promise<{ report: DemoReport; workdir: string }> {
  const out = await mkdtemp(join(tmpdir(), 'fedgrid-gm-out-'));
  const workdir = await mkdtemp(join(tmpdir(), 'fedgrid-gm-work-'));
  dirs.push(out, workdir);
  await run(
    process.execPath,
    [BIN, 'demo', '--suite', suite, '--max-iter', '3', '--out', out, '--workdir', workdir],
    { maxBuffer: 16 * 2 ** 20 },
  );
  return {
    report: JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as DemoReport,
    workdir,
  };
}

test('demo --suite gm gives exactly the international results, on gm nodes', async () => {
  const gm = await demo('gm');
  const intl = await demo('international');
  expect(gm.report.suite).toBe('gm');
  expect(intl.report.suite).toBe('international');
  for (const n of Object.values(gm.report.nodes)) expect(n.suites).toEqual(['gm']);
  for (const n of Object.values(intl.report.nodes)) expect(n.suites).toEqual(['international']);

  expect(gm.report.intersection_size).toBe(intl.report.intersection_size);
  expect(gm.report.loss_history).toEqual(intl.report.loss_history);
  expect(gm.report.metrics).toEqual(intl.report.metrics);
  expect(gm.report.metrics['auc']).toBeGreaterThan(0.95);
  expect(gm.report.serving?.equal_to_batch).toBe(true);

  // Each gm node directory holds an SM2 certificate naming the node, SM2-with-SM3 signed.
  const nodes = (await readdir(gm.workdir, { withFileTypes: true }))
    .filter((d) => d.isDirectory() && Object.keys(gm.report.nodes).includes(d.name))
    .map((d) => d.name);
  expect(nodes.length).toBe(Object.keys(gm.report.nodes).length);
  for (const n of nodes) {
    const pem = await readFile(join(gm.workdir, n, 'identity', 'sm2-cert.pem'), 'utf8');
    expect(readSm2Certificate(pem).commonName).toBe(gm.report.nodes[n]!.id);
    expect(await readFile(join(gm.workdir, n, 'fedgrid.yaml'), 'utf8')).toMatch(/suite: gm/);
  }
}, 600_000);
