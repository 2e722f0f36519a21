/**
 * `fedgrid demo` as a user runs it: the real command line, separate node processes, bundled or
 * user-supplied CSV files. The federated model must match its plaintext twin.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { SeededRandom } from '@fedgrid/ml';
import { isHeldOut, type DemoReport } from 'fedgrid';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/fedgrid.js', import.meta.url));
const SAMPLES = fileURLToPath(new URL('../../../examples/data/fate/', import.meta.url));
const dirs: string[] = [];
/**
 * The bundled run uses the default embedded store, as `npm run demo` does; the others run the
 * nodes on the PostgreSQL server (FEDGRID_POSTGRES_URL, see vitest.config.ts; `off`: PGlite too),
 * which also covers the demo's --database-url path and starts nodes faster.
 */
const pg = process.env['FEDGRID_POSTGRES_URL'];
const PG = pg && pg !== 'off' ? ['--database-url', pg] : [];

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'fedgrid-test-'));
  dirs.push(d);
  return d;
}

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function demo(args: string[]): Promise<{ report: DemoReport; stdout: string }> {
  const out = await tempDir();
  const { stdout } = await run(process.execPath, [BIN, 'demo', '--out', out, ...args], {
    maxBuffer: 16 * 2 ** 20,
  });
  const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as DemoReport;
  return { report, stdout };
}

