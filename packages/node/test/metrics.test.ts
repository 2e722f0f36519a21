/**
 * Observability (issue 16 item 4): `GET /metrics` in Prometheus format after a real two-party
 * PSI job between in-process nodes over mutual TLS — requests by route and status, jobs and
 * tasks by status, the scheduler queue, data-plane bytes per partner (what one side sent equals
 * what the other accepted), process metrics; who may read it (the admin token, a `metrics:read`
 * API token; not a user without it, not an anonymous caller, not a contracted partner with its
 * own certificate); liveness and readiness; a partner's malformed trace context is ignored.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JobView } from '@fedgrid/node';
import { TestNodes, type TestNode } from './nodes.js';

const t = new TestNodes();
let guest: TestNode;
let host: TestNode;
let dir: string;
let jobId: string;

/** Parses the text exposition into `name{labels}` → value (labels in their printed order). */
function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

/** The sum of every series of `name` whose labels include all of `labels`. */
function value(series: Map<string, number>, name: string, labels: Record<string, string> = {}) {
  let sum = 0;
  let found = false;
  for (const [k, v] of series) {
    const base = k.includes('{') ? k.slice(0, k.indexOf('{')) : k;
    if (base !== name) continue;
    if (!Object.entries(labels).every(([l, x]) => k.includes(`${l}="${x}"`))) continue;
    sum += v;
    found = true;
  }
  return found ? sum : undefined;
}

async function scrape(n: TestNode): Promise<Map<string, number>> {
  const r = await n.node.app.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: `Bearer ${adminToken(n)}` },
  });
  expect(r.statusCode).toBe(200);
  expect(r.headers['content-type']).toContain('text/plain; version=0.0.4');
  return parseExposition(r.body);
}

