/**
 * Online keyword PIR between two `gm` nodes (docs/protocols/pir.md, "Online queries";
 * docs/protocols/gm-suite.md): the table request, its binary pages and the evaluations all
 * travel SM2-signed and SM4-sealed, and the querier still gets exactly the host's values; a page
 * fetched without the gm envelope is refused.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestNodes, type TestNode } from './nodes.js';

const t = new TestNodes();
let host: TestNode;
let guest: TestNode;
const rows = Array.from({ length: 30 }, (_, i) => ({ id: `g${i}`, v: i * 1.5 - 7 }));

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fedgrid-pir-gm-'));
  const csv = join(dir, 'vals.csv');
  await writeFile(csv, 'id,v\n' + rows.map((r) => `${r.id},${r.v}`).join('\n') + '\n');
  host = await t.start('gm-host', {
    suite: 'gm',
    config: { pir: { datasets: { vals: { labelColumns: ['v'] } }, partnerRequestsPerSecond: 100 } },
  });
  guest = await t.start('gm-guest', { suite: 'gm' });
  await t.contract(host, guest);
  const ds = await host.ok<{ id: string }>('POST', '/v1/datasets', { name: 'vals', path: csv });
  await host.ok('POST', '/v1/grants', { dataset: ds.id, grantee: 'gm-guest' });
}, 180_000);
afterAll(() => t.close());

it('downloads the sealed table pages and answers the right labels', async () => {
  const out = await guest.ok<{
    table: string;
    results: { key: string; found: boolean; values?: Record<string, number> }[];
  }>('POST', '/v1/pir/query', { partner: 'gm-host', dataset: 'vals', keys: ['g4', 'nope'] });
  expect(out.table).toBe('downloaded');
  expect(out.results).toEqual([
    { key: 'g4', found: true, values: { v: rows[4]!.v } },
    { key: 'nope', found: false },
  ]);
});

it('refuses a page asked without the gm envelope', async () => {
  const s = guest.node.services;
  const peer = await s.contracts.peerApi('gm-host');
  // Without the SM2 certificate the peer client sends the request unprotected.
  const got = await s.peers
    .callBytes(
      { ...peer, sm2CertPem: undefined },
      'GET',
      '/v1/interconn/pir/datasets/vals/table/bytes?ticket=00000000-0000-4000-8000-000000000000&offset=0',
    )
    .then(
      () => undefined,
      (e: { details?: Record<string, unknown> }) => e.details,
    );
  expect(got).toMatchObject({ status: 403, peerCode: 'GM_PROTECTION_FAILED' });
});
