// Debug preload (issue 12): attributes every block of this process's event loop longer than
// FEDGRID_STALL_MS (default 5 ms) to what ran in it — a PGlite protocol message (with the SQL
// of the statement it belongs to), a garbage collection, or something else. Never loaded by
// default; give it to every process of a run through NODE_OPTIONS, e.g.
//
//   FEDGRID_STALL_TRACE_DIR=/tmp/st NODE_OPTIONS="--import=$PWD/packages/bench/scripts/stall-trace.mjs" \
//     npm run bench -- --out /tmp/b --only serving.online ...
//   node packages/bench/scripts/stall-report.mjs /tmp/st [--from HH:MM:SS --to HH:MM:SS]
//
// Each process appends JSON lines to FEDGRID_STALL_TRACE_DIR/stalls-<name>-<pid>.jsonl, where
// <name> is the basename of `--dir` (a node: guest, host) or `main`.
//
// How a block is found: a 1 ms interval timer notes the wall time between two of its ticks; a gap
// over the threshold is a block of the event loop (or the process was not scheduled: the CPU the
// process used in the gap, all threads, is recorded next to it). Each PGlite message runs
// synchronously in execProtocolRawSync on this thread, and each GC pause is reported by
// PerformanceObserver('gc'); a gap is attributed to the PGlite messages and GC pauses that fall
// inside it when they cover at least half of it, otherwise to 'other'.
import { appendFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PerformanceObserver, performance, constants } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

const dir = process.env.FEDGRID_STALL_TRACE_DIR;
const thresholdMs = Number(process.env.FEDGRID_STALL_MS ?? 5);

if (dir && isMainThread) {
  mkdirSync(dir, { recursive: true });
  const dirArg = process.argv.indexOf('--dir');
  const name = dirArg > 0 ? basename(process.argv[dirArg + 1] ?? 'node') : 'main';
  const file = join(dir, `stalls-${name}-${process.pid}.jsonl`);
  /** @type {string[]} */
  let pending = [JSON.stringify({ kind: 'start', argv: process.argv.slice(1), at: Date.now() })];
  const flush = () => {
    if (pending.length === 0) return;
    appendFileSync(file, pending.join('\n') + '\n');
    pending = [];
  };
  setInterval(flush, 2000).unref();
  process.on('exit', flush);

  /** Recent PGlite messages and GC pauses: [start, end (performance.now ms), label]. */
  /** @type {[number, number, string][]} */
  const spans = [];
  const keepSpan = (start, end, label) => {
    // Only spans that can matter (≥ 0.5 ms); the window is pruned at each tick.
    if (end - start >= 0.5) spans.push([start, end, label]);
  };

  const gcKinds = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'gc scavenge',
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'gc mark-compact',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'gc incremental marking',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'gc weak callbacks',
  };
  /** Every collection so far, by kind: count and total pause (ms); written with each flush. */
  const gcTotals = {};
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = gcKinds[e.detail?.kind ?? e.kind] ?? 'gc';
      keepSpan(e.startTime, e.startTime + e.duration, kind);
      const t = (gcTotals[kind] ??= { n: 0, ms: 0 });
      t.n++;
      t.ms += e.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  setInterval(
    () => pending.push(JSON.stringify({ kind: 'gc-totals', at: Date.now(), totals: gcTotals })),
    1000,
  ).unref();

  // PGlite: wrap the synchronous protocol call. Loaded lazily from the same node_modules as the
  // node's own import (the workspace root), so that the class patched is the one the node uses.
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const original = PGlite.prototype.execProtocolRawSync;
    let lastSql = '';
    PGlite.prototype.execProtocolRawSync = function (message) {
      const types = [];
      for (let at = 0; at + 5 <= message.length;) {
        const type = String.fromCharCode(message[at]);
        const len =
          (message[at + 1] << 24) |
          (message[at + 2] << 16) |
          (message[at + 3] << 8) |
          message[at + 4];
        if (type === 'P') {
          // Parse: int32 length, statement name (C string), query (C string).
          let s = at + 5;
          while (s < message.length && message[s] !== 0) s++;
          let e = s + 1;
          while (e < message.length && message[e] !== 0) e++;
          lastSql = Buffer.from(message.subarray(s + 1, e)).toString('utf8');
        } else if (type === 'Q') {
          let e = at + 5;
          while (e < message.length && message[e] !== 0) e++;
          lastSql = Buffer.from(message.subarray(at + 5, e)).toString('utf8');
        }
        types.push(type);
        if (len < 4) break;
        at += 1 + len;
      }
      const t0 = performance.now();
      try {
        return original.call(this, message);
      } finally {
        const sql = lastSql.replace(/\s+/g, ' ').slice(0, 90);
        keepSpan(t0, performance.now(), `pglite ${types.join('')} ${sql}`);
      }
    };
  } catch {
    // Not a process with PGlite installed nearby: GC and other only.
  }

  // A gap is classified 200 ms after it ended: GC entries reach the observer a little later.
  /** @type {{ start: number, end: number, cpuMs: number, at: number }[]} */
  let gaps = [];
  const classify = (g) => {
    const parts = new Map();
    for (const [s, e, label] of spans) {
      const overlap = Math.min(e, g.end) - Math.max(s, g.start);
      if (overlap > 0) parts.set(label, (parts.get(label) ?? 0) + overlap);
    }
    const ms = g.end - g.start;
    let covered = 0;
    for (const v of parts.values()) covered += v;
    const top = [...parts.entries()].sort((a, b) => b[1] - a[1]);
    const cause = covered >= ms / 2 && top[0] ? top[0][0] : 'other';
    const r2 = (x) => Math.round(x * 100) / 100;
    pending.push(
      JSON.stringify({
        at: g.at,
        ms: r2(ms),
        cpu_ms: r2(g.cpuMs),
        cause,
        parts: Object.fromEntries(top.slice(0, 4).map(([k, v]) => [k, r2(v)])),
      }),
    );
  };
  const tickMs = 1;
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage();
    if (now - last - tickMs > thresholdMs)
      gaps.push({
        start: last + tickMs,
        end: now,
        cpuMs: (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000,
        at: Date.now(),
      });
    if (gaps.length > 0 && (gaps[0]?.end ?? now) < now - 200) {
      const ready = gaps.filter((g) => g.end < now - 200);
      gaps = gaps.filter((g) => g.end >= now - 200);
      for (const g of ready) classify(g);
    }
    // Spans that ended over a second ago can no longer fall in a gap still to classify.
    if (spans.length > 0 && (spans[0]?.[1] ?? now) < now - 1000) {
      const keep = spans.filter(([, e]) => e >= now - 1000);
      spans.length = 0;
      spans.push(...keep);
    }
    last = now;
    lastCpu = cpu;
  }, tickMs).unref();
}
