// Micro-run (issue 12): how long one CHECKPOINT of the embedded store blocks the event loop once
// the policy's bound of write-ahead log was written (packages/node/src/storage/wal-checkpoints.ts).
//
//   node packages/bench/scripts/wal-checkpoint.mjs 256 2
//
// Makes a fresh file-backed PGlite store with the node's settings, then CYCLES times: commits
// audit-like rows (one row per commit, a table shaped like audit_events with its hash chain
// columns and a JSON details column, ≈ 1.5 KB of log per commit) until BOUND MiB of log were
// written since the last checkpoint's redo point, and times the CHECKPOINT (wall and the
// process's CPU). PGlite runs it on this thread: the wall time is how long the loop is blocked.
import { createHash } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PGlite } from '@electric-sql/pglite';

const boundMb = Number(process.argv[2] ?? 256);
const cycles = Number(process.argv[3] ?? 2);
const dir = join(tmpdir(), `fedgrid-wal-checkpoint-${process.pid}`);
const db = new PGlite(dir, {
  startParams: [...PGlite.defaultStartParams, '-c', 'wal_init_zero=off'],
});
await db.waitReady;
await db.exec(`create table audit (
  id bigserial primary key, at timestamptz not null default now(), node_id text not null,
  actor_kind text not null, actor_id text not null, action text not null, object_type text,
  object_id text, outcome text not null, status int, details jsonb, seq bigint not null unique,
  prev_hash text not null, hash text not null);
  create index on audit (at); create index on audit (action, at)`);
const since = async () =>
  Number(
    (
      await db.query(
        'select pg_wal_lsn_diff(pg_current_wal_lsn(), (pg_control_checkpoint()).redo_lsn)::float8 as b',
      )
    ).rows[0].b,
  );
let seq = 0;
let prev = '0'.repeat(64);
const setting = async (n) => (await db.query(`select current_setting('${n}') as v`)).rows[0].v;
console.log(
  `shared_buffers ${await setting('shared_buffers')}, wal_init_zero ${await setting('wal_init_zero')}, bound ${boundMb} MiB`,
);
for (let c = 0; c < cycles; c++) {
  const w0 = performance.now();
  let commits = 0;
  while ((await since()) < boundMb * 2 ** 20) {
    for (let i = 0; i < 200; i++, commits++) {
      seq++;
      const details = {
        model: 'credit-lr@3',
        ids: 1,
        requestId: createHash('sha256').update(`r${seq}`).digest('hex'),
        features: 12,
        ms: (seq % 17) / 10,
      };
      const hash = createHash('sha256')
        .update(prev + JSON.stringify(details))
        .digest('hex');
      await db.query(
        `insert into audit (node_id, actor_kind, actor_id, action, object_type, object_id, outcome, status, details, seq, prev_hash, hash)
         values ('node-a', 'partner', 'node-b', 'serving.predict', 'model', 'credit-lr', 'ok', 200, $1, $2, $3, $4)`,
        [details, seq, prev, hash],
      );
      prev = hash;
    }
  }
  const wal = await since();
  const fillS = (performance.now() - w0) / 1000;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await db.query('checkpoint');
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    JSON.stringify({
      cycle: c + 1,
      commits,
      walMiB: +(wal / 2 ** 20).toFixed(1),
      fillSeconds: +fillS.toFixed(1),
      checkpointWallMs: +ms.toFixed(1),
      checkpointCpuMs: +((cpu.user + cpu.system) / 1000).toFixed(1),
      walAfterBytes: await since(),
      segments: readdirSync(join(dir, 'pg_wal')).filter((f) => /^[0-9A-F]{24}$/.test(f)).length,
    }),
  );
}
await db.close();
rmSync(dir, { recursive: true, force: true });
