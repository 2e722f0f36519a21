import { z } from 'zod';
import { MPC_MIN_GROUP_SIZE, mpcRuntimeParams } from '../mpc-runtime/params.js';

export const mpcExpressionParams = z.object({
  /**
   * Arithmetic / comparison expression over columns of the parties, e.g.
   * `emissions / (output / 1000) > 2.5` (grammar in mpc-runtime/expression.ts; a column of a
   * named party as `` `host-0:output` ``).
   */
  expression: z.string().min(1).max(4096),
  /** Name of the output column. */
  name: z.string().min(1).max(128).default('value'),
  /**
   * rows: the value of every row (the PSI intersection) to the guest; sum / mean: only the
   * aggregate over all rows (at least minGroupSize of them).
   */
  output: z.enum(['rows', 'sum', 'mean']).default('rows'),
  /** Fixed-point fractional bits f: values |x| < 2^(61−f), products |x·y| < 2^(62−2f). */
  fracBits: z.number().int().min(8).max(30).default(20),
  /** Fewest rows an aggregate (sum, mean) is revealed over. */
  minGroupSize: z.number().int().min(MPC_MIN_GROUP_SIZE).default(MPC_MIN_GROUP_SIZE),
  ...mpcRuntimeParams,
});
export type MpcExpressionParams = z.infer<typeof mpcExpressionParams>;
