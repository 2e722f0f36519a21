/**
 * One extra worker process of a benchmark party (issue 16 item 1 scale-out): it runs chunks of
 * the party's crypto batches that the party process hands over through PostgreSQL, exactly as a
 * node's `--role worker` process does (cluster/batch-executor.ts).
 *
 *   node dist/batch-worker.js <databaseUrl> <schema> <threads>
 *
 * Tells its parent `{ type: 'ready' }` once it listens; answers `{ type: 'rss' }` with its peak
 * RSS; exits when the parent goes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CryptoPool } from '@fedgrid/crypto';
import { BatchExecutor, openStore } from '@fedgrid/node';

async function main(): Promise<void> {
  const [databaseUrl, schema, threadsArg] = process.argv.slice(2);
  const threads = Number(threadsArg);
  if (!databaseUrl || !schema || !Number.isInteger(threads) || threads < 1)
    throw new Error('usage: batch-worker.js <databaseUrl> <schema> <threads ≥ 1>');
  const dataDir = mkdtempSync(join(tmpdir(), 'fedgrid-bench-batch-'));
  const store = await openStore({ dataDir, databaseUrl, databaseSchema: schema, lock: 'shared' });
  const pool = new CryptoPool({ threads });
  const executor = new BatchExecutor({
    db: store.db,
    databaseUrl,
    schema,
    name: `bench:${process.pid}:worker`,
    pool,
  });
  await executor.start();
  process.on('disconnect', () => {
    void (async () => {
      await executor.stop().catch(() => {});
      await pool.close().catch(() => {});
      await store.close().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    })();
  });
  process.on('message', (m: { type?: string }) => {
    if (m.type === 'rss')
      process.send?.({ type: 'rss', peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) });
  });
  process.send?.({ type: 'ready' });
}

main().catch((err: Error) => {
  process.stderr.write(`batch worker: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
