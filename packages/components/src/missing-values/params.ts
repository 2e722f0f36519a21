import { z } from 'zod';
import { columnSelection, partyName } from '../preprocess/columns.js';

const strategy = z.enum(['mean', 'median', 'mode', 'constant']);
const threshold = z.number().min(0).max(1);

/** One column's own rule (any field left out falls back to the task-wide one). */
const columnRule = z.object({
  strategy: strategy.optional(),
  value: z.number().optional(),
  dropColumnThreshold: threshold.optional(),
});

export const missingValuesParams = z
  .object({
    /** Columns handled on each party (see ColumnSelection); others pass unchanged. */
    columns: columnSelection.default('all'),
    /** How gaps are filled: the column's observed mean, median, mode, or `value`. */
    strategy: strategy.default('mean'),
    /** The fill value of strategy `constant`. */
    value: z.number().optional(),
    /**
     * A handled column whose fraction of missing values is above this is dropped (0: any gap
     * drops it; unset: never dropped).
     */
    dropColumnThreshold: threshold.optional(),
    /** Per party, per column rules, e.g. { guest: { x3: { strategy: 'median' } } }; such a column is handled even if `columns` does not name it. */
    overrides: z.record(partyName, z.record(z.string().min(1), columnRule)).default({}),
    /**
     * Rows with a gap left in a handled column: `fill` them; `drop` them on every party (the
     * union of all parties' such rows, shared — see docs/protocols/preprocessing.md); or
     * `refuse` (fail the task naming the column).
     */
    rows: z.enum(['fill', 'drop', 'refuse']).default('fill'),
  })
  .superRefine((p, ctx) => {
    const needsValue = (s: string | undefined, v: number | undefined) =>
      s === 'constant' && (v === undefined || !Number.isFinite(v));
    if (needsValue(p.strategy, p.value))
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: "strategy 'constant' needs a finite value",
      });
    for (const [party, cols] of Object.entries(p.overrides))
      for (const [col, rule] of Object.entries(cols))
        if (rule.strategy === 'constant' && needsValue('constant', rule.value ?? p.value))
          ctx.addIssue({
            code: 'custom',
            path: ['overrides', party, col, 'value'],
            message: "strategy 'constant' needs a finite value",
          });
  });
export type MissingValuesParams = z.infer<typeof missingValuesParams>;

/** A party's missing-value model: the columns it dropped and each handled column's fill. */
export const missingValuesModel = z.object({
  dropped: z.array(z.object({ column: z.string(), missingFraction: z.number() })),
  fills: z.array(z.object({ column: z.string(), strategy, value: z.number() })),
});
export type MissingValuesModel = z.infer<typeof missingValuesModel>;
