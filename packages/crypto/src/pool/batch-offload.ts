/**
 * The seam through which a {@link CryptoPool} hands chunks of a batch to other processes of the
 * same node (issue 16 item 1: a node run as several processes splits the heavy batches of a task
 * across its workers). The pool stays I/O-free: the node implements {@link BatchOffload} over
 * its database (packages/node/src/cluster/batch-dispatcher.ts) and calls
 * {@link CryptoPool.runDetached} on the processes that take chunks.
 *
 * Only tasks whose message is self-contained and holds no secret key may leave the process: the
 * ECDH-PSI kernels (the scalar and the points or ids travel with the chunk), Paillier encryption
 * and re-randomisation (the public key travels; the fixed-base table, which lives in this
 * process's shared memory, is rebuilt once per key by the receiving process) and SecureBoost's
 * histogram kernels (bucket sums and cipher compression: the modulus n² and the ciphertexts
 * travel, see histogram-pool.ts), the homomorphic inner products Π_i [[d_i]]^{x_ij} of the
 * vertical GLMs (the modulus n², a chunk of rows' ciphertexts and those rows' quantised feature
 * columns travel, see `PooledPaillier.dotColumns`; such a chunk holds this party's own feature
 * values or codes: it stays in the node's own database (`crypto_batches`, cleared when the batch
 * ends), never goes to a partner), and the cross terms of dealer-free MPC triples (the public key,
 * the key owner's ciphertexts of the range, this party's triple shares a1, b1 of the range and
 * their masks ρ travel, see mpc-work-pool.ts). Decryption never leaves the process: its task carries the
 * Paillier private key, which a job generates in the process running it and keeps in memory
 * only (no other process of the node could load it).
 */

/**
 * Task kinds a {@link BatchOffload} may run in another process, with the fewest items per chunk
 * that pay for the trip through the database. Items are points or ids (PSI), plaintexts or
 * ciphertexts (Paillier encryption, re-randomisation), ciphertext multiplications modulo n²
 * (`paillierBucketSum`: rows × features, see `pooledSumBuckets`), output ciphertexts
 * (`paillierCompress`: one per group of packed sums), terms of a multi-exponentiation
 * (`paillierInnerProduct`: rows × columns, each a few multiplications modulo n² in Pippenger's
 * method, see `PooledPaillier.dotColumns`) and triples (`paillierGilboaCross`: two
 * scalar multiplications and one encryption each, ≈ 1 ms of CPU: ≈ 4 encryptions).
 */
export const OFFLOADABLE_TASKS: Readonly<Record<string, number>> = Object.freeze({
  x25519: 4096,
  hashMultiply: 4096,
  sm2Multiply: 1024,
  sm2HashMultiply: 1024,
  paillierEncrypt: 128,
  paillierEncryptRing: 128,
  paillierRerandomize: 128,
  paillierBucketSum: 32_768,
  paillierCompress: 64,
  paillierInnerProduct: 4096,
  paillierGilboaCross: 64,
});

/**
 * The offloadable kinds whose task carries a public key's fixed-base table (by reference, on
 * shared memory): {@link detachTask} drops the table and the receiving process rebuilds it.
 */
export const TABLE_TASKS: ReadonlySet<string> = new Set([
  'paillierEncrypt',
  'paillierEncryptRing',
  'paillierRerandomize',
  'paillierGilboaCross',
]);

/**
 * Runs the chunks of one batch, some in this process and some in others.
 * Implementations must return one result per task, in task order, each the bytes the task's
 * kernel returns (whichever process ran it), and must settle every local run before rejecting.
 */
export interface BatchOffload {
  /**
   * How many chunks to cut a batch of `count` items of task `name` into, given this process's
   * `threads`; 0 to keep the batch in this process (the pool then chunks it as usual).
   */
  chunks(name: string, count: number, threads: number): number;
  /**
   * Runs `tasks` (chunks of one batch of task `name`): each either through `local` (this
   * process's threads) or in another process.
   * @throws the first failed chunk's error (a kernel's own error, or why a chunk could not run).
   */
  run(
    name: string,
    tasks: readonly object[],
    local: (task: object) => Promise<Uint8Array>,
  ): Promise<Uint8Array[]>;
}

/** Paillier tasks carry their key's fixed-base table by reference (shared memory). */
interface TableRef {
  table?: Uint8Array;
}

/**
 * A task's message as it can leave the process (for `v8.serialize`): a Paillier task's table on
 * shared memory is dropped (the receiver rebuilds it, see {@link CryptoPool.runDetached}).
 * @throws RangeError for a task kind that is not in {@link OFFLOADABLE_TASKS}.
 */
export function detachTask(name: string, task: object): object {
  if (!(name in OFFLOADABLE_TASKS))
    throw new RangeError(
      `crypto task '${name}' cannot run in another process (offloadable: ${Object.keys(OFFLOADABLE_TASKS).join(', ')})`,
    );
  if (!('table' in task)) return task;
  const { table: _table, ...rest } = task as TableRef & Record<string, unknown>;
  return rest;
}
