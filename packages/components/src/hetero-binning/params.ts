import { z } from 'zod';

/** Column lists per party: { guest: [...], 'host-0': [...] } (feature names repeat across parties). */
const perParty = z.record(z.string(), z.array(z.string().min(1))).default({});

export const heteroBinningParams = z.object({
  /**
   * Numeric binning: 'quantile' (about equal counts), 'equal-width', or 'chi-merge' (ChiMerge from
   * `chiInitBins` quantile bins; a host's merge uses the event counts of its initial bins, which
   * the guest returns — see docs/protocols/hetero-binning.md).
   */
  method: z.enum(['quantile', 'equal-width', 'chi-merge']).default('quantile'),
  /** Bins per numeric feature (at most; ties and chi-merge give fewer). */
  binNum: z.number().int().min(2).max(1000).default(10),
  /** Columns to bin per party; a party not listed bins all its feature columns. */
  columns: perParty,
  /**
   * Columns holding integer category codes, per party: one bin per code. A party not listed
   * uses the columns its dataset registered as categorical (string columns), so WOE/IV of
   * categories — and WOE encoding of a host's categories against the guest's label — need no
   * listing.
   */
  categorical: perParty,
  /**
   * Bin only the categorical columns (a party's `categorical` list, else its registered
   * categorical columns) where `columns` does not list the party: with `transform: 'woe'` this
   * is WOE (target) encoding of the categories against the guest's label, numeric columns
   * passing through unchanged. @default false
   */
  onlyCategorical: z.boolean().default(false),
  /** Added to both counts of a bin with no events or no non-events (FATE: 0.5). */
  adjustmentFactor: z.number().min(0).max(10).default(0.5),
  /** What the output dataset holds for binned columns: WOE values, bin indices, or the raw values. */
  transform: z.enum(['woe', 'bin', 'none']).default('woe'),
  /** chi-merge: quantile bins to start from. */
  chiInitBins: z.number().int().min(2).max(1000).default(32),
  /** chi-merge: adjacent bins with χ² below this merge (3.841: α = 0.05, one degree of freedom). */
  chiThreshold: z.number().min(0).default(3.841),
  /** Length of the guest's Paillier modulus (≥ 2048 for 112-bit security). */
  keyBits: z.union([z.literal(2048), z.literal(3072), z.literal(4096)]).default(2048),
  /** Window of the guest's DJN fixed-base encryption table. */
  tableWindow: z.number().int().min(4).max(14).default(8),
});
export type HeteroBinningParams = z.infer<typeof heteroBinningParams>;
