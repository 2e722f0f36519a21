/**
 * No single point of failure in the relay path (standard 000 §8.2; docs/protocols/relay.md "Two
 * relays"): an inside node keeps a tunnel to two relays at once, partners know it by one DNS
 * name with an address per relay (the same public ports on both), and killing the relay that
 * carries a job's traffic with SIGKILL mid-job leaves the node reachable through the other.
 *
 * Real processes on loopback: two `fedgrid relay start` processes (127.0.0.1 and 127.0.0.2 —
 * all of 127/8 is loopback on Linux), the inside node and the partner. The name is resolved by
 * hosts-preload.mjs in the partner and in this process (FEDGRID_TEST_HOSTS), as DNS would with
 * two address records; nothing here edits /etc/hosts. The inside node is not in a network
 * namespace here (relay-netns.test.ts proves that path without inbound routes); what this test
 * proves is the fail-over.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { addRelayNode, initRelay, type JobView } from '@fedgrid/node';
import { signContract, type ClusterNode } from 'fedgrid';
import { EXAMPLES, TestCluster, permitAdhoc, waitFor } from './cluster-helpers.js';

const run = promisify(execFile);
const BIN = new URL('../bin/fedgrid.js', import.meta.url).pathname;
const PRELOAD = fileURLToPath(new URL('./hosts-preload.mjs', import.meta.url));
const NAME = 'relays.fedgrid.test';
const HOSTS = `${NAME}=127.0.0.1,127.0.0.2`;
process.env['FEDGRID_TEST_HOSTS'] = HOSTS;
await import(PRELOAD);

/** Rows per side of the PSI job: enough that the job is still exchanging when a relay dies. */
const ROWS = 100_000;

const cluster = new TestCluster();
let outside: ClusterNode;
let inside: ClusterNode;
interface RelayProc {
  dir: string;
  host: string;
  child: ChildProcess;
  tunnelPort: number;
  metricsPort: number;
  fingerprint: string;
}
const relays: RelayProc[] = [];

/** A port free on every loopback address used here (the relays share their public ports). */
async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer()
        .once('error', () => resolve(false))
        .listen(port, '127.0.0.2', () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
}

