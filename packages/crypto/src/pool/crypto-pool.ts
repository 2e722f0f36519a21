/**
 * A pool of worker threads for the CPU-heavy kernels (X25519 batches, Paillier encryption,
 * decryption, multi-exponentiation), so that a node's event loop stays free for networking.
 * Batches are split into chunks that run in parallel; results come back in input order.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { packBigUints, unpackBigUints } from '../kernels/bytes.js';
import { createModArith } from '../kernels/select.js';
import type {
  PaillierPrivateKey,
  PaillierPublicKey,
  PaillierPublicKeyJson,
} from '../paillier/keys.js';
import { privateKeyToJson, publicKeyFromJson, publicKeyToJson } from '../paillier/keys.js';
import { DEFAULT_TABLE_WINDOW, PaillierEncryptor } from '../paillier/encryptor.js';
import { decodeFixed, PlaintextRing } from '../paillier/fixed-point.js';
import type { PaillierKeyRef } from './tasks.js';
import { OFFLOADABLE_TASKS, TABLE_TASKS, type BatchOffload } from './batch-offload.js';
import type { ProductTask } from './histogram-tasks.js';
import type { InnerProductTask } from './inner-product-task.js';

export interface CryptoPoolOptions {
  /**
   * Worker threads. On a 2-core machine more than 2 only adds switching.
   * @default os.availableParallelism()
   */
  threads?: number;
}

/**
 * Copies a range of a batch for a worker. A subarray would make the structured clone copy its
 * whole underlying buffer (e.g. an entire received message) into every chunk's task.
 */
function chunk<T extends Uint8Array | Int32Array>(a: T, start: number, end: number): T {
  // (Buffer#slice does not copy; new Uint8Array(view) always does.)
  return (
    a instanceof Int32Array ? a.slice(start, end) : new Uint8Array(a.subarray(start, end))
  ) as T;
}

/** The chunks' results one after the other (the first itself when there is one). */
export function concatChunks(results: readonly Uint8Array[]): Uint8Array {
  if (results.length === 1) return results[0] as Uint8Array;
  const out = new Uint8Array(results.reduce((a, r) => a + r.length, 0));
  let off = 0;
  for (const r of results) {
    out.set(r, off);
    off += r.length;
  }
  return out;
}

/** Items per chunk below which splitting a batch across threads does not pay. */
const MIN_CHUNK = 16;

/**
 * Fewest rows in a row chunk of an inner product run through the offload: Pippenger's method,
 * which the multi-exponentiation kernel uses, pays per window and column a cost (≈ 2^c bucket
 * products for windows of c bits) that only many rows amortise; a smaller batch is split by
 * columns instead (see {@link PooledPaillier.dotColumns}).
 */
const MIN_ROWS_PER_ROW_CHUNK = 1024;

export class CryptoPool {
  readonly threads: number;
  private readonly piscina: Piscina;
  private offload: BatchOffload | undefined;
  /** Fixed-base tables built here for Paillier tasks received from other processes, by key. */
  private readonly detachedKeys = new Map<string, Promise<PaillierKeyRef>>();

  constructor(options: CryptoPoolOptions = {}) {
    this.threads = Math.max(1, options.threads ?? availableParallelism());
    this.piscina = new Piscina({
      filename: new URL('./worker.js', import.meta.url).href,
      minThreads: this.threads,
      maxThreads: this.threads,
      idleTimeout: 60_000,
    });
  }

  /** Stops the workers (pending tasks are rejected). */
  async close(): Promise<void> {
    // A task that finishes while destroy() runs answers a pool that has already forgotten it
    // (its caller was rejected by destroy()), and piscina reports that late answer as an 'error'
    // event — an uncaught exception without a listener. Fast native tasks (a PSI party that
    // failed early while its own first batch was still being hashed) hit this window; the answer
    // is dropped. Any other pool error is rethrown as before.
    this.piscina.on('error', (err: Error) => {
      if (!err.message.startsWith('Unexpected message from Worker')) throw err;
    });
    await this.piscina.destroy();
  }

