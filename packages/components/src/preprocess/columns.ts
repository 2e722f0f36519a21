/**
 * Which feature columns a preprocessing task handles on each party. One task's parameters are
 * shared by every party of a vertical job, whose parties hold different columns (often with
 * the same names), so a selection is either uniform or given per party:
 *
 * - `'all'`: every feature column of every party;
 * - `['x0', 'x3']`: these columns on every party (each party must have them);
 * - `{ guest: ['x0'], 'host-0': 'all' }`: per party; a party not listed handles none.
 */
import { columnIndices, PreprocessError, type Frame } from '@fedgrid/ml';
import { z } from 'zod';
import { ComponentError, type ProgramContext } from '../spec.js';
import { componentError } from './errors.js';

/** A party of a preprocessing task: the guest or a host. */
export const partyName = z
  .string()
  .regex(/^(guest|host-\d+)$/, 'party names: guest or host-<n>, e.g. host-0');

const columnNames = z.array(z.string().min(1).max(200)).max(10_000);

export const columnSelection = z.union([
  z.literal('all'),
  columnNames,
  z.record(partyName, z.union([z.literal('all'), columnNames])),
]);
export type ColumnSelection = z.infer<typeof columnSelection>;

/**
 * Checks that every key of a per-party parameter names a guest or host of this job.
 * @throws ComponentError PARTY_UNKNOWN naming the field `${field}.${key}`.
 */
export function requireJobParties(
  ctx: ProgramContext<unknown>,
  byParty: Record<string, unknown>,
  field: string,
): void {
  const parties = [ctx.roles.guest, ...ctx.roles.hosts];
  for (const key of Object.keys(byParty)) {
    if (!parties.includes(key))
      throw new ComponentError(
        'PARTY_UNKNOWN',
        `${field}.${key}: this job has no party '${key}' (parties: ${parties.join(', ')})`,
        { field: `${field}.${key}`, party: key },
      );
  }
}

/**
 * The columns `selection` names on this party, in the frame's column order for `'all'`, in the
 * given order otherwise.
 * @throws ComponentError COLUMN_UNKNOWN / COLUMN_DUPLICATE / PARTY_UNKNOWN naming the field.
 */
export function selectedColumns(
  ctx: ProgramContext<unknown>,
  frame: Frame,
  selection: ColumnSelection,
  field: string,
): string[] {
  let names: 'all' | string[];
  let where = field;
  if (selection === 'all' || Array.isArray(selection)) {
    names = selection;
  } else {
    requireJobParties(ctx, selection, field);
    names = selection[ctx.party] ?? [];
    where = `${field}.${ctx.party}`;
  }
  if (names === 'all') return frame.featureNames.slice();
  requireColumns(ctx, frame, names, where);
  return names.slice();
}

/**
 * Checks that the frame has every named column, once.
 * @throws ComponentError COLUMN_UNKNOWN / COLUMN_DUPLICATE naming `field`.
 */
export function requireColumns(
  ctx: ProgramContext<unknown>,
  frame: Frame,
  names: readonly string[],
  field: string,
): void {
  try {
    columnIndices(frame, names);
  } catch (err) {
    if (err instanceof PreprocessError) throw componentError(ctx, err, field);
    throw err;
  }
}
