import { z } from 'zod';

/** Column lists per party: { guest: [...], 'host-0': [...] } (feature names repeat across parties). */
const perParty = z.record(z.string(), z.array(z.string().min(1))).default({});

/** Filters that need no labels (both variants). A filter left out is off. */
export const basicSelectionParams = z.object({
  /** Drop columns whose share of missing (NaN) values exceeds this. */
  maxMissingRatio: z.number().min(0).max(1).optional(),
  /** Drop columns whose sample variance (NaN excluded) is below this. */
  minVariance: z.number().min(0).optional(),
  /** Drop columns whose coefficient of variation std/|mean| is below this (mean 0 passes). */
  minCoefficientOfVariation: z.number().min(0).optional(),
  /**
   * Of each pair of the party's own columns with |Pearson r| above this (pairwise-complete rows),
   * drop one: the one with the lower IV when IVs are known, else the later column.
   */
  maxCorrelation: z.number().gt(0).max(1).optional(),
  /** Columns always kept, per party (no filter drops them). */
  include: perParty,
  /** Columns always dropped, per party. */
  exclude: perParty,
});

/** All filters; IV filters read the IVs of a hetero-binning model. */
export const featureSelectionParams = basicSelectionParams.extend({
  /** Drop columns whose IV is below this. */
  minIv: z.number().min(0).optional(),
  /** Keep the k columns with the highest IV. */
  ivTopK: z.number().int().min(1).optional(),
  /**
   * 'global': the guest ranks the IVs of every party's candidates (hosts share the IVs of theirs,
   * without names) and keeps the top k overall; 'party': each party keeps its own top k.
   */
  ivScope: z.enum(['global', 'party']).default('global'),
});

export type FeatureSelectionParams = z.infer<typeof featureSelectionParams>;
export type BasicSelectionParams = z.infer<typeof basicSelectionParams>;
