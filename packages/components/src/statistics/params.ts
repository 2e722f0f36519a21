import { z } from 'zod';

export const statisticsParams = z.object({
  /** Quantile levels in [0, 1] reported per column (linear interpolation, type 7). */
  quantiles: z.array(z.number().min(0).max(1)).max(101).default([0.25, 0.5, 0.75]),
  /** Columns to describe, by name; empty: every feature column. */
  columns: z.array(z.string().min(1)).default([]),
});
export type StatisticsParams = z.infer<typeof statisticsParams>;