const tokens = new Map<string, string>();
function adminToken(n: TestNode): string {
  return tokens.get(n.id) as string;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fedgrid-metrics-'));
  const g = ['id,y,a'];
  const h = ['id,b'];
  for (let i = 0; i < 60; i++) {
    g.push(`u${i},${i % 2},${(i % 7) / 7}`);
    if (i % 3 !== 0) h.push(`u${i},${(i % 5) / 5}`);
  }
  await writeFile(join(dir, 'g.csv'), g.join('\n') + '\n');
  await writeFile(join(dir, 'h.csv'), h.join('\n') + '\n');
  [guest, host] = await Promise.all([t.start('guest'), t.start('host')]);
  for (const n of [guest, host]) {
    const { readFile } = await import('node:fs/promises');
    tokens.set(n.id, (await readFile(n.node.config.paths.adminToken, 'utf8')).trim());
  }
  await t.contractAll();
  await t.permitAll();
  const gds = (
    await guest.ok<{ id: string }>('POST', '/v1/datasets', {
      name: 'g',
      path: join(dir, 'g.csv'),
      labelColumn: 'y',
    })
  ).id;
  const hds = (
    await host.ok<{ id: string }>('POST', '/v1/datasets', { name: 'h', path: join(dir, 'h.csv') })
  ).id;
  await host.ok('POST', '/v1/grants', { dataset: hds, grantee: 'guest' });
  const j = await guest.ok<JobView>('POST', '/v1/jobs', {
    parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }] },
    datasets: { guest: gds, 'host-0': hds },
    tasks: [{ name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } }],
  });
  jobId = j.id;
  const end = Date.now() + 120_000;
  for (;;) {
    const v = await guest.ok<JobView>('GET', `/v1/jobs/${j.id}`);
    if (['succeeded', 'failed', 'stopped'].includes(v.status)) {
      expect(v.status).toBe('succeeded');
      break;
    }
    if (Date.now() > end) throw new Error(`job ${j.id} is still ${v.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 180_000);
afterAll(async () => {
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

it('counts the job, its tasks, its REST calls and its data-plane bytes per partner on both sides', async () => {
  // The job's slot is given back just after its status is written: wait for that.
  let g = await scrape(guest);
  for (const end = Date.now() + 60_000; value(g, 'fedgrid_scheduler_running_jobs') !== 0;) {
    if (Date.now() > end) throw new Error('the finished job still holds its slot');
    await new Promise((r) => setTimeout(r, 100));
    g = await scrape(guest);
  }
  const h = await scrape(host);
  expect(value(g, 'fedgrid_jobs', { status: 'succeeded' })).toBeGreaterThanOrEqual(1);
  expect(value(h, 'fedgrid_jobs', { status: 'succeeded' })).toBeGreaterThanOrEqual(1);
  // Every status is a series (0 when no job has it), so alert rules never look at nothing.
  expect(value(g, 'fedgrid_jobs', { status: 'queued' })).toBe(0);
  expect(value(g, 'fedgrid_tasks', { status: 'succeeded' })).toBeGreaterThanOrEqual(1);
  expect(value(g, 'fedgrid_tasks', { status: 'failed' })).toBe(0);
  expect(value(g, 'fedgrid_scheduler_queued_jobs')).toBe(0);
  expect(value(g, 'fedgrid_scheduler_running_jobs')).toBe(0);
  // The guest created the job on its API; the host was told over the partner route.
  expect(
    value(g, 'fedgrid_http_requests_total', { method: 'POST', route: '/v1/jobs', status: '201' }),
  ).toBeGreaterThanOrEqual(1);
  expect(
    value(h, 'fedgrid_http_request_duration_seconds_count', {
      method: 'POST',
      route: '/v1/interconn/jobs',
    }),
  ).toBeGreaterThanOrEqual(1);
  // PSI moves blinded points both ways; what one side had acknowledged, the other accepted.
  const gSent = value(g, 'fedgrid_dataplane_sent_bytes_total', { partner: 'host' });
  const hGot = value(h, 'fedgrid_dataplane_received_bytes_total', { partner: 'guest' });
  const hSent = value(h, 'fedgrid_dataplane_sent_bytes_total', { partner: 'guest' });
  const gGot = value(g, 'fedgrid_dataplane_received_bytes_total', { partner: 'host' });
  // 40 host rows × 32-byte X25519 points at least.
  expect(hSent).toBeGreaterThanOrEqual(40 * 32);
  expect(gSent).toBeGreaterThanOrEqual(60 * 32);
  expect(hGot).toBe(gSent);
  expect(gGot).toBe(hSent);
  expect(value(g, 'fedgrid_dataplane_buffered_bytes')).toBe(0);
  expect(value(g, 'fedgrid_storage_healthy')).toBe(1);
  expect(value(g, 'fedgrid_node_info', { storage: guest.node.services.store.kind })).toBe(1);
  // prom-client's process metrics: CPU, memory, event-loop lag.
  expect(value(g, 'process_cpu_seconds_total')).toBeGreaterThan(0);
  expect(value(g, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  expect(value(g, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  expect(jobId).toMatch(/./);
});

it('a contracted partner cannot read /metrics with its own certificate; anonymous callers neither', async () => {
  // The host is contracted with the guest and calls it the way partners call (mutual TLS).
  const peer = await host.node.services.contracts.peerApi('guest');
  const err = await host.node.services.peers.call(peer, 'GET', '/metrics').then(
    () => undefined,
    (e: { details?: Record<string, unknown>; message: string }) => e,
  );
  expect(err).toBeDefined();
  expect(err!.details?.['peerCode']).toBe('UNAUTHORIZED');
  expect(err!.message).not.toContain('fedgrid_');
  const anon = await guest.node.app.inject({ method: 'GET', url: '/metrics' });
  expect(anon.statusCode).toBe(401);
  expect(anon.body).not.toContain('fedgrid_dataplane');
});

it('a user without metrics:read is refused; an API token holding only metrics:read reads it and nothing else', async () => {
  const as = async (token: string, method: string, url: string, payload?: object) => {
    const r = await guest.node.app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload ? { payload } : {}),
    });
    return { status: r.statusCode, body: r.body };
  };
  const user = async (name: string, roles: string[]) => {
    const made = await guest.ok<{ oneTimePassword: string }>('POST', '/v1/users', { name, roles });
    const login = await guest.node.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { user: name, password: made.oneTimePassword },
    });
    const token = login.json<{ token: string }>().token;
    const password = 'Scrape-Fresh-Pass-Nine-42!';
    expect(
      (await as(token, 'POST', '/v1/me/password', { current: made.oneTimePassword, password }))
        .status,
    ).toBe(200);
    return token;
  };
  const auditor = await user('auditor1', ['audit-admin']);
  const refused = await as(auditor, 'GET', '/metrics');
  expect(refused.status).toBe(403);
  expect(refused.body).toContain('metrics:read');
  const admin = await user('ops1', ['system-admin']);
  const made = await as(admin, 'POST', '/v1/me/tokens', {
    name: 'prometheus',
    scopes: ['metrics:read'],
  });
  expect(made.status).toBe(200);
  const scrapeToken = (JSON.parse(made.body) as { token: string }).token;
  const ok = await as(scrapeToken, 'GET', '/metrics');
  expect(ok.status).toBe(200);
  expect(ok.body).toContain('fedgrid_http_requests_total');
  expect((await as(scrapeToken, 'GET', '/v1/datasets')).status).toBe(403);
});

it('liveness and readiness are public and separate; readiness fails when the store does not answer', async () => {
  const live = await guest.node.app.inject({ method: 'GET', url: '/livez' });
  expect(live.statusCode).toBe(200);
  const ready = await guest.node.app.inject({ method: 'GET', url: '/readyz' });
  expect(ready.statusCode).toBe(200);
  expect(ready.json()).toEqual({ status: 'ready', checks: { store: true, storage: true } });
  // A third node whose store is closed under it: alive, not ready.
  const broken = await t.start('broken');
  await broken.node.services.store.close();
  const r = await broken.node.app.inject({ method: 'GET', url: '/readyz' });
  expect(r.statusCode).toBe(503);
  expect(r.json<{ status: string; checks: Record<string, boolean> }>()).toMatchObject({
    status: 'not-ready',
    checks: { store: false },
  });
  expect((await broken.node.app.inject({ method: 'GET', url: '/livez' })).statusCode).toBe(200);
});

it("a partner's malformed or hostile traceparent is ignored: the call is answered as without one", async () => {
  const identity = host.node.services.identity;
  const call = (traceparent: string) =>
    new Promise<number>((resolve, reject) => {
      const req = httpsRequest(
        new URL('/v1/interconn/health', guest.node.apiUrl),
        {
          method: 'GET',
          key: identity.keyPem,
          cert: identity.certPem,
          rejectUnauthorized: false,
          headers: { traceparent },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end();
    });
  for (const tp of [
    'garbage',
    '00-00000000000000000000000000000000-0000000000000000-01',
    `00-${'F'.repeat(32)}-${'a'.repeat(16)}-01`,
    `ff-${'f'.repeat(32)}-${'a'.repeat(16)}-01`,
    'x'.repeat(8000),
    '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  ])
    expect(await call(tp)).toBe(200);
});

/**
 * The metric names a PromQL expression reads: label matchers, strings, ranges and `by (…)`
 * lists removed; identifiers followed by `(` are functions; keywords are skipped.
 */
function metricNames(expr: string): string[] {
  const keywords = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'bool']);
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names: string[] = [];
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const rest = stripped.slice(m.index + m[0].length);
    if (/^\s*\(/.test(rest) || keywords.has(m[0])) continue;
    if (/\d/.test(stripped[m.index - 1] ?? '')) continue; // e.g. the `e` of 1e9
    names.push(m[0]);
  }
  return names;
}

it('the example alert rules parse, and every metric they use exists on a running node', async () => {
  const { readFile } = await import('node:fs/promises');
  const { parse } = await import('yaml');
  const file = new URL('../../../docs/ops/alerts.yml', import.meta.url);
  const rules = parse(await readFile(file, 'utf8')) as {
    groups: { name: string; rules: Record<string, unknown>[] }[];
  };
  // Every family the node exposes (# TYPE lines; a histogram also has _bucket, _sum, _count).
  const r = await guest.node.app.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: `Bearer ${adminToken(guest)}` },
  });
  const exposed = new Set<string>(['up']); // `up` is Prometheus's own
  for (const m of r.body.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    exposed.add(m[1]!);
    if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) exposed.add(m[1]! + s);
  }
  let count = 0;
  const used = new Set<string>();
  for (const g of rules.groups) {
    expect(g.name).toMatch(/\S/);
    for (const rule of g.rules) {
      count++;
      expect(rule['alert']).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(typeof rule['expr']).toBe('string');
      expect((rule['labels'] as Record<string, string>)['severity']).toMatch(
        /^(critical|warning|info)$/,
      );
      expect((rule['annotations'] as Record<string, string>)['summary']).toMatch(/\S/);
      if (rule['for'] !== undefined) expect(rule['for']).toMatch(/^\d+[smh]$/);
      // Balanced brackets: a rule Prometheus could not parse would fail loading the file.
      const e = rule['expr'] as string;
      for (const [o, c] of ['()', '{}', '[]'])
        expect(e.split(o!).length, `${String(rule['alert'])}: ${o}${c}`).toBe(e.split(c!).length);
      const names = metricNames(e);
      expect(names.length, String(rule['alert'])).toBeGreaterThan(0);
      for (const n of names) {
        expect(exposed.has(n), `${String(rule['alert'])} uses ${n}`).toBe(true);
        used.add(n);
      }
    }
  }
  expect(count).toBeGreaterThanOrEqual(10);
  // The rules cover requests, storage, jobs, queue, data plane, serving and the process.
  for (const n of [
    'fedgrid_http_requests_total',
    'fedgrid_storage_healthy',
    'fedgrid_jobs',
    'fedgrid_scheduler_queued_jobs',
    'fedgrid_dataplane_refused_total',
    'fedgrid_crypto_chunks_executed_total',
    'fedgrid_node_info',
    'fedgrid_serving_requests_total',
    'nodejs_eventloop_lag_seconds',
    'process_resident_memory_bytes',
  ])
    expect(used.has(n), n).toBe(true);
});
