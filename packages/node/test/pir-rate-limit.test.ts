/**
 * The online PIR partner routes are rate-limited per partner (`pir.partnerRequestsPerSecond`):
 * a partner past the limit is refused 429 RATE_LIMITED naming it and the setting, and another
 * partner keeps its own budget. Three in-process nodes over real mutual TLS; the host allows one
 * PIR request a second.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestNodes, type TestNode } from './nodes.js';

const t = new TestNodes();
let guest: TestNode;
let other: TestNode;

beforeAll(async () => {
  await t.start('host', { config: { pir: { partnerRequestsPerSecond: 1 } } });
  guest = await t.start('guest');
  other = await t.start('other');
  await t.contractAll();
}, 120_000);
afterAll(() => t.close());

/** One evaluation request with `from`'s own certificate; resolves with the refusal. */
async function evaluate(from: TestNode): Promise<Record<string, unknown>> {
  const s = from.node.services;
  const peer = await s.contracts.peerApi('host');
  const err = await s.peers
    .call(peer, 'POST', '/v1/interconn/pir/evaluate', {
      dataset: 'no-such-dataset',
      tableId: 'x',
      points: [Buffer.alloc(32, 9).toString('base64')],
    })
    .then(
      () => undefined,
      (e: { details?: Record<string, unknown>; message: string }) => ({
        ...e.details,
        message: e.message,
      }),
    );
  // Nothing is enabled: every request that passes the limit is refused as not found.
  expect(err).toBeDefined();
  return err!;
}

it('refuses a partner past its limit with 429 naming it; another partner keeps its own budget', async () => {
  const burst = await Promise.all(Array.from({ length: 10 }, () => evaluate(guest)));
  const limited = burst.filter((e) => e['peerCode'] === 'RATE_LIMITED');
  expect(limited.length).toBeGreaterThanOrEqual(1);
  expect(String(limited[0]!['message'])).toContain("partner 'guest'");
  expect(String(limited[0]!['message'])).toContain('pir.partnerRequestsPerSecond');
  for (const e of burst) expect(['RATE_LIMITED', 'NOT_FOUND']).toContain(e['peerCode']);
  const theirs = await evaluate(other);
  expect(theirs['peerCode']).toBe('NOT_FOUND');
});
