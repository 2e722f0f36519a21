/** The in-process test nodes themselves: contracts between three nodes and partner calls over mTLS. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestNodes } from './nodes.js';

const t = new TestNodes();
beforeAll(async () => {
  await Promise.all(['a', 'b', 'c'].map((id) => t.start(id)));
  await t.contractAll();
});
afterAll(() => t.close());

it('every pair of nodes holds an active contract and reaches the other', async () => {
  for (const n of t.nodes) {
    const { items } = await n.ok<{
      items: { id: string; status: string; peer: { nodeId: string } }[];
    }>('GET', '/v1/contracts');
    expect(items.map((c) => c.peer.nodeId).sort()).toEqual(
      t.nodes
        .filter((m) => m !== n)
        .map((m) => m.id)
        .sort(),
    );
    for (const c of items) {
      expect(c.status).toBe('active');
      expect(await n.ok('POST', `/v1/contracts/${c.id}/health`)).toMatchObject({ status: 'ok' });
    }
  }
});