  /**
   * Lets batches of the kinds in {@link OFFLOADABLE_TASKS} be split across other processes of
   * the node (undefined: this process alone, the default).
   */
  useOffload(offload: BatchOffload | undefined): void {
    this.offload = offload;
  }

  /**
   * Runs a task received from another process's {@link BatchOffload} (a message made by
   * {@link detachTask}). A Paillier task's fixed-base table is built here once per key and window.
   * @throws RangeError for a kind that is not offloadable; the kernel's own errors.
   */
  async runDetached(name: string, task: object): Promise<Uint8Array> {
    if (!(name in OFFLOADABLE_TASKS))
      throw new RangeError(`crypto task '${name}' is not one another process may hand over`);
    if (!TABLE_TASKS.has(name)) return this.run<Uint8Array>(name, task);
    const { publicKey, window } = task as { publicKey: PaillierPublicKeyJson; window: number };
    const cacheKey = `${publicKey.n}:${publicKey.hs}:${window}`;
    let ref = this.detachedKeys.get(cacheKey);
    if (!ref) {
      ref = this.paillier(publicKeyFromJson(publicKey), window).then((p) => p.keyRef);
      this.detachedKeys.set(cacheKey, ref);
      ref.catch(() => this.detachedKeys.delete(cacheKey));
    }
    return this.run<Uint8Array>(name, { ...task, table: (await ref).table });
  }

  /**
   * How many chunks the offload (see {@link useOffload}) would cut a batch of `count` items of
   * task `name` into; 0 when this process keeps the batch (no offload, a kind that may not leave
   * the process, or a batch too small to pay for the trip).
   */
  offloadChunks(name: string, count: number): number {
    return this.offload?.chunks(name, count, this.threads) ?? 0;
  }

  /**
   * Runs the chunks of one batch of task `name`: through the offload when there is one (some
   * may run in other processes of the node), else on this process's threads.
   * @returns one result per task, in task order.
   * @throws the first chunk's error, once every chunk of this process has settled.
   */
  async runChunks(name: string, tasks: readonly object[]): Promise<Uint8Array[]> {
    const offload = this.offload;
    if (offload && name in OFFLOADABLE_TASKS)
      return offload.run(
        name,
        tasks,
        (task) => this.piscina.run(task, { name }) as Promise<Uint8Array>,
      );
    return this.runHere(name, tasks);
  }

  /** Runs every task on this process's threads. @returns results in task order. */
  private async runHere(name: string, tasks: readonly object[]): Promise<Uint8Array[]> {
    const parts = tasks.map((task) => this.piscina.run(task, { name }) as Promise<Uint8Array>);
    // Wait for every chunk before failing: a caller that closes the pool on the first error
    // must not leave tasks running (piscina reports their late answers as uncaught errors).
    const settled = await Promise.allSettled(parts);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((r) => (r as PromiseFulfilledResult<Uint8Array>).value);
  }

  /**
   * Runs `name` on chunks of `count` items in parallel and concatenates the byte results. With
   * an offload (see {@link useOffload}) some chunks may run in other processes of the node.
   * @throws the first chunk's error, once every chunk has settled.
   */
  async map(
    name: string,
    count: number,
    makeTask: (start: number, end: number) => object,
    chunks = this.threads * 2,
  ): Promise<Uint8Array> {
    if (count === 0) return new Uint8Array(0);
    const spread = this.offloadChunks(name, count);
    const size = Math.max(MIN_CHUNK, Math.ceil(count / (spread > 0 ? spread : chunks)));
    const tasks: object[] = [];
    for (let s = 0; s < count; s += size) tasks.push(makeTask(s, Math.min(count, s + size)));
    return concatChunks(
      spread > 0 ? await this.runChunks(name, tasks) : await this.runHere(name, tasks),
    );
  }

  /** Runs one task on one worker. */
  run<T>(name: string, task: object): Promise<T> {
    return this.piscina.run(task, { name }) as Promise<T>;
  }

