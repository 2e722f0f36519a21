import { z } from 'zod';
import { MPC_MIN_GROUP_SIZE, mpcRuntimeParams } from '../mpc-runtime/params.js';

export const mpcRankingParams = z.object({
  /**
   * The score to rank by: a column or an expression over columns of the parties (grammar of
   * mpc-expression), e.g. `emissions / (output / 1000)`. With groupBy, every column in it stands
   * for the column's per-group total, so `emissions / output` ranks groups by Σ emissions /
   * Σ output.
   */
  value: z.string().min(1).max(4096),
  /** Entities are groups of these key columns (held by one party) instead of rows. */
  groupBy: z.array(z.string().min(1)).max(4).default([]),
  /** desc: rank 1 is the largest score; asc: the smallest. */
  order: z.enum(['desc', 'asc']).default('desc'),
  /** Reveal only the k best entities (and their ranks); absent: every entity's rank. */
  topK: z.number().int().min(1).optional(),
  /** Also reveal the scores of the revealed entities (otherwise only the order). */
  revealValues: z.boolean().default(false),
  /** Groups with fewer rows are not ranked (their totals would identify rows). */
  minGroupSize: z.number().int().min(MPC_MIN_GROUP_SIZE).default(MPC_MIN_GROUP_SIZE),
  /** Fixed-point fractional bits f: scores |s| < 2^(59−f). */
  fracBits: z.number().int().min(8).max(30).default(20),
  ...mpcRuntimeParams,
});
export type MpcRankingParams = z.infer<typeof mpcRankingParams>;