async function startRelayProcess(
  dir: string,
  host: string,
  apiPort: number,
  dataPort: number,
): Promise<RelayProc> {
  const { fingerprint } = await initRelay({ dir, host, tunnelPort: 0, apiPort, dataPort });
  const file = join(dir, 'relay.yaml');
  const config = parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  config['metrics'] = { host: '127.0.0.1', port: 0 };
  await writeFile(file, stringify(config));
  const child = spawn(
    process.execPath,
    [BIN, 'relay', 'start', '--dir', dir, '--log-file', join(dir, 'relay.log')],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  process.once('exit', () => child.kill('SIGKILL'));
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const m = await waitFor(
    async () =>
      /tunnel (\d+), api (\d+), data (\d+); fingerprint (\S+); metrics (\d+)/.exec(out) ??
      undefined,
    60_000,
  ).catch(() => {
    throw new Error(`relay ${host} did not start: ${out}`);
  });
  return {
    dir,
    host,
    child,
    tunnelPort: Number(m[1]),
    metricsPort: Number(m[5]),
    fingerprint,
  };
}

/** The value of one sample of a relay's /metrics (0 when absent). */
async function metric(r: RelayProc, sample: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${r.metricsPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

const dataBytes = (r: RelayProc) =>
  metric(r, 'fedgrid_relay_forwarded_bytes_total{node="inside",plane="data",direction="to-node"}');

async function finalJob(node: ClusterNode, id: string): Promise<JobView> {
  return waitFor(async () => {
    const j = await node.api.get<JobView>(`/v1/jobs/${id}`);
    return ['succeeded', 'failed', 'stopped'].includes(j.status) ? j : undefined;
  }, 300_000);
}

describe('an inside node behind two relays', () => {
  beforeAll(async () => {
    const root = await cluster.dir();
    const [apiPort, dataPort] = [await freePort(), await freePort()];
    relays.push(await startRelayProcess(join(root, 'relay-a'), '127.0.0.1', apiPort, dataPort));
    relays.push(await startRelayProcess(join(root, 'relay-b'), '127.0.0.2', apiPort, dataPort));

    const env = { FEDGRID_TEST_HOSTS: HOSTS, NODE_OPTIONS: `--import ${PRELOAD}` };
    outside = await cluster.launch('outside', { env });

    const dir = join(root, 'inside');
    await run(process.execPath, [
      BIN,
      ...['node', 'init', '--dir', dir, '--id', 'inside', '--api-port', '0', '--data-port', '0'],
      ...['--data-dir', EXAMPLES, '--data-dir', root, '--json'],
    ]);
    const file = join(dir, 'fedgrid.yaml');
    const config = parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    const [a, b] = relays as [RelayProc, RelayProc];
    config['relay'] = { address: `${a.host}:${a.tunnelPort}`, fingerprint: a.fingerprint };
    config['relays'] = [{ address: `${b.host}:${b.tunnelPort}`, fingerprint: b.fingerprint }];
    config['advertise'] = {
      apiUrl: `https://${NAME}:${apiPort}`,
      dataAddress: `${NAME}:${dataPort}`,
    };
    await writeFile(file, stringify(config));
    const cert = await readFile(join(dir, 'identity', 'cert.pem'), 'utf8');
    const fp = new X509Certificate(cert).fingerprint256;
    for (const r of relays) await addRelayNode(r.dir, 'inside', fp);
    inside = await cluster.launch('inside', { existing: true, env });

    // Rows for a PSI long enough to kill a relay in the middle of it.
    const guest = ['id,y,x1', ...Array.from({ length: ROWS }, (_, i) => `u${i},${i % 2},${i % 7}`)];
    const host = ['id,x2', ...Array.from({ length: ROWS }, (_, i) => `u${i + ROWS / 5},${i % 5}`)];
    await writeFile(join(root, 'guest.csv'), guest.join('\n') + '\n');
    await writeFile(join(root, 'host.csv'), host.join('\n') + '\n');
  }, 300_000);

  afterAll(async () => {
    await cluster.close();
    for (const r of relays) r.child.kill('SIGKILL');
  });

  test('keeps a tunnel to each relay; both report it, and so does the node', async () => {
    for (const r of relays)
      await waitFor(
        async () =>
          (await metric(r, 'fedgrid_relay_tunnels{node="inside"}')) === 1 ? true : undefined,
        60_000,
      );
    const token = (await readFile(join(inside.dir, 'identity', 'admin-token'), 'utf8')).trim();
    const text = await (
      await inside.api.fetch(
        new Request(`${inside.api.url}/metrics`, { headers: { authorization: `Bearer ${token}` } }),
      )
    ).text();
    for (const r of relays)
      expect(text).toContain(`fedgrid_relay_tunnel_up{relay="${r.host}:${r.tunnelPort}"} 1`);
  });

  test('SIGKILL of the relay carrying a PSI job mid-job: the job completes through the other relay', async () => {
    await signContract(inside, outside);
    await permitAdhoc([inside], outside, ['psi-ecdh']);
    const root = await cluster.dir();
    const g = await outside.api.post<{ id: string }>('/v1/datasets', {
      name: 'g',
      path: join(root, 'guest.csv'),
      labelColumn: 'y',
    });
    const h = await inside.api.post<{ id: string }>('/v1/datasets', {
      name: 'h',
      path: join(root, 'host.csv'),
    });
    await inside.api.post('/v1/grants', { dataset: h.id, grantee: 'outside' });
    const [a, b] = relays as [RelayProc, RelayProc];
    const before = { a: await dataBytes(a), b: await dataBytes(b) };
    const job = await outside.api.post<JobView>('/v1/jobs', {
      parties: { guest: { node: 'outside' }, hosts: [{ node: 'inside' }] },
      datasets: { guest: g.id, 'host-0': h.id },
      tasks: [{ name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } }],
    });
    // The partner resolves the name to relay A first: the job's data plane crosses A.
    await waitFor(
      async () => ((await dataBytes(a)) > before.a + 100_000 ? true : undefined),
      300_000,
    );
    a.child.kill('SIGKILL');
    const killedWhile = (await outside.api.get<JobView>(`/v1/jobs/${job.id}`)).status;
    expect(killedWhile, 'the job must still be running when the relay dies').toBe('running');

    const final = await finalJob(outside, job.id);
    expect(final.status, JSON.stringify(final.error)).toBe('succeeded');
    // The rest went through relay B, on the data plane and the control plane.
    expect(await dataBytes(b)).toBeGreaterThan(before.b);
    const onInside = await waitFor(async () => {
      const j = await inside.api.get<JobView>(`/v1/jobs/${job.id}`);
      return j.status === 'succeeded' ? j : undefined;
    }, 60_000);
    expect(onInside.id).toBe(job.id);
    // The node sees relay A's tunnel down and B's up.
    const token = (await readFile(join(inside.dir, 'identity', 'admin-token'), 'utf8')).trim();
    const text = await (
      await inside.api.fetch(
        new Request(`${inside.api.url}/metrics`, { headers: { authorization: `Bearer ${token}` } }),
      )
    ).text();
    expect(text).toContain(`fedgrid_relay_tunnel_up{relay="${b.host}:${b.tunnelPort}"} 1`);
    expect(text).toContain(`fedgrid_relay_tunnel_up{relay="${a.host}:${a.tunnelPort}"} 0`);
  }, 600_000);
});