  /**
   * Builds and encodes a keyword-PIR table ({@link buildPirTable} then {@link encodePirTable})
   * on one worker thread, so that the caller's event loop stays free meanwhile (≈ 29 µs of CPU
   * per row: half a minute at 10^6 rows).
   * @returns the encoded table, 16 + n × (16 + labelBytes) bytes.
   * @throws as {@link buildPirTable} (duplicate key, length mismatch, width out of range).
   */
  pirTable(
    key: Uint8Array,
    keys: readonly string[],
    labels: Uint8Array,
    labelBytes: number,
  ): Promise<Uint8Array> {
    return this.run<Uint8Array>('pirBuildTable', { key, keys, labels, labelBytes });
  }

  /** X25519(scalar, points[i]) for n × 32-byte points. */
  x25519(scalar: Uint8Array, points: Uint8Array): Promise<Uint8Array> {
    return this.map('x25519', points.length / 32, (s, e) => ({
      scalar,
      points: chunk(points, s * 32, e * 32),
    }));
  }

  /** X25519(scalar, SHA-256(id)) for each id: the first ECDH-PSI round. */
  hashMultiply(scalar: Uint8Array, ids: readonly string[]): Promise<Uint8Array> {
    return this.map('hashMultiply', ids.length, (s, e) => ({ scalar, ids: ids.slice(s, e) }));
  }

  /**
   * x(scalar · P_i) on the SM2 curve for n × 32-byte x-coordinates (see `sm2MultiplyX` in ecdh/sm2.ts).
   * @throws RangeError (from the worker) naming a chunk-relative index for an x off the curve.
   */
  sm2Multiply(scalar: Uint8Array, xs: Uint8Array): Promise<Uint8Array> {
    return this.map('sm2Multiply', xs.length / 32, (s, e) => ({
      scalar,
      points: chunk(xs, s * 32, e * 32),
    }));
  }

  /** x(scalar · H(id)) with the SM3 try-and-increment hash `sm2HashToX`: SM2-PSI round 1. */
  sm2HashMultiply(scalar: Uint8Array, ids: readonly string[]): Promise<Uint8Array> {
    return this.map('sm2HashMultiply', ids.length, (s, e) => ({ scalar, ids: ids.slice(s, e) }));
  }

  /**
   * Prepares pooled Paillier operations under `publicKey`: builds the h_s fixed-base table once,
   * on a worker, into shared memory that every worker then reads.
   * @param window fixed-base window bits (see {@link PaillierEncryptor.create}).
   */
  async paillier(
    publicKey: PaillierPublicKey,
    window = DEFAULT_TABLE_WINDOW,
  ): Promise<PooledPaillier> {
    const size = PaillierEncryptor.tableSize(publicKey, window, createModArith(publicKey.nSquared));
    const table = new Uint8Array(new SharedArrayBuffer(size));
    const ref: PaillierKeyRef = { publicKey: publicKeyToJson(publicKey), table, window };
    await this.run('paillierBuildTable', ref);
    return new PooledPaillier(this, publicKey, ref);
  }
}

/** Paillier batch operations under one public key, run on a {@link CryptoPool}. */
export class PooledPaillier {
  readonly ring: PlaintextRing;
  readonly cipherBytes: number;

  constructor(
    private readonly pool: CryptoPool,
    readonly publicKey: PaillierPublicKey,
    private readonly ref: PaillierKeyRef,
  ) {
    this.ring = new PlaintextRing(publicKey.n);
    this.cipherBytes = publicKey.cipherBytes;
  }

  /** The key and fixed-base table the pool's tasks under this key carry. */
  get keyRef(): PaillierKeyRef {
    return this.ref;
  }

  private count(cts: Uint8Array): number {
    if (cts.length % this.cipherBytes !== 0) {
      throw new RangeError(
        `ciphertext batch of ${cts.length} bytes is not a multiple of ${this.cipherBytes}`,
      );
    }
    return cts.length / this.cipherBytes;
  }

