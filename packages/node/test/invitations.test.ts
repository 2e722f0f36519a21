/**
 * Invitations and the directory (standard 000 §5.2, §7.2) between three in-process nodes over
 * real mutual TLS: a directory (`directory.enabled`), a provider and a demander. The provider
 * publishes offers (public dataset metadata, compute); the demander browses them, contracts the
 * provider it found and walks every invitation operation: create (draft), modify, publish,
 * modify while pending, accept (a grant with the equivalent terms), reject, withdraw, the
 * status query after a lost answer (the demander is stopped while the provider accepts), lists;
 * then offers are withdrawn and hidden once the provider's contract with the directory ends.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, saveConfig, startNode } from '@fedgrid/node';
import { TestNodes, type TestNode } from './nodes.js';

interface Offer {
  id: string;
  kind: string;
  name: string;
  description: string;
  node: { nodeId: string; apiUrl: string; fingerprint: string };
  dataset: {
    id: string;
    rows: number;
    features: { name: string; type: string }[];
    label: string | null;
  } | null;
  compute: { cores?: number; memoryGb?: number } | null;
  status?: string;
}
interface Invitation {
  id: string;
  role: string;
  demander: string;
  provider: string;
  kind: string;
  dataset: string | null;
  message: string;
  terms: { type: string; uses?: number; until?: string };
  status: string;
  statusReason: string | null;
  grantId: string | null;
  billing: { metered: boolean; recordedBy: string; uses?: number } | null;
  version: number;
  callbackError: string | null;
  publishedAt: string | null;
}
interface Page<T> {
  items: T[];
  total: number;
}
interface ErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

const GUEST = fileURLToPath(
  new URL('../../../examples/data/fate/breast_hetero_guest.csv', import.meta.url),
);
const HOST = fileURLToPath(
  new URL('../../../examples/data/fate/breast_hetero_host.csv', import.meta.url),
);

const t = new TestNodes();
const restarted: TestNode[] = [];

/** Stops `n` and starts it again from its directory (same ports), optionally editing fedgrid.yaml. */
async function restart(
  n: TestNode,
  edit?: (c: Awaited<ReturnType<typeof loadConfig>>['config']) => void,
): Promise<TestNode> {
  await n.node.close();
  if (edit) {
    const loaded = await loadConfig(n.node.config.dir);
    edit(loaded.config);
    await saveConfig(loaded.dir, loaded.config);
  }
  const node = await startNode({
    dir: n.node.config.dir,
    logLevel: 'error',
    apiPort: n.node.apiPort,
    dataPort: n.node.dataPort,
  });
  const token = (await readFile(node.config.paths.adminToken, 'utf8')).trim();
  const call = async <T>(method: string, url: string, payload?: unknown) => {
    const r = await node.app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    return { status: r.statusCode, body: (r.body ? r.json() : undefined) as T };
  };
  const m: TestNode = {
    id: n.id,
    node,
    call,
    ok: async <T>(method: string, url: string, payload?: unknown) => {
      const r = await call<T>(method, url, payload);
      if (r.status >= 300)
        throw new Error(`${method} ${url} → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
  };
  restarted.push(m);
  return m;
}

let dir: TestNode;
let prov: TestNode;
let dem: TestNode;
let provDir: string;
let guestId: string;
let hostId: string;
let guestOffer: Offer;
let computeOffer: Offer;

const inv = (n: TestNode, id: string) =>
  n.ok<Invitation>('GET', `/v1/invitations/${encodeURIComponent(id)}`);
const path = (id: string, op = '') => `/v1/invitations/${encodeURIComponent(id)}${op}`;
const browse = (query: string) =>
  dem.ok<Page<Offer>>('GET', `/v1/directory/offers?directory=dir&${query}`);

/** Creates and publishes an invitation from the demander; returns its id. */
async function sendInvitation(body: Record<string, unknown>): Promise<string> {
  const d = await dem.ok<Invitation>('POST', '/v1/invitations', { provider: 'prov', ...body });
  const p = await dem.ok<Invitation>('POST', path(d.id, '/publish'));
  expect(p.status).toBe('pending');
  return d.id;
}

beforeAll(async () => {
  [dir, prov, dem] = (await Promise.all(['dir', 'prov', 'dem'].map((id) => t.start(id)))) as [
    TestNode,
    TestNode,
    TestNode,
  ];
  dir = await restart(dir, (c) => {
    c.directory = { enabled: true };
  });
  provDir = await t.contract(prov, dir);
  await t.contract(dem, dir);
  guestId = (
    await prov.ok<{ id: string }>('POST', '/v1/datasets', {
      name: 'breast-guest',
      path: GUEST,
      idColumn: 'id',
      labelColumn: 'y',
      description: 'tumour features, guest half',
      // Only public datasets are offered in a directory (docs/objects/dataset.md).
      visibility: 'public',
    })
  ).id;
  hostId = (
    await prov.ok<{ id: string }>('POST', '/v1/datasets', {
      name: 'breast-host',
      path: HOST,
      idColumn: 'id',
      visibility: 'public',
    })
  ).id;
});
afterAll(async () => {
  await Promise.all(restarted.map((n) => n.node.close().catch(() => {})));
  await t.close();
});

describe('the directory', () => {
  it('publishing needs a contract with the directory; browsing names one unless this node is one', async () => {
    const noDir = await dem.call<ErrorBody>('GET', '/v1/directory/offers');
    expect(noDir.status).toBe(400);
    expect(noDir.body.message).toContain('not a directory');
    const noContract = await prov.call<ErrorBody>('POST', '/v1/directory/offers', {
      directory: 'dem',
      kind: 'compute',
      name: 'cpu',
    });
    expect(noContract.status).toBe(403);
    expect(noContract.body.message).toContain("no active contract with node 'dem'");
    expect(await dir.ok('GET', '/v1/node/profile')).toMatchObject({ directory: true });
  });

  it('providers publish public metadata only; demanders browse, filter and page', async () => {
    guestOffer = await prov.ok<Offer>('POST', '/v1/directory/offers', {
      directory: 'dir',
      kind: 'dataset',
      dataset: 'breast-guest',
    });
    expect(guestOffer.id).toMatch(/^prov:off-/);
    expect(guestOffer).toMatchObject({
      status: 'published',
      description: 'tumour features, guest half',
    });
    computeOffer = await prov.ok<Offer>('POST', '/v1/directory/offers', {
      directory: 'dir',
      kind: 'compute',
      name: 'night-time CPU',
      description: 'idle cluster 22:00–06:00',
      cores: 16,
      memoryGb: 64,
    });
    await prov.ok('POST', '/v1/directory/offers', {
      directory: 'dir',
      kind: 'dataset',
      dataset: hostId,
    });

    const all = await browse('');
    expect(all.total).toBe(3);
    for (const o of all.items) {
      expect(o.node).toEqual({
        nodeId: 'prov',
        name: 'prov',
        apiUrl: prov.node.apiUrl,
        fingerprint: prov.node.fingerprint,
      });
    }
    const g = all.items.find((o) => o.id === guestOffer.id)!;
    expect(g.dataset).toMatchObject({ id: guestId, rows: 569, label: 'y' });
    expect(g.dataset!.features).toHaveLength(10);
    expect(g.dataset!.features[0]).toEqual({ name: 'x0', type: 'float' });
    // Never data, statistics or paths.
    const wire = JSON.stringify(all);
    for (const secret of [GUEST, HOST, 'sourcePath', '"mean"', '"min"', '"max"', 'snapshot'])
      expect(wire).not.toContain(secret);

    expect((await browse('kind=compute')).items).toMatchObject([
      { id: computeOffer.id, compute: { cores: 16, memoryGb: 64 } },
    ]);
    expect((await browse('q=BREAST')).total).toBe(2);
    expect((await browse('q=x15')).items.map((o) => o.name)).toEqual(['breast-host']);
    expect((await browse('q=breast-host&exact=true')).total).toBe(1);
    expect((await browse('q=nothing-like-this')).total).toBe(0);
    expect((await browse('node=dem')).total).toBe(0);
    const p2 = await browse('pageSize=2&page=2');
    expect(p2).toMatchObject({ total: 3, page: 2, pageSize: 2 });
    expect(p2.items).toHaveLength(1);
    // The directory browses its own list.
    expect((await dir.ok<Page<Offer>>('GET', '/v1/directory/offers')).total).toBe(3);
  });

  it('re-publishing a dataset updates its offer', async () => {
    const again = await prov.ok<Offer>('POST', '/v1/directory/offers', {
      directory: 'dir',
      kind: 'dataset',
      dataset: 'breast-guest',
      description: 'tumour features (guest), 569 patients',
    });
    expect(again.id).toBe(guestOffer.id);
    const all = await browse('');
    expect(all.total).toBe(3);
    expect(all.items.find((o) => o.id === guestOffer.id)?.description).toBe(
      'tumour features (guest), 569 patients',
    );
  });

  it('only public datasets are offered; an offered dataset stays public until its offer is withdrawn', async () => {
    await prov.ok('POST', '/v1/datasets', {
      name: 'breast-private',
      path: HOST,
      idColumn: 'id',
      visibility: 'private',
    });
    await prov.ok('POST', '/v1/datasets', {
      name: 'breast-partners',
      path: HOST,
      idColumn: 'id',
      visibility: 'partners',
    });
    for (const dataset of ['breast-private', 'breast-partners']) {
      const r = await prov.call<ErrorBody>('POST', '/v1/directory/offers', {
        directory: 'dir',
        kind: 'dataset',
        dataset,
      });
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('DATASET_NOT_PUBLIC');
      expect(r.body.message).toContain(dataset);
    }
    expect((await browse('q=breast')).items.map((o) => o.name).sort()).toEqual([
      'breast-guest',
      'breast-host',
    ]);
    const hide = await prov.call<ErrorBody>('PATCH', `/v1/datasets/${hostId}`, {
      visibility: 'private',
    });
    expect(hide.status).toBe(409);
    expect(hide.body.message).toContain('withdraw');
    expect(await prov.ok('GET', `/v1/datasets/${hostId}`)).toMatchObject({ visibility: 'public' });
  });

  it('the demander contracts the provider it found there (pinning the fingerprint the directory holds)', async () => {
    const [o] = (await browse('q=breast-guest&exact=true')).items;
    const c = await dem.ok<{ id: string }>('POST', '/v1/contracts', {
      peerApiUrl: o!.node.apiUrl,
      expectedFingerprint: o!.node.fingerprint,
    });
    await prov.ok('POST', `/v1/contracts/${c.id}/confirm`);
    // A node that is not a directory refuses offers.
    const r = await prov.call<ErrorBody>('POST', '/v1/directory/offers', {
      directory: 'dem',
      kind: 'compute',
      name: 'cpu',
    });
    expect(r.status).toBe(502);
    expect(r.body.details).toMatchObject({ peerCode: 'FORBIDDEN' });
  });
});

describe('invitations', () => {
  let first: string;

  it('dataset: draft → modify → publish → modify while pending → accept creates the grant', async () => {
    const d = await dem.ok<Invitation>('POST', '/v1/invitations', {
      provider: 'prov',
      kind: 'dataset',
      dataset: 'breast-guest',
      offer: guestOffer.id,
      message: 'joint credit model',
      terms: { type: 'uses', uses: 2 },
    });
    first = d.id;
    expect(d).toMatchObject({ role: 'sent', status: 'draft', version: 1, publishedAt: null });
    expect(d.id).toMatch(/^dem:inv-/);
    expect((await prov.call('GET', path(first))).status).toBe(404); // a draft stays home

    expect(
      await dem.ok<Invitation>('PATCH', path(first), { message: 'joint risk model' }),
    ).toMatchObject({ status: 'draft', version: 2, message: 'joint risk model' });

    const p = await dem.ok<Invitation>('POST', path(first, '/publish'));
    expect(p.status).toBe('pending');
    expect(p.publishedAt).not.toBeNull();
    expect(await inv(prov, first)).toMatchObject({
      role: 'received',
      status: 'pending',
      demander: 'dem',
      provider: 'prov',
      version: 2,
      message: 'joint risk model',
      terms: { type: 'uses', uses: 2 },
    });

    await dem.ok('PATCH', path(first), { terms: { type: 'uses', uses: 3 } });
    expect(await inv(prov, first)).toMatchObject({ version: 3, terms: { uses: 3 } });

    const a = await prov.ok<Invitation>('POST', path(first, '/accept'));
    expect(a.status).toBe('accepted');
    expect(a.callbackError).toBeNull();
    const grant = await prov.ok<{ grantee: string; datasetId: string; maxUses: number }>(
      'GET',
      `/v1/grants/${encodeURIComponent(a.grantId!)}`,
    );
    expect(grant).toMatchObject({ grantee: 'dem', datasetId: guestId, maxUses: 3 });
    expect(await inv(dem, first)).toMatchObject({ status: 'accepted', grantId: a.grantId });

    // Answered: no more changes; accepting and publishing again are idempotent.
    const m = await dem.call<ErrorBody>('PATCH', path(first), { message: 'x' });
    expect(m.status).toBe(409);
    expect(m.body.details).toMatchObject({ status: 'accepted' });
    expect((await dem.call('DELETE', path(first))).status).toBe(409);
    expect((await prov.ok<Invitation>('POST', path(first, '/accept'))).grantId).toBe(a.grantId);
    expect((await dem.ok<Invitation>('POST', path(first, '/publish'))).status).toBe('accepted');
    const grants = await prov.ok<Page<{ id: string }>>(
      'GET',
      `/v1/grants?grantee=dem&dataset=${guestId}`,
    );
    expect(grants.total).toBe(1);
    // Only the provider answers.
    expect((await dem.call('POST', path(first, '/accept'))).status).toBe(409);
  });

  it('until: the grant expires when the invitation says', async () => {
    const until = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const id = await sendInvitation({
      kind: 'dataset',
      dataset: hostId,
      terms: { type: 'until', until },
    });
    const a = await prov.ok<Invitation>('POST', path(id, '/accept'));
    const g = await prov.ok<{ expiresAt: string; maxUses: number | null }>(
      'GET',
      `/v1/grants/${encodeURIComponent(a.grantId!)}`,
    );
    expect(g).toMatchObject({ expiresAt: until, maxUses: null });
  });

  it('metered: usage is recorded and reported to both sides', async () => {
    // Revoke the until-grant on breast-host so that the metered grant is the one used.
    const { items } = await prov.ok<Page<{ id: string }>>(
      'GET',
      `/v1/grants?grantee=dem&dataset=${hostId}`,
    );
    for (const g of items) await prov.ok('POST', `/v1/grants/${encodeURIComponent(g.id)}/revoke`);
    const id = await sendInvitation({
      kind: 'dataset',
      dataset: 'breast-host',
      terms: { type: 'metered' },
    });
    const a = await prov.ok<Invitation>('POST', path(id, '/accept'));
    expect(a.billing).toMatchObject({ metered: true, uses: 0 });
    expect(['grant', 'invitation']).toContain(a.billing!.recordedBy);
    const g = await prov.ok<{ metered?: boolean }>(
      'GET',
      `/v1/grants/${encodeURIComponent(a.grantId!)}`,
    );
    if (a.billing!.recordedBy === 'grant') expect(g.metered).toBe(true);

    await prov.node.services.grants.consume(hostId, 'dem', 'job-metered-1');
    expect((await inv(prov, id)).billing).toMatchObject({ uses: 1 });
    const s = await dem.ok<Invitation>('POST', path(id, '/sync'));
    expect(s.billing).toMatchObject({ metered: true, uses: 1 });
  });

  it('compute: rejected with a reason, told to the demander', async () => {
    const id = await sendInvitation({
      kind: 'compute',
      resource: '8 cores for two nights',
      terms: { type: 'unlimited' },
    });
    const r = await prov.ok<Invitation>('POST', path(id, '/reject'), { reason: 'fully booked' });
    expect(r).toMatchObject({ status: 'rejected', grantId: null });
    expect(await inv(dem, id)).toMatchObject({ status: 'rejected', statusReason: 'fully booked' });
    expect((await prov.call('POST', path(id, '/accept'))).status).toBe(409);
  });

  it('withdraw: a draft is deleted; a pending one becomes withdrawn on both sides', async () => {
    const d = await dem.ok<Invitation>('POST', '/v1/invitations', {
      provider: 'prov',
      kind: 'compute',
      terms: { type: 'uses', uses: 1 },
    });
    expect(await dem.ok('DELETE', path(d.id))).toEqual({ id: d.id, status: 'deleted' });
    expect((await dem.call('GET', path(d.id))).status).toBe(404);

    const id = await sendInvitation({
      kind: 'dataset',
      dataset: 'breast-guest',
      terms: { type: 'unlimited' },
    });
    const w = await dem.ok<Invitation>('DELETE', path(id), { reason: 'found another provider' });
    expect(w.status).toBe('withdrawn');
    const theirs = await inv(prov, id);
    expect(theirs.status).toBe('withdrawn');
    expect(theirs.statusReason).toContain('found another provider');
    expect((await prov.call('POST', path(id, '/accept'))).status).toBe(409);
    expect((await prov.call('POST', path(id, '/reject'))).status).toBe(409);
    expect((await dem.call('PATCH', path(id), { message: 'x' })).status).toBe(409);
  });

  it('bad invitations are refused naming the field; one the provider cannot serve stays a draft', async () => {
    const noDataset = await dem.call<ErrorBody>('POST', '/v1/invitations', {
      provider: 'prov',
      kind: 'dataset',
      terms: { type: 'unlimited' },
    });
    expect(noDataset.status).toBe(400);
    expect(noDataset.body.message).toContain('dataset');
    const past = await dem.call<ErrorBody>('POST', '/v1/invitations', {
      provider: 'prov',
      kind: 'compute',
      terms: { type: 'until', until: '2020-01-01T00:00:00Z' },
    });
    expect(past.status).toBe(400);
    expect(past.body.message).toContain('terms.until');
    const badTerms = await dem.call<ErrorBody>('POST', '/v1/invitations', {
      provider: 'prov',
      kind: 'compute',
      terms: { type: 'uses', uses: 0 },
    });
    expect(badTerms.status).toBe(400);
    expect(badTerms.body.message).toContain('terms.uses');

    const d = await dem.ok<Invitation>('POST', '/v1/invitations', {
      provider: 'prov',
      kind: 'dataset',
      dataset: 'no-such-dataset',
      terms: { type: 'unlimited' },
    });
    const r = await dem.call<ErrorBody>('POST', path(d.id, '/publish'));
    expect(r.status).toBe(502);
    expect(r.body.details).toMatchObject({ peerCode: 'NOT_FOUND' });
    expect(r.body.message).toContain('no-such-dataset');
    expect((await inv(dem, d.id)).status).toBe('draft');

    const stranger = await dem.ok<Invitation>('POST', '/v1/invitations', {
      provider: 'stranger',
      kind: 'compute',
      terms: { type: 'unlimited' },
    });
    expect((await dem.call('POST', path(stranger.id, '/publish'))).status).toBe(403);
  });

  it('a lost answer: the provider accepts while the demander is down; the demander syncs', async () => {
    const id = await sendInvitation({
      kind: 'dataset',
      dataset: 'breast-guest',
      terms: { type: 'uses', uses: 5 },
    });
    await dem.node.close();
    const a = await prov.ok<Invitation>('POST', path(id, '/accept'));
    expect(a.status).toBe('accepted');
    expect(a.callbackError).toMatch(/cannot reach/);

    dem = await restart(dem);
    expect((await inv(dem, id)).status).toBe('pending');
    const s = await dem.ok<Invitation & { providerStatus: string; changed: boolean }>(
      'POST',
      path(id, '/sync'),
    );
    expect(s).toMatchObject({
      status: 'accepted',
      providerStatus: 'accepted',
      changed: true,
      grantId: a.grantId,
    });
    expect((await dem.ok<{ changed: boolean }>('POST', path(id, '/sync'))).changed).toBe(false);
  });

  it('lists: sent and received, filtered and paged', async () => {
    const sent = await dem.ok<Page<Invitation>>('GET', '/v1/invitations?role=sent');
    expect(sent.total).toBeGreaterThanOrEqual(8);
    expect(sent.items.every((i) => i.role === 'sent')).toBe(true);
    const received = await prov.ok<Page<Invitation>>('GET', '/v1/invitations?role=received');
    expect(received.items.every((i) => i.role === 'received')).toBe(true);
    const accepted = await prov.ok<Page<Invitation>>(
      'GET',
      '/v1/invitations?status=accepted&pageSize=1',
    );
    expect(accepted.items).toHaveLength(1);
    expect(accepted.total).toBe(4);
    const q = await dem.ok<Page<Invitation>>('GET', '/v1/invitations?q=risk');
    expect(q.items.map((i) => i.id)).toEqual([first]);
    expect((await dem.ok<Page<Invitation>>('GET', '/v1/invitations?status=draft')).total).toBe(2);
  });
});

describe('unpublishing', () => {
  it('withdrawn offers leave the directory; offers of a node whose contract ended are hidden', async () => {
    const w = await prov.ok<Offer>(
      'DELETE',
      `/v1/directory/offers/${encodeURIComponent(computeOffer.id)}`,
    );
    expect(w.status).toBe('withdrawn');
    expect((await browse('kind=compute')).total).toBe(0);
    expect((await browse('')).total).toBe(2);
    expect(
      (await prov.call('DELETE', `/v1/directory/offers/${encodeURIComponent(computeOffer.id)}`))
        .status,
    ).toBe(409);
    expect(
      (await prov.ok<Page<Offer>>('GET', '/v1/directory/published?status=withdrawn')).items.map(
        (o) => o.id,
      ),
    ).toEqual([computeOffer.id]);

    await prov.ok('POST', `/v1/contracts/${provDir}/terminate`);
    expect((await browse('')).total).toBe(0);
  });
});
