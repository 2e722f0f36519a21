/**
 * The general per-partner rate limit on `/v1/interconn/*` (`partnerLimits.requestsPerMinute`,
 * default 1200). Three in-process nodes over real mutual TLS, all on the default limits:
 *
 * - a normal two-party job between guest and host (ECDH-PSI then SecureBoost: two tasks,
 *   Paillier, several rounds)
 *   succeeds, and the number of partner calls it makes in each direction is measured (the
 *   default is chosen far above it);
 * - a hostile contracted partner ("mallory") floods the host with its own certificate: past the
 *   limit it gets 429 RATE_LIMITED naming the limit, with Retry-After; its refused calls are
 *   counted in /metrics and write no audit event (not even the state-changing ones);
 * - meanwhile the guest's partner calls, a second two-party job and the host's local admin API
 *   are unaffected.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JobView } from '@fedgrid/node';
import { TestNodes, type TestNode } from './nodes.js';

const t = new TestNodes();
let guest: TestNode;
let host: TestNode;
let mallory: TestNode;
let dir: string;
let gds: string;
let hds: string;
const DEFAULT_LIMIT = 1200;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

const agents = new Map<string, Agent>();
/** One partner call from `from` to `to` with `from`'s own certificate (keep-alive connections). */
function partnerCall(
  from: TestNode,
  to: TestNode,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer> {
  const identity = from.node.services.identity;
  let agent = agents.get(from.id);
  if (!agent) {
    agent = new Agent({
      keepAlive: true,
      maxSockets: 16,
      key: identity.keyPem,
      cert: identity.certPem,
      rejectUnauthorized: false,
    });
    agents.set(from.id, agent);
  }
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      new URL(path, to.node.apiUrl),
      {
        method,
        agent,
        headers: payload ? { 'content-type': 'application/json' } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
          });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** `/metrics` as `name{labels}` → value. */
async function scrape(n: TestNode): Promise<Map<string, number>> {
  const r = await n.node.app.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: `Bearer ${n.token}` },
  });
  expect(r.statusCode).toBe(200);
  const out = new Map<string, number>();
  for (const line of r.body.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** Partner requests a node has answered so far (every `/v1/interconn/*` route and status). */
async function interconnRequests(n: TestNode): Promise<number> {
  let sum = 0;
  for (const [k, v] of await scrape(n))
    if (k.startsWith('fedgrid_http_requests_total{') && k.includes('route="/v1/interconn/'))
      sum += v;
  return sum;
}

/** Audit events on `n` whose actor is `actor`. */
async function auditCount(n: TestNode, actor: string): Promise<number> {
  const rows = await n.node.services.store.db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('actor_id', '=', actor)
    .executeTakeFirstOrThrow();
  return Number(rows.n);
}

async function runJob(): Promise<JobView> {
  const j = await guest.ok<JobView>('POST', '/v1/jobs', {
    parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }] },
    datasets: { guest: gds, 'host-0': hds },
    tasks: [
      { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
      {
        name: 'train',
        component: 'secureboost',
        inputs: { data: 'psi.data' },
        params: { trees: 2, maxDepth: 2, bins: 16, objective: 'binary' },
      },
    ],
  });
  for (const end = Date.now() + 120_000; ;) {
    const v = await guest.ok<JobView>('GET', `/v1/jobs/${j.id}`);
    if (['succeeded', 'failed', 'stopped'].includes(v.status)) return v;
    if (Date.now() > end) throw new Error(`job ${j.id} is still ${v.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fedgrid-partner-limits-'));
  const g = ['id,y,a'];
  const h = ['id,b'];
  for (let i = 0; i < 300; i++) {
    g.push(`u${i},${i % 2},${(i % 7) / 7}`);
    if (i % 3 !== 0) h.push(`u${i},${(i % 5) / 5}`);
  }
  await writeFile(join(dir, 'g.csv'), g.join('\n') + '\n');
  await writeFile(join(dir, 'h.csv'), h.join('\n') + '\n');
  [guest, host, mallory] = await Promise.all([
    t.start('guest'),
    t.start('host'),
    t.start('mallory'),
  ]);
  await t.contractAll();
  await t.permitAdhoc(host, 'guest', ['psi-ecdh', 'secureboost']);
  gds = (
    await guest.ok<{ id: string }>('POST', '/v1/datasets', {
      name: 'g',
      path: join(dir, 'g.csv'),
      labelColumn: 'y',
    })
  ).id;
  hds = (
    await host.ok<{ id: string }>('POST', '/v1/datasets', { name: 'h', path: join(dir, 'h.csv') })
  ).id;
  await host.ok('POST', '/v1/grants', { dataset: hds, grantee: 'guest' });
  expect(host.node.services.config.config.partnerLimits.requestsPerMinute).toBe(DEFAULT_LIMIT);
}, 180_000);
afterAll(async () => {
  for (const a of agents.values()) a.destroy();
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

it('a normal two-party job (PSI, SecureBoost) makes a small fraction of the default budget of partner calls', async () => {
  const before = [await interconnRequests(host), await interconnRequests(guest)];
  const started = Date.now();
  const v = await runJob();
  const seconds = (Date.now() - started) / 1000;
  expect({ status: v.status, error: v.error }).toEqual({ status: 'succeeded', error: null });
  const toHost = (await interconnRequests(host)) - before[0]!;
  const toGuest = (await interconnRequests(guest)) - before[1]!;
  // The numbers docs/OPERATIONS.md quotes ("Partner rate limits").
  console.log(
    `partner calls of one PSI + SecureBoost job (${seconds.toFixed(1)} s): guest→host ${toHost}, host→guest ${toGuest}`,
  );
  expect(toHost).toBeGreaterThan(0);
  // A whole job (however long it ran) is under a twentieth of one minute's budget, both ways.
  expect(toHost).toBeLessThan(DEFAULT_LIMIT / 20);
  expect(toGuest).toBeLessThan(DEFAULT_LIMIT / 20);
}, 180_000);

it('a flooding partner gets 429 naming the limit, unaudited and counted; others and the admin API are unaffected', async () => {
  const auditBefore = await auditCount(host, 'mallory');
  // The flood: health checks in batches of 50 until the first refusal (at most three budgets).
  let accepted = 0;
  let refused: Answer | undefined;
  while (!refused && accepted < 3 * DEFAULT_LIMIT) {
    const batch = await Promise.all(
      Array.from({ length: 50 }, () => partnerCall(mallory, host, 'GET', '/v1/interconn/health')),
    );
    accepted += batch.filter((a) => a.status === 200).length;
    refused = batch.find((a) => a.status === 429);
    for (const a of batch) expect([200, 429]).toContain(a.status);
  }
  expect(refused).toBeDefined();
  // At least one whole budget passed first (more only if the flood outlasted its minute).
  expect(accepted).toBeGreaterThanOrEqual(DEFAULT_LIMIT);
  expect(refused!.body).toMatchObject({
    code: 'RATE_LIMITED',
    details: {
      partner: 'mallory',
      limit: DEFAULT_LIMIT,
      limitName: 'partnerLimits.requestsPerMinute',
    },
  });
  expect(String(refused!.body['message'])).toMatch(
    /partner 'mallory' sent more than 1200 requests a minute to node 'host' \(partnerLimits\.requestsPerMinute\); retry in \d+ s/,
  );
  const retryAfter = Number(refused!.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(refused!.headers['x-ratelimit-limit']).toBe(String(DEFAULT_LIMIT));

  // State-changing partner calls are refused too — before any work, and without an audit event
  // each (the health checks above were never audited; these would have been).
  for (let i = 0; i < 20; i++) {
    const a = await partnerCall(mallory, host, 'POST', '/v1/interconn/audit/checkpoints', {
      junk: i,
    });
    expect(a.status).toBe(429);
  }
  expect(await auditCount(host, 'mallory')).toBe(auditBefore);
  const m = await scrape(host);
  const counted =
    m.get(
      'fedgrid_partner_rate_limited_total{partner="mallory",limit="partnerLimits.requestsPerMinute"}',
    ) ?? 0;
  expect(counted).toBeGreaterThanOrEqual(21);

  // The other partner keeps its own budget, and the host's own admin API has none of this.
  expect((await partnerCall(guest, host, 'GET', '/v1/interconn/health')).status).toBe(200);
  expect((await host.call('GET', '/v1/node')).status).toBe(200);
  // A whole second job between guest and host still runs while mallory is held off.
  expect((await runJob()).status).toBe('succeeded');
}, 300_000);