  /** Encrypts reals at `fracBits` fractional bits. @returns values.length ciphertexts. */
  encrypt(values: Float64Array, fracBits: number): Promise<Uint8Array> {
    return this.pool.map('paillierEncrypt', values.length, (s, e) => ({
      ...this.ref,
      values: values.slice(s, e),
      fracBits,
    }));
  }

  /** Encrypts ring plaintexts in [0, n). */
  encryptRing(ms: readonly bigint[]): Promise<Uint8Array> {
    const w = Math.ceil(this.publicKey.bits / 8);
    return this.pool.map('paillierEncryptRing', ms.length, (s, e) => ({
      ...this.ref,
      ring: packBigUints(ms.slice(s, e), w),
    }));
  }

  /** Fresh randomisers on every ciphertext. */
  rerandomize(cts: Uint8Array): Promise<Uint8Array> {
    const w = this.cipherBytes;
    return this.pool.map('paillierRerandomize', this.count(cts), (s, e) => ({
      ...this.ref,
      cts: chunk(cts, s * w, e * w),
    }));
  }

  /** Element-wise [[a + b]] (b: same count, or one ciphertext). */
  add(a: Uint8Array, b: Uint8Array): Promise<Uint8Array> {
    const w = this.cipherBytes;
    const single = b.length === w;
    return this.pool.map('paillierAdd', this.count(a), (s, e) => ({
      ...this.ref,
      a: chunk(a, s * w, e * w),
      b: single ? b : chunk(b, s * w, e * w),
    }));
  }

  /**
   * Xᵀ·[[d]]: for each column j, [[Σ_i exps[i·columns+j]·d_i]]. Rows are split across workers
   * and the partial products multiplied together. When the pool's offload takes the batch (a
   * node run as several processes, at least 2 × 4,096 row × column terms), it is cut into chunks
   * that other processes of the node may run: by rows when there are at least 2 × 1,024 rows
   * ({@link dotColumnsByRows}), else by columns ({@link dotColumnsByColumns}: a mini-batch of
   * 512 rows split by rows would pay Pippenger's per-window cost twice). Either way the bytes
   * equal the in-thread `PaillierEvaluator.dotColumns` on the whole batch.
   * @throws RangeError on inconsistent shapes, or (from the kernel) when the bases with negative
   *   exponents of a column have a product that is not invertible modulo n².
   */
  async dotColumns(cts: Uint8Array, exps: Int32Array, columns: number): Promise<Uint8Array> {
    const w = this.cipherBytes;
    const rows = this.count(cts);
    if (exps.length !== rows * columns) throw new RangeError(`exps must be ${rows} × ${columns}`);
    if (rows === 0) {
      // The empty sum: [[0]] with randomiser 1 in every column (as the in-thread evaluator).
      const out = new Uint8Array(columns * w);
      for (let j = 0; j < columns; j++) out[j * w] = 1;
      return out;
    }
    const offered = this.pool.offloadChunks('paillierInnerProduct', rows * columns);
    if (offered >= 2) {
      const byRows = Math.min(offered, Math.floor(rows / MIN_ROWS_PER_ROW_CHUNK));
      if (byRows >= 2) return this.dotColumnsByRows(cts, exps, columns, rows, byRows);
      const byColumns = Math.min(offered, columns);
      if (byColumns >= 2) return this.dotColumnsByColumns(cts, exps, columns, rows, byColumns);
    }
    const chunks = Math.min(this.pool.threads, Math.max(1, Math.floor(rows / 256)));
    const size = Math.ceil(rows / chunks);
    const parts: Promise<Uint8Array>[] = [];
    for (let s = 0; s < rows; s += size) {
      const e = Math.min(rows, s + size);
      parts.push(
        this.pool.run<Uint8Array>('paillierMultiExp', {
          ...this.ref,
          cts: chunk(cts, s * w, e * w),
          exps: chunk(exps, s * columns, e * columns),
          columns,
        }),
      );
    }
    const partials = await Promise.all(parts);
    let acc = partials[0] as Uint8Array;
    for (let k = 1; k < partials.length; k++) acc = await this.add(acc, partials[k] as Uint8Array);
    return acc;
  }

