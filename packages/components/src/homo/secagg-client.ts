/**
 * One round's secure aggregation, client side (docs/protocols/secagg.md): advertise two X25519
 * keys, Shamir-share the mask secrets with the neighbours, send the masked quantised update
 * y = q(w·Δ) + masks, reveal shares for the server's unmasking. The server may say at any
 * stage that this client is out of the round; the client then stops (its update is not used).
 */
import { quantize, SecAggClient } from '@fedgrid/crypto';
import { recvMessage, sendMessage, type PartyName } from '@fedgrid/federation';
import type { ProgramContext } from '../spec.js';
import type { HomoRoundParams } from './params.js';
import { tag, type TrainCommand, type UpdateHeader } from './protocol.js';
import {
  decodeAdvertise,
  decodeShares,
  encodeAdvertise,
  encodeShares,
  encodeUnmask,
  type OutOfRound,
  type WireRoster,
  type WireShares,
  type WireUnmaskRequest,
} from './secagg-wire.js';

const isOut = (h: unknown): h is OutOfRound => (h as OutOfRound | null)?.out === true;

/** @returns whether this client's update reached the unmasking stage. */
export async function secAggClientRound(
  ctx: ProgramContext<HomoRoundParams>,
  server: PartyName,
  round: number,
  cmd: TrainCommand,
  delta: Float64Array,
  head: UpdateHeader,
): Promise<boolean> {
  const plan = cmd.secAgg as NonNullable<TrainCommand['secAgg']>;
  const sa = ctx.params.secureAggregation;
  const client = new SecAggClient({
    id: plan.id,
    threshold: plan.threshold,
    round: `${ctx.jobId}/${ctx.taskName}/${round}`,
  });
  const t = (step: string) => tag.sa(round, step);
  await sendMessage(ctx.channel, server, t('adv'), encodeAdvertise(client.advertise()));
  const roster = (await recvMessage<WireRoster>(ctx.channel, server, t('roster'))).header;
  if (isOut(roster)) return false;
  const keys = client.shareKeys(roster.roster.map(decodeAdvertise), plan.neighbours);
  await sendMessage(ctx.channel, server, t('keys'), encodeShares(keys));
  const routed = (await recvMessage<WireShares | OutOfRound>(ctx.channel, server, t('shares')))
    .header;
  if (isOut(routed)) return false;
  const weighted = delta.map((v) => v * cmd.weight);
  const y = client.maskInput(
    quantize(weighted, { clip: sa.clip, bits: sa.bits }),
    decodeShares(routed).shares,
  );
  await sendMessage(ctx.channel, server, t('masked'), head, [
    new Uint8Array(y.buffer, y.byteOffset, y.byteLength),
  ]);
  const req = (await recvMessage<WireUnmaskRequest>(ctx.channel, server, t('unmask-req'))).header;
  if (isOut(req)) return false;
  await sendMessage(ctx.channel, server, t('unmask'), encodeUnmask(client.unmask(req)));
  return true;
}
