import { z } from 'zod';

const labelValue = z.string().regex(/^-?\d+(\.\d+)?$/, 'label values as numbers, e.g. "0", "1"');

export const sampleParams = z
  .object({
    /**
     * `random`: uniform, label-blind; `stratified`: the same fraction of every class;
     * `by-class`: per label value a fraction or count (按Y值取值样本量的比例/数量);
     * `upsample` / `downsample`: every class to the size of the largest / smallest.
     */
    method: z
      .enum(['random', 'stratified', 'by-class', 'upsample', 'downsample'])
      .default('random'),
    /** random, stratified: rows to keep as a fraction of the input (> 1 up-samples). */
    fraction: z.number().positive().max(1000).optional(),
    /** random, stratified: rows to keep (instead of fraction). */
    n: z.number().int().min(1).max(1_000_000_000).optional(),
    /**
     * Draw with replacement. Without, s rows of m are ⌊s/m⌋ copies of each plus a uniform subset
     * (so s > m still works: each row appears ⌊s/m⌋ or ⌈s/m⌉ times).
     */
    replace: z.boolean().default(false),
    /** by-class: label value → fraction of that class to keep; classes not named keep all. */
    classFractions: z.record(labelValue, z.number().min(0).max(1000)).optional(),
    /** by-class: label value → rows of that class to keep; classes not named keep all. */
    classCounts: z.record(labelValue, z.number().int().min(0).max(1_000_000_000)).optional(),
    /** Reproducible choices; see docs/protocols/preprocessing.md for what a shared seed reveals. */
    seed: z.number().int().min(0).max(0xffffffff).optional(),
  })
  .superRefine((p, ctx) => {
    const issue = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    const given = (k: 'fraction' | 'n' | 'classFractions' | 'classCounts') => p[k] !== undefined;
    const uses: Record<string, readonly string[]> = {
      random: ['fraction', 'n'],
      stratified: ['fraction', 'n'],
      'by-class': ['classFractions', 'classCounts'],
      upsample: [],
      downsample: [],
    };
    const own = uses[p.method] as readonly ('fraction' | 'n' | 'classFractions' | 'classCounts')[];
    for (const k of ['fraction', 'n', 'classFractions', 'classCounts'] as const)
      if (given(k) && !own.includes(k)) issue(k, `method '${p.method}' takes no ${k}`);
    if (own.length === 2) {
      const [a, b] = own as [(typeof own)[0], (typeof own)[0]];
      if (!given(a) && !given(b)) issue(a, `method '${p.method}' needs ${a} or ${b}`);
      if (given(a) && given(b)) issue(b, `give ${a} or ${b}, not both`);
    }
  });
export type SampleParams = z.infer<typeof sampleParams>;
