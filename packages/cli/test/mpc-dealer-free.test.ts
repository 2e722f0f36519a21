/**
 * MPC across two node processes without an arbiter (`triples: dealer-free`): PSI, then
 * mpc-statistics over a guest and a host column of the intersection, and mpc-expression's Σ x·y
 * over the two parties' columns with Beaver triples from the guest's Paillier key. The guest's
 * reports equal the plaintext of the same rows: the statistics within the §9.4 bound (2^-32
 * relative or < 1 absolute), the sum of products within the fixed-point bound.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { JobView } from '@fedgrid/node';
import { signContract, watchJob, type ClusterNode } from 'fedgrid';
import { TestCluster, permitAdhoc } from './cluster-helpers.js';

const SAMPLES = fileURLToPath(new URL('../../../examples/data/fate/', import.meta.url));
const cluster = new TestCluster();
let guest: ClusterNode;
let host: ClusterNode;

beforeAll(async () => {
  [guest, host] = await Promise.all([cluster.launch('guest'), cluster.launch('host')]);
  await signContract(guest, host);
  await permitAdhoc([host], guest);
});
afterAll(() => cluster.close());

/** id → value of one column of a CSV. */
function column(file: string, name: string): Map<string, number> {
  const [head, ...lines] = readFileSync(join(SAMPLES, file), 'utf8').trim().split('\n');
  const cols = head!.split(',');
  const j = cols.indexOf(name);
  return new Map(lines.map((l) => l.split(',')).map((c) => [c[0]!, Number(c[j])]));
}

test('mpc-statistics between guest and host without an arbiter equals plaintext', async () => {
  const g = await guest.api.post<{ id: string }>('/v1/datasets', {
    name: 'g',
    path: join(SAMPLES, 'breast_hetero_guest.csv'),
    labelColumn: 'y',
  });
  const h = await host.api.post<{ id: string }>('/v1/datasets', {
    name: 'h',
    path: join(SAMPLES, 'breast_hetero_host.csv'),
  });
  await host.api.post('/v1/grants', { dataset: h.id, grantee: 'guest' });
  const job = await guest.api.post<JobView>('/v1/jobs', {
    parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }] },
    datasets: { guest: g.id, 'host-0': h.id },
    tasks: [
      {
        name: 'psi',
        component: 'psi-ecdh',
        inputs: { data: 'job.dataset' },
        params: { resultParties: 'all' },
      },
      {
        name: 'stats',
        component: 'mpc-statistics',
        inputs: { data: 'psi.data' },
        params: {
          columns: ['guest:x0', 'host-0:x3'],
          quantiles: [],
          minMax: false,
          bound: 100,
          triples: 'dealer-free',
        },
      },
      {
        // Σ x0·x3 over the intersection: one Paillier (Gilboa) triple per row.
        name: 'dot',
        component: 'mpc-expression',
        inputs: { data: 'psi.data' },
        params: {
          expression: '`guest:x0` * `host-0:x3`',
          output: 'sum',
          fracBits: 16,
          triples: 'dealer-free',
        },
      },
    ],
  });
  const final = await watchJob(guest.api, job.id, () => {});
  expect(final.status, JSON.stringify(final.error)).toBe('succeeded');
  type Stats = { count: number; sum: number; mean: number; variance: number; std: number };
  const { report } = await guest.api.get<{
    report: { groups: { count: number; stats: Record<string, Stats> }[] };
  }>(`/v1/jobs/${job.id}/outputs/stats/guest/report`);
  const gx = column('breast_hetero_guest.csv', 'x0');
  const hx = column('breast_hetero_host.csv', 'x3');
  const ids = [...gx.keys()].filter((id) => hx.has(id));
  expect(report.groups).toHaveLength(1);
  expect(report.groups[0]!.count).toBe(ids.length);
  for (const [ref, vals] of [
    ['guest:x0', gx],
    ['host-0:x3', hx],
  ] as const) {
    const v = ids.map((id) => vals.get(id)!);
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const variance = v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length;
    const want = { sum: mean * v.length, mean, variance, std: Math.sqrt(variance) };
    const stats = report.groups[0]!.stats;
    const got = stats[ref] ?? stats[ref.split(':')[1]!];
    expect(got, `${ref} in ${Object.keys(stats).join(', ')}`).toBeDefined();
    for (const k of ['sum', 'mean', 'variance', 'std'] as const) {
      const err = Math.abs(got![k] - want[k]);
      expect(err <= 2 ** -32 * Math.abs(want[k]) || err < 1, `${ref} ${k}`).toBe(true);
      expect(err, `${ref} ${k}`).toBeLessThan(1e-6);
    }
  }
  const dot = await guest.api.get<{ report: { sum: number; rows: number } }>(
    `/v1/jobs/${job.id}/outputs/dot/guest/report`,
  );
  expect(dot.report.rows).toBe(ids.length);
  const want = ids.reduce((s, id) => s + gx.get(id)! * hx.get(id)!, 0);
  // Per product (|x| + |y| + 4)·2^-16 (docs/protocols/mpc.md), summed over the rows.
  const bound = ids.reduce((s, id) => s + (Math.abs(gx.get(id)!) + Math.abs(hx.get(id)!) + 4), 0);
  expect(Math.abs(dot.report.sum - want)).toBeLessThanOrEqual(bound * 2 ** -16);
});
