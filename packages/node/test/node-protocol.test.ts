/**
 * The node protocol (standard 001 §8) between three in-process nodes over real mutual TLS:
 * contract rejection, cancellation (told to the partner; refused once answered), the status
 * query after a lost callback (the proposer is stopped before the partner confirms, restarted on
 * new ports from the same directory, then syncs), node information updates pushed to partners
 * (name and description in their contract rows, a changed data-plane address re-pinned, a
 * partner that was down served on the next sync or health check), the partner list, and expiry
 * (set by a direct update of `valid_until` through `node.services.db`: validity is given in days).
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode } from '@fedgrid/node';
import { TestNodes, type TestNode } from './nodes.js';

interface Contract {
  id: string;
  status: string;
  statusReason: string | null;
  direction: string;
  peer: { nodeId: string; name: string; apiUrl: string; dataAddress: string; fingerprint: string };
}
interface Partner {
  nodeId: string;
  name: string;
  description: string | null;
  apiUrl: string;
  dataAddress: string;
  contract: { id: string; status: string };
  lastHealthyAt: string | null;
  nodeInfo: { current: boolean; error: string | null };
}
interface SyncItem {
  contract: string;
  peer: string;
  health: string;
  nodeInfo: string;
  error?: string;
}
interface ErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

const t = new TestNodes();
const restarted: TestNode[] = [];

/** Stops `n` and starts it again from its directory (same or new ports), as a new TestNode. */
async function restart(n: TestNode, samePorts: boolean): Promise<TestNode> {
  await n.node.close();
  const node = await startNode({
    dir: n.node.config.dir,
    logLevel: 'error',
    ...(samePorts ? { apiPort: n.node.apiPort, dataPort: n.node.dataPort } : {}),
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

const contractOf = (n: TestNode, id: string) => n.ok<Contract>('GET', `/v1/contracts/${id}`);
const partners = async (n: TestNode) =>
  (await n.ok<{ items: Partner[] }>('GET', '/v1/partners')).items;

let a: TestNode;
let b: TestNode;
let c: TestNode;
let ab: string;

beforeAll(async () => {
  [a, b, c] = (await Promise.all(['a', 'b', 'c'].map((id) => t.start(id)))) as [
    TestNode,
    TestNode,
    TestNode,
  ];
  ab = await t.contract(a, b);
});
afterAll(async () => {
  await Promise.all(restarted.map((n) => n.node.close().catch(() => {})));
  await t.close();
});

describe('contract management', () => {
  it('a rejected proposal reads rejected on both sides (callback)', async () => {
    const p = await b.ok<Contract>('POST', '/v1/contracts', {
      peerApiUrl: c.node.apiUrl,
      expectedFingerprint: c.node.fingerprint,
    });
    expect(p.status).toBe('pending');
    const r = await c.ok<Contract>('POST', `/v1/contracts/${p.id}/reject`, {
      reason: 'not now',
    });
    expect(r.status).toBe('rejected');
    expect(await contractOf(b, p.id)).toMatchObject({
      status: 'rejected',
      statusReason: 'not now',
    });
    // Sync agrees and changes nothing.
    const s = await b.ok<Contract & { partnerStatus: string; changed: boolean }>(
      'POST',
      `/v1/contracts/${p.id}/sync`,
    );
    expect(s).toMatchObject({ status: 'rejected', partnerStatus: 'rejected', changed: false });
  });

  it('cancel: only a pending proposal, only by its proposer; the partner’s copy becomes cancelled', async () => {
    const p = await b.ok<Contract>('POST', '/v1/contracts', {
      peerApiUrl: c.node.apiUrl,
      expectedFingerprint: c.node.fingerprint,
    });
    // The partner cannot cancel the proposer's proposal.
    const wrongSide = await c.call<ErrorBody>('POST', `/v1/contracts/${p.id}/cancel`);
    expect(wrongSide.status).toBe(409);
    expect(wrongSide.body.code).toBe('CONTRACT_STATE');

    const x = await b.ok<Contract>('POST', `/v1/contracts/${p.id}/cancel`, { reason: 'typo' });
    expect(x.status).toBe('cancelled');
    expect(await contractOf(c, p.id)).toMatchObject({ status: 'cancelled' });
    expect((await contractOf(c, p.id)).statusReason).toContain('cancelled by b: typo');
    // Neither a second cancel nor a confirmation passes now.
    expect((await b.call('POST', `/v1/contracts/${p.id}/cancel`)).status).toBe(409);
    const confirm = await c.call<ErrorBody>('POST', `/v1/contracts/${p.id}/confirm`);
    expect(confirm.status).toBe(409);
    expect(confirm.body.code).toBe('CONTRACT_STATE');
    // An active contract is not cancelled (it is terminated).
    expect((await a.call('POST', `/v1/contracts/${ab}/cancel`)).status).toBe(409);
  });

  it('cancel after the partner confirmed (callback lost): refused, and the partner’s answer adopted', async () => {
    const p = await b.ok<Contract>('POST', '/v1/contracts', {
      peerApiUrl: c.node.apiUrl,
      expectedFingerprint: c.node.fingerprint,
    });
    await c.ok('POST', `/v1/contracts/${p.id}/confirm`);
    // Lose the callback: put the proposer's copy back to pending.
    await b.node.services.db
      .updateTable('contracts')
      .set({ status: 'pending' })
      .where('id', '=', p.id)
      .execute();
    b.node.services.contracts.forgetCachedContracts();
    const r = await b.call<ErrorBody>('POST', `/v1/contracts/${p.id}/cancel`);
    expect(r.status).toBe(409);
    expect(r.body.message).toContain('terminate it');
    expect(await contractOf(b, p.id)).toMatchObject({ status: 'active' });
    expect(await contractOf(c, p.id)).toMatchObject({ status: 'active' });
  });

  it('the status query answers only the node the contract pins', async () => {
    // b asks c about a contract between b and c: allowed. a asks c about it: refused.
    const { items } = await c.ok<{ items: Contract[] }>('GET', '/v1/contracts?q=b');
    const bc = items.find((x) => x.status === 'active')!;
    const own = await b.node.services.peers.firstContact<{ status: string }>(
      c.node.apiUrl,
      'GET',
      `/v1/interconn/contracts/${bc.id}`,
      undefined,
    );
    expect(own.body.status).toBe('active');
    await expect(
      a.node.services.peers.firstContact(
        c.node.apiUrl,
        'GET',
        `/v1/interconn/contracts/${bc.id}`,
        undefined,
      ),
    ).rejects.toMatchObject({ code: 'PEER_REFUSED', details: { peerCode: 'PEER_NOT_PINNED' } });
  });
});

describe('lost callbacks and node information sync', () => {
  let x: string; // a → c, confirmed while a is down
  let y: string; // a → c, rejected while a is down

  it('the proposer learns a confirmation and a rejection it missed by the status query', async () => {
    x = (
      await a.ok<Contract>('POST', '/v1/contracts', {
        peerApiUrl: c.node.apiUrl,
        expectedFingerprint: c.node.fingerprint,
      })
    ).id;
    y = (
      await a.ok<Contract>('POST', '/v1/contracts', {
        peerApiUrl: c.node.apiUrl,
        expectedFingerprint: c.node.fingerprint,
      })
    ).id;
    const oldApi = a.node.apiUrl;
    await a.node.close();
    const confirmed = await c.ok<Contract>('POST', `/v1/contracts/${x}/confirm`);
    expect(confirmed.status).toBe('active');
    expect(confirmed.statusReason).toContain('callback to proposer failed');
    await c.ok('POST', `/v1/contracts/${y}/reject`, { reason: 'one is enough' });

    a = await restart(a, false); // new ports: its card changes
    expect(a.node.apiUrl).not.toBe(oldApi);
    expect(await contractOf(a, x)).toMatchObject({ status: 'pending' });
    const sx = await a.ok<Contract & { partnerStatus: string; changed: boolean }>(
      'POST',
      `/v1/contracts/${x}/sync`,
    );
    expect(sx).toMatchObject({ status: 'active', partnerStatus: 'active', changed: true });
    const sy = await a.ok<Contract & { changed: boolean }>('POST', `/v1/contracts/${y}/sync`);
    expect(sy).toMatchObject({ status: 'rejected', statusReason: 'one is enough', changed: true });
  });

  it('partners holding the old addresses get the new card on the next health check or partner sync', async () => {
    // c still has a's old API URL: its calls to a fail.
    const before = await c.call<ErrorBody>('POST', `/v1/contracts/${x}/health`);
    expect(before.status).toBe(502);
    let ps = await partners(a);
    expect(ps.find((p) => p.contract.id === x)?.nodeInfo.current).toBe(false);
    expect(ps.find((p) => p.contract.id === ab)?.nodeInfo.current).toBe(false);

    // a's health check of c sends its card (a retry of the node update).
    const h = await a.ok<{ status: string; nodeInfo: string }>('POST', `/v1/contracts/${x}/health`);
    expect(h).toMatchObject({ status: 'ok', nodeInfo: 'sent' });
    const atC = await contractOf(c, x);
    expect(atC.peer.apiUrl).toBe(a.node.apiUrl);
    expect(atC.peer.dataAddress).toBe(a.node.dataAddress);
    expect(c.node.services.trust.peer('a')?.address).toBe(a.node.dataAddress);
    expect(await c.ok('POST', `/v1/contracts/${x}/health`)).toMatchObject({ status: 'ok' });

    // A partner sync serves b (stale) and leaves c (current) alone.
    const { items } = await a.ok<{ items: SyncItem[] }>('POST', '/v1/partners/sync', {});
    expect(items.find((i) => i.contract === ab)).toMatchObject({
      health: 'ok',
      nodeInfo: 'sent',
    });
    expect(items.find((i) => i.contract === x)).toMatchObject({
      health: 'ok',
      nodeInfo: 'up-to-date',
    });
    expect((await contractOf(b, ab)).peer.apiUrl).toBe(a.node.apiUrl);
    ps = await partners(a);
    expect(ps.every((p) => p.nodeInfo.current)).toBe(true);
    expect(ps.find((p) => p.contract.id === ab)?.lastHealthyAt).not.toBeNull();
    // Rejected contracts are no partners.
    expect(ps.map((p) => p.contract.id)).not.toContain(y);
  });

  it('PATCH /v1/node changes the card partners see, in contract rows, the live query and new proposals', async () => {
    const r = await a.ok<{
      profile: { name: string; description: string; overrides: { name: string | null } };
      partners: SyncItem[];
    }>('PATCH', '/v1/node', { name: 'Alpha Bank', description: 'retail bank, north region' });
    expect(r.profile).toMatchObject({
      name: 'Alpha Bank',
      description: 'retail bank, north region',
      overrides: { name: 'Alpha Bank' },
    });
    expect(r.partners.map((p) => p.nodeInfo).sort()).toEqual(['sent', 'sent']);
    expect((await contractOf(b, ab)).peer.name).toBe('Alpha Bank');
    expect((await contractOf(c, x)).peer.name).toBe('Alpha Bank');
    expect((await partners(b)).find((p) => p.nodeId === 'a')?.description).toBe(
      'retail bank, north region',
    );
    expect(await a.ok('GET', '/v1/node')).toMatchObject({ name: 'Alpha Bank' });
    const live = await b.ok<{ live: { name: string; description: string } }>(
      'GET',
      '/v1/partners/a',
    );
    expect(live.live).toMatchObject({
      name: 'Alpha Bank',
      description: 'retail bank, north region',
    });
    // The bootstrap value stays in fedgrid.yaml; the profile overrides it.
    expect(await a.ok('GET', '/v1/node/profile')).toMatchObject({
      bootstrap: { name: 'a' },
      name: 'Alpha Bank',
    });
    // A new proposal carries the profile's card; cancel it again. (a and c hold contract x: the
    // new one must name it as the one it replaces.)
    const z = await a.ok<Contract>('POST', '/v1/contracts', {
      peerApiUrl: c.node.apiUrl,
      expectedFingerprint: c.node.fingerprint,
      replaces: x,
    });
    expect((await contractOf(c, z.id)).peer.name).toBe('Alpha Bank');
    await a.ok('POST', `/v1/contracts/${z.id}/cancel`);
    // Bad input is refused, naming the field.
    const bad = await a.call<ErrorBody>('PATCH', '/v1/node', { dataAddress: 'no port' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('dataAddress');
    expect((await a.call('PATCH', '/v1/node', {})).status).toBe(400);
  });

  it('a changed data-plane address is re-pinned at the partners; null restores the bootstrap one', async () => {
    const moved = `localhost:${a.node.dataPort}`;
    await a.ok('PATCH', '/v1/node', { dataAddress: moved });
    expect(b.node.services.trust.peer('a')?.address).toBe(moved);
    expect(c.node.services.trust.peer('a')?.address).toBe(moved);
    expect((await contractOf(b, ab)).peer.dataAddress).toBe(moved);
    await a.ok('PATCH', '/v1/node', { dataAddress: null });
    expect(b.node.services.trust.peer('a')?.address).toBe(a.node.dataAddress);
  });

  it('a partner that was down gets the update on the next partner sync', async () => {
    await b.node.close();
    const r = await a.ok<{ partners: SyncItem[] }>('PATCH', '/v1/node', {
      description: 'retail and business bank',
    });
    expect(r.partners.find((p) => p.peer === 'b')).toMatchObject({ nodeInfo: 'failed' });
    expect(r.partners.find((p) => p.peer === 'c')).toMatchObject({ nodeInfo: 'sent' });
    const stale = (await partners(a)).find((p) => p.nodeId === 'b')!;
    expect(stale.nodeInfo.current).toBe(false);
    expect(stale.nodeInfo.error).toMatch(/cannot reach/);

    b = await restart(b, true);
    const { items } = await a.ok<{ items: SyncItem[] }>('POST', '/v1/partners/sync', {});
    expect(items.find((i) => i.peer === 'b')).toMatchObject({ health: 'ok', nodeInfo: 'sent' });
    expect((await partners(b)).find((p) => p.nodeId === 'a')?.description).toBe(
      'retail and business bank',
    );
  });
});

describe('expiry', () => {
  it('a contract past valid_until reads expired and partner calls are refused', async () => {
    const past = new Date(Date.now() - 60_000);
    // The partner's copy expires first: it refuses our calls (auth hook), we still think active.
    await b.node.services.db
      .updateTable('contracts')
      .set({ valid_until: past })
      .where('id', '=', ab)
      .execute();
    b.node.services.contracts.forgetCachedContracts();
    expect(await contractOf(b, ab)).toMatchObject({ status: 'expired' });
    const refused = await a.call<ErrorBody>('POST', `/v1/contracts/${ab}/health`);
    expect(refused.status).toBe(502);
    expect(refused.body).toMatchObject({
      code: 'PEER_REFUSED',
      details: { peerCode: 'PEER_NOT_PINNED' },
    });
    await a.node.services.db
      .updateTable('contracts')
      .set({ valid_until: past })
      .where('id', '=', ab)
      .execute();
    a.node.services.contracts.forgetCachedContracts();
    expect(await contractOf(a, ab)).toMatchObject({ status: 'expired' });
    const local = await a.call<ErrorBody>('POST', `/v1/contracts/${ab}/health`);
    expect(local.status).toBe(409);
    expect(local.body.code).toBe('CONTRACT_STATE');
    expect((await partners(a)).find((p) => p.contract.id === ab)?.contract.status).toBe('expired');
    // Nothing passes as b any more: its update push is refused too.
    const { items } = await a.ok<{ items: SyncItem[] }>('POST', '/v1/partners/sync', {});
    expect(items.map((i) => i.peer)).not.toContain('b');
  });
});
