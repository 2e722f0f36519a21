/**
 * `fedgrid demo --mode mpc` as a user runs it: guest (emissions monitoring), host-0 (production
 * statistics) and arbiter (dealer) as separate node processes over mutual TLS on the bundled
 * EPA/BEA slice; every MPC table matches the plaintext computation within the §9.4 bound, and
 * the test recomputes the region totals itself from the shipped CSV files.
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
const DATA = fileURLToPath(new URL('../../../examples/data/emissions/', import.meta.url));
const pg = process.env['FEDGRID_POSTGRES_URL'];
const PG = pg && pg !== 'off' ? ['--database-url', pg] : [];
let out = '';
afterAll(() => rm(out, { recursive: true, force: true }));

async function csv(file: string): Promise<Record<string, string>[]> {
  const [head, ...lines] = (await readFile(join(DATA, file), 'utf8')).trim().split('\n');
  const cols = head!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

type Total = {
  key: string;
  rows: number;
  emissions_t: number;
  output_musd: number;
  intensity_t_per_musd: number;
};
type Tables = {
  by_region: Total[];
  by_industry: Total[];
  series: Total[];
  yoy: { year: number; matched_rows: number; change_pct: number }[];
  ranking: { rank: number; region: string }[];
  heavy_facility_years: number;
};

test('emissions statistics by MPC on EPA/BEA data equal plaintext within 2^-32 relative; report as CONTRACTS.md says', async () => {
  out = await mkdtemp(join(tmpdir(), 'fedgrid-test-'));
  const { stdout } = await run(
    process.execPath,
    [BIN, 'demo', '--mode', 'mpc', '--out', out, ...PG],
    {
      maxBuffer: 16 * 2 ** 20,
    },
  );
  const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as {
    mode: string;
    parties: { guest: { rows: number }; hosts: { rows: number }[] };
    intersection_size: number;
    results: Tables;
    plaintext: Tables;
    max_relative_error: number;
    seconds: { total: number };
    notes: string[];
  };
  expect(report.mode).toBe('mpc');
  // Our own join of the shipped files: PR facilities have no BEA figures, so PSI drops them.
  const emis = await csv('emissions.csv');
  const prod = new Map((await csv('production.csv')).map((r) => [r['id'], r]));
  expect(report.parties.guest.rows).toBe(emis.length);
  expect(report.parties.hosts[0]!.rows).toBe(prod.size);
  const joined = emis.filter((r) => prod.has(r['id']));
  expect(report.intersection_size).toBe(joined.length);
  const byState = new Map<string, number>();
  for (const r of joined) {
    const st = prod.get(r['id'])!['state_fips']!;
    byState.set(st, (byState.get(st) ?? 0) + Number(r['emissions_t']));
  }
  expect(report.results.by_region).toHaveLength(byState.size);
  const ours = [...byState.entries()].sort((a, b) => Number(a[0]) - Number(b[0])).map((e) => e[1]);
  report.results.by_region.forEach((g, i) =>
    expect(Math.abs(g.emissions_t - ours[i]!)).toBeLessThanOrEqual(2 ** -32 * ours[i]!),
  );
  // Every number of every table (totals, series, YoY, intensity, ranks) within the bound.
  expect(report.max_relative_error).toBeLessThanOrEqual(2 ** -32);
  expect(report.results.ranking.map((r) => r.region)).toEqual(
    report.plaintext.ranking.map((r) => r.region),
  );
  expect(report.results.series.map((s) => s.key)).toEqual(['2019', '2020', '2021']);
  expect(report.results.yoy.map((y) => y.year)).toEqual([2019, 2020, 2021]);
  expect(report.results.by_industry.every((g) => g.rows >= 5)).toBe(true);
  expect(report.results.heavy_facility_years).toBe(report.plaintext.heavy_facility_years);
  expect(report.results.heavy_facility_years).toBeGreaterThan(0);
  expect(report.notes.join(' ')).toMatch(/allocated from BEA SAGDP2N/);
  const html = await readFile(join(out, 'report.html'), 'utf8');
  expect(html.match(/<svg/g)).toHaveLength(3);
  expect(stdout).toMatch(/largest difference from plaintext/);
});
