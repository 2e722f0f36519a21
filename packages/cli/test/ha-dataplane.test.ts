/**
 * Issue 16 item 1, the data plane of a node run as several processes, with real processes on
 * real PostgreSQL: the guest runs as two API replicas and one worker behind one address (TCP
 * proxies standing in for the load balancers), the host as one process. The proxy in front of
 * the guest's data port spreads connections over both replicas and closes each once it has gone
 * quiet, so the host's gRPC pushes land on one replica, then the other.
 *
 * A two-party PSI runs to success: the guest's program runs on the worker (which serves no data
 * port at all), receives the host's messages through the PostgreSQL mailbox whichever replica
 * took them, and both replicas took some of the host's pushes; the replicas counted the host's
 * control-plane calls together in PostgreSQL (the per-partner rate limit).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { JobView } from '@fedgrid/node';
import { ApiClient, targetFromNodeDir, type ClusterNode } from 'fedgrid';
import { EXAMPLES, waitFor } from './cluster-helpers.js';
import { HaNode } from './ha-node.js';

const SAMPLES = join(EXAMPLES, 'fate');
const terminal = (s: string) => ['succeeded', 'failed', 'stopped'].includes(s);

const ha = new HaNode('fedgrid_hadp');
const { dataProxy } = ha;
let host: ClusterNode;
let datasets: { guest: string; host: string };

async function startReplica(name: string) {
  const { node, dir, apiPort, dataPort } = await ha.startReplica(name);
  // This replica itself, not the node's address: its own metrics.
  const target = { ...(await targetFromNodeDir(dir)), url: `https://127.0.0.1:${apiPort}` };
  return { node, direct: new ApiClient(target), token: target.token, dataPort };
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
  await ha.start();
  host = ha.host;
  const single = ha.guestSetup;
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
  await ha.endSetup();
});

afterAll(() => ha.close());

test("a PSI runs on a worker while the partner's pushes land on both api replicas", async () => {
  const a = await startReplica('guest-a');
  const b = await startReplica('guest-b');
  await ha.startWorker('guest-w1');
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
  const ex = await ha.db.query<{ state: string; worker: string }>(
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
  const left = await ha.db.query<{ n: string }>('select count(*) as n from mailbox_chunks');
  expect(Number(left.rows[0]!.n)).toBe(0);
  // The replicas counted the host's control-plane calls together in PostgreSQL
  // (partner-rate-counter.ts, migration 0029): one budget for the host, not one per replica.
  const calls = await ha.db.query<{ key: string; count: string }>(
    'select key, count from partner_rate_limits',
  );
  expect(calls.rows.map((r) => r.key)).toEqual(['interconn:host']);
  expect(Number(calls.rows[0]!.count)).toBeGreaterThan(0);
});
