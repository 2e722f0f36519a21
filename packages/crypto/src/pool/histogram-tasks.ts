/**
 * Worker-thread side of the pooled histogram kernels ({@link sumBuckets}, {@link
 * compressCiphertexts}, and the product of partial bucket sums): exported from worker.ts, called
 * by {@link pooledSumBuckets} and {@link pooledCompress}. Arithmetic contexts are cached per thread by modulus.
 */
import { move } from 'piscina';
import { sumBuckets, type BucketSumInput } from '../paillier/bucket-sum.js';
import { compressCiphertexts } from '../paillier/slot-packing.js';
import { arithFor } from './arith-cache.js';

/** A modulus (n², hexadecimal) and the inputs of {@link sumBuckets}. */
export interface BucketSumTask extends BucketSumInput {
  modulus: string;
}

/** A modulus (n², hexadecimal) and the inputs of {@link compressCiphertexts}. */
export interface CompressTask {
  modulus: string;
  cts: Uint8Array;
  slotBits: number;
  perCiphertext: number;
}

/** A modulus (n², hexadecimal) and equal-length batches to multiply element-wise. */
export interface ProductTask {
  modulus: string;
  parts: Uint8Array[];
}

export function paillierBucketSum(task: BucketSumTask): Uint8Array {
  return move(sumBuckets(arithFor(task.modulus), task)) as unknown as Uint8Array;
}

export function paillierCompress(task: CompressTask): Uint8Array {
  return move(
    compressCiphertexts(arithFor(task.modulus), task.cts, task.slotBits, task.perCiphertext),
  ) as unknown as Uint8Array;
}

/**
 * parts[0] · parts[1] · … element-wise modulo n² (partial bucket sums or partial inner products
 * of row chunks).
 */
export function paillierProduct(task: ProductTask): Uint8Array {
  const arith = arithFor(task.modulus);
  let acc = task.parts[0] as Uint8Array;
  for (let k = 1; k < task.parts.length; k++) acc = arith.mul(acc, task.parts[k] as Uint8Array);
  return move(acc) as unknown as Uint8Array;
}
