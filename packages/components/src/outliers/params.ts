import { z } from 'zod';
import { columnSelection } from '../preprocess/columns.js';

const method = z.enum(['iqr', 'zscore']);
const action = z.enum(['clip', 'median', 'mean', 'constant']);

export const outliersParams = z
  .object({
    /** Columns to treat on each party (see ColumnSelection); others pass unchanged. */
    columns: columnSelection.default('all'),
    /** `iqr`: outside [Q1 − k·IQR, Q3 + k·IQR]; `zscore`: |x − mean|/σ > t. */
    method: method.default('iqr'),
    /** The IQR multiplier (Tukey's fences: 1.5; "far out": 3). */
    k: z.number().positive().max(1000).default(1.5),
    /** The z-score threshold. */
    t: z.number().positive().max(1000).default(3),
    /** `clip` to the nearest fence, or replace by the inliers' `median` / `mean`, or `value`. */
    action: action.default('clip'),
    /** The replacement of action `constant`. */
    value: z.number().optional(),
  })
  .superRefine((p, ctx) => {
    if (p.action === 'constant' && (p.value === undefined || !Number.isFinite(p.value)))
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: "action 'constant' needs a finite value",
      });
  });
export type OutliersParams = z.infer<typeof outliersParams>;

/** A party's outlier model: per column the fences and (not for clip) the replacement. */
export const outliersModel = z.object({
  bounds: z.array(
    z
      .object({
        column: z.string(),
        method,
        lower: z.number(),
        upper: z.number(),
        q1: z.number().optional(),
        q3: z.number().optional(),
        mean: z.number().optional(),
        std: z.number().optional(),
        action,
        replacement: z.number().optional(),
      })
      .refine((b) => b.action === 'clip' || b.replacement !== undefined, {
        message: 'a replacing action needs its replacement',
      }),
  ),
});
export type OutliersModel = z.infer<typeof outliersModel>;
