// Micro-run (issue 12): what the commit that moves PGlite's write-ahead log into a new 16 MB
// segment costs, with `wal_init_zero` on (PostgreSQL's default) or off (the node's setting,
// packages/node/src/storage/pglite-settings.ts).
//
//   node packages/bench/scripts/wal-switch.mjs on 4000
//   node packages/bench/scripts/wal-switch.mjs off 4000
//
// Makes a fresh file-backed PGlite store, commits N inserts of ≈ 8 KB of log each (one every
// ≈ 2,000 fills a segment), times each commit (wall and the process's CPU), and prints the
// commits that crossed into a new segment next to the median commit and the size on disk of each
// segment (a segment created with wal_init_zero = off is sparse until written).
import { readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PGlite } from '@electric-sql/pglite';

const zero = process.argv[2] === 'off' ? 'off' : 'on';
const n = Number(process.argv[3] ?? 4000);
const dir = join(tmpdir(), `fedgrid-wal-switch-${zero}-${process.pid}`);
const db = new PGlite(dir, {
  startParams: [...PGlite.defaultStartParams, '-c', `wal_init_zero=${zero}`],
});
await db.waitReady;
const segment = async () =>
  (await db.query('select pg_walfile_name(pg_current_wal_lsn()) as f')).rows[0].f;
await db.exec('create table t (id serial primary key, v text)');
const payload = 'x'.repeat(2000);
const commits = [];
const switches = [];
let seg = await segment();
for (let i = 0; i < n; i++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await db.query('insert into t (v) select $1 from generate_series(1, 4)', [payload]);
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const cpuMs = (c.user + c.system) / 1000;
  commits.push(cpuMs);
  // Read outside the timed commit.
  const now = await segment();
  if (now !== seg)
    switches.push({ commit: i, wallMs: +wallMs.toFixed(1), cpuMs: +cpuMs.toFixed(1) });
  seg = now;
}
commits.sort((a, b) => a - b);
console.log(
  `wal_init_zero = ${(await db.query("select current_setting('wal_init_zero') as v")).rows[0].v}`,
);
console.log(`median commit: ${commits[commits.length >> 1].toFixed(2)} ms CPU`);
console.log('commits into a new segment:', JSON.stringify(switches));
const wal = join(dir, 'pg_wal');
console.log(
  'segments (MB on disk):',
  readdirSync(wal)
    .filter((f) => /^[0-9A-F]{24}$/.test(f))
    .map((f) => `${f.slice(-4)} ${((statSync(join(wal, f)).blocks * 512) / 2 ** 20).toFixed(1)}`)
    .join(', '),
);
await db.close();
rmSync(dir, { recursive: true, force: true });
