/**
 * The host's half of a level: encrypted bucket sums of the requested nodes over the tree's
 * features, packed by cipher compression and re-randomised. Additions only — the host holds no
 * key that could decrypt them.
 */
import {
  pooledCompress,
  pooledSumBuckets,
  type CryptoPool,
  type PaillierPublicKey,
  type PooledPaillier,
} from '@fedgrid/crypto';
import { concatBytes } from './routing.js';
import type { RoundLayout } from './protocol.js';

/** One node's histogram job. */
export interface HostNodeJob {
  rows: Uint32Array;
  /** Host-local features, ascending. */
  features: Int32Array;
  /** Per feature: its split points m_j (buckets 0 … m_j − 1 are sent; the last is implied). */
  buckets: Int32Array;
}

/** What stays the same for every node of a round. */
export interface HostRound {
  pool: CryptoPool;
  publicKey: PaillierPublicKey;
  /** The round's ciphertexts (sampled rows, ascending), on shared memory. */
  cts: Uint8Array;
  /** Per table row: index of its ciphertext, or −1 when not sampled. */
  ctOf: Int32Array;
  /** Feature-major bin codes (features × rows), on shared memory. */
  codes: Uint8Array;
  rows: number;
}

/**
 * Encrypted per-bin sums of every job, concatenated in job order (features ascending, bins
 * ascending), then compressed `layout.perCiphertext` to a ciphertext and re-randomised so that
 * the guest cannot link them to the ciphertexts it sent.
 * @returns the compressed ciphertexts and the number of bucket sums they hold.
 */
export async function hostHistograms(
  round: HostRound,
  jobs: readonly HostNodeJob[],
  layout: RoundLayout,
  rerandomizer: PooledPaillier,
): Promise<{ cts: Uint8Array; buckets: number }> {
  const parts = await Promise.all(
    jobs.map((job) =>
      pooledSumBuckets(round.pool, round.publicKey, {
        cts: round.cts,
        rows: job.rows,
        ctIndex: Uint32Array.from(job.rows, (r) => round.ctOf[r] as number),
        codes: round.codes,
        rowsTotal: round.rows,
        features: job.features,
        buckets: job.buckets,
      }),
    ),
  );
  const sums = concatBytes(parts);
  const buckets = sums.length / round.publicKey.cipherBytes;
  if (buckets === 0) return { cts: new Uint8Array(0), buckets };
  const packed = await pooledCompress(
    round.pool,
    round.publicKey,
    sums,
    layout.slotBits,
    layout.perCiphertext,
  );
  return { cts: await rerandomizer.rerandomize(packed), buckets };
}
