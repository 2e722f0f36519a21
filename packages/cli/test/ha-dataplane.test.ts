/**
 * Issue 16 item 1, the data plane of a node run as several processes, with real processes on
 * real PostgreSQL: the guest runs as two API replicas and one worker behind one address (TCP
 * proxies standing in for the load balancers), the host as one process. The proxy in front of
 * the guest's data port spreads connections over both replicas and closes each once it has gone
 * quiet, so the host's gRPC pushes land on one replica, then the other.
 *
 * A two-party PSI runs to success: the guest's program runs on the worker (which serves no data
 * port at all), receives the host's messages through the PostgreSQL mailbox whichever replica
 * took them, and both replicas took some of the host's pushes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { JobView } from '@fedgrid/node';
import { ApiClient, launchNode, signContract, targetFromNodeDir, type ClusterNode } from 'fedgrid';
import { EXAMPLES, freePort, permitAdhoc, TestCluster, waitFor } from './cluster-helpers.js';
import { TcpFailoverProxy } from './tcp-failover-proxy.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const SAMPLES = join(EXAMPLES, 'fate');
const BASE_URL = process.env['FEDGRID_POSTGRES_URL'] || 'postgres://postgres@127.0.0.1:5432/test';
const terminal = (s: string) => ['succeeded', 'failed', 'stopped'].includes(s);

const cluster = new TestCluster();
const apiProxy = new TcpFailoverProxy();
const dataProxy = new TcpFailoverProxy();
const workers: ChildProcess[] = [];
let dbName: string;
let db: pg.Client;
let guestDir: string;
let host: ClusterNode;
let datasets: { guest: string; host: string };
const setupPorts = { api: 0, data: 0 };

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: BASE_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function nodeCopy(name: string): Promise<string> {
  const dir = join(await cluster.dir(), name);
  await cp(guestDir, dir, {
    recursive: true,
    filter: (src) => !src.startsWith(join(guestDir, 'data')) && !src.endsWith('node.log'),
  });
  return dir;
}

const sharedEnv = () => ({ FEDGRID_DATA_DIR: join(guestDir, 'data') });

async function startReplica(name: string) {
  const dir = await nodeCopy(name);
  const [apiPort, dataPort] = [await freePort(), await freePort()];
  apiProxy.backends = [...apiProxy.backends.filter((p) => p !== setupPorts.api), apiPort];
  dataProxy.backends = [...dataProxy.backends.filter((p) => p !== setupPorts.data), dataPort];
  const node = await launchNode(await cluster.dir(), name, {
    existing: true,
    env: {
      ...sharedEnv(),
      FEDGRID_ROLE: 'api',
      FEDGRID_API_PORT: String(apiPort),
      FEDGRID_DATA_PORT: String(dataPort),
    },
  });
  cluster.nodes.push(node);
  // This replica itself, not the node's address: its own metrics.
  const target = { ...(await targetFromNodeDir(dir)), url: `https://127.0.0.1:${apiPort}` };
  return { node, direct: new ApiClient(target), token: target.token, dataPort };
}

async function startWorker(name: string): Promise<void> {
  const dir = await nodeCopy(name);
  const child = spawn(
    process.execPath,
    [BIN, 'node', 'start', '--dir', dir, '--role', 'worker', '--log-file', join(dir, 'node.log')],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...sharedEnv() } },
  );
  workers.push(child);
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('taking task executions')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker ${name} exited (${code}): ${err}`)));
  });
}

/** Bytes of data-plane pushes from `partner` that one replica took (its /metrics). */
async function receivedFrom(
  replica: { direct: ApiClient; token: string },
  partner: string,
): Promise<number> {
  const res = await replica.direct.fetch(
    new Request(`${replica.direct.url}/metrics`, {
      headers: { authorization: `Bearer ${replica.token}` },
    }),
  );
  expect(res.status).toBe(200);
  const text = await res.text();
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('fedgrid_dataplane_received_bytes_total{') &&
        l.includes(`partner="${partner}"`),
    );
  return line ? Number(line.split(' ').pop()) : 0;
}

