/**
 * A benchmark party run as several processes (issue 16 item 1 scale-out): the party process
 * dispatches its crypto batches through PostgreSQL (cluster/batch-dispatcher.ts) and
 * `processes − 1` extra worker processes (batch-worker.ts) take chunks of them — what a node of
 * one worker running the task plus more workers does, without the rest of the node.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CryptoPool } from '@fedgrid/crypto';
import { BatchDispatcher, dropStoreSchema, openStore } from '@fedgrid/node';

const WORKER_SCRIPT = fileURLToPath(new URL('./batch-worker.js', import.meta.url));

/** Chunks of the party's batches run in the party process, in a worker process, taken back. */
export interface ChunkCounts {
  local: number;
  remote: number;
  reclaimed: number;
}

export interface ScaleOut {
  /** Peak RSS of each extra worker process, MiB. */
  workerPeakRssMb(): Promise<number[]>;
  /** Chunks run here, elsewhere, and taken back. */
  stats(): ChunkCounts;
  /** {@link stats} by crypto task kind (`paillierEncrypt`, `paillierInnerProduct`, …). */
  statsByKind(): Record<string, ChunkCounts>;
  close(): Promise<void>;
}

/**
 * Starts `processes − 1` worker processes of `threads` crypto threads each on a fresh schema of
 * `databaseUrl` and lets `pool` split its batches across them.
 * @throws Error when PostgreSQL cannot be reached or a worker does not start.
 */
export async function startScaleOut(opts: {
  pool: CryptoPool;
  processes: number;
  threads: number;
  databaseUrl: string;
}): Promise<ScaleOut> {
  const schema = `fedgrid_bench_${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'fedgrid-bench-party-'));
  const store = await openStore({
    dataDir,
    databaseUrl: opts.databaseUrl,
    databaseSchema: schema,
    lock: 'shared',
  });
  const dispatcher = new BatchDispatcher({
    db: store.db,
    databaseUrl: opts.databaseUrl,
    schema,
    name: `bench:${process.pid}:party`,
    threads: opts.threads,
  });
  await dispatcher.start();
  const children: ChildProcess[] = [];
  for (let i = 1; i < opts.processes; i++) {
    const child = fork(WORKER_SCRIPT, [opts.databaseUrl, schema, String(opts.threads)], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`batch worker exited (${code})`)));
    });
  }
  opts.pool.useOffload(dispatcher);
  return {
    stats: () => dispatcher.stats(),
    statsByKind: () => dispatcher.statsByKind(),
    workerPeakRssMb: () =>
      Promise.all(
        children.map(
          (c) =>
            new Promise<number>((resolve) => {
              c.once('message', (m: { peakRssMb?: number }) => resolve(m.peakRssMb ?? NaN));
              c.send({ type: 'rss' });
            }),
        ),
      ),
    close: async () => {
      opts.pool.useOffload(undefined);
      for (const c of children) c.disconnect();
      await Promise.all(
        children.map((c) =>
          c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined,
        ),
      );
      await dispatcher.close();
      await store.close();
      await dropStoreSchema(opts.databaseUrl, schema).catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
