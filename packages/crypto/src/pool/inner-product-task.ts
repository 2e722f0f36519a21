/**
 * Worker-thread side of the homomorphic inner product when it is split by rows across the
 * processes of a node (see `PooledPaillier.dotColumns`): a chunk of rows' ciphertexts
 * [[d_i]] and the same rows' quantised feature columns x_ij; the chunk's partial
 * Π_i [[d_i]]^{x_ij} mod n² per column. Exported from worker.ts. The task carries only the
 * modulus n² (no key, no fixed-base table), so it may run in another process.
 */
import { move } from 'piscina';
import { arithFor } from './arith-cache.js';

/** A modulus (n², hexadecimal) and the inputs of `PaillierEvaluator.dotColumns`. */
export interface InnerProductTask {
  modulus: string;
  /** The chunk's rows' ciphertexts, rows × cipher width bytes. */
  cts: Uint8Array;
  /** The chunk's rows' exponents, row-major: exps[i·columns + j]. */
  exps: Int32Array;
  columns: number;
}

/**
 * out[j] = Π_i cts[i]^exps[i·columns + j] mod n², one ciphertext per column.
 * @throws RangeError on inconsistent shapes (from the kernel).
 */
export function paillierInnerProduct(task: InnerProductTask): Uint8Array {
  return move(
    arithFor(task.modulus).multiExp(task.cts, task.exps, task.columns),
  ) as unknown as Uint8Array;
}
