/**
 * The relay process's Prometheus endpoint (docs/OPERATIONS.md "Relay for isolated networks"):
 * off unless relay.yaml has `metrics`; once on, a refused partner shows in
 * `fedgrid_relay_refused_total{reason}`, and the limits of relay.yaml reach the relay (a bad one
 * is refused by name).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { FedGridError, initRelay, loadRelayConfig, startRelay } from '@fedgrid/node';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fedgrid-relay-metrics-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function relayDir(name: string, extra: Record<string, unknown>): Promise<string> {
  const dir = join(root, name);
  await initRelay({ dir, host: '127.0.0.1', tunnelPort: 0, apiPort: 0, dataPort: 0 });
  const file = join(dir, 'relay.yaml');
  const config = parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  await writeFile(file, stringify({ ...config, ...extra }));
  return dir;
}

it('serves /metrics only when configured; counts a refused partner by reason', async () => {
  const off = await startRelay({ dir: await relayDir('off', {}), logLevel: 'silent' });
  expect(off.metricsPort).toBeUndefined();
  await off.close();

  const dir = await relayDir('on', {
    metrics: { host: '127.0.0.1', port: 0 },
    limits: { maxTunnelsPerNode: 3, bytesPerSecondPerSource: 1048576 },
  });
  const relay = await startRelay({ dir, logLevel: 'silent' });
  try {
    expect(relay.limits).toMatchObject({
      maxTunnelsPerNode: 3,
      maxConnectionsPerSource: 128,
      bytesPerSecondPerSource: 1048576,
      bytesPerSecondPerNode: 128 * 2 ** 20,
    });
    const url = `http://127.0.0.1:${relay.metricsPort}`;
    const refused = await new Promise<string>((resolve) => {
      const s = tls.connect({
        host: '127.0.0.1',
        port: relay.apiPort,
        servername: 'ghost.fedgrid',
        rejectUnauthorized: false,
      });
      s.once('secureConnect', () => (s.destroy(), resolve('connected')));
      s.once('error', (err) => resolve(err.message));
    });
    expect(refused).toMatch(/unrecognized name/i);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toContain('fedgrid_relay_refused_total{reason="unknown_name"} 1');
    expect(text).toContain('fedgrid_relay_pending_hellos 0');
    expect(text).toContain('# TYPE fedgrid_relay_forwarded_bytes_total counter');
    expect(text).toContain('# TYPE fedgrid_relay_throttled_seconds_total counter');
    expect((await fetch(`${url}/other`)).status).toBe(404);
    expect(relay.stats().refused).toEqual({ unknown_name: 1 });
  } finally {
    await relay.close();
  }
});

it('refuses an unknown or bad limit in relay.yaml, naming it', async () => {
  const dir = await relayDir('bad', {
    limits: { maxConnectionsPerSource: 0, byteBurstPerNode: 1.5, perNode: 3 },
  });
  const err = await loadRelayConfig(dir).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(FedGridError);
  expect((err as Error).message).toContain('limits.maxConnectionsPerSource');
  expect((err as Error).message).toContain('limits.byteBurstPerNode');
  expect((err as Error).message).toContain('perNode');
});
