import { z } from 'zod';

const fraction = z.number().min(0).max(1);

export const splitParams = z
  .object({
    /** Fractions of the rows in each part; they must sum to 1 (validate may be 0). */
    train: fraction.default(0.8),
    validate: fraction.default(0),
    test: fraction.default(0.2),
    /** Split every class in these fractions (the guest's labels), keeping the label ratio. */
    stratified: z.boolean().default(false),
    /** Shuffle before cutting; false keeps row order (e.g. time-ordered data: oldest to train). */
    shuffle: z.boolean().default(true),
    /** Reproducible splits; see docs/protocols/preprocessing.md for what a shared seed reveals. */
    seed: z.number().int().min(0).max(0xffffffff).optional(),
  })
  .superRefine((p, ctx) => {
    const sum = p.train + p.validate + p.test;
    if (Math.abs(sum - 1) > 1e-9)
      ctx.addIssue({
        code: 'custom',
        path: ['test'],
        message: `train + validate + test must be 1, got ${p.train} + ${p.validate} + ${p.test} = ${sum}`,
      });
    if (p.train === 0)
      ctx.addIssue({ code: 'custom', path: ['train'], message: 'train must be above 0' });
  });
export type SplitParams = z.infer<typeof splitParams>;

/** The output ports in part order (part codes 0, 1, 2). */
export const SPLIT_PARTS = ['train', 'validate', 'test'] as const;
