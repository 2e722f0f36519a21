/**
 * Issue 16 item 4, the worker processes' own metrics, with real processes on real PostgreSQL:
 * the guest runs as one API replica and two workers (one crypto thread each), each worker
 * serving `/metrics`, `/livez` and `/readyz` on its own port (FEDGRID_WORKER_METRICS_PORT), the
 * host as one process.
 *
 * - A worker answers over HTTPS with the node's own certificate (verified against it); the
 *   probes are public, `/metrics` refuses a scrape without a token or with a wrong one (401, no
 *   metric in the answer), and no API route is served there.
 * - An API token holding only `metrics:read`, created on the API replica, reads the worker's
 *   metrics (tokens live in the node's shared store); the labels say the process is a worker.
 * - After one PSI job, the counters of each worker equal what the `crypto_batches` and
 *   `task_executions` tables record: the worker that ran the task counts one succeeded execution
 *   and its chunks run here and remotely; the other counts exactly the chunks it ran for it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { JobView } from '@fedgrid/node';
import { ApiClient, type ClusterNode } from 'fedgrid';
import { freePort, waitFor } from './cluster-helpers.js';
import { HaNode, type HaWorker } from './ha-node.js';

const N = 20_000;
const terminal = (s: string) => ['succeeded', 'failed', 'stopped'].includes(s);
const ha = new HaNode('fedgrid_hwm');
let replica: ClusterNode;
let replicaApiPort = 0;
let datasets: { guest: string; host: string };
let certPem = '';
/** A token holding only metrics:read (what an operator gives Prometheus). */
let scrapeToken = '';
const workers: (HaWorker & { port: number })[] = [];

async function csv(name: string, first: number): Promise<string> {
  const rows = ['id,x'];
  for (let i = first; i < first + N; i++) rows.push(`u${i},${i % 97}`);
  const path = join(await ha.cluster.dir(), name);
  await writeFile(path, rows.join('\n') + '\n');
  return path;
}

interface Answer {
  status: number;
  body: string;
  /** SHA-256 fingerprint of the certificate the server presented. */
  fingerprint: string;
}

/** GET over HTTPS, the server's certificate verified against the node's own. */
function get(port: number, path: string, token?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'GET',
        // A fresh connection and full handshake each time: a resumed TLS session carries no
        // certificate to check.
        agent: false,
        ca: certPem,
        servername: 'guest.fedgrid',
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      },
      (res) => {
        const fingerprint =
          (res.socket as TLSSocket).getPeerX509Certificate()?.fingerprint256 ?? '';
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, fingerprint }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Sum of the samples of `name` whose labels include `labels` (text exposition format). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const m of text.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/gm)) {
    if (m[1] !== name) continue;
    const have = new Map(
      [...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1] as string, l[2] as string]),
    );
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) sum += Number(m[3]);
  }
  return sum;
}

const pidOf = (name: string) => Number(name.split(':')[1]);

beforeAll(async () => {
  await ha.start();
  const g = await ha.guestSetup.api.post<{ id: string }>('/v1/datasets', {
    name: 'g',
    path: await csv('guest.csv', 0),
  });
  const h = await ha.host.api.post<{ id: string }>('/v1/datasets', {
    name: 'h',
    path: await csv('host.csv', N / 2),
  });
  await ha.host.api.post('/v1/grants', { dataset: h.id, grantee: 'guest' });
  datasets = { guest: g.id, host: h.id };
  certPem = await readFile(join(ha.guestSetup.dir, 'identity', 'cert.pem'), 'utf8');
  await ha.endSetup();
  const started = await ha.startReplica('guest-a');
  replica = started.node;
  replicaApiPort = started.apiPort;
  for (const name of ['guest-w1', 'guest-w2']) {
    const port = await freePort();
    const w = await ha.startWorker(name, {
      FEDGRID_CRYPTO_THREADS: '1',
      FEDGRID_WORKER_METRICS_PORT: String(port),
    });
    workers.push({ ...w, port });
  }
  // An operator with system-admin makes Prometheus a token holding only metrics:read.
  const as = (token: string) =>
    new ApiClient({ url: replica.api.url, token, certPem, servername: 'guest.fedgrid' });
  const made = await replica.api.post<{ oneTimePassword: string }>('/v1/users', {
    name: 'ops1',
    roles: ['system-admin'],
  });
  const session = (
    await as('').post<{ token: string }>('/v1/auth/login', {
      user: 'ops1',
      password: made.oneTimePassword,
    })
  ).token;
  await as(session).post('/v1/me/password', {
    current: made.oneTimePassword,
    password: 'Scrape-Fresh-Pass-Nine-42!',
  });
  scrapeToken = (
    await as(session).post<{ token: string }>('/v1/me/tokens', {
      name: 'prometheus',
      scopes: ['metrics:read'],
    })
  ).token;
});

afterAll(() => ha.close());

