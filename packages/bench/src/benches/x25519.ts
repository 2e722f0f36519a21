/** `x25519.raw`: X25519 scalar multiplications per second with the native batch kernel. */
import { Worker } from 'node:worker_threads';
import { x25519Backend } from '@fedgrid/crypto';
import { CpuProbe, type CpuReport } from '../cpu.js';
import { cpuFields, result, sig, type BenchResult } from '../report.js';

const WORKER = new URL('../x25519-worker.js', import.meta.url);

interface Round {
  ops: number;
  wall: number;
  cpu: CpuReport;
}

/**
 * Runs `threads` worker threads, each calling the native `x25519Batch` on `batch` points in a
 * loop for `seconds`, all started together; `rounds` times, reporting the round of median rate.
 * `seconds` of the entry is the wall time from the start signal until the last thread reported;
 * `per_second` counts every thread's work.
 */
export async function benchX25519Raw(
  threads: number,
  seconds: number,
  rounds = 3,
  batch = 4096,
): Promise<BenchResult> {
  const workers = Array.from(
    { length: threads },
    () => new Worker(WORKER, { workerData: { batch, seconds } }),
  );
  let finished = false;
  try {
    const failed = new Promise<never>((_, reject) => {
      for (const w of workers) {
        w.once('error', (err) => reject(new Error(`x25519 worker failed: ${err.message}`)));
        w.once('exit', (code) => {
          if (!finished) reject(new Error(`x25519 worker exited early with code ${code}`));
        });
      }
    });
    const next = <T>(w: Worker) => new Promise<T>((resolve) => w.once('message', resolve));
    await Promise.race([Promise.all(workers.map(next)), failed]);
    const probe = new CpuProbe();
    const all: Round[] = [];
    for (let r = 0; r < rounds; r++) {
      const results = workers.map((w) => next<{ ops: number; seconds: number }>(w));
      const cpu0 = probe.snapshot();
      const t0 = performance.now();
      for (const w of workers) w.postMessage('go');
      const done = await Promise.race([Promise.all(results), failed]);
      const wall = (performance.now() - t0) / 1000;
      all.push({
        ops: done.reduce((a, x) => a + x.ops, 0),
        wall,
        cpu: CpuProbe.between(cpu0, probe.snapshot()),
      });
    }
    finished = true;
    const byRate = [...all].sort((a, b) => a.ops / a.wall - b.ops / b.wall);
    const mid = byRate[Math.floor((byRate.length - 1) / 2)] as Round;
    return result('x25519.raw', { threads }, mid.wall, mid.ops, 'scalar multiplications', {
      backend: x25519Backend(),
      batch,
      us_per_op_per_thread: sig((mid.wall * threads * 1e6) / mid.ops, 3),
      ...cpuFields(mid.cpu, mid.wall, threads),
      round_rates: all.map((x) => sig(x.ops / x.wall, 4)),
    });
  } finally {
    finished = true;
    for (const w of workers) {
      w.removeAllListeners('exit');
      await w.terminate();
    }
  }
}
