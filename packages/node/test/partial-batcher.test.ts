/**
 * The guest's batching of concurrent partial requests to one host (serving/partial-batcher.ts),
 * with a fake host: predictions that arrive while the calls in flight are busy go together in the
 * next call, each gets exactly its own ids' partials, a failed call fails every prediction of its
 * batch naming the host, a waiting prediction fails at its own deadline, and other model parts
 * (another deployment) are batched separately and unaffected.
 */
import { describe, expect, it } from 'vitest';
import type { PinnedApi } from '../src/peers/peer-client.js';
import { PartialBatcher } from '../src/serving/partial-batcher.js';
import type { PartialRequest, PartialResponse } from '../src/serving/serving-client.js';

const peer = { nodeId: 'host', fingerprint: 'f', certPem: '', apiUrl: 'https://h' } as PinnedApi;

/** A host whose calls are answered (or failed) only when the test says so. */
function fakeHost() {
  const calls: { body: PartialRequest; answer: () => void; fail: (e: Error) => void }[] = [];
  const send = (_p: PinnedApi, _party: string, body: PartialRequest) =>
    new Promise<PartialResponse>((resolve, reject) => {
      calls.push({
        body,
        answer: () =>
          resolve({
            partials: body.ids.map((id) =>
              id.startsWith('missing') ? { id, found: false } : { id, partial: { u: `p(${id})` } },
            ),
          }),
        fail: reject,
      });
    });
  return { calls, send };
}

const part = { job: 'j', task: 'train' };
const tick = () => new Promise((r) => setImmediate(r));

describe('PartialBatcher', () => {
  it('sends at once below the limit, batches what arrives while calls are busy, answers each its own ids', async () => {
    const h = fakeHost();
    const b = new PartialBatcher(h.send, { maxIds: 100, maxInFlight: 2 });
    const p1 = b.partials(peer, 'host-0', part, ['a'], 60_000);
    const p2 = b.partials(peer, 'host-0', part, ['b'], 60_000);
    const p3 = b.partials(peer, 'host-0', part, ['c', 'missing1'], 60_000);
    const p4 = b.partials(peer, 'host-0', part, ['d', 'a'], 60_000);
    await tick();
    expect(h.calls.map((c) => c.body.ids)).toEqual([['a'], ['b']]);
    h.calls[0]!.answer();
    expect(await p1).toEqual(new Map([['a', { u: 'p(a)' }]]));
    await tick();
    // p3 and p4 waited and go together, each id once.
    expect(h.calls[2]!.body).toEqual({ job: 'j', task: 'train', ids: ['c', 'missing1', 'd', 'a'] });
    h.calls[1]!.answer();
    h.calls[2]!.answer();
    expect(await p2).toEqual(new Map([['b', { u: 'p(b)' }]]));
    expect(await p3).toEqual(
      new Map<string, unknown>([
        ['c', { u: 'p(c)' }],
        ['missing1', null],
      ]),
    );
    expect(await p4).toEqual(
      new Map([
        ['d', { u: 'p(d)' }],
        ['a', { u: 'p(a)' }],
      ]),
    );
  });

  it('a failed call fails every prediction of its batch; a waiting one fails at its own deadline naming the host', async () => {
    const h = fakeHost();
    const b = new PartialBatcher(h.send, { maxIds: 100, maxInFlight: 1 });
    const first = b.partials(peer, 'host-0', part, ['a'], 60_000);
    // Its rejection is observed at once (it may come before the assertion below is reached).
    const waiting = b.partials(peer, 'host-0', part, ['b'], 1).catch((e: unknown) => e);
    // Another model part (another deployment) has its own lane.
    const other = b.partials(peer, 'host-0', { job: 'k', task: 'train' }, ['z'], 60_000);
    await tick();
    expect(h.calls.map((c) => c.body.job)).toEqual(['j', 'k']);
    expect(await waiting).toMatchObject({
      code: 'SERVING_HOST_FAILED',
      message: expect.stringContaining(
        "host node 'host' (party host-0) did not answer within 1 ms",
      ),
    });
    h.calls[0]!.fail(new Error('refused: GRANT_REVOKED'));
    await expect(first).rejects.toThrow('GRANT_REVOKED');
    h.calls[1]!.answer();
    expect(await other).toEqual(new Map([['z', { u: 'p(z)' }]]));
    // The expired prediction was not sent afterwards.
    await tick();
    expect(h.calls.length).toBe(2);
  });

  it('a host answering the wrong number of partials fails the batch naming it', async () => {
    const b = new PartialBatcher(async () => ({ partials: [] }), { maxIds: 100 });
    await expect(b.partials(peer, 'host-0', part, ['a'], 60_000)).rejects.toMatchObject({
      code: 'SERVING_HOST_FAILED',
      message: expect.stringContaining(
        "host node 'host' (party host-0) answered 0 partials for 1 ids",
      ),
    });
  });
});
