/**
 * Pooled histogram kernels: bucketed ciphertext sums and cipher compression spread over a
 * {@link CryptoPool}'s worker threads (SecureBoost's host-side aggregation) and, on a node run
 * as several processes, over the node's workers (the pool's offload, batch-offload.ts).
 */
import { bucketCount, checkBucketSumInput, type BucketSumInput } from '../paillier/bucket-sum.js';
import type { PaillierPublicKey } from '../paillier/keys.js';
import type { CryptoPool } from './crypto-pool.js';
import type { BucketSumTask, CompressTask, ProductTask } from './histogram-tasks.js';

/**
 * A copy of `bytes` on a SharedArrayBuffer (or `bytes` itself if it already is one), so that
 * every task of a batch reads one copy instead of a structured clone each.
 */
export function toShared(bytes: Uint8Array): Uint8Array {
  if (bytes.buffer instanceof SharedArrayBuffer) return bytes;
  const out = new Uint8Array(new SharedArrayBuffer(bytes.length));
  out.set(bytes);
  return out;
}

/**
 * {@link sumBuckets} under `publicKey` (modulo n²) on the pool, features split across tasks of
 * about equal size. When the pool's offload takes the batch (a node run as several processes,
 * at least 2 × 32,768 multiplications), rows are split instead, see {@link offloadedSumBuckets}. Pass `cts` and `codes` on SharedArrayBuffers (see {@link toShared}) when
 * calling repeatedly with the same ones; otherwise they are copied to shared memory per call.
 * @returns the same bytes as the in-thread {@link sumBuckets}.
 * @throws RangeError on inconsistent shapes.
 */
export async function pooledSumBuckets(
  pool: CryptoPool,
  publicKey: PaillierPublicKey,
  input: BucketSumInput,
): Promise<Uint8Array> {
  const w = publicKey.cipherBytes;
  checkBucketSumInput(input, w);
  const modulus = publicKey.nSquared.toString(16);
  const nf = input.features.length;
  const total = bucketCount(input.buckets);
  if (nf === 0 || total === 0) return new Uint8Array(total * w);
  const spread = pool.offloadChunks('paillierBucketSum', input.rows.length * nf);
  if (spread > 0) return offloadedSumBuckets(pool, modulus, w, input, spread);
  const cts = toShared(input.cts);
  const codes = toShared(input.codes);
  // Tasks of about equal work: a feature costs ≈ rows multiplications whatever its buckets.
  const tasks = Math.min(nf, pool.threads * 2);
  const parts: Promise<Uint8Array>[] = [];
  for (let t = 0; t < tasks; t++) {
    const s = Math.floor((t * nf) / tasks);
    const e = Math.floor(((t + 1) * nf) / tasks);
    if (e === s) continue;
    const task: BucketSumTask = {
      modulus,
      cts,
      rows: input.rows,
      ctIndex: input.ctIndex,
      codes,
      rowsTotal: input.rowsTotal,
      features: input.features.slice(s, e),
      buckets: input.buckets.slice(s, e),
    };
    parts.push(pool.run<Uint8Array>('paillierBucketSum', task));
  }
  const results = await Promise.all(parts);
  const out = new Uint8Array(total * w);
  let off = 0;
  for (const r of results) {
    out.set(r, off);
    off += r.length;
  }
  return out;
}

/**
 * {@link compressCiphertexts} under `publicKey` on the pool, groups split across tasks.
 * @returns ⌈count / perCiphertext⌉ ciphertexts, as the in-thread function.
 */
export async function pooledCompress(
  pool: CryptoPool,
  publicKey: PaillierPublicKey,
  cts: Uint8Array,
  slotBits: number,
  perCiphertext: number,
): Promise<Uint8Array> {
  const w = publicKey.cipherBytes;
  if (cts.length % w !== 0)
    throw new RangeError(`ciphertext batch of ${cts.length} bytes is not a multiple of ${w}`);
  if (!Number.isInteger(perCiphertext) || perCiphertext < 1)
    throw new RangeError(`perCiphertext must be a positive integer, got ${perCiphertext}`);
  const modulus = publicKey.nSquared.toString(16);
  const count = cts.length / w;
  const groups = Math.ceil(count / perCiphertext);
  // Chunks of whole groups (possibly in other processes of the node, see CryptoPool.map).
  return pool.map('paillierCompress', groups, (s, e): CompressTask => {
    const from = s * perCiphertext;
    const to = Math.min(count, e * perCiphertext);
    return {
      modulus,
      cts: new Uint8Array(cts.subarray(from * w, to * w)), // a copy (a Buffer's slice would not be)
      slotBits,
      perCiphertext,
    };
  });
}

/**
 * {@link sumBuckets} with the rows split into `spread` chunks through the pool's offload, so
 * that a node's other processes can take some. Each chunk is self-contained and holds only its
 * rows: their ciphertexts (gathered), their codes for the listed features (features × rows of
 * the chunk) and the buckets, so the rows' ciphertexts cross the database once whatever the
 * number of features. The chunks' partial sums are multiplied bucket by bucket modulo n² on a
 * thread of this process: a bucket's sum is the product of its ciphertexts modulo n², which does
 * not depend on how the rows were grouped, so the bytes equal the single-process result.
 */
async function offloadedSumBuckets(
  pool: CryptoPool,
  modulus: string,
  w: number,
  input: BucketSumInput,
  spread: number,
): Promise<Uint8Array> {
  const { rows, ctIndex, codes, rowsTotal, features, buckets } = input;
  const nf = features.length;
  const size = Math.ceil(rows.length / spread);
  const tasks: BucketSumTask[] = [];
  for (let s = 0; s < rows.length; s += size) {
    const m = Math.min(rows.length, s + size) - s;
    const cts = new Uint8Array(m * w);
    const own = new Uint8Array(nf * m);
    for (let i = 0; i < m; i++) {
      const c = ctIndex[s + i] as number;
      cts.set(input.cts.subarray(c * w, (c + 1) * w), i * w);
      const row = rows[s + i] as number;
      for (let f = 0; f < nf; f++)
        own[f * m + i] = codes[(features[f] as number) * rowsTotal + row] as number;
    }
    const index = Uint32Array.from({ length: m }, (_, i) => i);
    tasks.push({
      modulus,
      cts,
      rows: index,
      ctIndex: index,
      codes: own,
      rowsTotal: m,
      features: Int32Array.from({ length: nf }, (_, f) => f),
      buckets: Int32Array.from(buckets),
    });
  }
  const partials = await pool.runChunks('paillierBucketSum', tasks);
  if (partials.length === 1) return partials[0] as Uint8Array;
  const task: ProductTask = { modulus, parts: partials };
  return pool.run<Uint8Array>('paillierProduct', task);
}
