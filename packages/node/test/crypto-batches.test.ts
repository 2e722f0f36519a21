/**
 * Crypto batches split across the processes of a node (cluster/batch-dispatcher.ts,
 * cluster/batch-executor.ts), on PostgreSQL: the dispatching "process" and the worker each have
 * their own store (connection pool and LISTEN connection) and their own crypto pool, as two
 * processes of one node would.
 * - a PSI hash-and-blind batch, a Paillier encryption batch, SecureBoost's histogram kernels
 *   (bucket sums split by rows, cipher compression) and dealer-free MPC triples (the key owner's
 *   encryptions, the other party's cross terms) give the same bytes / plaintexts / triple shares
 *   as the pool alone, with chunks run by both (the dispatcher's own chunks wait until the
 *   worker has run one, so that the split does not depend on timing);
 * - a chunk claimed by a worker that then goes silent (a claim with no renewal, as a SIGKILLed
 *   worker leaves) is taken back after its lease, run by the dispatcher, recorded as such;
 * - a chunk that fails on the worker fails the batch with the worker's name and the kernel's
 *   error, and nothing of the batch is left in the table but its record.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CryptoPool,
  detachTask,
  generatePaillierKeyPair,
  generateScalar,
  localMpc,
  PaillierEvaluator,
  PaillierTriples,
  PooledMpcWork,
  pooledCompress,
  quantizeColumns,
  pooledSumBuckets,
  ringBytes,
  runLocalWith,
  type BatchOffload,
  type Ring,
} from '@fedgrid/crypto';
import { openStore, dropStoreSchema, type Store } from '../dist/storage/db.js';
import { BatchDispatcher } from '../dist/cluster/batch-dispatcher.js';
import { BatchExecutor } from '../dist/cluster/batch-executor.js';
import { CryptoBatchesRepo } from '../dist/cluster/crypto-batches.repo.js';
import { NodeMetrics } from '../dist/observability/metrics.js';
import { TEST_DATABASE_URL } from './nodes.js';

const log = pino({ level: process.env['DEBUG_BATCHES'] ? 'debug' : 'silent' });
const url = TEST_DATABASE_URL as string;

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 20));
}

describe.skipIf(!TEST_DATABASE_URL)('crypto batches split across processes', () => {
  const root = mkdtempSync(join(tmpdir(), 'fedgrid-crypto-batches-'));
  const schema = `fedgrid_test_${randomBytes(4).toString('hex')}_batches`;
  const stores: Store[] = [];
  let ownerPool: CryptoPool;
  let workerPool: CryptoPool;
  let dispatcher: BatchDispatcher;
  let executor: BatchExecutor;
  let ownerStore: Store;
  // The dispatching process's metrics, read as GET /metrics renders them.
  const metrics = new NodeMetrics({ version: 'test', storage: 'postgres' });

  async function store(): Promise<Store> {
    const s = await openStore({
      dataDir: root,
      databaseUrl: url,
      databaseSchema: schema,
      lock: 'shared',
    });
    stores.push(s);
    return s;
  }

  beforeAll(async () => {
    ownerPool = new CryptoPool({ threads: 1 });
    workerPool = new CryptoPool({ threads: 1 });
    ownerStore = await store();
    const workerStore = await store();
    const common = { databaseUrl: url, schema, leaseSeconds: 2, log };
    dispatcher = new BatchDispatcher({
      ...common,
      db: ownerStore.db,
      name: 'test:1:worker',
      threads: 2,
      pollMs: 100,
      observer: metrics.cryptoChunkObserver(),
    });
    const repo = new CryptoBatchesRepo(ownerStore.db);
    metrics.attach({
      countByStatus: async () => ({ jobs: new Map(), tasks: new Map() }),
      scheduler: () => ({ running: [], queued: [] }),
      storage: async () => ({ ok: true, freeBytes: null }),
      cluster: () => ({
        leader: true,
        queueWaiting: async () => 0,
        chunksQueued: () => repo.queuedByKind(),
      }),
    });
    await dispatcher.start();
    executor = new BatchExecutor({
      ...common,
      db: workerStore.db,
      name: 'test:2:worker',
      pool: workerPool,
      // Only the notification wakes it in the first test.
      pollMs: 60_000,
    });
    await executor.start();
  });

  afterAll(async () => {
    await executor?.stop();
    await dispatcher?.close();
    await ownerPool?.close();
    await workerPool?.close();
    for (const s of stores) await s.close();
    await dropStoreSchema(url, schema);
    rmSync(root, { recursive: true, force: true });
  });

  /**
   * A second dispatching process with one crypto thread: it holds one chunk of a two-chunk batch
   * while the test plays the worker for the other.
   */
  async function oneThreadDispatcher(): Promise<BatchDispatcher> {
    const d = new BatchDispatcher({
      db: ownerStore.db,
      databaseUrl: url,
      schema,
      name: 'test:4:worker',
      threads: 1,
      leaseSeconds: 2,
      pollMs: 100,
      observer: metrics.cryptoChunkObserver(),
      log,
    });
    await d.start();
    return d;
  }

  /** The dispatcher's own chunks start only once the worker has run `n` chunks. */
  function afterWorkerRan(n: number, name: string) {
    return async (task: object) => {
      await until(() => executor.chunksRun >= n);
      return ownerPool.run<Uint8Array>(name, task);
    };
  }

  async function records(): Promise<
    {
      worker: string;
      state: string;
      reclaimed_from: string | null;
      payload: Buffer | null;
      result: Buffer | null;
    }[]
  > {
    const r = await sql<{
      worker: string;
      state: string;
      reclaimed_from: string | null;
      payload: Buffer | null;
      result: Buffer | null;
    }>`select worker, state, reclaimed_from, payload, result from crypto_batches order by created_at, part`.execute(
      ownerStore.db,
    );
    return r.rows;
  }

  it('a PSI blinding batch: same bytes as one pool, chunks run by both processes', async () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `id-${i}`);
    const k = generateScalar();
    const expected = await ownerPool.hashMultiply(k, ids);
    const chunks = dispatcher.chunks('hashMultiply', ids.length, 2);
    expect(chunks).toBe(4);
    const size = Math.ceil(ids.length / chunks);
    const tasks = Array.from({ length: chunks }, (_, c) => ({
      scalar: k,
      ids: ids.slice(c * size, (c + 1) * size),
    }));
    const before = executor.chunksRun;
    const parts = await dispatcher.run(
      'hashMultiply',
      tasks,
      afterWorkerRan(before + 1, 'hashMultiply'),
    );
    expect(Buffer.concat(parts).equals(Buffer.from(expected))).toBe(true);
    const rows = await records();
    expect(rows).toHaveLength(4);
    expect(new Set(rows.map((r) => r.worker))).toEqual(new Set(['test:1:worker', 'test:2:worker']));
    expect(rows.every((r) => r.payload === null && r.result === null)).toBe(true);
    expect(dispatcher.stats().remote + dispatcher.stats().local).toBe(4);
  });

  it('Paillier encryption and re-randomisation through the pool with the offload: the plaintexts come back', async () => {
    const { publicKey, privateKey } = await generatePaillierKeyPair(2048);
    const values = Float64Array.from({ length: 256 }, (_, i) => (i - 128) / 7);
    ownerPool.useOffload(dispatcher);
    try {
      const p = await ownerPool.paillier(publicKey);
      const cts = await p.encrypt(values, 20);
      const back = await p.decrypt(privateKey, cts, 20);
      for (let i = 0; i < values.length; i++) expect(back[i]).toBeCloseTo(values[i] as number, 5);
      // Whichever took them (the worker builds its own fixed-base table), every chunk is recorded.
      const r = await sql<{
        n: number;
      }>`select count(*)::int as n from crypto_batches where kind = 'paillierEncrypt'`.execute(
        ownerStore.db,
      );
      expect(r.rows[0]?.n).toBe(dispatcher.chunks('paillierEncrypt', 256, 1));
      // Re-randomisation (the SecureBoost host's last step) the same way: fresh ciphertexts of the
      // same plaintexts, every chunk recorded.
      const fresh = await p.rerandomize(cts);
      expect(Buffer.from(fresh).equals(Buffer.from(cts))).toBe(false);
      const again = await p.decrypt(privateKey, fresh, 20);
      for (let i = 0; i < values.length; i++) expect(again[i]).toBe(back[i]);
      const rr = await sql<{
        n: number;
      }>`select count(*)::int as n from crypto_batches where kind = 'paillierRerandomize'`.execute(
        ownerStore.db,
      );
      expect(rr.rows[0]?.n).toBe(dispatcher.chunks('paillierRerandomize', 256, 1));
      expect(rr.rows[0]?.n).toBeGreaterThan(1);
    } finally {
      ownerPool.useOffload(undefined);
    }
  }, 600_000);

  /**
   * The dispatcher as the pool's offload, with this process's own chunks held back until the
   * worker has run one more chunk (so that both processes run some, whatever the timing).
   */
  function gatedOffload(): BatchOffload {
    return {
      chunks: (name, count, threads) => dispatcher.chunks(name, count, threads),
      run: (name, tasks, local) => {
        const before = executor.chunksRun;
        return dispatcher.run(name, tasks, async (task) => {
          await until(() => executor.chunksRun > before);
          return local(task);
        });
      },
    };
  }

  /** Random residues below n² (the top byte of each is zero), count × cipherBytes. */
  function randomCiphertexts(count: number, w: number): Uint8Array {
    const cts = new Uint8Array(randomBytes(count * w));
    for (let i = 1; i <= count; i++) cts[i * w - 1] = 0;
    return cts;
  }

  async function workersOf(kind: string): Promise<Set<string>> {
    const r = await sql<{ worker: string }>`select distinct worker from crypto_batches
      where kind = ${kind}`.execute(ownerStore.db);
    return new Set(r.rows.map((x) => x.worker));
  }

  it('SecureBoost bucket sums and compression: same bytes as one pool, chunks run by both', async () => {
    const { publicKey } = await generatePaillierKeyPair(2048);
    const w = publicKey.cipherBytes;
    // 10,000 sampled rows of a 12,500-row table (every fifth left out), 12 features whose codes
    // run past some features' bucket counts (those rows are skipped, as for missing values).
    const rowsTotal = 12_500;
    const rows = Uint32Array.from({ length: rowsTotal }, (_, i) => i).filter((r) => r % 5 !== 3);
    const cts = randomCiphertexts(rows.length, w);
    const ctIndex = Uint32Array.from(rows, (_, i) => rows.length - 1 - i);
    const codes = new Uint8Array(randomBytes(14 * rowsTotal)).map((b) => b % 18);
    const features = Int32Array.from([0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 12, 13]);
    const buckets = Int32Array.from(features, (f) => 12 + (f % 5));
    const input = { cts, rows, ctIndex, codes, rowsTotal, features, buckets };
    const expected = await pooledSumBuckets(ownerPool, publicKey, input);
    // 3 chunks: the dispatcher's two takers hold two, so the worker's chunk is never starved.
    expect(dispatcher.chunks('paillierBucketSum', rows.length * features.length, 1)).toBe(3);
    ownerPool.useOffload(gatedOffload());
    try {
      const split = await pooledSumBuckets(ownerPool, publicKey, input);
      expect(Buffer.from(split).equals(Buffer.from(expected))).toBe(true);
      expect(await workersOf('paillierBucketSum')).toEqual(
        new Set(['test:1:worker', 'test:2:worker']),
      );
      // Compression of 1,000 sums, 5 to a ciphertext: 200 groups in 3 chunks.
      const sums = randomCiphertexts(1000, w);
      ownerPool.useOffload(undefined);
      const single = await pooledCompress(ownerPool, publicKey, sums, 60, 5);
      ownerPool.useOffload(gatedOffload());
      const packed = await pooledCompress(ownerPool, publicKey, sums, 60, 5);
      expect(Buffer.from(packed).equals(Buffer.from(single))).toBe(true);
      expect(packed.length).toBe(200 * w);
      expect(await workersOf('paillierCompress')).toEqual(
        new Set(['test:1:worker', 'test:2:worker']),
      );
    } finally {
      ownerPool.useOffload(undefined);
    }
    // Nothing of the batches is left in the table but their record.
    const left = await sql<{ n: number }>`select count(*)::int as n from crypto_batches
      where payload is not null or result is not null`.execute(ownerStore.db);
    expect(left.rows[0]?.n).toBe(0);
  }, 120_000);

  it('dealer-free MPC triples: encryptions and cross terms run by both processes, the same shares as one process', async () => {
    const { publicKey, privateKey } = await generatePaillierKeyPair(2048);
    const seed = (k: number) => new Uint8Array(32).fill(k);
    const mpc = () =>
      localMpc([
        new PaillierTriples(publicKey, privateKey, seed(1)),
        new PaillierTriples(publicKey, undefined, seed(2)),
      ]);
    // 256 triples: 512 encryptions by the key owner (4 chunks), 256 cross terms by the other
    // party (4 chunks); the decryption stays on the key owner's threads.
    const n = 256;
    const triples = (work: PooledMpcWork) =>
      runLocalWith(mpc(), (p) => p.material.triples(p, n), work);
    const single = await triples(new PooledMpcWork(ownerPool));
    // What leaves the process with each chunk (as serialised for the table).
    const fields = new Map<string, string>();
    const gated = gatedOffload();
    ownerPool.useOffload({
      chunks: gated.chunks,
      run: (name, tasks, local) => {
        for (const t of tasks) fields.set(name, Object.keys(detachTask(name, t)).sort().join());
        return gated.run(name, tasks, local);
      },
    });
    try {
      const split = await triples(new PooledMpcWork(ownerPool));
      const bytes = (t: Ring[][]) => t.map((party) => party.map((r) => Buffer.from(ringBytes(r))));
      expect(bytes(split)).toEqual(bytes(single));
      const [[a0, b0, c0], [a1, b1, c1]] = split as [[Ring, Ring, Ring], [Ring, Ring, Ring]];
      for (let i = 0; i < n; i++)
        expect(BigInt.asUintN(64, c0[i]! + c1[i]!)).toBe(
          BigInt.asUintN(64, (a0[i]! + a1[i]!) * (b0[i]! + b1[i]!)),
        );
      const both = new Set(['test:1:worker', 'test:2:worker']);
      expect(await workersOf('paillierEncryptRing')).toEqual(both);
      expect(await workersOf('paillierGilboaCross')).toEqual(both);
      expect(await workersOf('paillierDecrypt')).toEqual(new Set());
      // The public key (and its window), the chunk's ciphertexts, shares and masks: no private
      // key, no seed.
      expect(Object.fromEntries(fields)).toEqual({
        paillierEncryptRing: 'publicKey,ring,window',
        paillierGilboaCross: 'a,b,cts,publicKey,rho,window',
      });
    } finally {
      ownerPool.useOffload(undefined);
    }
  }, 300_000);

  /**
   * The encrypted gradient Xᵀ·[[d]] of `rows` × `columns` quantised features (both signs) over
   * real ciphertexts of residuals, as the GLM host computes it.
   */
  async function gradientBatch(
    p: Awaited<ReturnType<CryptoPool['paillier']>>,
    rows: number,
    columns: number,
  ) {
    const d = Float64Array.from({ length: rows }, (_, i) => Math.sin(i) / 3);
    const x = Float64Array.from({ length: rows * columns }, (_, k) => Math.cos(k * 0.37) * (k % 7));
    const q = quantizeColumns(x, rows, columns, 24);
    return { d, x, q, rows, columns, cts: await p.encrypt(d, 32) };
  }

  it('HeteroLR inner products Π [[d_i]]^x_ij split by rows or columns: same bytes as one process, chunks run by both', async () => {
    const { publicKey, privateKey } = await generatePaillierKeyPair(2048);
    const p = await ownerPool.paillier(publicKey);
    const ev = new PaillierEvaluator(publicKey);
    // A full batch of 6,000 rows × 5 features: 5 chunks of 1,200 rows. A mini-batch of 512 rows
    // × 25 features (the GLMs' default batch size, half of 50 features): too few rows to split
    // by rows, 3 chunks of 8–9 columns.
    const big = await gradientBatch(p, 6000, 5);
    const mini = await gradientBatch(p, 512, 25);
    expect(dispatcher.chunks('paillierInnerProduct', 6000 * 5, 1)).toBe(7);
    expect(dispatcher.chunks('paillierInnerProduct', 512 * 25, 1)).toBe(3);
    const inThread = [big, mini].map((b) => ev.dotColumns(b.cts, b.q.exps, b.columns));
    for (const [k, b] of [big, mini].entries()) {
      const onePool = await p.dotColumns(b.cts, b.q.exps, b.columns);
      expect(Buffer.from(onePool).equals(Buffer.from(inThread[k] as Uint8Array))).toBe(true);
    }
    // Batches (n) and chunks (c) of the kind recorded so far.
    const grp = async () =>
      (
        await sql<{ n: number; c: number }>`select count(distinct grp)::int as n,
          count(*)::int as c from crypto_batches where kind = 'paillierInnerProduct'`.execute(
          ownerStore.db,
        )
      ).rows[0] as { n: number; c: number };
    const split: Uint8Array[] = [];
    const chunksOf: number[] = [];
    ownerPool.useOffload(gatedOffload());
    try {
      for (const b of [big, mini]) {
        const before = await grp();
        split.push(await p.dotColumns(b.cts, b.q.exps, b.columns));
        const after = await grp();
        expect(after.n).toBe(before.n + 1);
        chunksOf.push(after.c - before.c);
      }
      // One column over 30,000 rows (the loss's cross terms have this shape): 7 row chunks.
      const many = randomCiphertexts(30_000, publicKey.cipherBytes);
      const e1 = Int32Array.from({ length: 30_000 }, (_, i) => ((i * 7919) % 4001) - 2000);
      const single = await p.dotColumns(many, e1, 1);
      expect(Buffer.from(single).equals(Buffer.from(ev.dotColumns(many, e1, 1)))).toBe(true);
    } finally {
      ownerPool.useOffload(undefined);
    }
    // Rows: 5 chunks (at least 1,024 rows each); columns: 3 chunks.
    expect(chunksOf).toEqual([5, 3]);
    for (const k of [0, 1])
      expect(
        Buffer.from(split[k] as Uint8Array).equals(Buffer.from(inThread[k] as Uint8Array)),
      ).toBe(true);
    expect((await grp()).c).toBe(5 + 3 + 7);
    expect(await workersOf('paillierInnerProduct')).toEqual(
      new Set(['test:1:worker', 'test:2:worker']),
    );
    // And it is the gradient: Σ_i x_ij·d_i decrypts to what the plaintexts give, within the
    // rounding of the quantised x (half a unit of 2^-f_j) and of the encoded d (2^-33) per term,
    // and the double precision of the final division.
    for (const [k, b] of [big, mini].entries()) {
      const back = await p.decryptRing(privateKey, split[k] as Uint8Array);
      for (let j = 0; j < b.columns; j++) {
        const f = b.q.fracBits[j] as number;
        let want = 0;
        let bound = 0;
        for (let i = 0; i < b.rows; i++) {
          const xij = b.x[i * b.columns + j] as number;
          const di = b.d[i] as number;
          want += xij * di;
          bound += 2 ** -(f + 1) * Math.abs(di) + Math.abs(xij) * 2 ** -33;
        }
        const got = Number(p.ring.fromRing(back[j] as bigint)) / 2 ** (32 + f);
        expect(Math.abs(got - want)).toBeLessThanOrEqual(bound + 1e-9 * (1 + Math.abs(want)));
      }
    }
  }, 300_000);

  it('a chunk whose worker went silent is taken back after its lease and run here', async () => {
    await executor.stop();
    const repo = new CryptoBatchesRepo(ownerStore.db);
    const points = new Uint8Array(8192 * 32).map((_, i) => i % 251);
    const k = generateScalar();
    const expected = await ownerPool.x25519(k, points);
    const half = points.length / 2;
    const tasks = [
      { scalar: k, points: points.slice(0, half) },
      { scalar: k, points: points.slice(half) },
    ];
    // The "worker" claims one chunk and dies: no renewal, no answer.
    let claimed: string | undefined;
    const local = async (task: object) => {
      if (!claimed) {
        await until(async () => {
          claimed = (await repo.claimOther('dead:3:worker', 2, 30))?.grp;
          return claimed !== undefined;
        });
      }
      return ownerPool.run<Uint8Array>('x25519', task);
    };
    const one = await oneThreadDispatcher();
    const parts = await one.run('x25519', tasks, local).finally(() => one.close());
    expect(Buffer.concat(parts).equals(Buffer.from(expected))).toBe(true);
    expect(one.stats()).toEqual({ local: 2, remote: 0, reclaimed: 1 });
    const r = await sql<{ state: string; worker: string; reclaimed_from: string | null }>`
      select state, worker, reclaimed_from from crypto_batches where grp = ${claimed} order by part`.execute(
      ownerStore.db,
    );
    expect(r.rows.map((x) => x.reclaimed_from).filter(Boolean)).toEqual(['dead:3:worker']);
    expect(r.rows.every((x) => x.state === 'local' && x.worker === 'test:4:worker')).toBe(true);
    // A late answer of the silent worker is dropped.
    expect(
      await repo.finishRemote(claimed as string, 0, 'dead:3:worker', { result: new Uint8Array(1) }),
    ).toBe(false);
    expect(
      await repo.finishRemote(claimed as string, 1, 'dead:3:worker', { result: new Uint8Array(1) }),
    ).toBe(false);
  });

  it("a chunk that fails on a worker fails the batch with the worker's name and error", async () => {
    const repo = new CryptoBatchesRepo(ownerStore.db);
    const points = new Uint8Array(2048 * 32).fill(0xff); // x ≥ p: not on the SM2 curve
    const k = generateScalar();
    const tasks = [
      { scalar: k, points: points.slice(0, 1024 * 32) },
      { scalar: k, points: points.slice(1024 * 32) },
    ];
    // The worker side by hand: claim, run on the worker's pool, store the outcome.
    const local = async (task: object): Promise<Uint8Array> => {
      await until(async () => {
        const c = await repo.claimOther('test:2:worker', 20, 30);
        if (!c) return false;
        const outcome = await workerPool
          .runDetached(c.kind, detachTask(c.kind, tasks[c.part] as object))
          .then(
            (result) => ({ result }),
            (err: Error) => ({ error: err.message }),
          );
        await repo.finishRemote(c.grp, c.part, 'test:2:worker', outcome);
        return true;
      });
      return ownerPool.run<Uint8Array>('sm2Multiply', task).catch(() => new Uint8Array(0));
    };
    const one = await oneThreadDispatcher();
    await expect(one.run('sm2Multiply', tasks, local).finally(() => one.close())).rejects.toThrow(
      /chunk \d failed on worker test:2:worker: .*/,
    );
    const r = await sql<{ n: number }>`select count(*)::int as n from crypto_batches
      where kind = 'sm2Multiply' and (payload is not null or result is not null)`.execute(
      ownerStore.db,
    );
    expect(r.rows[0]?.n).toBe(0);
    expect(
      serialize(
        detachTask('paillierEncrypt', { table: new Uint8Array(new SharedArrayBuffer(4)), n: 1 }),
      ).length,
    ).toBeGreaterThan(0);
  });

  /** One sample of the exposition, by metric name and labels (0 when absent). */
  async function sample(name: string, labels: string): Promise<number> {
    const { body } = await metrics.render();
    const line = body.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  }

  it('/metrics counts the chunks dispatched, where they ran, taken back, and the queue', async () => {
    // The PSI batch of the first test: 4 chunks, run by both processes.
    expect(await sample('fedgrid_crypto_chunks_dispatched_total', 'kind="hashMultiply"')).toBe(4);
    const local = await sample('fedgrid_crypto_chunks_total', 'kind="hashMultiply",place="local"');
    const remote = await sample(
      'fedgrid_crypto_chunks_total',
      'kind="hashMultiply",place="remote"',
    );
    expect([local, remote].every((n) => n >= 1) && local + remote === 4).toBe(true);
    expect(
      (await sample(
        'fedgrid_crypto_chunk_duration_seconds_count',
        'kind="hashMultiply",place="local"',
      )) +
        (await sample(
          'fedgrid_crypto_chunk_duration_seconds_count',
          'kind="hashMultiply",place="remote"',
        )),
    ).toBe(4);
    // The histogram batches: every chunk dispatched came back.
    const bucketChunks = await sample(
      'fedgrid_crypto_chunks_dispatched_total',
      'kind="paillierBucketSum"',
    );
    expect(bucketChunks).toBe(3);
    expect(
      await sample('fedgrid_crypto_chunks_total', 'kind="paillierBucketSum",place="remote"'),
    ).toBeGreaterThanOrEqual(1);
    // The chunk taken back from the silent worker.
    expect(await sample('fedgrid_crypto_chunks_reclaimed_total', 'kind="x25519"')).toBe(1);
    // Queue depth: chunks no process has taken (the worker is stopped by now).
    expect(await sample('fedgrid_crypto_chunks_queued', 'kind="x25519"')).toBe(0);
    const repo = new CryptoBatchesRepo(ownerStore.db);
    const grp = randomUUID();
    await repo.insert(grp, 'x25519', 'test:5:api', [new Uint8Array(1), new Uint8Array(1)]);
    try {
      expect(await sample('fedgrid_crypto_chunks_queued', 'kind="x25519"')).toBe(2);
    } finally {
      await repo.close(grp);
    }
    expect(await sample('fedgrid_crypto_chunks_queued', 'kind="x25519"')).toBe(0);
  });
});
