/**
 * Sending one round's update upstream (a client to its edge or the server, an edge to the
 * cloud): clipped under DP with client-side clipping, then in the clear or through SecAgg.
 */
import { clipToNorm } from '@fedgrid/ml';
import { sendMessage, type PartyName } from '@fedgrid/federation';
import type { ProgramContext } from '../spec.js';
import type { HomoRoundParams } from './params.js';
import { tag, vectorBlob, type TrainCommand, type UpdateHeader } from './protocol.js';
import { secAggClientRound } from './secagg-client.js';

export async function sendUpdate(
  ctx: ProgramContext<HomoRoundParams>,
  server: PartyName,
  round: number,
  cmd: TrainCommand,
  delta: Float64Array,
  head: Omit<UpdateHeader, 'unclipped'>,
): Promise<void> {
  let update = delta;
  let full: UpdateHeader = head;
  if (cmd.clipNorm !== undefined) {
    const c = clipToNorm(delta, cmd.clipNorm);
    update = c.vector;
    full = { ...head, unclipped: !c.clipped };
  }
  if (cmd.secAgg) await secAggClientRound(ctx, server, round, cmd, update, full);
  else await sendMessage(ctx.channel, server, tag.upd(round), full, [vectorBlob(update)]);
}

/** The party a client reports to: its edge (hierarchical FL with edge parties) or the arbiter. */
export function upstreamOf(ctx: ProgramContext<HomoRoundParams>): PartyName {
  const edges = ctx.roles.edges;
  const h = ctx.params.hierarchy;
  if (edges?.length && h) {
    const k = h.edges.findIndex((members) => members.includes(ctx.party));
    const edge = edges[k];
    if (edge) return edge;
  }
  if (!ctx.roles.arbiter)
    throw new Error('horizontal training needs an arbiter (the aggregation server)');
  return ctx.roles.arbiter;
}
