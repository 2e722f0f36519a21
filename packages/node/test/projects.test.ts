/**
 * Projects across in-process nodes (real mutual TLS between them): create, query (own and a
 * partner's), invite → accept | reject with callbacks, the status query when a callback is lost
 * (the owner is stopped while the member answers), update sync, member removal, deletion,
 * non-member and uncontracted callers refused. Standard 001 §8 project protocol.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode } from '@fedgrid/node';
import { TestNodes, type TestNode } from './nodes.js';

interface Member {
  nodeId: string;
  status: string;
  reason: string | null;
}
interface Project {
  id: string;
  name: string;
  description: string;
  type: string;
  owner: string;
  status: string;
  version: number;
  role: 'owner' | 'member';
  membership: string | null;
  members: Member[];
  syncError: string | null;
}
interface ProjectPage {
  items: Project[];
  total: number;
  page: number;
  pageSize: number;
  stats: { byType: Record<string, number>; byRole: { owner: number; member: number } };
}
interface Delivery {
  node: string;
  ok: boolean;
  error?: string;
}
interface ErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

const t = new TestNodes();
let a: TestNode; // owner
let b: TestNode; // accepts
let c: TestNode; // rejects
let d: TestNode; // no contract with anyone

beforeAll(async () => {
  a = await t.start('pa'); // the first start makes the store template and the temp root
  [b, c, d] = await Promise.all([t.start('pb'), t.start('pc'), t.start('pd')]);
  await t.contract(a, b);
  await t.contract(a, c);
  await t.contract(b, c);
});
afterAll(() => t.close());

const enc = encodeURIComponent;
const member = (p: Project, node: string) => p.members.find((m) => m.nodeId === node);

/** Calls `to`'s partner API as node `from` over their pinned contract. */
async function peerCall<T>(
  from: TestNode,
  to: string,
  method: string,
  path: string,
  body?: unknown,
) {
  const s = from.node.services;
  return s.peers.call<T>(await s.contracts.peerApi(to), method, path, body);
}

async function refusal(
  p: Promise<unknown>,
): Promise<{ code: string; message: string; details?: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    return err as { code: string; message: string; details?: Record<string, unknown> };
  }
  throw new Error('expected a rejection');
}