describe('fedgrid demo', () => {
  test('bundled breast data: AUC ≥ 0.98, within 0.01 of the plaintext baseline, 2048-bit keys', async () => {
    const { report, stdout } = await demo([]);
    expect(report.algorithm).toBe('hetero-lr');
    expect(report.task).toBe('binary');
    expect(report.key_bits).toBeGreaterThanOrEqual(2048);
    expect(report.parties).toEqual({ guest: { rows: 569 }, hosts: [{ rows: 569 }] });
    expect(report.intersection_size).toBe(569);
    for (const k of ['auc', 'ks', 'accuracy', 'logloss'] as const) {
      expect(typeof report.metrics[k]).toBe('number');
      expect(typeof report.baseline[k]).toBe('number');
    }
    expect(report.metrics['auc']).toBeGreaterThanOrEqual(0.98);
    expect(Math.abs(report.metrics['auc']! - report.baseline['auc']!)).toBeLessThanOrEqual(0.01);
    for (const k of ['psi', 'train', 'predict', 'total'] as const)
      expect(report.seconds[k]).toBeGreaterThan(0);
    expect(stdout).toMatch(/epoch\s+1\s+loss/);
    expect(stdout).toMatch(/PSI: 569 ids in common/);
    // The trained model deployed and answering online, equal to the batch predictions.
    expect(report.serving).toMatchObject({
      model: expect.stringMatching(/^.+@.+$/),
      requests: 100,
      equal_to_batch: true,
    });
    expect(report.serving!.p50_ms).toBeGreaterThan(0);
    expect(report.serving!.p99_ms).toBeGreaterThanOrEqual(report.serving!.p50_ms);
    expect(stdout).toMatch(/request: +\{"id":/);
    expect(stdout).toMatch(/response: +\{"deployment":"demo"/);
    expect(stdout).toMatch(/latency: +[\d.]+ ms/);
  });

  test("a user's own files: other id and label names, rows in other orders, partial overlap, 20% held out", async () => {
    const dir = await tempDir();
    const g = (await readFile(join(SAMPLES, 'breast_hetero_guest.csv'), 'utf8')).trim().split('\n');
    const h = (await readFile(join(SAMPLES, 'breast_hetero_host.csv'), 'utf8')).trim().split('\n');
    const rnd = new SeededRandom(7);
    // Guest keeps rows 0..499, host keeps rows 60..568 plus 25 rows only it has: 440 in common.
    const guestRows = g.slice(1, 501);
    const hostRows = [
      ...h.slice(61),
      ...Array.from({ length: 25 }, (_, k) => `extra-${k},${h[1]!.split(',').slice(1).join(',')}`),
    ];
    const shuffle = (rows: string[]) => Array.from(rnd.permutation(rows.length), (i) => rows[i]!);
    const rename = (header: string) =>
      header.replace(/^id,/, 'customer_no,').replace(/,y,/, ',defaulted,');
    await writeFile(
      join(dir, 'bank.csv'),
      [rename(g[0]!), ...shuffle(guestRows).map((r) => `c${r}`)].join('\n') + '\n',
    );
    await writeFile(
      join(dir, 'utility.csv'),
      [rename(h[0]!), ...shuffle(hostRows).map((r) => (r.startsWith('extra') ? r : `c${r}`))].join(
        '\n',
      ) + '\n',
    );
    const { report } = await demo([
      '--guest',
      join(dir, 'bank.csv'),
      '--host',
      join(dir, 'utility.csv'),
      '--id',
      'customer_no',
      '--label',
      'defaulted',
      '--holdout',
      '0.2',
      ...PG,
    ]);
    // Every party splits its own file by the same rule on the id: the held-out ids line up.
    const idOf = (r: string) => `c${r.split(',')[0]}`;
    const held = (rows: string[]) => rows.filter((r) => isHeldOut(idOf(r), 0.2)).length;
    const common = g.slice(61, 501);
    expect(held(common)).toBeGreaterThan(50);
    expect(report.parties.guest.rows).toBe(500 - held(guestRows));
    expect(report.intersection_size).toBe(440 - held(common));
    expect(report.metrics['auc']).toBeGreaterThanOrEqual(0.97);
    expect(Math.abs(report.metrics['auc']! - report.baseline['auc']!)).toBeLessThanOrEqual(0.01);
    // The published model scored the held-out rows in a batch-prediction job of their own.
    expect(report.heldout).toMatchObject({ fraction: 0.2, rows: held(common) });
    expect(report.heldout!.job_id).not.toBe(report.job_id);
    expect(report.heldout!.metrics['auc']).toBeGreaterThanOrEqual(0.95);
    expect(
      Math.abs(report.heldout!.metrics['auc']! - report.heldout!.baseline['auc']!),
    ).toBeLessThanOrEqual(0.02);
  });

  test('bad input fails with a clear message and a non-zero exit code', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'g.csv'), 'id,y,x0\n1,1,0.5\n2,0,abc\n');
    const err = await run(process.execPath, [
      BIN,
      'demo',
      '--out',
      dir,
      '--guest',
      join(dir, 'g.csv'),
      '--host',
      join(SAMPLES, 'breast_hetero_host.csv'),
      ...PG,
    ]).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toContain('CSV_INVALID');
    expect(err?.stderr).toContain(`${join(dir, 'g.csv')}:3:3`);
    expect(err?.stderr).toContain("value 'abc' is not a number");
  });

  test('--algorithm hetero-linr on the bundled motor split, default settings: a regression report within 2% of the plaintext MSE', async () => {
    const motor = (f: string) => join(SAMPLES, f);
    const { report } = await demo([
      '--guest',
      motor('motor_hetero_guest.csv'),
      '--host',
      motor('motor_hetero_host.csv'),
      '--id',
      'idx',
      '--label',
      'motor_speed',
      '--algorithm',
      'hetero-linr',
      ...PG,
    ]);
    expect(report.algorithm).toBe('hetero-linr');
    expect(report.task).toBe('regression');
    expect(report.intersection_size).toBe(800);
    expect(Object.keys(report.metrics).sort()).toEqual(
      ['explained_variance', 'mae', 'mse', 'r2', 'rmse'].sort(),
    );
    const rel =
      Math.abs(report.metrics['mse']! - report.baseline['mse']!) / report.baseline['mse']!;
    expect(rel).toBeLessThanOrEqual(0.02);
    expect(report.metrics['r2']).toBeGreaterThan(0.8);
  });

  test('a label the algorithm cannot learn is refused, naming the task and the algorithm to use', async () => {
    const dir = await tempDir();
    const err = await run(process.execPath, [
      BIN,
      'demo',
      '--out',
      dir,
      '--guest',
      join(SAMPLES, 'motor_hetero_guest.csv'),
      '--host',
      join(SAMPLES, 'motor_hetero_host.csv'),
      '--id',
      'idx',
      '--label',
      'motor_speed',
      ...PG,
    ]).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toMatch(/inferred as regression/);
    expect(err?.stderr).toMatch(/--algorithm hetero-linr/);
  });
});
