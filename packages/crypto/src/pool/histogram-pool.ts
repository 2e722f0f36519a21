/**
 * Pooled histogram kernels: bucketed ciphertext sums and cipher compression spread over a
 * {@link CryptoPool}'s worker threads (SecureBoost's host-side aggregation).
 */
import { bucketCount, checkBucketSumInput, type BucketSumInput } from '../paillier/bucket-sum.js';
import type { PaillierPublicKey } from '../paillier/keys.js';
import type { CryptoPool } from './crypto-pool.js';
import type { BucketSumTask, CompressTask } from './histogram-tasks.js';

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
 * about equal size. Pass `cts` and `codes` on SharedArrayBuffers (see {@link toShared}) when
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
  const cts = toShared(input.cts);
  const codes = toShared(input.codes);
  const nf = input.features.length;
  const total = bucketCount(input.buckets);
  if (nf === 0 || total === 0) return new Uint8Array(total * w);
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
  if (groups === 0) return new Uint8Array(0);
  const tasks = Math.min(groups, pool.threads * 2);
  const parts: Promise<Uint8Array>[] = [];
  for (let t = 0; t < tasks; t++) {
    const s = Math.floor((t * groups) / tasks) * perCiphertext;
    const e = Math.min(count, Math.floor(((t + 1) * groups) / tasks) * perCiphertext);
    if (e <= s) continue;
    const task: CompressTask = {
      modulus,
      cts: new Uint8Array(cts.subarray(s * w, e * w)), // a copy (a Buffer's slice would not be)
      slotBits,
      perCiphertext,
    };
    parts.push(pool.run<Uint8Array>('paillierCompress', task));
  }
  const results = await Promise.all(parts);
  const out = new Uint8Array(groups * w);
  let off = 0;
  for (const r of results) {
    out.set(r, off);
    off += r.length;
  }
  return out;
}