  /**
   * {@link dotColumns} with the rows cut into `spread` chunks run through the pool's offload
   * (issue 16 item 1: some run in other processes of the node). A chunk is self-contained and
   * holds no key: the modulus n², its rows' ciphertexts and its rows' exponents (rows ×
   * columns, row-major as given). Its result is one partial product per column; the partials are
   * multiplied column by column modulo n² on a thread of this process. A column's result is the
   * product of its terms modulo n², reduced to [0, n²), which does not depend on how the rows
   * were grouped, so the bytes equal the single-process result.
   */
  private async dotColumnsByRows(
    cts: Uint8Array,
    exps: Int32Array,
    columns: number,
    rows: number,
    spread: number,
  ): Promise<Uint8Array> {
    const w = this.cipherBytes;
    const modulus = this.publicKey.nSquared.toString(16);
    const size = Math.ceil(rows / spread);
    const tasks: InnerProductTask[] = [];
    for (let s = 0; s < rows; s += size) {
      const e = Math.min(rows, s + size);
      tasks.push({
        modulus,
        cts: chunk(cts, s * w, e * w),
        exps: chunk(exps, s * columns, e * columns),
        columns,
      });
    }
    const partials = await this.pool.runChunks('paillierInnerProduct', tasks);
    if (partials.length === 1) return partials[0] as Uint8Array;
    const product: ProductTask = { modulus, parts: partials };
    return this.pool.run<Uint8Array>('paillierProduct', product);
  }

  /**
   * {@link dotColumns} with the columns cut into `spread` groups run through the pool's offload
   * (for batches with too few rows to split by rows). Every chunk carries all the rows'
   * ciphertexts and the exponents of its columns (rows × its columns, row-major); its result is
   * its columns' ciphertexts, and the chunks' results are concatenated in column order. A
   * column's result does not depend on the other columns, so the bytes equal the single-process
   * result.
   */
  private async dotColumnsByColumns(
    cts: Uint8Array,
    exps: Int32Array,
    columns: number,
    rows: number,
    spread: number,
  ): Promise<Uint8Array> {
    const modulus = this.publicKey.nSquared.toString(16);
    const all = new Uint8Array(cts); // one copy (a Buffer's subarray would clone its whole buffer)
    const tasks: InnerProductTask[] = [];
    for (let t = 0; t < spread; t++) {
      const s = Math.floor((t * columns) / spread);
      const e = Math.floor(((t + 1) * columns) / spread);
      const cw = e - s;
      const own = new Int32Array(rows * cw);
      for (let i = 0; i < rows; i++)
        own.set(exps.subarray(i * columns + s, i * columns + e), i * cw);
      tasks.push({ modulus, cts: all, exps: own, columns: cw });
    }
    return concatChunks(await this.pool.runChunks('paillierInnerProduct', tasks));
  }

  /** Decrypts to ring elements with `privateKey` (which must match this key). */
  async decryptRing(privateKey: PaillierPrivateKey, cts: Uint8Array): Promise<bigint[]> {
    if (privateKey.publicKey.n !== this.publicKey.n)
      throw new RangeError('private key does not match');
    const w = this.cipherBytes;
    const json = privateKeyToJson(privateKey);
    const bytes = await this.pool.map('paillierDecrypt', this.count(cts), (s, e) => ({
      privateKey: json,
      cts: chunk(cts, s * w, e * w),
    }));
    return unpackBigUints(bytes, Math.ceil(this.publicKey.bits / 8));
  }

  /** Decrypts fixed-point reals encoded at `fracBits`. */
  async decrypt(
    privateKey: PaillierPrivateKey,
    cts: Uint8Array,
    fracBits: number,
  ): Promise<Float64Array> {
    const ring = await this.decryptRing(privateKey, cts);
    return Float64Array.from(ring, (v) => decodeFixed(this.ring.fromRing(v), fracBits));
  }
}