test('a worker serves its probes and metrics over HTTPS with the node certificate; scrapes need metrics:read', async () => {
  const fingerprint = new X509Certificate(certPem).fingerprint256;
  for (const w of workers) {
    const live = await get(w.port, '/livez');
    expect(live.status).toBe(200);
    expect(live.fingerprint).toBe(fingerprint);
    const ready = await get(w.port, '/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({
      status: 'ready',
      checks: { store: true, storage: true, queue: true },
    });
    for (const token of [undefined, 'not-a-token']) {
      const refused = await get(w.port, '/metrics', token);
      expect(refused.status, `token ${String(token)}`).toBe(401);
      expect(refused.body).not.toContain('fedgrid_');
      expect(refused.body).not.toContain('process_cpu');
    }
    // Only the operations routes: the API is not served by a worker.
    expect((await get(w.port, '/v1/datasets', scrapeToken)).status).toBe(404);
    const ok = await get(w.port, '/metrics', scrapeToken);
    expect(ok.status).toBe(200);
    expect(ok.fingerprint).toBe(fingerprint);
    expect(sample(ok.body, 'fedgrid_node_info', { role: 'worker', storage: 'postgres' })).toBe(1);
    expect(sample(ok.body, 'fedgrid_scheduler_leader')).toBe(0);
    expect(ok.body).toMatch(/^process_cpu_seconds_total \S+$/m);
    expect(ok.body).toMatch(/^process_resident_memory_bytes \S+$/m);
    expect(ok.body).toMatch(/^nodejs_eventloop_lag_seconds \S+$/m);
  }
  // The API replica serves the same token the same way, and says what it is.
  const api = await get(replicaApiPort, '/metrics', scrapeToken);
  expect(api.status).toBe(200);
  expect(sample(api.body, 'fedgrid_node_info', { role: 'api' })).toBe(1);
  expect(sample(api.body, 'fedgrid_node_info', { role: 'worker' })).toBe(0);
});

test("after a PSI job each worker's counters equal what the store records it ran", async () => {
  const before = await Promise.all(workers.map((w) => get(w.port, '/metrics', scrapeToken)));
  const job = await replica.api.post<JobView>('/v1/jobs', {
    parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }] },
    datasets: { guest: datasets.guest, 'host-0': datasets.host },
    tasks: [{ name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } }],
  });
  const done = await waitFor(async () => {
    const v = await replica.api.get<JobView>(`/v1/jobs/${job.id}`);
    return terminal(v.status) ? v : undefined;
  }, 540_000);
  expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
  const runnerName = (
    await ha.db.query<{ worker: string }>(
      `select worker from task_executions where job_id = $1 and party = 'guest'`,
      [job.id],
    )
  ).rows[0]?.worker as string;
  const runner = workers.find((w) => w.child.pid === pidOf(runnerName));
  expect(runner, `no worker has pid ${pidOf(runnerName)}`).toBeDefined();
  const rows = (
    await ha.db.query<{ kind: string; state: string; worker: string; owner: string }>(
      'select kind, state, worker, owner from crypto_batches',
    )
  ).rows;
  expect(rows.length).toBeGreaterThan(0);
  expect(new Set(rows.map((r) => r.owner))).toEqual(new Set([runnerName]));
  const after = await Promise.all(workers.map((w) => get(w.port, '/metrics', scrapeToken)));
  const kinds = new Set(rows.map((r) => r.kind));
  for (const [i, w] of workers.entries()) {
    const text = after[i]!.body;
    const name = `:${w.child.pid}:`;
    const isRunner = w === runner;
    // Task executions: one, succeeded, on the worker that ran the task.
    expect(sample(text, 'fedgrid_task_executions_total', { outcome: 'succeeded' })).toBe(
      isRunner ? 1 : 0,
    );
    expect(sample(text, 'fedgrid_task_executions_running')).toBe(0);
    for (const kind of kinds) {
      const count = (state: string, worker?: string) =>
        rows.filter(
          (r) => r.kind === kind && r.state === state && (!worker || r.worker.includes(name)),
        ).length;
      // Chunks run for another process's batch: exactly the rows this worker finished remotely.
      expect(
        sample(text, 'fedgrid_crypto_chunks_executed_total', { kind, outcome: 'stored' }),
        `${kind} executed on ${name}`,
      ).toBe(count('done', name));
      // The dispatching worker's own view of the same batches.
      expect(sample(text, 'fedgrid_crypto_chunks_total', { kind, place: 'local' })).toBe(
        isRunner ? count('local') : 0,
      );
      expect(sample(text, 'fedgrid_crypto_chunks_total', { kind, place: 'remote' })).toBe(
        isRunner ? count('done') : 0,
      );
    }
  }
  // The helper ran chunks (as in ha-batches (a)), and its counters and CPU moved with them.
  const helperIndex = workers.findIndex((w) => w !== runner);
  const helperText = after[helperIndex]!.body;
  expect(sample(helperText, 'fedgrid_crypto_chunks_executed_total')).toBeGreaterThan(0);
  expect(sample(helperText, 'fedgrid_crypto_chunk_execute_seconds_count')).toBe(
    sample(helperText, 'fedgrid_crypto_chunks_executed_total'),
  );
  expect(sample(before[helperIndex]!.body, 'fedgrid_crypto_chunks_executed_total')).toBe(0);
  expect(sample(helperText, 'process_cpu_seconds_total')).toBeGreaterThan(
    sample(before[helperIndex]!.body, 'process_cpu_seconds_total'),
  );
});
