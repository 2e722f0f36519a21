/**
 * The data-plane mailbox of a node run as several processes (cluster/db-mailbox.ts), on
 * PostgreSQL: each mailbox below has its own store (its own connection pool and LISTEN
 * connection), as two processes of one node would.
 * - a payload pushed through one is received through the other, whatever the order of its
 *   chunks, and a receive waiting before the push is woken;
 * - retried pushes (of a chunk, or of a payload already taken) are ignored;
 * - the in-memory mailbox's refusals and limits hold across processes;
 * - nothing acknowledged is lost when the receiving process restarts;
 * - closing the session aborts a receive waiting in another process; an incomplete payload is
 *   dropped after its deadline.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelAbortedError, DeliveryError, type Envelope } from '@fedgrid/federation';
import { openStore, dropStoreSchema, type Store } from '../dist/storage/db.js';
import { DbMailbox } from '../dist/cluster/db-mailbox.js';
import { TEST_DATABASE_URL } from './nodes.js';

const log = pino({ level: 'silent' });
const url = TEST_DATABASE_URL as string;

const parties = { guest: 'bank', host: 'shop' };
const options = {
  localParties: ['guest'],
  allowSender: () => true,
  partyNodes: parties,
};

function env(session: string, tag: string, seq: number, total: number, data: number[]): Envelope {
  return { session, tag, src: 'host', dst: 'guest', seq, total, data: Uint8Array.from(data) };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as DeliveryError).code ?? (err as Error).name;
  }
  return 'resolved';
}

describe.skipIf(!TEST_DATABASE_URL)('store-backed data-plane mailbox', () => {
  const root = mkdtempSync(join(tmpdir(), 'fedgrid-db-mailbox-'));
  const schema = `fedgrid_test_${randomBytes(4).toString('hex')}_mailbox`;
  const stores: Store[] = [];
  const boxes: DbMailbox[] = [];
  async function process(limits: ConstructorParameters<typeof DbMailbox>[0]['limits'] = {}) {
    const store = await openStore({
      dataDir: root,
      databaseUrl: url,
      databaseSchema: schema,
      lock: 'shared',
    });
    stores.push(store);
    // A long poll: a waiting receive must be woken by the notification.
    const box = new DbMailbox({
      db: store.db,
      databaseUrl: url,
      schema,
      limits,
      pollMs: 60_000,
      log,
    });
    await box.start();
    boxes.push(box);
    return { store, box };
  }
  let a: DbMailbox;
  let b: DbMailbox;
  beforeAll(async () => {
    a = (await process()).box;
    b = (await process()).box;
  });
  afterAll(async () => {
    for (const x of boxes) await x.close();
    for (const s of stores) await s.close();
    await dropStoreSchema(url, schema);
    rmSync(root, { recursive: true, force: true });
  });

  it('a payload pushed through one process is received through another; retries are ignored', async () => {
    await a.openSession('s1', options);
    // Chunks out of order, one pushed twice.
    await a.deliver(env('s1', 't', 2, 3, [5, 6]), 'shop');
    await a.deliver(env('s1', 't', 0, 3, [1, 2]), 'shop');
    await a.deliver(env('s1', 't', 0, 3, [1, 2]), 'shop');
    await a.deliver(env('s1', 't', 1, 3, [3, 4]), 'shop');
    expect([...(await b.take('s1', 't', 'host', 'guest'))]).toEqual([1, 2, 3, 4, 5, 6]);
    // A retried push of a payload already taken is acknowledged and kept nowhere.
    await a.deliver(env('s1', 't', 1, 3, [3, 4]), 'shop');
    await a.expireIncomplete();
    expect(a.usage().bytes).toBe(0);
    // Waiting first: woken by the notification of the push made in the other process.
    const waiting = b.take('s1', 'later', 'host', 'guest');
    await a.deliver(env('s1', 'later', 0, 1, [9]), 'shop');
    expect([...(await waiting)]).toEqual([9]);
    await a.closeSession('s1');
  });

  it('refuses what the in-memory mailbox refuses, across processes', async () => {
    expect(await code(a.deliver(env('nope', 't', 0, 1, [1]), 'shop'))).toBe('ERR_UNKNOWN_SESSION');
    await a.openSession('s2', { ...options, maxBufferedBytes: 10 });
    expect(await code(a.deliver(env('s2', 't', 0, 1, [1]), 'bank'))).toBe('ERR_SENDER_NOT_ALLOWED');
    expect(await code(a.deliver({ ...env('s2', 't', 0, 1, [1]), dst: 'host' }, 'shop'))).toBe(
      'ERR_BAD_ENVELOPE',
    );
    expect(await code(a.deliver(env('s2', 't', 1, 1, [1]), 'shop'))).toBe('ERR_BAD_ENVELOPE');
    // The session's 10 bytes, filled through one process, are full for the other.
    await a.deliver(env('s2', 'x', 0, 2, [1, 2, 3, 4, 5, 6]), 'shop');
    expect(await code(b.deliver(env('s2', 'y', 0, 1, [1, 2, 3, 4, 5]), 'shop'))).toBe(
      'ERR_BUFFER_FULL',
    );
    expect(await code(b.deliver(env('s2', 'x', 0, 3, [1]), 'shop'))).toBe('ERR_BAD_ENVELOPE');
    await b.deliver(env('s2', 'y', 0, 1, [1, 2, 3, 4]), 'shop');
    await a.closeSession('s2');
    expect(await code(b.take('s2', 'y', 'host', 'guest'))).toBe('ERR_UNKNOWN_SESSION');
  });

  it('limits per partner and per node hold over the sessions of several processes', async () => {
    const { box: c } = await process({ maxSenderBytes: 8, maxChunkBytes: 6 });
    await c.openSession('s3', options);
    await c.openSession('s4', options);
    expect(await code(c.deliver(env('s3', 't', 0, 1, [1, 2, 3, 4, 5, 6, 7]), 'shop'))).toBe(
      'ERR_PAYLOAD_TOO_LARGE',
    );
    await a.deliver(env('s3', 't', 0, 1, [1, 2, 3, 4, 5]), 'shop');
    // 5 bytes of 'shop' are buffered (pushed through another process): 4 more would pass 8.
    expect(await code(c.deliver(env('s4', 't', 0, 1, [1, 2, 3, 4]), 'shop'))).toBe(
      'ERR_BUFFER_FULL',
    );
    await b.take('s3', 't', 'host', 'guest');
    await c.deliver(env('s4', 't', 0, 1, [1, 2, 3, 4]), 'shop');
    await c.closeSession('s3');
    await c.closeSession('s4');
  });

  it('loses nothing acknowledged when the receiving process restarts', async () => {
    const receiver = await process();
    await a.openSession('s5', options);
    // The receiver waits, then dies before the payload arrives.
    const waiting = code(receiver.box.take('s5', 'p', 'host', 'guest'));
    await receiver.box.close();
    await receiver.store.close();
    expect(await waiting).toBe('ERR_CHANNEL_ABORTED');
    await a.deliver(env('s5', 'p', 0, 2, [1]), 'shop');
    await a.deliver(env('s5', 'p', 1, 2, [2]), 'shop');
    // Its successor receives what was acknowledged while no receiver ran.
    const successor = await process();
    expect([...(await successor.box.take('s5', 'p', 'host', 'guest'))]).toEqual([1, 2]);
    await a.closeSession('s5');
  });

  it('closing a session aborts a receive waiting in another process', async () => {
    await a.openSession('s6', options);
    let failure: unknown;
    const waiting = b.take('s6', 'never', 'host', 'guest').catch((err: unknown) => {
      failure = err;
    });
    await a.deliver(env('s6', 'other', 0, 1, [1]), 'shop');
    await a.closeSession('s6', 'job stopped');
    await waiting;
    expect(failure).toBeInstanceOf(ChannelAbortedError);
  });

  it('drops an incomplete payload after its deadline; its receive and later chunks fail', async () => {
    const { box: d } = await process({ incompleteTimeoutMs: 50 });
    await d.openSession('s7', options);
    await d.deliver(env('s7', 'half', 0, 2, [1]), 'shop');
    // The sweep of `d` drops it and its notification wakes the receive waiting in `b`.
    expect(await code(b.take('s7', 'half', 'host', 'guest'))).toBe('ERR_PAYLOAD_EXPIRED');
    expect(await code(d.deliver(env('s7', 'half', 1, 2, [2]), 'shop'))).toBe('ERR_PAYLOAD_EXPIRED');
    await d.closeSession('s7');
  });
});
