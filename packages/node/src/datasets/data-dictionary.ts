/**
 * The data dictionary of a dataset (standard 000 §7.3 b, 数据字典): per column, what it means,
 * its unit and its list of values. The owner writes it; the owner's and partners' schema views
 * show it (it is metadata the owner chooses to publish, never a statistic of the rows).
 */
import { z } from 'zod';

export const dictionaryEntrySchema = z
  .object({
    description: z.string().max(2000).optional(),
    /** Unit of measurement, e.g. `CNY`, `kWh`, `years`. */
    unit: z.string().max(100).optional(),
    /** The values the column takes (codes of a categorical column), as the owner lists them. */
    values: z.array(z.string().max(200)).max(1000).optional(),
  })
  .strict();
export type DictionaryEntry = z.infer<typeof dictionaryEntrySchema>;

/** Column name → entry. */
export const dictionarySchema = z.record(z.string().min(1).max(256), dictionaryEntrySchema);
export type DataDictionary = z.infer<typeof dictionarySchema>;

/**
 * The columns `dictionary` names that the dataset does not have (refused: a typo would otherwise
 * document nothing).
 */
export function unknownColumns(dictionary: DataDictionary, columns: readonly string[]): string[] {
  const have = new Set(columns);
  return Object.keys(dictionary).filter((c) => !have.has(c));
}