beforeAll(async () => {
  dbName = `fedgrid_hadp_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`create database ${dbName}`));
  const dbUrl = withDatabase(BASE_URL, dbName);
  db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  const [apiAddr, dataAddr] = [await apiProxy.listen(), await dataProxy.listen()];
  const [apiPort, dataPort] = [await freePort(), await freePort()];
  apiProxy.backends = [apiPort];
  dataProxy.backends = [dataPort];
  Object.assign(setupPorts, { api: apiPort, data: dataPort });
  const single = await cluster.launch('guest', {
    apiPort,
    dataPort,
    databaseUrl: dbUrl,
    config: {
      advertise: { apiUrl: `https://127.0.0.1:${apiAddr}`, dataAddress: `127.0.0.1:${dataAddr}` },
    },
  });
  guestDir = single.dir;
  host = await cluster.launch('host');
  await signContract(single, host);
  await permitAdhoc([host], single);
  const g = await single.api.post<{ id: string }>('/v1/datasets', {
    name: 'g',
    path: join(SAMPLES, 'breast_hetero_guest.csv'),
    labelColumn: 'y',
  });
  const h = await host.api.post<{ id: string }>('/v1/datasets', {
    name: 'h',
    path: join(SAMPLES, 'breast_hetero_host.csv'),
  });
  await host.api.post('/v1/grants', { dataset: h.id, grantee: 'guest' });
  datasets = { guest: g.id, host: h.id };
  await single.stop();
  cluster.nodes.splice(cluster.nodes.indexOf(single), 1);
});

afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await cluster.close();
  await apiProxy.close();
  await dataProxy.close();
  await db?.end().catch(() => {});
  if (dbName)
    await admin((c) => c.query(`drop database if exists ${dbName} with (force)`)).catch(() => {});
});

test("a PSI runs on a worker while the partner's pushes land on both api replicas", async () => {
  const a = await startReplica('guest-a');
  const b = await startReplica('guest-b');
  await startWorker('guest-w1');
  expect(dataProxy.backends).toEqual([a.dataPort, b.dataPort]);
  dataProxy.spread = true;
  dataProxy.recycleIdleMs = 50;

  const job = await a.node.api.post<JobView>('/v1/jobs', {
    parties: { guest: { node: 'guest' }, hosts: [{ node: 'host' }] },
    datasets: { guest: datasets.guest, 'host-0': datasets.host },
    tasks: [{ name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } }],
  });
  const done = await waitFor(async () => {
    const v = await a.node.api.get<JobView>(`/v1/jobs/${job.id}`);
    return terminal(v.status) ? v : undefined;
  }, 300_000);
  expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
  const hostView = await host.api.get<JobView>(`/v1/jobs/${job.id}`);
  expect(hostView.status).toBe('succeeded');

  // The guest's program ran on the worker, which has no data port: every message the host sent
  // it came through the PostgreSQL mailbox.
  const ex = await db.query<{ state: string; worker: string }>(
    `select state, worker from task_executions where job_id = $1 and party = 'guest'`,
    [job.id],
  );
  expect(ex.rows).toHaveLength(1);
  expect(ex.rows[0]!.state).toBe('succeeded');
  expect(ex.rows[0]!.worker).toMatch(/:worker$/);

  // Both replicas took pushes of the host's, and the connections were spread over both.
  expect(await receivedFrom(a, 'host')).toBeGreaterThan(0);
  expect(await receivedFrom(b, 'host')).toBeGreaterThan(0);
  expect(dataProxy.connections.get(a.dataPort)).toBeGreaterThan(0);
  expect(dataProxy.connections.get(b.dataPort)).toBeGreaterThan(0);
  // Nothing is left in the mailbox once the job has ended.
  const left = await db.query<{ n: string }>('select count(*) as n from mailbox_chunks');
  expect(Number(left.rows[0]!.n)).toBe(0);
});
