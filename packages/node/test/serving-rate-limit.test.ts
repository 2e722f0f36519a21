/**
 * The host's partial route is rate-limited per partner (`serving.partnerRequestsPerSecond`):
 * a partner that sends more than the limit within a second is refused 429 RATE_LIMITED naming
 * it, and another partner's requests are not counted against it (each has its own budget). Three
 * in-process nodes over real mutual TLS; the host allows 1 partial request a second.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestNodes, type TestNode } from './nodes.js';

const t = new TestNodes();
let guest: TestNode;
let other: TestNode;

beforeAll(async () => {
  await t.start('host', { config: { serving: { partnerRequestsPerSecond: 1 } } });
  guest = await t.start('guest');
  other = await t.start('other');
  await t.contractAll();
}, 120_000);
afterAll(() => t.close());

/** One partial request with `from`'s own certificate; resolves with the refusal's details. */
async function partial(from: TestNode): Promise<Record<string, unknown>> {
  const s = from.node.services;
  const peer = await s.contracts.peerApi('host');
  const err = await s.peers
    .call(peer, 'POST', '/v1/interconn/serving/partial', {
      job: 'no-such-job',
      task: 'train',
      ids: ['u1'],
    })
    .then(
      () => undefined,
      (e: { details?: Record<string, unknown>; message: string }) => ({
        ...e.details,
        message: e.message,
      }),
    );
  // Nothing is deployed: every request that passes the limit is refused as not found.
  expect(err).toBeDefined();
  return err!;
}

it('refuses a partner past its limit with 429 naming it; another partner keeps its own budget', async () => {
  // Ten at once: at most one a second passes, so at least nine are refused by the limit.
  const burst = await Promise.all(Array.from({ length: 10 }, () => partial(guest)));
  const limited = burst.filter((e) => e['peerCode'] === 'RATE_LIMITED');
  expect(limited.length).toBeGreaterThanOrEqual(1);
  expect(String(limited[0]!['message'])).toContain("partner 'guest'");
  expect(String(limited[0]!['message'])).toContain('serving.partnerRequestsPerSecond');
  for (const e of burst) expect(['RATE_LIMITED', 'NOT_FOUND']).toContain(e['peerCode']);
  // The other partner was not counted with the guest: its request reaches the route.
  const theirs = await partial(other);
  expect(theirs['peerCode']).toBe('NOT_FOUND');
});
