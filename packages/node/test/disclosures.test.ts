/**
 * The disclosure ledger (docs/protocols/README.md, "Disclosure budgets"): the repo's atomic,
 * idempotent charges on the node's store, and two in-process nodes where the host, as data owner,
 * refuses the hetero-pearson job that would take the guest past its budget on the host's rows.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView, NodeServices } from '@fedgrid/node';
import { DisclosuresRepo } from '../dist/disclosures/disclosures.repo.js';
import { DisclosureService } from '../dist/disclosures/disclosures.service.js';
import type { Store } from '../dist/storage/db.js';
import { openTestStore, TestNodes, type TestNode } from './nodes.js';

let dir: string;
let store: Store;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fedgrid-disclosures-'));
  store = await openTestStore(join(dir, 'store'));
});
afterAll(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

const entry = {
  jobId: 'job-1',
  taskName: 'pearson',
  party: 'host-0',
  partner: 'guest',
  partnerNodeId: 'bank',
  datasetId: 'ds-1',
  kind: 'pearson-columns',
  amount: 10,
  rows: 200,
  budgetPerRow: 0.1,
};

describe('DisclosuresRepo', () => {
  it('adds charges up to ⌊0.1 × smallest rows⌋, counts a task once, and leaves nothing when it refuses', async () => {
    const repo = new DisclosuresRepo(store.db);
    expect(await repo.charge(entry)).toEqual({ status: 'charged', used: 10, minRows: 200 });
    // The same task again (a rerun of the job): not counted twice.
    expect(await repo.charge(entry)).toEqual({ status: 'already-charged', used: 10, minRows: 200 });
    // Another job on a 150-row subset: 10 + 6 > ⌊0.1 × 150⌋ = 15.
    const sub = { ...entry, jobId: 'job-2', amount: 6, rows: 150 };
    expect(await repo.charge(sub)).toEqual({ status: 'refused', used: 10, minRows: 150 });
    expect((await repo.charges('ds-1')).map((c) => c.job_id)).toEqual(['job-1']);
    expect(await repo.charge({ ...sub, amount: 5 })).toEqual({
      status: 'charged',
      used: 15,
      minRows: 150,
    });
    // One charge alone over the budget of its rows, on a fresh (partner, dataset): refused too.
    expect(
      await repo.charge({ ...entry, jobId: 'job-4', datasetId: 'ds-2', amount: 21 }),
    ).toMatchObject({
      status: 'refused',
      used: 0,
    });
    expect(await repo.budgets('ds-2')).toEqual([]);
    // Budgets are per partner node.
    expect(
      await repo.charge({ ...entry, jobId: 'job-3', partnerNodeId: 'insurer', amount: 20 }),
    ).toMatchObject({ status: 'charged', used: 20 });
  });

  it('concurrent charges never pass the budget', async () => {
    const repo = new DisclosuresRepo(store.db);
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, k) =>
        repo.charge({ ...entry, datasetId: 'ds-race', jobId: `race-${k}`, amount: 3 }),
      ),
    );
    // ⌊0.1 × 200⌋ = 20: six charges of 3 fit, two do not.
    expect(outcomes.filter((o) => o.status === 'charged')).toHaveLength(6);
    const [b] = await repo.budgets('ds-race');
    expect(b!.used).toBe(18);
  });

  it('the service binds partners to node ids and datasets by name, and refuses with the shared error', async () => {
    const service = new DisclosureService({
      selfNodeId: 'utility',
      repo: new DisclosuresRepo(store.db),
      datasets: { get: async () => ({ id: 'ds-svc', name: 'usage' }) as never },
      log: pino({ level: 'silent' }),
    });
    const spec = {
      id: 'job-svc',
      initiator: 'bank',
      parties: { guest: { node: 'bank' }, hosts: [{ node: 'utility' }] },
      datasets: { guest: 'loans', 'host-0': 'usage' },
    } as never;
    expect(service.ledgerFor(spec, 'pearson', 'arbiter')).toBeUndefined();
    const ledger = service.ledgerFor(spec, 'pearson', 'host-0')!;
    const charge = { partner: 'guest', kind: 'pearson-columns', rows: 100, budgetPerRow: 0.1 };
    await expect(ledger.charge({ ...charge, amount: 7 })).resolves.toEqual({ used: 7, limit: 10 });
    const other = service.ledgerFor(
      { ...(spec as object), id: 'job-svc-2' } as never,
      'pearson',
      'host-0',
    )!;
    await expect(other.charge({ ...charge, amount: 4 })).rejects.toMatchObject({
      code: 'DISCLOSURE_BUDGET_EXCEEDED',
      message: expect.stringContaining('host-0 (node utility, dataset usage)'),
      details: { used: 7, limit: 10, rows: 100 },
    });
    const [b] = await service.budgets('ds-svc');
    expect(b).toMatchObject({ partner_node_id: 'bank', used: 7, min_rows: 100 });
  });
});

describe('hetero-pearson between two nodes', () => {
  const t = new TestNodes();
  let guest: TestNode;
  let host: TestNode;
  let gds: string;
  let hds: string;
  beforeAll(async () => {
    // 100 rows, 4 guest and 3 host columns: the row minimum is max(100, 10 × 7) = 100, and the
    // host's budget towards the guest ⌊0.1 × 100⌋ = 10 equations — two jobs of 4, not three.
    const g = ['id,y,a,b,c,d'];
    const h = ['id,e,f,k'];
    for (let i = 0; i < 100; i++) {
      const x = Math.sin(i * 1.7);
      const z = Math.cos(i * 0.9);
      g.push(`u${i},${i % 2},${x.toFixed(4)},${(x * z).toFixed(4)},${(i % 7) / 7},${z.toFixed(3)}`);
      h.push(`u${i},${(z * z).toFixed(4)},${((i % 5) / 5).toFixed(2)},${(x - z).toFixed(4)}`);
    }
    await writeFile(join(dir, 'g.csv'), g.join('\n') + '\n');
    await writeFile(join(dir, 'h.csv'), h.join('\n') + '\n');
    [guest, host] = await Promise.all([t.start('bank'), t.start('utility')]);
    await t.contractAll();
    await t.permitAdhoc(host, 'bank', ['psi-ecdh', 'hetero-pearson']);
    gds = (
      await guest.ok<{ id: string }>('POST', '/v1/datasets', {
        name: 'loans',
        path: join(dir, 'g.csv'),
        labelColumn: 'y',
      })
    ).id;
    hds = (
      await host.ok<{ id: string }>('POST', '/v1/datasets', {
        name: 'usage',
        path: join(dir, 'h.csv'),
      })
    ).id;
    await host.ok('POST', '/v1/grants', { dataset: hds, grantee: 'bank' });
  });
  afterAll(async () => {
    await t.close();
  });

  async function runPearson(): Promise<JobView> {
    const j = await guest.ok<JobView>('POST', '/v1/jobs', {
      parties: { guest: { node: 'bank' }, hosts: [{ node: 'utility' }] },
      datasets: { guest: gds, 'host-0': hds },
      tasks: [
        { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
        { name: 'pearson', component: 'hetero-pearson', inputs: { data: 'psi.data' } },
      ],
    });
    const end = Date.now() + 120_000;
    for (;;) {
      const v = await guest.ok<JobView>('GET', `/v1/jobs/${j.id}`);
      if (['succeeded', 'failed', 'stopped'].includes(v.status)) return v;
      if (Date.now() > end) throw new Error(`job ${j.id} is still ${v.status}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('two jobs on the same rows pass, the third is refused by the host before it reveals anything', async () => {
    expect((await runPearson()).status).toBe('succeeded');
    expect((await runPearson()).status).toBe('succeeded');
    const third = await runPearson();
    expect(third.status).toBe('failed');
    const tasks = await host.ok<{
      items: {
        name: string;
        parties: Record<string, { error?: { code: string; message: string } }>;
      }[];
    }>('GET', `/v1/jobs/${third.id}/tasks`);
    const err = tasks.items.find((x) => x.name === 'pearson')!.parties['host-0']!.error!;
    expect(err.code).toBe('DISCLOSURE_BUDGET_EXCEEDED');
    expect(err.message).toMatch(/revealing 4 more pearson-columns to guest would make 12/);
    const services = host.node.services as NodeServices;
    const [b] = await services.disclosures.budgets(hds);
    expect(b).toMatchObject({
      partner_node_id: 'bank',
      kind: 'pearson-columns',
      used: 8,
      min_rows: 100,
    });
    // The guest's own ledger: the host learned 3 equations per guest column per job.
    const [gb] = await (guest.node.services as NodeServices).disclosures.budgets(gds);
    expect(gb).toMatchObject({ partner_node_id: 'utility', used: 9 });
  }, 300_000);
});
