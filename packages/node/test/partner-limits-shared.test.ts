/**
 * The per-partner rate limit of a node run as several processes (issue 16 item 6), on
 * PostgreSQL: two API server instances, each with its own store connection pool over one
 * database schema (as two replicas have), count a partner's `/v1/interconn/*` calls together in
 * `partner_rate_limits` (migration 0029). Fired at both at once, the partner gets exactly
 * `partnerLimits.requestsPerMinute` calls in total, then 429 RATE_LIMITED naming the limit with
 * `retry-after`; another partner keeps its own budget; a window's count starts again once the
 * window has passed (database time). The same two instances counting in memory (one process's
 * counters, as before) give the partner twice the budget: the check can fail.
 *
 * The instances are the node's real rate-limit plugin and partner-limit hook on a Fastify app
 * whose partner is named by a header in place of the TLS authentication (partner-limits.test.ts
 * covers that path over real mutual TLS in one process).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {} from '../dist/server/auth.js';
import { openStore, dropStoreSchema, type Store } from '../dist/storage/db.js';
import { registerErrorHandler } from '../dist/server/errors.js';
import { registerPartnerLimits } from '../dist/server/partner-limits.js';
import { PgPartnerRateCounter } from '../dist/server/partner-rate-counter.js';
import { NodeMetrics } from '../dist/observability/metrics.js';
import { TEST_DATABASE_URL } from './nodes.js';

const url = TEST_DATABASE_URL as string;
const BUDGET = 20;

/** One API server instance of node 'host' with the partner limit on `store` (or in memory). */
async function instance(store: Store | undefined): Promise<FastifyInstance> {
  const app = Fastify();
  registerErrorHandler(app);
  await app.register(rateLimit, { global: false });
  // In place of the TLS authentication (auth.ts): the partner the contract pins.
  app.addHook('onRequest', async (req) => {
    const p = req.headers['x-partner'];
    if (typeof p === 'string') req.peerNodeId = p;
  });
  registerPartnerLimits(app, {
    requestsPerMinute: BUDGET,
    nodeId: 'host',
    metrics: new NodeMetrics({ version: 'test', storage: store ? 'postgres' : 'memory' }),
    ...(store ? { shared: new PgPartnerRateCounter(store.db) } : {}),
  });
  app.get('/v1/interconn/ping', { config: { permission: 'interconn:node' } }, async () => ({
    ok: true,
  }));
  await app.ready();
  return app;
}

const call = (app: FastifyInstance, partner: string) =>
  app.inject({ method: 'GET', url: '/v1/interconn/ping', headers: { 'x-partner': partner } });

/**
 * `n` calls of `partner`, alternating between the instances: all at once, or one after another
 * (`inTurn`).
 */
async function burst(apps: FastifyInstance[], partner: string, n: number, inTurn = false) {
  const at = (i: number) => call(apps[i % apps.length]!, partner);
  const answers: Awaited<ReturnType<typeof at>>[] = [];
  if (inTurn) for (let i = 0; i < n; i++) answers.push(await at(i));
  else answers.push(...(await Promise.all(Array.from({ length: n }, (_, i) => at(i)))));
  return {
    ok: answers.filter((a) => a.statusCode === 200).length,
    refused: answers.filter((a) => a.statusCode === 429).length,
    byInstance: apps.map(
      (_, k) => answers.filter((a, i) => i % apps.length === k && a.statusCode === 200).length,
    ),
  };
}

describe.skipIf(!TEST_DATABASE_URL)('partner rate limit shared by a node’s processes', () => {
  const root = mkdtempSync(join(tmpdir(), 'fedgrid-partner-limits-'));
  const schema = `fedgrid_test_${randomBytes(4).toString('hex')}_rate`;
  const stores: Store[] = [];
  const apps: FastifyInstance[] = [];

  beforeAll(async () => {
    // Two pools over one schema, each holding the replicas' shared lock: two replicas' stores.
    for (let i = 0; i < 2; i++)
      stores.push(
        await openStore({
          dataDir: root,
          databaseUrl: url,
          databaseSchema: schema,
          lock: 'shared',
        }),
      );
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
    for (const s of stores) await s.close();
    await dropStoreSchema(url, schema);
    rmSync(root, { recursive: true, force: true });
  });

  it('gives a partner exactly its budget over two instances, then 429; another partner keeps its own', async () => {
    const [a, b] = [await instance(stores[0]), await instance(stores[1])];
    apps.push(a, b);
    const first = await burst([a, b], 'mallory', BUDGET + 10);
    expect(first.ok).toBe(BUDGET);
    expect(first.refused).toBe(10);
    // Both instances answered some of them: the budget was shared, not one instance's.
    expect(first.byInstance.every((n) => n > 0)).toBe(true);

    for (const app of [a, b]) {
      const r = await call(app, 'mallory');
      expect(r.statusCode).toBe(429);
      expect(r.json()).toMatchObject({
        code: 'RATE_LIMITED',
        details: {
          partner: 'mallory',
          limit: BUDGET,
          limitName: 'partnerLimits.requestsPerMinute',
        },
      });
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      expect(r.headers['x-ratelimit-remaining']).toBe('0');
    }

    // Another partner: its own budget, whole.
    const other = await burst([a, b], 'guest', BUDGET);
    expect(other.ok).toBe(BUDGET);
    const ok = await call(b, 'guest');
    expect(ok.statusCode).toBe(429);

    // One row per partner; the refused calls counted too.
    const rows = await sql<{ key: string; count: string }>`
      select key, count from partner_rate_limits order by key`.execute(stores[0]!.db);
    expect(rows.rows.map((r) => [r.key, Number(r.count)])).toEqual([
      ['interconn:guest', BUDGET + 1],
      ['interconn:mallory', BUDGET + 12],
    ]);
  });

  it('starts a new window once the old one has passed (database time)', async () => {
    const [c1, c2] = stores.map((s) => new PgPartnerRateCounter(s.db));
    const key = `interconn:window-${randomBytes(4).toString('hex')}`;
    expect((await c1!.incr(key, 500)).current).toBe(1);
    const second = await c2!.incr(key, 500);
    expect(second.current).toBe(2);
    expect(second.ttl).toBeLessThanOrEqual(500);
    // However late this wakes, the window it waited for is over.
    await new Promise((r) => setTimeout(r, second.ttl + 1));
    const third = await c1!.incr(key, 500);
    expect(third.current).toBe(1);
    expect(third.ttl).toBeGreaterThan(0);
  });

  it('counting in each instance’s memory instead gives the partner twice the budget (the check above can fail)', async () => {
    const [a, b] = [await instance(undefined), await instance(undefined)];
    apps.push(a, b);
    // One after another: @fastify/rate-limit's in-memory store (11.2) hands every call counted in
    // the same tick the same counter object, so calls fired all at once would all read the final
    // count and be refused together.
    const r = await burst([a, b], 'mallory', 2 * BUDGET + 10, true);
    expect(r.ok).toBe(2 * BUDGET);
  });
});
