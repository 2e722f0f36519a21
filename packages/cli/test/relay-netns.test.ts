/**
 * A node in a network that allows no inbound connection, reached through the relay
 * (docs/protocols/relay.md). The inside node runs in its own network namespace joined to this one
 * by a veth pair; it listens only on that namespace's loopback, so nothing outside can connect to
 * it (the test proves it), and dials out to the relay and to its partner. The outside partner and
 * the relay run in this namespace. A two-party PSI job runs across them; the relay's forwarded
 * bytes never contain the job id; a node id without a tunnel is refused with "unrecognized name";
 * an inside node whose certificate is not registered is refused.
 *
 * Network namespaces need root (CI runs as root); without it the test is skipped with a message.
 * No packet filter (iptables/nft) is installed here: "no inbound route" is made by the inside node
 * binding only its namespace's loopback, not by a firewall.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { generateIdentity, RelayTunnel, type RelayChunk } from '@fedgrid/federation';
import {
  addRelayNode,
  initRelay,
  startRelay,
  type JobView,
  type RunningRelay,
} from '@fedgrid/node';
import { signContract, type ClusterNode } from 'fedgrid';
import { EXAMPLES, TestCluster, permitAdhoc, waitFor } from './cluster-helpers.js';

const run = promisify(execFile);
const BIN = new URL('../bin/fedgrid.js', import.meta.url).pathname;
const isRoot = process.getuid?.() === 0;
if (!isRoot)
  console.warn(
    'relay-netns.test.ts skipped: creating network namespaces needs root (run the tests as root, as CI does)',
  );

// Names unique to this process (other test runs may share the machine).
const tag = String(process.pid % 100_000);
const NS = `fgrelay${tag}`;
const VETH = `fgr${tag}`;
const subnet = `10.213.${process.pid % 250}`;
const OUTSIDE_IP = `${subnet}.1`;
const INSIDE_IP = `${subnet}.2`;

const cluster = new TestCluster();
let relay: RunningRelay;
let outside: ClusterNode;
let inside: ClusterNode;
const forwarded: RelayChunk[] = [];

async function sh(...args: string[]): Promise<void> {
  await run(args[0] as string, args.slice(1));
}

async function removeNamespace(): Promise<void> {
  await sh('ip', 'link', 'del', `${VETH}a`).catch(() => {});
  await sh('ip', 'netns', 'del', NS).catch(() => {});
}

/** Connects with TCP from this (the outside) namespace; resolves with the error code, or 'open'. */
function tcpProbe(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 10_000 });
    s.once('connect', () => (s.destroy(), resolve('open')));
    s.once('timeout', () => (s.destroy(), resolve('ETIMEDOUT')));
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe.skipIf(!isRoot)('relay for a node in an outbound-only network', () => {
  beforeAll(async () => {
    await removeNamespace();
    await sh('ip', 'netns', 'add', NS);
    await sh('ip', 'link', 'add', `${VETH}a`, 'type', 'veth', 'peer', 'name', `${VETH}b`);
    await sh('ip', 'link', 'set', `${VETH}b`, 'netns', NS);
    await sh('ip', 'addr', 'add', `${OUTSIDE_IP}/30`, 'dev', `${VETH}a`);
    await sh('ip', 'link', 'set', `${VETH}a`, 'up');
    await sh('ip', 'netns', 'exec', NS, 'ip', 'addr', 'add', `${INSIDE_IP}/30`, 'dev', `${VETH}b`);
    await sh('ip', 'netns', 'exec', NS, 'ip', 'link', 'set', `${VETH}b`, 'up');
    await sh('ip', 'netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up');

    const root = await cluster.dir();
    // The relay (in the DMZ: this namespace), on the veth address the inside node can reach.
    await initRelay({
      dir: join(root, 'relay'),
      host: OUTSIDE_IP,
      tunnelPort: 0,
      apiPort: 0,
      dataPort: 0,
    });
    relay = await startRelay({
      dir: join(root, 'relay'),
      logLevel: 'warn',
      observe: (c) => forwarded.push(c),
    });

    // The outside partner listens where the inside node can reach it (outbound is allowed).
    outside = await cluster.launch('outside', {
      config: { api: { host: OUTSIDE_IP }, dataPlane: { host: OUTSIDE_IP } },
    });

    // The inside node: created here, registered at the relay, started in the namespace.
    const dir = join(root, 'inside');
    await run(process.execPath, [
      BIN,
      'node',
      'init',
      '--dir',
      dir,
      '--id',
      'inside',
      '--api-port',
      '0',
      '--data-port',
      '0',
      '--data-dir',
      EXAMPLES,
      '--data-dir',
      root,
      '--json',
    ]);
    const file = join(dir, 'fedgrid.yaml');
    const config = parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    config['relay'] = {
      address: `${OUTSIDE_IP}:${relay.tunnelPort}`,
      fingerprint: relay.fingerprint,
    };
    config['advertise'] = {
      apiUrl: `https://${OUTSIDE_IP}:${relay.apiPort}`,
      dataAddress: `${OUTSIDE_IP}:${relay.dataPort}`,
    };
    await writeFile(file, stringify(config));
    const cert = await readFile(join(dir, 'identity', 'cert.pem'), 'utf8');
    await addRelayNode(
      join(root, 'relay'),
      'inside',
      new (await import('node:crypto')).X509Certificate(cert).fingerprint256,
    );
    // The test's own admin calls to the inside node go through the relay too (runtime.json holds
    // the advertised URL; the CLI sends inside.fedgrid as SNI).
    inside = await cluster.launch('inside', {
      existing: true,
      startPrefix: ['ip', 'netns', 'exec', NS],
    });
    expect(relay.connected()).toEqual(['inside']);
  });

  afterAll(async () => {
    await cluster.close();
    await relay?.close();
    await removeNamespace();
  });

  test('nothing outside can connect to the inside node: its ports are closed to this namespace', async () => {
    const runtime = JSON.parse(await readFile(join(inside.dir, 'runtime.json'), 'utf8')) as {
      pid: number;
    };
    expect(runtime.pid).toBe(inside.process.pid);
    const log = await readFile(join(inside.dir, 'node.log'), 'utf8');
    const started = log
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l['msg'] === 'node started');
    expect(started?.['apiUrl']).toBe(`https://${OUTSIDE_IP}:${relay.apiPort}`);
    // The ports the inside node really listens on, from its namespace.
    const { stdout } = await run('ip', ['netns', 'exec', NS, 'ss', '-Hltnp']).catch(() => ({
      stdout: '',
    }));
    const ports = [...stdout.matchAll(/:(\d+)\s.*node/g)].map((m) => Number(m[1]));
    const own = (await inside.api.get<{ apiUrl: string }>('/v1/node')).apiUrl;
    expect(own).toBe(`https://${OUTSIDE_IP}:${relay.apiPort}`);
    expect(ports.length).toBeGreaterThanOrEqual(2);
    for (const p of ports) expect(await tcpProbe(INSIDE_IP, p)).toBe('ECONNREFUSED');
    // The node reports its tunnel as up (scraped through the relay, like every call here).
    const token = (await readFile(join(inside.dir, 'identity', 'admin-token'), 'utf8')).trim();
    const metrics = await inside.api.fetch(
      new Request(`${inside.api.url}/metrics`, { headers: { authorization: `Bearer ${token}` } }),
    );
    expect(await metrics.text()).toContain(
      `fedgrid_relay_tunnel_up{relay="${OUTSIDE_IP}:${relay.tunnelPort}"} 1`,
    );
  });

  test('a PSI job between the outside node and the inside node runs through the relay, which sees only ciphertext', async () => {
    // The inside node proposes (first contact goes out directly); the outside node confirms and
    // from then on calls the inside node through the relay, pinning its certificate.
    await signContract(inside, outside);
    await permitAdhoc([inside], outside, ['psi-ecdh']);
    const g = await outside.api.post<{ id: string }>('/v1/datasets', {
      name: 'g',
      path: join(EXAMPLES, 'fate', 'breast_hetero_guest.csv'),
      labelColumn: 'y',
    });
    const h = await inside.api.post<{ id: string }>('/v1/datasets', {
      name: 'h',
      path: join(EXAMPLES, 'fate', 'breast_hetero_host.csv'),
    });
    await inside.api.post('/v1/grants', { dataset: h.id, grantee: 'outside' });
    forwarded.length = 0;
    const job = await outside.api.post<JobView>('/v1/jobs', {
      parties: { guest: { node: 'outside' }, hosts: [{ node: 'inside' }] },
      datasets: { guest: g.id, 'host-0': h.id },
      tasks: [{ name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } }],
    });
    const final = await waitFor(async () => {
      const j = await outside.api.get<JobView>(`/v1/jobs/${job.id}`);
      return ['succeeded', 'failed', 'stopped'].includes(j.status) ? j : undefined;
    }, 120_000);
    expect(final.status, JSON.stringify(final.error)).toBe('succeeded');
    const onInside = await waitFor(async () => {
      const j = await inside.api.get<JobView>(`/v1/jobs/${job.id}`);
      return j.status === 'succeeded' ? j : undefined;
    }, 60_000);
    expect(onInside.id).toBe(job.id);

    // Both planes crossed the relay towards the inside node, and answers came back.
    const bytes = (plane: string, direction: string) =>
      Buffer.concat(
        forwarded.filter((c) => c.plane === plane && c.direction === direction).map((c) => c.bytes),
      );
    for (const plane of ['api', 'data'])
      for (const direction of ['to-node', 'from-node'])
        expect(bytes(plane, direction).length, `${plane} ${direction}`).toBeGreaterThan(0);
    // The job id is in every control-plane call and data-plane message of the job: the relay
    // never sees it, nor the dataset's column names or an HTTP request line.
    const all = Buffer.concat(forwarded.map((c) => c.bytes));
    expect(all.length).toBeGreaterThan(10_000);
    for (const marker of [job.id, 'x10', 'POST /v1/', 'psi-ecdh', 'authorization'])
      expect(all.includes(marker), marker).toBe(false);
    expect(forwarded.every((c) => c.node === 'inside')).toBe(true);
  });

  test('a partner asking the relay for a node that has no tunnel is refused; so is an unregistered inside node', async () => {
    const partner = await generateIdentity('outside');
    const refused = await new Promise<string>((resolve) => {
      const s = tls.connect({
        host: OUTSIDE_IP,
        port: relay.apiPort,
        servername: 'ghost.fedgrid',
        key: partner.keyPem,
        cert: partner.certPem,
        rejectUnauthorized: false,
        minVersion: 'TLSv1.3',
      });
      s.once('secureConnect', () => (s.destroy(), resolve('connected')));
      s.once('error', (err) => resolve(err.message));
    });
    expect(refused).toMatch(/unrecognized name/i);

    // A node with a certificate the relay does not list, even claiming the registered id.
    const stranger = await generateIdentity('inside');
    const t = new RelayTunnel({
      identity: stranger,
      relayAddress: `${OUTSIDE_IP}:${relay.tunnelPort}`,
      relayFingerprint: relay.fingerprint,
      targets: { api: { host: '127.0.0.1', port: 9 }, data: { host: '127.0.0.1', port: 9 } },
    });
    const up = t.registered();
    t.start();
    await expect(up).rejects.toThrow(/before accepting it|ECONNRESET|socket hang up/);
    await t.close();
    // The registered node keeps its tunnel and stays reachable.
    expect(relay.connected()).toEqual(['inside']);
    expect((await inside.api.get<{ nodeId: string }>('/v1/node')).nodeId).toBe('inside');
  });
});
