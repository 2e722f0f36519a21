import { z } from 'zod';

export const heteroPearsonParams = z.object({
  /** Length of the guest's Paillier modulus (≥ 2048 for 112-bit security). */
  keyBits: z.union([z.literal(2048), z.literal(3072), z.literal(4096)]).default(2048),
  /** Fractional bits of the guest's encrypted standardised values: absolute precision 2^−fracBits. */
  fracBits: z.number().int().min(16).max(48).default(32),
  /** Bits per quantised host value in the encrypted products (relative precision 2^−quantBits). */
  quantBits: z.number().int().min(8).max(30).default(24),
  /** Window of the guest's DJN fixed-base encryption table. */
  tableWindow: z.number().int().min(4).max(14).default(8),
});
export type HeteroPearsonParams = z.infer<typeof heteroPearsonParams>;
