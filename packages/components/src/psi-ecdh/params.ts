import { isWellFormedId } from '@fedgrid/crypto';
import { z } from 'zod';
import { ComponentError } from '../spec.js';

export const psiParams = z.object({
  /**
   * Who learns the intersection: 'all' (the guest, and each host learns which of its own rows are
   * in it — needed for training on the aligned rows) or 'guest' (hosts learn only set sizes).
   */
  resultParties: z.enum(['all', 'guest']).default('all'),
  /**
   * The group and hash: 'x25519' (Curve25519 + SHA-256, the interconnection suite) or 'sm2' (the
   * SM2 curve + SM3 try-and-increment, for the national `gm` suite). Every party must use the same.
   */
  curve: z.enum(['x25519', 'sm2']).default('x25519'),
  /** Points per message. */
  batchSize: z
    .number()
    .int()
    .min(1)
    .max(1 << 20)
    .default(1 << 15),
  /**
   * Hash partitions: both parties split their ids into this many buckets by a public hash and run
   * PSI bucket by bucket, so only the points of two buckets are in memory at a time (each party
   * pads every bucket to its largest one with dummies). 1 (default) is the unpartitioned protocol;
   * for sets above ≈ 4M ids use about n / 2^20 (docs/protocols/psi-ecdh.md). Every party must use
   * the same value.
   */
  buckets: z.number().int().min(1).max(65_536).default(1),
});
export type PsiParams = z.infer<typeof psiParams>;

/** Bytes kept of each doubly-blinded point for comparison: ⌈log₂nA⌉ + ⌈log₂nB⌉ + 40 bits, at most 32 bytes. */
export function compareBytes(nGuest: number, nHost: number): number {
  const bits =
    Math.ceil(Math.log2(Math.max(2, nGuest))) + Math.ceil(Math.log2(Math.max(2, nHost))) + 40;
  return Math.min(32, Math.ceil(bits / 8));
}

/** Keeps the first `bytes` bytes of every 32-byte point. */
export function truncatePoints(points: Uint8Array, bytes: number): Uint8Array {
  const n = points.length / 32;
  if (bytes === 32) return points;
  const out = new Uint8Array(n * bytes);
  for (let i = 0; i < n; i++) out.set(points.subarray(i * 32, i * 32 + bytes), i * bytes);
  return out;
}

/**
 * Checks that every id can be hashed as UTF-8 (the suite hashes UTF-8 bytes; a lone surrogate has
 * no encoding and would collide with others).
 * @throws ComponentError naming the first bad row.
 */
export function requireWellFormedIds(ids: readonly string[], party: string): void {
  const i = ids.findIndex((id) => !isWellFormedId(id));
  if (i >= 0) {
    throw new ComponentError(
      'ID_INVALID',
      `${party}: id in row ${i + 1} (${JSON.stringify(ids[i])}) is not well-formed Unicode; PSI hashes ids as UTF-8`,
      {
        party,
        row: i + 1,
      },
    );
  }
}

/**
 * {@link requireWellFormedIds} in slices, yielding to the event loop between them, so that a
 * party checking 2^24 ids still answers its peers' pings.
 * @throws ComponentError naming the first bad row.
 */
export async function requireWellFormedIdsYielding(
  ids: readonly string[],
  party: string,
): Promise<void> {
  const slice = 1 << 16;
  for (let s = 0; s < ids.length; s += slice) {
    const i = ids.slice(s, s + slice).findIndex((id) => !isWellFormedId(id));
    if (i >= 0) requireWellFormedIds(ids.slice(0, s + i + 1), party);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Unique ids in first-occurrence order, with the original row of each. */
export function uniqueIds(ids: readonly string[]): { ids: string[]; rows: number[] } {
  const seen = new Set<string>();
  const out: string[] = [];
  const rows: number[] = [];
  ids.forEach((id, i) => {
    if (!seen.has(id)) {
      seen.add(id);
      out.push(id);
      rows.push(i);
    }
  });
  return { ids: out, rows };
}

/**
 * The message tag of batch `k` of bucket `b`: `prefix/k` with one bucket (the unpartitioned
 * protocol's tags, unchanged), `prefix/b/k` with several.
 */
export function psiTag(prefix: string, buckets: number, b: number, k: number): string {
  return buckets === 1 ? `${prefix}/${k}` : `${prefix}/${b}/${k}`;
}

/**
 * The blob of a received PSI batch, checked to be exactly `bytes` long.
 * @throws ComponentError('PROTOCOL') naming `peer` and the message tag otherwise.
 */
export function requireBlobPoints(
  blob: Uint8Array | undefined,
  bytes: number,
  peer: string,
  tag: string,
): Uint8Array {
  if (!blob || blob.length !== bytes) {
    throw new ComponentError(
      'PROTOCOL',
      `${peer} sent PSI batch ${tag} of ${blob?.length ?? 0} bytes, expected ${bytes}`,
      { peer },
    );
  }
  return blob;
}