/** Stops a node and starts it again on the same directory and ports (its store survives). */
async function restart(n: TestNode): Promise<void> {
  const { apiPort, dataPort } = n.node;
  const dir = n.node.config.dir;
  await n.node.close();
  const node = await startNode({ dir, apiPort, dataPort, logLevel: 'error' });
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
  n.node = node;
  n.call = call;
  n.ok = async <T>(method: string, url: string, payload?: unknown) => {
    const r = await call<T>(method, url, payload);
    if (r.status >= 300)
      throw new Error(`${method} ${url} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
}

describe('own projects', () => {
  it('create, get and query (fuzzy or exact, paged, with totals and counts)', async () => {
    const p1 = await a.ok<Project>('POST', '/v1/projects', {
      name: 'Credit risk 2025',
      description: 'bank × utility',
      type: 'vertical',
    });
    expect(p1.id).toMatch(/^pa:prj-[0-9a-f-]{36}$/);
    expect(p1).toMatchObject({
      name: 'Credit risk 2025',
      type: 'vertical',
      owner: 'pa',
      status: 'active',
      role: 'owner',
      membership: null,
      members: [],
      version: 1,
    });
    await a.ok('POST', '/v1/projects', { name: 'credit limits', type: 'horizontal' });
    await a.ok('POST', '/v1/projects', { name: 'Load statistics', type: 'statistics' });
    expect(await a.ok<Project>('GET', `/v1/projects/${enc(p1.id)}`)).toEqual(p1);

    const fuzzy = await a.ok<ProjectPage>('GET', '/v1/projects?q=CREDIT&role=owner');
    expect(fuzzy.total).toBe(2);
    expect(fuzzy.items.map((p) => p.name).sort()).toEqual(['Credit risk 2025', 'credit limits']);
    expect(fuzzy.stats.byType).toEqual({ vertical: 1, horizontal: 1 });
    const exact = await a.ok<ProjectPage>(
      'GET',
      `/v1/projects?q=${enc('credit limits')}&exact=true`,
    );
    expect(exact.items.map((p) => p.name)).toEqual(['credit limits']);
    expect((await a.ok<ProjectPage>('GET', '/v1/projects?q=credit&exact=true')).total).toBe(0);
    const paged = await a.ok<ProjectPage>('GET', '/v1/projects?q=credit&pageSize=1&page=2');
    expect(paged).toMatchObject({ total: 2, page: 2, pageSize: 1 });
    expect(paged.items).toHaveLength(1);
  });

  it('bad input and unknown ids are refused with a reason', async () => {
    const r = await a.call<ErrorBody>('POST', '/v1/projects', { name: '', type: 'vertical' });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('VALIDATION_FAILED');
    expect(r.body.message).toMatch(/name/);
    const bad = await a.call<ErrorBody>('POST', '/v1/projects', { name: 'x', type: 'quantum' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/type/);
    expect((await a.call('GET', '/v1/projects/pa:prj-nope')).status).toBe(404);
    expect((await a.call('PATCH', '/v1/projects/pa:prj-nope', { name: 'y' })).status).toBe(404);
  });
});

describe('cooperation projects', () => {
  let p: Project;

  beforeAll(async () => {
    p = await a.ok<Project>('POST', '/v1/projects', {
      name: 'grid-bank scoring',
      description: 'shared',
      type: 'vertical',
    });
  });

  it('invite: the partner stores the project with membership invited', async () => {
    const after = await a.ok<Project>('POST', `/v1/projects/${enc(p.id)}/members`, { node: 'pb' });
    expect(member(after, 'pb')).toMatchObject({ status: 'invited' });
    await a.ok('POST', `/v1/projects/${enc(p.id)}/members`, { node: 'pc' });

    const copy = await b.ok<Project>('GET', `/v1/projects/${enc(p.id)}`);
    expect(copy).toMatchObject({
      id: p.id,
      name: 'grid-bank scoring',
      owner: 'pa',
      role: 'member',
      membership: 'invited',
      status: 'active',
    });
    const invitations = await b.ok<ProjectPage>('GET', '/v1/projects?membership=invited');
    expect(invitations.items.map((x) => x.id)).toEqual([p.id]);
  });

  it('accept and reject reach the owner by callback', async () => {
    const accepted = await b.ok<Project>('POST', `/v1/projects/${enc(p.id)}/accept`);
    expect(accepted).toMatchObject({ membership: 'accepted', syncError: null });
    const rejected = await c.ok<Project>('POST', `/v1/projects/${enc(p.id)}/reject`, {
      reason: 'no budget this year',
    });
    expect(rejected.membership).toBe('rejected');

    const own = await a.ok<Project>('GET', `/v1/projects/${enc(p.id)}`);
    expect(member(own, 'pb')?.status).toBe('accepted');
    expect(member(own, 'pc')).toMatchObject({ status: 'rejected', reason: 'no budget this year' });

    // An answer cannot be changed by answering the other way.
    const r = await c.call<ErrorBody>('POST', `/v1/projects/${enc(p.id)}/accept`);
    expect(r.status).toBe(409);
    // The owner cannot answer its own project.
    expect((await a.call('POST', `/v1/projects/${enc(p.id)}/accept`)).status).toBe(400);
    // Inviting an accepted member again is a conflict.
    const again = await a.call<ErrorBody>('POST', `/v1/projects/${enc(p.id)}/members`, {
      node: 'pb',
    });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/already a member/);
  });

  it("a partner's projects: the ones it shares with us, paged, and one by id", async () => {
    const fromB = await b.ok<{ items: { id: string; members: Member[] }[]; total: number }>(
      'GET',
      '/v1/partners/pa/projects?q=grid',
    );
    expect(fromB.total).toBe(1);
    expect(fromB.items[0]?.id).toBe(p.id);
    expect(fromB.items[0]?.members).toEqual(
      expect.arrayContaining([{ nodeId: 'pb', status: 'accepted' }]),
    );
    expect((await b.ok<{ total: number }>('GET', '/v1/partners/pa/projects?q=nothing')).total).toBe(
      0,
    );
    const one = await b.ok<{ id: string; name: string }>(
      'GET',
      `/v1/partners/pa/projects/${enc(p.id)}`,
    );
    expect(one).toMatchObject({ id: p.id, name: 'grid-bank scoring' });

    // pc rejected: nothing is shared with it.
    expect((await c.ok<{ total: number }>('GET', '/v1/partners/pa/projects')).total).toBe(0);
    const refused = await c.call<ErrorBody>('GET', `/v1/partners/pa/projects/${enc(p.id)}`);
    expect(refused.status).toBe(502);
    expect(refused.body.details).toMatchObject({ peerCode: 'FORBIDDEN' });
  });

  it('update: only the owner, synced to accepted members', async () => {
    const up = await a.ok<Project & { sync: Delivery[] }>('PATCH', `/v1/projects/${enc(p.id)}`, {
      name: 'grid-bank scoring v2',
      description: 'now with arrears',
    });
    expect(up).toMatchObject({ version: 2, name: 'grid-bank scoring v2' });
    expect(up.sync).toEqual([{ node: 'pb', ok: true }]);
    const copy = await b.ok<Project>('GET', `/v1/projects/${enc(p.id)}`);
    expect(copy).toMatchObject({
      name: 'grid-bank scoring v2',
      description: 'now with arrears',
      version: 2,
      membership: 'accepted',
    });
    // The rejecting node's copy was not updated.
    expect((await c.ok<Project>('GET', `/v1/projects/${enc(p.id)}`)).name).toBe(
      'grid-bank scoring',
    );

    const notOwner = await b.call<ErrorBody>('PATCH', `/v1/projects/${enc(p.id)}`, {
      name: 'mine',
    });
    expect(notOwner.status).toBe(403);
    expect(notOwner.body.message).toMatch(/only its owner/);
    expect((await b.call('DELETE', `/v1/projects/${enc(p.id)}`)).status).toBe(403);
    expect((await a.call('PATCH', `/v1/projects/${enc(p.id)}`, {})).status).toBe(400);
  });

  it('non-members are refused on the partner routes', async () => {
    // pc (contracted with pa, but it rejected) asks for the project directly.
    const e = await refusal(peerCall(c, 'pa', 'GET', `/v1/interconn/projects/${enc(p.id)}`));
    expect(e.code).toBe('PEER_REFUSED');
    expect(e.details).toMatchObject({ status: 403, peerCode: 'FORBIDDEN' });
    // pc is not the owner: it cannot push an update into pb's copy, nor delete it.
    const forged = await refusal(
      peerCall(c, 'pb', 'PUT', `/v1/interconn/projects/${enc(p.id)}`, {
        id: p.id,
        owner: 'pa',
        name: 'hijacked',
        description: '',
        type: 'vertical',
        status: 'active',
        version: 99,
        createdAt: new Date().toISOString(),
        updatedAt: new Date().toISOString(),
        members: [],
      }),
    );
    expect(forged.details).toMatchObject({ peerCode: 'NOT_FOUND' });
    expect(
      (await refusal(peerCall(c, 'pb', 'DELETE', `/v1/interconn/projects/${enc(p.id)}`))).details,
    ).toMatchObject({ peerCode: 'NOT_FOUND' });
    expect((await b.ok<Project>('GET', `/v1/projects/${enc(p.id)}`)).name).toBe(
      'grid-bank scoring v2',
    );
    // pc cannot invite pb into pa's project.
    const inv = await refusal(
      peerCall(c, 'pb', 'POST', '/v1/interconn/projects', {
        id: p.id,
        owner: 'pa',
        name: 'x',
        description: '',
        type: 'vertical',
        status: 'active',
        version: 5,
        createdAt: new Date().toISOString(),
        updatedAt: new Date().toISOString(),
        members: [{ nodeId: 'pb', status: 'invited' }],
      }),
    );
    expect(inv.details).toMatchObject({ peerCode: 'FORBIDDEN' });
  });

  it('a node without a contract can neither be invited nor call the partner routes', async () => {
    const inv = await a.call<ErrorBody>('POST', `/v1/projects/${enc(p.id)}/members`, {
      node: 'pd',
    });
    expect(inv.status).toBe(403);
    expect(inv.body.message).toMatch(/no active contract with node 'pd'/);
    expect(member(await a.ok<Project>('GET', `/v1/projects/${enc(p.id)}`), 'pd')).toBeUndefined();
    expect((await a.call('GET', '/v1/partners/pd/projects')).status).toBe(403);

    const s = d.node.services;
    for (const [method, path] of [
      ['GET', '/v1/interconn/projects'],
      ['GET', `/v1/interconn/projects/${enc(p.id)}`],
      ['POST', `/v1/interconn/projects/${enc(p.id)}/answer`],
    ] as const) {
      const e = await refusal(
        s.peers.firstContact(
          a.node.apiUrl,
          method,
          path,
          method === 'POST' ? { status: 'accepted' } : undefined,
        ),
      );
      expect(e.code).toBe('PEER_REFUSED');
      expect(e.details).toMatchObject({ status: 403, peerCode: 'PEER_NOT_PINNED' });
    }
  });

  it('re-inviting after a rejection starts over', async () => {
    await a.ok('POST', `/v1/projects/${enc(p.id)}/members`, { node: 'pc' });
    const copy = await c.ok<Project>('GET', `/v1/projects/${enc(p.id)}`);
    expect(copy).toMatchObject({ membership: 'invited', name: 'grid-bank scoring v2', version: 2 });
    expect(member(await a.ok<Project>('GET', `/v1/projects/${enc(p.id)}`), 'pc')?.status).toBe(
      'invited',
    );
  });

  it('remove a member: its copy shows membership removed', async () => {
    const r = await a.ok<Project & { sync: Delivery[] }>(
      'DELETE',
      `/v1/projects/${enc(p.id)}/members/pc`,
    );
    expect(r.sync).toEqual([{ node: 'pc', ok: true }]);
    expect(member(r, 'pc')?.status).toBe('removed');
    expect((await c.ok<Project>('GET', `/v1/projects/${enc(p.id)}`)).membership).toBe('removed');
    expect((await c.call('POST', `/v1/projects/${enc(p.id)}/accept`)).status).toBe(409);
    expect((await a.call('DELETE', `/v1/projects/${enc(p.id)}/members/pc`)).status).toBe(404);
  });

  it('delete: members are told and their copies become deleted', async () => {
    const del = await a.ok<Project & { sync: Delivery[] }>('DELETE', `/v1/projects/${enc(p.id)}`);
    expect(del.status).toBe('deleted');
    expect(del.sync).toEqual([{ node: 'pb', ok: true }]);
    expect((await b.ok<Project>('GET', `/v1/projects/${enc(p.id)}`)).status).toBe('deleted');
    // Deleted projects leave the default lists, stay under status=all, and cannot change.
    expect((await b.ok<ProjectPage>('GET', '/v1/projects')).items.map((x) => x.id)).not.toContain(
      p.id,
    );
    expect(
      (await b.ok<ProjectPage>('GET', '/v1/projects?status=all')).items.map((x) => x.id),
    ).toContain(p.id);
    expect((await a.call('PATCH', `/v1/projects/${enc(p.id)}`, { name: 'z' })).status).toBe(409);
    expect((await a.call('POST', `/v1/projects/${enc(p.id)}/members`, { node: 'pc' })).status).toBe(
      409,
    );
    expect((await b.ok<{ total: number }>('GET', '/v1/partners/pa/projects')).total).toBe(0);
  });
});

describe('a lost callback', () => {
  it('the member answers while the owner is down; the owner queries the status', async () => {
    const p = await a.ok<Project>('POST', '/v1/projects', { name: 'outage drill', type: 'other' });
    const q = await a.ok<Project>('POST', '/v1/projects', { name: 'outage drill 2' });
    await a.ok('POST', `/v1/projects/${enc(p.id)}/members`, { node: 'pb' });
    await a.ok('POST', `/v1/projects/${enc(q.id)}/members`, { node: 'pb' });

    await a.node.close(); // the owner goes down between the invitation and the answer
    const answered = await b.ok<Project>('POST', `/v1/projects/${enc(p.id)}/accept`);
    expect(answered.membership).toBe('accepted');
    expect(answered.syncError).toMatch(/callback to the owner failed/);
    await b.ok('POST', `/v1/projects/${enc(q.id)}/reject`, { reason: 'not now' });

    await restart(a);
    // A retried invitation learns the answer whose callback was lost (and keeps it on pb).
    const retried = await a.ok<Project>('POST', `/v1/projects/${enc(q.id)}/members`, {
      node: 'pb',
    });
    expect(member(retried, 'pb')).toMatchObject({ status: 'rejected', reason: 'not now' });
    expect((await b.ok<Project>('GET', `/v1/projects/${enc(q.id)}`)).membership).toBe('rejected');
    const before = await a.ok<Project>('GET', `/v1/projects/${enc(p.id)}`);
    expect(member(before, 'pb')?.status).toBe('invited'); // the callback never arrived
    const synced = await a.ok<{ status: string; remote: { status: string } }>(
      'POST',
      `/v1/projects/${enc(p.id)}/members/pb/sync`,
    );
    expect(synced).toMatchObject({ status: 'accepted', remote: { status: 'accepted' } });
    expect(member(await a.ok<Project>('GET', `/v1/projects/${enc(p.id)}`), 'pb')?.status).toBe(
      'accepted',
    );
    // Answering again re-sends the callback, which now arrives and clears the error.
    expect((await b.ok<Project>('POST', `/v1/projects/${enc(p.id)}/accept`)).syncError).toBeNull();
  });
});
