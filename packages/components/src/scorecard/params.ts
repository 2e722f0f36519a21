import { z } from 'zod';

/** The scaling of a scorecard (Siddiqi 2006, ch. 8), shared by `scorecard` and `scorecard-points`. */
export const scalingShape = {
  /** Points to double the odds (good:bad). */
  pdo: z.number().positive().default(20),
  /** Score at the base odds. */
  baseScore: z.number().default(600),
  /** Good:bad odds at the base score (50 means 50 goods per bad, P(bad) = 1/51). */
  baseOdds: z.number().positive().default(50),
};

export const scorecardParams = z
  .object({
    ...scalingShape,
    /** Scores below are raised to it (FATE lower_limit_value). */
    lowerLimit: z.number().optional(),
    /** Scores above are lowered to it. */
    upperLimit: z.number().optional(),
  })
  .refine(
    (p) => p.lowerLimit === undefined || p.upperLimit === undefined || p.lowerLimit < p.upperLimit,
    {
      message: 'lowerLimit must be below upperLimit',
    },
  );
export type ScorecardParams = z.infer<typeof scorecardParams>;

/** factor = PDO / ln 2, offset = baseScore − factor·ln(baseOdds). */
export function scaling(p: { pdo: number; baseScore: number; baseOdds: number }): {
  factor: number;
  offset: number;
} {
  const factor = p.pdo / Math.LN2;
  return { factor, offset: p.baseScore - factor * Math.log(p.baseOdds) };
}

/**
 * score = offset − factor·ln(p / (1 − p)), p = P(bad) clipped to [1e−12, 1 − 1e−12], then to the
 * limits.
 */
export function creditScore(prob: number, p: ScorecardParams): number {
  const { factor, offset } = scaling(p);
  const q = Math.min(1 - 1e-12, Math.max(1e-12, prob));
  let s = offset - factor * Math.log(q / (1 - q));
  if (p.lowerLimit !== undefined) s = Math.max(p.lowerLimit, s);
  if (p.upperLimit !== undefined) s = Math.min(p.upperLimit, s);
  return s;
}
