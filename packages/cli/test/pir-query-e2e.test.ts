/**
 * `fedgrid pir query` across two node processes over mutual TLS (docs/protocols/pir.md, "Online
 * queries"): the host enables a dataset for PIR and grants it to the guest; the guest's command
 * prints the host's label columns for the keys present (the CSV's own values) and "not found"
 * for the others, and exits non-zero naming the grant when the host revokes it.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { signContract, type ClusterNode } from 'fedgrid';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestCluster } from './cluster-helpers.js';

const BIN = fileURLToPath(new URL('../bin/fedgrid.js', import.meta.url));
const exec = promisify(execFile);
const cluster = new TestCluster();
let guest: ClusterNode;
let host: ClusterNode;
let grantId: string;

async function fedgrid(node: ClusterNode, args: string[]) {
  return exec(process.execPath, [BIN, ...args, '--node', node.dir]).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
}

beforeAll(async () => {
  const root = await cluster.dir();
  const csv = join(root, 'tariffs.csv');
  // 20 rows: the disclosure budget allows 20 keys tested in all (one per row).
  const more = Array.from({ length: 17 }, (_, i) => `x${i},${i},${-i},1\n`).join('');
  await writeFile(csv, `id,rate,limit,region\nm1,0.125,-3,1\nm2,7.5,100,2\nm3,0,42.25,3\n${more}`);
  [guest, host] = await Promise.all([
    cluster.launch('guest'),
    cluster.launch('host', {
      config: { pir: { datasets: { tariffs: { labelColumns: ['rate', 'limit'] } } } },
    }),
  ]);
  await signContract(guest, host);
  const ds = await host.api.post<{ id: string }>('/v1/datasets', { name: 'tariffs', path: csv });
  grantId = (
    await host.api.post<{ id: string }>('/v1/grants', {
      dataset: ds.id,
      grantee: guest.info.nodeId,
    })
  ).id;
}, 180_000);
afterAll(() => cluster.close());

it('prints the labels of the keys present and "not found" for the others', async () => {
  const args = ['pir', 'query', '--partner', host.info.nodeId, '--dataset', 'tariffs'];
  const r = await fedgrid(guest, [...args, '--key', 'm3', '--key', 'nope', '--key', 'm1']);
  expect(r.code, r.stderr).toBe(0);
  const lines = r.stdout.split('\n').map((l) => l.trim().split(/\s+/));
  expect(lines).toContainEqual(['m3', '0', '42.25']);
  expect(lines).toContainEqual(['m1', '0.125', '-3']);
  expect(lines).toContainEqual(['nope', 'not', 'found']);
  expect(r.stdout).toContain('2 of 3 keys found');
  const j = await fedgrid(guest, [...args, '--key', 'm2', '--json']);
  expect(j.code, j.stderr).toBe(0);
  expect(JSON.parse(j.stdout).results).toEqual([
    { key: 'm2', found: true, values: { rate: 7.5, limit: 100 } },
  ]);

  await host.api.post(`/v1/grants/${encodeURIComponent(grantId)}/revoke`, {});
  const refused = await fedgrid(guest, [...args, '--key', 'm2']);
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toContain('GRANT_REVOKED');
}, 120_000);
