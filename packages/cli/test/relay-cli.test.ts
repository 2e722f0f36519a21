/**
 * `fedgrid relay init | add-node | start` as processes (docs/OPERATIONS.md, "Relay for isolated
 * networks"): a node added with add-node while the relay runs can register without a restart, a
 * partner's TLS connection reaches that node's own TLS endpoint through the relay (the node's
 * certificate is what the partner sees), an unregistered node is refused, the relay logs each
 * forwarded connection with its byte counts, a missing relay directory is a clear error, and
 * `node init --relay` writes an inside node's relays (a bad one refused by flag).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parse } from 'yaml';
import { generateIdentity, RelayTunnel, type TlsIdentity } from '@fedgrid/federation';
import { waitFor } from './cluster-helpers.js';

const run = promisify(execFile);
const BIN = new URL('../bin/fedgrid.js', import.meta.url).pathname;

let root: string;
let relay: ChildProcess;
let ports: { tunnel: number; api: number; data: number };
let fingerprint: string;
let bank: TlsIdentity;
let endpoint: tls.Server;
const tunnels: RelayTunnel[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fedgrid-relay-cli-'));
  const init = await run(process.execPath, [
    BIN,
    ...['relay', 'init', '--dir', join(root, 'relay'), '--host', '127.0.0.1'],
    ...['--tunnel-port', '0', '--api-port', '0', '--data-port', '0', '--json'],
  ]);
  fingerprint = (JSON.parse(init.stdout) as { fingerprint: string }).fingerprint;
  relay = spawn(
    process.execPath,
    [BIN, 'relay', 'start', '--dir', join(root, 'relay'), '--log-file', join(root, 'relay.log')],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  relay.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  relay.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const m = await waitFor(
    async () => /tunnel (\d+), api (\d+), data (\d+); fingerprint (\S+)/.exec(out) ?? undefined,
    60_000,
  ).catch(() => {
    throw new Error(`the relay did not start: ${out}`);
  });
  ports = { tunnel: Number(m[1]), api: Number(m[2]), data: Number(m[3]) };
  expect(m[4]).toBe(fingerprint);
  // The inside node's TLS endpoint (its own certificate; the relay never terminates this TLS).
  bank = await generateIdentity('bank');
  endpoint = tls.createServer(
    { key: bank.keyPem, cert: bank.certPem, minVersion: 'TLSv1.3' },
    (s) => s.end('hello from bank'),
  );
  await new Promise<void>((r) => endpoint.listen(0, '127.0.0.1', r));
});

afterAll(async () => {
  for (const t of tunnels) await t.close();
  if (relay && relay.exitCode === null) relay.kill('SIGKILL');
  await new Promise((r) => endpoint?.close(r));
  await rm(root, { recursive: true, force: true });
});

function tunnelFor(identity: TlsIdentity): RelayTunnel {
  const port = (endpoint.address() as AddressInfo).port;
  const t = new RelayTunnel({
    identity,
    relayAddress: `127.0.0.1:${ports.tunnel}`,
    relayFingerprint: fingerprint,
    targets: { api: { host: '127.0.0.1', port }, data: { host: '127.0.0.1', port } },
  });
  tunnels.push(t);
  return t;
}

test('a node added while the relay runs registers, and a partner reaches its own TLS endpoint through it', async () => {
  // Not registered yet: refused.
  const early = tunnelFor(bank);
  const refused = early.registered();
  early.start();
  await expect(refused).rejects.toThrow(/before accepting it|ECONNRESET|socket hang up/);
  await early.close();

  await run(process.execPath, [
    BIN,
    ...['relay', 'add-node', '--dir', join(root, 'relay'), '--id', 'bank'],
    ...['--fingerprint', bank.fingerprint],
  ]);
  const t = tunnelFor(bank);
  const up = t.registered();
  t.start();
  await up;

  for (const port of [ports.api, ports.data]) {
    const { presented, text } = await new Promise<{ presented: string; text: string }>(
      (resolve, reject) => {
        const s = tls.connect({
          host: '127.0.0.1',
          port,
          servername: 'bank.fedgrid',
          rejectUnauthorized: false,
          minVersion: 'TLSv1.3',
        });
        let text = '';
        s.on('data', (d: Buffer) => (text += d.toString()));
        s.once('end', () => resolve({ presented: s.getPeerCertificate().fingerprint256, text }));
        s.once('error', reject);
      },
    );
    expect(presented).toBe(bank.fingerprint);
    expect(text).toBe('hello from bank');
  }
  const lines = await waitFor(async () => {
    const log = await readFile(join(root, 'relay.log'), 'utf8').catch(() => '');
    const forwarded = log
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l['msg'] === 'relay: connection forwarded');
    return forwarded.length === 2 ? forwarded : undefined;
  }, 30_000);
  expect(lines.map((l) => [l['node'], l['plane']])).toEqual([
    ['bank', 'api'],
    ['bank', 'data'],
  ]);
  for (const l of lines) {
    expect(l['bytesToNode']).toBeGreaterThan(0);
    expect(l['bytesFromNode']).toBeGreaterThan(0);
  }
});

test('SIGTERM stops the relay; a missing relay directory is a clear error', async () => {
  const exited = new Promise<number | null>((r) => relay.once('exit', (code) => r(code)));
  relay.kill('SIGTERM');
  expect(await exited).toBe(0);
  const err = await run(process.execPath, [
    BIN,
    ...['relay', 'start', '--dir', join(root, 'nowhere')],
  ]).catch((e: { code: number; stderr: string }) => e);
  expect((err as { code: number }).code).toBe(1);
  expect((err as { stderr: string }).stderr).toMatch(/relay\.yaml.*fedgrid relay init/);
});

test('node init --relay (repeatable) writes the relays to fedgrid.yaml; a bad one is refused by flag before anything is created', async () => {
  const other = (await generateIdentity('relay-b')).fingerprint;
  const dir = join(root, 'inside');
  const init = await run(process.execPath, [
    BIN,
    ...['node', 'init', '--dir', dir, '--id', 'inside', '--json'],
    ...['--relay', `relay-a.dmz:${ports.tunnel}#${fingerprint.toLowerCase()}`],
    ...['--relay', `relay-b.dmz:7443#${other}`],
  ]);
  const expected = [
    { address: `relay-a.dmz:${ports.tunnel}`, fingerprint },
    { address: 'relay-b.dmz:7443', fingerprint: other },
  ];
  expect((JSON.parse(init.stdout) as { relays: unknown }).relays).toEqual(expected);
  const config = parse(await readFile(join(dir, 'fedgrid.yaml'), 'utf8')) as { relays: unknown };
  expect(config.relays).toEqual(expected);

  const bad = join(root, 'bad');
  const err = await run(process.execPath, [
    BIN,
    ...['node', 'init', '--dir', bad, '--id', 'bad', '--relay', 'relay-a.dmz:7443'],
  ]).catch((e: { code: number; stderr: string }) => e);
  expect((err as { code: number }).code).toBe(1);
  expect((err as { stderr: string }).stderr).toContain(
    "--relay 'relay-a.dmz:7443' has no '#FINGERPRINT'",
  );
  await expect(readdir(bad)).rejects.toThrow(/ENOENT/);
});
