import { z } from 'zod';
import {
  MPC_MIN_GROUP_SIZE,
  MPC_MIN_ORDER_GROUP_SIZE,
  mpcRuntimeParams,
} from '../mpc-runtime/params.js';

export const mpcStatisticsParams = z.object({
  /**
   * vertical: every party holds different columns of the same rows (the PSI intersection);
   * horizontal: every party holds the same columns of different rows.
   */
  mode: z.enum(['vertical', 'horizontal']).default('vertical'),
  /** Value columns (name, or party:name when several parties have it). */
  columns: z.array(z.string().min(1)).min(1).max(64),
  /** Group-key columns (values are category codes); all held by one party in vertical mode. */
  groupBy: z.array(z.string().min(1)).max(4).default([]),
  /** A time column bucketed by `bucketWidth` (e.g. years, or months as yyyymm // 1). */
  timeColumn: z.string().min(1).optional(),
  /** Width of a time bucket, in the time column's unit; bucket = floor(t / width) · width. */
  bucketWidth: z.number().positive().default(1),
  /** Quantile levels in [0, 1] (numpy's linear interpolation). */
  quantiles: z.array(z.number().min(0).max(1)).max(32).default([0.25, 0.5, 0.75]),
  /** Reveal min and max (single rows' values; only for groups of ≥ minOrderGroupSize rows). */
  minMax: z.boolean().default(true),
  /** Groups with fewer rows are suppressed (not computed, only counted as suppressed). */
  minGroupSize: z.number().int().min(MPC_MIN_GROUP_SIZE).default(MPC_MIN_GROUP_SIZE),
  /** Groups with fewer rows get no min, max or quantiles. */
  minOrderGroupSize: z
    .number()
    .int()
    .min(MPC_MIN_ORDER_GROUP_SIZE)
    .default(MPC_MIN_ORDER_GROUP_SIZE),
  /**
   * A public bound on |value| of every value column: fixes the fixed-point precision (the
   * larger, the fewer fractional bits; docs/protocols/mpc.md, "Precision of the components").
   */
  bound: z
    .number()
    .positive()
    .max(2 ** 40)
    .default(1e9),
  ...mpcRuntimeParams,
});
export type MpcStatisticsParams = z.infer<typeof mpcStatisticsParams>;
