/**
 * What MPC data parties tell each other in the clear before computing: column names, row counts
 * and, for vertically joined data, a digest of the ids (docs/protocols/mpc.md, "Runtime"). Every
 * announcement from a peer is parsed with a schema and size limits, so a hostile partner gets a
 * clear PROTOCOL error, never a crash.
 */
import { createHash } from 'node:crypto';
import { decodeMessage, encodeMessage, type PartyName } from '@fedgrid/federation';
import type { Frame } from '@fedgrid/ml';
import { z } from 'zod';
import { ComponentError, type ProgramContext } from '../spec.js';
import { recvBounded } from './session.js';

/** A party's columns, as announced. */
export const partySchema = z.object({
  columns: z.array(z.string().min(1).max(256)).max(4096),
  rows: z
    .number()
    .int()
    .min(0)
    .max(2 ** 26),
  /** SHA-256 of the ids in row order (hex), for vertically joined data. */
  idDigest: z.string().regex(/^[0-9a-f]{64}$/),
});
export type PartySchema = z.infer<typeof partySchema>;

/** A party's own rows: ids and named numeric columns (features and label). */
export interface LocalTable {
  ids: string[];
  names: string[];
  column(name: string): Float64Array;
}

/**
 * The frame as a table, rows sorted by id when `sortById` (vertical data: both parties then hold
 * the rows of the PSI intersection in the same order without revealing anything more).
 */
export function localTable(frame: Frame, sortById: boolean): LocalTable {
  const n = frame.ids.length;
  const order = Array.from({ length: n }, (_, i) => i);
  if (sortById)
    order.sort((a, b) =>
      frame.ids[a]! < frame.ids[b]! ? -1 : frame.ids[a]! > frame.ids[b]! ? 1 : 0,
    );
  const names = [
    ...frame.featureNames,
    ...(frame.labels && frame.labelName ? [frame.labelName] : []),
  ];
  return {
    ids: order.map((i) => frame.ids[i]!),
    names,
    column(name: string): Float64Array {
      const out = new Float64Array(n);
      const j = frame.featureNames.indexOf(name);
      if (j >= 0) order.forEach((r, i) => (out[i] = frame.x.data[r * frame.x.cols + j]!));
      else if (frame.labels && frame.labelName === name)
        order.forEach((r, i) => (out[i] = frame.labels![r]!));
      else throw new RangeError(`no column '${name}'`);
      return out;
    },
  };
}

/** SHA-256 of the ids in order (each followed by a newline), hex. */
export function idDigest(ids: readonly string[]): string {
  const h = createHash('sha256');
  for (const id of ids) h.update(`${id}\n`);
  return h.digest('hex');
}

/**
 * Sends `value` to every other data party under `tag` and receives theirs, parsed by `schema`.
 * @returns the values in engine order (own value at own index).
 * @throws ComponentError PROTOCOL naming the sender when a value is malformed or too large.
 */
export async function exchangeJson<T>(
  ctx: ProgramContext<unknown>,
  names: readonly PartyName[],
  tag: string,
  value: T,
  schema: z.ZodType<T>,
  timeoutMs: number,
  maxBytes = 4 * 2 ** 20,
): Promise<T[]> {
  const bytes = encodeMessage({ header: value, blobs: [] });
  await Promise.all(
    names.filter((p) => p !== ctx.party).map((p) => ctx.channel.send(p, tag, bytes)),
  );
  const out: T[] = [];
  for (const p of names) {
    if (p === ctx.party) {
      out.push(value);
      continue;
    }
    const raw = await recvBounded(ctx, p, tag, timeoutMs, `announcement '${tag}'`);
    if (raw.length > maxBytes)
      throw new ComponentError(
        'PROTOCOL',
        `MPC announcement '${tag}' from ${p} has ${raw.length} bytes, above ${maxBytes}`,
      );
    let header: unknown;
    try {
      header = decodeMessage(raw).header;
    } catch (err) {
      throw new ComponentError(
        'PROTOCOL',
        `MPC announcement '${tag}' from ${p} is not a message frame: ${(err as Error).message}`,
      );
    }
    const parsed = schema.safeParse(header);
    if (!parsed.success)
      throw new ComponentError(
        'PROTOCOL',
        `MPC announcement '${tag}' from ${p} is malformed: ${parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
          .join('; ')}`,
      );
    out.push(parsed.data);
  }
  return out;
}

/** Where a column reference points: the parties holding it and the bare column name. */
export interface ColumnRef {
  ref: string;
  column: string;
  owners: number[];
}

/**
 * Resolves a column reference against the announced schemas. A reference is a column name, or
 * `party:column` (e.g. `host-0:output`) when several parties have the name.
 * @param mode vertical: exactly one party holds the column; horizontal: every party does.
 * @throws ComponentError COLUMN_UNKNOWN (what is known), COLUMN_AMBIGUOUS (how to qualify).
 */
export function resolveColumn(
  ref: string,
  names: readonly PartyName[],
  schemas: readonly PartySchema[],
  mode: 'vertical' | 'horizontal',
): ColumnRef {
  const colon = ref.indexOf(':');
  const qualified = colon > 0 && names.includes(ref.slice(0, colon));
  const column = qualified ? ref.slice(colon + 1) : ref;
  let owners = schemas.flatMap((s, i) => (s.columns.includes(column) ? [i] : []));
  if (qualified) owners = owners.filter((i) => names[i] === ref.slice(0, colon));
  const known = () =>
    names.map((p, i) => `${p}: ${schemas[i]!.columns.join(', ') || '(none)'}`).join('; ');
  if (mode === 'horizontal') {
    if (owners.length !== names.length)
      throw new ComponentError(
        'COLUMN_UNKNOWN',
        `column '${ref}' is not held by every party, as horizontally partitioned data needs (columns: ${known()})`,
        { column: ref },
      );
    return { ref, column, owners };
  }
  if (owners.length === 0)
    throw new ComponentError('COLUMN_UNKNOWN', `unknown column '${ref}' (columns: ${known()})`, {
      column: ref,
    });
  if (owners.length > 1)
    throw new ComponentError(
      'COLUMN_AMBIGUOUS',
      `column '${ref}' is held by ${owners.map((i) => names[i]).join(' and ')}; write party:column, e.g. '${names[owners[0]!]}:${column}'`,
      { column: ref },
    );
  return { ref, column, owners };
}

/**
 * Announces this party's schema and checks the peers': for vertical data, every party must hold
 * the same ids (the PSI intersection) — same count, same digest.
 * @throws ComponentError DATA_NOT_ALIGNED when they differ (run psi-ecdh first).
 */
export async function exchangeSchemas(
  ctx: ProgramContext<unknown>,
  names: readonly PartyName[],
  table: LocalTable,
  mode: 'vertical' | 'horizontal',
  timeoutMs: number,
): Promise<PartySchema[]> {
  const mine: PartySchema = {
    columns: table.names,
    rows: table.ids.length,
    idDigest: idDigest(mode === 'vertical' ? table.ids : []),
  };
  const all = await exchangeJson(ctx, names, 'mpc/schema', mine, partySchema, timeoutMs);
  if (mode === 'vertical') {
    all.forEach((s, i) => {
      if (s.rows !== mine.rows || s.idDigest !== mine.idDigest)
        throw new ComponentError(
          'DATA_NOT_ALIGNED',
          `${names[i]} holds ${s.rows} rows and ${ctx.party} ${mine.rows}${s.rows === mine.rows ? ' with different ids' : ''}; vertically partitioned MPC needs the same ids on every party (connect the psi-ecdh output)`,
        );
    });
  }
  return all;
}
