import { z } from 'zod';
import { columnSelection } from '../preprocess/columns.js';

export const encodeParams = z.object({
  /**
   * The categorical columns on each party (integer codes; see ColumnSelection), or
   * `'categorical'`: on each party, the columns its dataset registered as categorical (string
   * columns; datasets.service column types). @default 'categorical'
   */
  categorical: z.union([z.literal('categorical'), columnSelection]).default('categorical'),
  /**
   * `one-hot`: a 0/1 column `name=code` per category; `label` (or `ordinal`): the category's
   * index 0..k−1. Target/WOE encoding against a label on another party is hetero-binning with
   * `transform: 'woe'` (docs/protocols/hetero-binning.md).
   */
  method: z.enum(['one-hot', 'label', 'ordinal']).default('one-hot'),
  /**
   * A category not seen when fitting (only possible when applying a model): `error`, or
   * `ignore` (one-hot: an all-zero row; label: missing, NaN).
   */
  unseen: z.enum(['error', 'ignore']).default('error'),
  /** More categories than this in one column is an error (one-hot would explode the width). */
  maxCategories: z.number().int().min(1).max(10_000).default(100),
});
export type EncodeParams = z.infer<typeof encodeParams>;

/** A party's encoding model: the method and each column's categories (ascending). */
export const encodeModel = z.object({
  method: z.enum(['one-hot', 'label', 'ordinal']),
  columns: z.array(
    z.object({
      column: z.string(),
      categories: z.array(z.number().int()),
      /**
       * String columns: the category of each code (the fitted dataset's levels), so that the
       * encoding applies to another dataset by category (serving, batch prediction). Absent in
       * models fitted before it was recorded: those apply by code.
       */
      levels: z.array(z.string()).optional(),
    }),
  ),
});
export type EncodeModel = z.infer<typeof encodeModel>;
