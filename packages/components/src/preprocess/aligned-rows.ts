/**
 * Keeping the parties of a vertical job aligned when rows are dropped, drawn or split: the
 * party that decides (the guest, which holds the labels) tells every host the row positions;
 * the rows are those of the task's input, which every party holds in the same order (PSI
 * output). Positions travel as binary blobs; each receiver checks them against its own rows.
 * What these messages reveal is written down in docs/protocols/preprocessing.md.
 */
import { blobAs, broadcastMessage, recvMessage, sendMessage } from '@fedgrid/federation';
import { unionRows } from '@fedgrid/ml';
import { ComponentError, type ProgramContext } from '../spec.js';

interface RowsHeader {
  /** Rows of the sender's input. */
  rows: number;
}

function requireSameRows(ctx: ProgramContext<unknown>, peer: string, theirs: number, ours: number) {
  if (theirs !== ours)
    throw new ComponentError(
      'NOT_ALIGNED',
      `${ctx.party}: ${peer} has ${theirs} rows, this party ${ours}; the parties' inputs must be aligned (the same PSI output)`,
      { party: ctx.party, peer, peerRows: theirs, rows: ours },
    );
}

function requirePositions(
  ctx: ProgramContext<unknown>,
  from: string,
  pos: Uint32Array,
  rows: number,
) {
  const bad = pos.find((p) => p >= rows);
  if (bad !== undefined)
    throw new ComponentError(
      'PROTOCOL',
      `${ctx.party}: ${from} named row position ${bad}, this party has ${rows} rows`,
      { party: ctx.party, from },
    );
}

const bytesOf = (a: Uint32Array | Uint8Array) =>
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Guest: sends `positions` (into its `rows` input rows) to every host under `tag`. */
export async function sendPositions(
  ctx: ProgramContext<unknown>,
  tag: string,
  rows: number,
  positions: Uint32Array,
): Promise<void> {
  await broadcastMessage<RowsHeader>(ctx.channel, ctx.roles.hosts, tag, { rows }, [
    bytesOf(positions),
  ]);
}

/**
 * Host: receives the guest's positions under `tag`.
 * @throws ComponentError NOT_ALIGNED when the guest's row count differs, PROTOCOL when a
 *   position is out of range.
 */
export async function receivePositions(
  ctx: ProgramContext<unknown>,
  tag: string,
  rows: number,
): Promise<Uint32Array> {
  const msg = await recvMessage<RowsHeader>(ctx.channel, ctx.roles.guest, tag);
  requireSameRows(ctx, ctx.roles.guest, msg.header.rows, rows);
  const pos = blobAs(msg.blobs[0] ?? new Uint8Array(0), Uint32Array);
  requirePositions(ctx, ctx.roles.guest, pos, rows);
  return pos;
}

/** Guest: sends one byte per row (e.g. the split part of each row) to every host. */
export async function sendRowCodes(
  ctx: ProgramContext<unknown>,
  tag: string,
  codes: Uint8Array,
): Promise<void> {
  await broadcastMessage<RowsHeader>(ctx.channel, ctx.roles.hosts, tag, { rows: codes.length }, [
    codes,
  ]);
}

/**
 * Host: receives the guest's per-row codes; each must be below `max`.
 * @throws ComponentError NOT_ALIGNED / PROTOCOL as {@link receivePositions}.
 */
export async function receiveRowCodes(
  ctx: ProgramContext<unknown>,
  tag: string,
  rows: number,
  max: number,
): Promise<Uint8Array> {
  const msg = await recvMessage<RowsHeader>(ctx.channel, ctx.roles.guest, tag);
  requireSameRows(ctx, ctx.roles.guest, msg.header.rows, rows);
  const codes = Uint8Array.from(msg.blobs[0] ?? new Uint8Array(0));
  if (codes.length !== rows || codes.some((c) => c >= max))
    throw new ComponentError('PROTOCOL', `${ctx.party}: malformed row codes from the guest`, {
      party: ctx.party,
    });
  return codes;
}

/**
 * Every party: the union of all parties' `mine` (positions into `rows` aligned rows). Hosts send
 * theirs to the guest, the guest sends the union back; so the guest learns each host's set and
 * each host the union.
 * @throws ComponentError NOT_ALIGNED / PROTOCOL.
 */
export async function unionOfPositions(
  ctx: ProgramContext<unknown>,
  tag: string,
  rows: number,
  mine: Uint32Array,
): Promise<Uint32Array> {
  if (ctx.role === 'host') {
    await sendMessage<RowsHeader>(ctx.channel, ctx.roles.guest, `${tag}/mine`, { rows }, [
      bytesOf(mine),
    ]);
    return receivePositions(ctx, `${tag}/union`, rows);
  }
  const theirs = await Promise.all(
    ctx.roles.hosts.map(async (h) => {
      const msg = await recvMessage<RowsHeader>(ctx.channel, h, `${tag}/mine`);
      requireSameRows(ctx, h, msg.header.rows, rows);
      const pos = blobAs(msg.blobs[0] ?? new Uint8Array(0), Uint32Array);
      requirePositions(ctx, h, pos, rows);
      return pos;
    }),
  );
  const union = unionRows([mine, ...theirs]);
  await sendPositions(ctx, `${tag}/union`, rows, union);
  return union;
}
