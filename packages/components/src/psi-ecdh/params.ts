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
