/**
 * `fedgrid demo --mode horizontal` as a user runs it: three client nodes and an aggregator as
 * separate processes over mutual TLS, an MLP trained with FedAvg under secure aggregation on the
 * bundled steel-plant data, compared with the centralised and the local-only models.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/fedgrid.js', import.meta.url));
const pg = process.env['FEDGRID_POSTGRES_URL'];
const PG = pg && pg !== 'off' ? ['--database-url', pg] : [];
let out = '';
afterAll(() => rm(out, { recursive: true, force: true }));

test('MLP with SecAgg on three steel-plant clients: accuracy at least the centralised model’s − 0.02; report as CONTRACTS.md says', async () => {
  out = await mkdtemp(join(tmpdir(), 'fedgrid-test-'));
  const { stdout } = await run(
    process.execPath,
    [BIN, 'demo', '--mode', 'horizontal', '--secagg', '--rounds', '10', '--out', out, ...PG],
    { maxBuffer: 16 * 2 ** 20 },
  );
  const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as {
    mode: string;
    parties: { guest: { rows: number }; hosts: { rows: number }[] };
    metrics: Record<string, number>;
    baseline: Record<string, number>;
    local: { party: string; metrics: Record<string, number> }[];
    secure_aggregation: boolean;
    rounds: { aggregated: string[] }[];
    intersection_size?: number;
  };
  expect(report.mode).toBe('horizontal');
  expect(report.intersection_size).toBeUndefined();
  expect(report.secure_aggregation).toBe(true);
  // 35,040 rows in three consecutive blocks.
  expect([report.parties.guest.rows, ...report.parties.hosts.map((h) => h.rows)]).toEqual([
    11680, 11680, 11680,
  ]);
  expect(report.rounds).toHaveLength(10);
  expect(report.rounds.every((r) => r.aggregated.length === 3)).toBe(true);
  expect(report.baseline['accuracy']).toBeGreaterThan(0.8);
  // Issue 6: the federated model reaches the centralised accuracy within 0.02. With 10 rounds the
  // centralised twin (10 epochs) is itself short of converged, and the federated model — whose
  // SecAgg rounding is stochastic, so it varies from run to run — often ends above it (measured
  // +0.018 and +0.020); being better is not a failure.
  expect(report.metrics['accuracy']!).toBeGreaterThanOrEqual(report.baseline['accuracy']! - 0.02);
  expect(report.local.map((l) => l.party)).toEqual(['guest', 'host-0', 'host-1']);
  expect(stdout).toMatch(/centralised \(union\)/);
});
