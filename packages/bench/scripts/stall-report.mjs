// Summarises the files written by stall-trace.mjs (issue 12): per process and cause, the blocks
// of the event loop over 5 ms (and over 10 ms), how many of them held over 5 ms of the process's
// CPU, their total and longest wall time, and blocks per minute of the window.
//
//   node packages/bench/scripts/stall-report.mjs DIR [--from HH:MM:SS] [--to HH:MM:SS] [--by-sql]
//
// Times are UTC on the day of the trace. Without --by-sql every PGlite block is reported by the
// protocol message that blocked (S = Sync, the commit) and the statement's first words.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, ...rest] = process.argv.slice(2);
if (!dir) {
  console.error('usage: stall-report.mjs DIR [--from HH:MM:SS] [--to HH:MM:SS] [--by-sql]');
  process.exit(2);
}
const opt = (name) => {
  const i = rest.indexOf(name);
  return i >= 0 ? rest[i + 1] : undefined;
};
const bySql = rest.includes('--by-sql');

const label = (cause, r) => {
  // A gap in which the process barely ran was the machine's doing (not scheduled), not the code's.
  if (cause === 'other') return r.cpu_ms >= r.ms / 2 ? 'other, running' : 'other, not running';
  if (!cause.startsWith('pglite ')) return cause;
  const [, types, ...words] = cause.split(' ');
  const sql = words.join(' ');
  const msg = types.endsWith('S') ? 'commit (Sync)' : `message ${types}`;
  if (bySql) return `pglite ${msg}: ${sql.slice(0, 70)}`;
  const short = /insert into "?audit_events|with moved as/i.test(sql)
    ? 'audit append'
    : sql.split(' ').slice(0, 4).join(' ');
  return `pglite ${msg}: ${short}`;
};

for (const f of readdirSync(dir)
  .filter((n) => n.endsWith('.jsonl'))
  .sort()) {
  const lines = readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean);
  const rows = lines.map((l) => JSON.parse(l));
  const start = rows.find((r) => r.kind === 'start');
  if (!start) continue;
  const day = new Date(start.at).toISOString().slice(0, 10);
  const from = opt('--from') ? Date.parse(`${day}T${opt('--from')}Z`) : start.at;
  const stalls = rows.filter((r) => r.kind === undefined);
  const lastAt = stalls.length ? stalls[stalls.length - 1].at : start.at;
  const to = opt('--to') ? Date.parse(`${day}T${opt('--to')}Z`) : lastAt;
  const inWindow = stalls.filter((r) => r.at >= from && r.at <= to);
  const minutes = (to - from) / 60000;
  const groups = new Map();
  for (const r of inWindow) {
    const k = label(r.cause, r);
    const g = groups.get(k) ?? { n5: 0, n10: 0, c5: 0, total: 0, max: 0, cpu: 0 };
    g.n5++;
    if (r.ms > 10) g.n10++;
    if (r.cpu_ms > 5) g.c5++;
    g.total += r.ms;
    g.cpu += r.cpu_ms;
    g.max = Math.max(g.max, r.ms);
    groups.set(k, g);
  }
  console.log(
    `\n${f}: ${inWindow.length} blocks > 5 ms in ${minutes.toFixed(2)} min (${(inWindow.length / Math.max(minutes, 1e-9)).toFixed(1)} per min)`,
  );
  // Every collection in the window (not only those over 5 ms), from the cumulative totals.
  const totals = rows.filter((r) => r.kind === 'gc-totals');
  const at = (t) => totals.filter((r) => r.at <= t).pop()?.totals ?? {};
  const [g0, g1] = [at(from), at(to)];
  const gcLine = Object.keys(g1)
    .map((k) => {
      const n = g1[k].n - (g0[k]?.n ?? 0);
      const ms = g1[k].ms - (g0[k]?.ms ?? 0);
      return `${k} ${n} (${ms.toFixed(0)} ms, ${(n / Math.max(minutes, 1e-9)).toFixed(0)} per min)`;
    })
    .join(', ');
  if (gcLine) console.log(`collections: ${gcLine}`);
  const cpu5 = inWindow.filter((r) => r.cpu_ms > 5).length;
  console.log(
    `${cpu5} of them with > 5 ms of the process's CPU (all threads) in the block (${(cpu5 / Math.max(minutes, 1e-9)).toFixed(1)} per min)`,
  );
  console.log(
    '| cause | > 5 ms | > 10 ms | per min | > 5 ms CPU | total ms | CPU ms in them | max ms |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const [k, g] of [...groups.entries()].sort((a, b) => b[1].total - a[1].total))
    console.log(
      `| ${k} | ${g.n5} | ${g.n10} | ${(g.n5 / Math.max(minutes, 1e-9)).toFixed(1)} | ${g.c5} | ${g.total.toFixed(0)} | ${g.cpu.toFixed(0)} | ${g.max.toFixed(1)} |`,
    );
}
