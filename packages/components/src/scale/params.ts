import { z } from 'zod';
import { columnSelection } from '../preprocess/columns.js';

export const scaleParams = z.object({
  /** Columns to scale on each party (see ColumnSelection); others pass unchanged. */
  columns: columnSelection.default('all'),
  /** `standard`: (x − mean)/σ (population σ); `minmax`: (x − min)/(max − min), into [0, 1]. */
  method: z.enum(['standard', 'minmax']).default('standard'),
});
export type ScaleParams = z.infer<typeof scaleParams>;

const fittedColumn = z.object({
  column: z.string(),
  method: z.enum(['standard', 'minmax']),
  center: z.number(),
  divisor: z.number().refine((d) => d !== 0, 'divisor must not be 0'),
  min: z.number().optional(),
  max: z.number().optional(),
  mean: z.number().optional(),
  std: z.number().optional(),
});

/** A party's scale model: per column x′ = (x − center)/divisor. */
export const scaleModel = z.object({
  method: z.enum(['standard', 'minmax']),
  columns: z.array(fittedColumn),
});
export type ScaleModel = z.infer<typeof scaleModel>;
