/**
 * One round's secure aggregation, server side, over the task's channel (docs/protocols/secagg.md):
 * the four stages of Bonawitz et al. 2017 (SecAgg+ graph of Bell et al. 2020 when
 * `neighbours` > 0) driven by the crypto package's SecAggServer. Every stage waits until the
 * round's deadline at most; a client missing a stage is out of the round and is told so, so no
 * client waits for a message that never comes. The server learns Σ w_k·Δ_k over the clients
 * that finished (U3) and nothing else about any Δ_k.
 */
import { dequantizeSum, SecAggServer, type EncryptedShare, type UnmaskMsg } from '@fedgrid/crypto';
import { recvMessage, sendMessage, type PartyName } from '@fedgrid/federation';
import { ComponentError, type ProgramContext } from '../spec.js';
import { withDeadline } from './deadline.js';
import type { ModelSetup } from './model.js';
import type { HomoRoundParams } from './params.js';
import { tag, type TrainCommand, type UpdateHeader } from './protocol.js';
import {
  decodeAdvertise,
  decodeShares,
  decodeUnmask,
  encodeAdvertise,
  encodeShares,
  type OutOfRound,
  type WireAdvertise,
  type WireShares,
  type WireUnmask,
} from './secagg-wire.js';
import type { ClientUpdate } from './strategy.js';

export interface SecAggPlan {
  server: SecAggServer;
  /** SecAgg id of each sampled client (its index + 1). */
  ids: number[];
  threshold: number;
}

/**
 * Sets up the round's SecAggServer and adds the SecAgg part to every train command.
 * @throws ComponentError BAD_PARAMS when the quantised sum of the sampled clients could wrap.
 */
export function planSecAgg(
  p: HomoRoundParams,
  ctx: ProgramContext<unknown>,
  round: number,
  commands: TrainCommand[],
  parameterCount: number,
): SecAggPlan {
  const n = commands.length;
  const sa = p.secureAggregation;
  if (n * 2 ** sa.bits >= 2 ** 32)
    throw new ComponentError(
      'BAD_PARAMS',
      `secureAggregation.bits ${sa.bits} is too many for ${n} clients (the 32-bit sum could wrap); use at most ${Math.floor(31.999 - Math.log2(n))}`,
      { field: 'secureAggregation.bits' },
    );
  const k = sa.neighbours === 0 || sa.neighbours >= n - 1 ? n - 1 : sa.neighbours;
  const threshold = Math.min(k, Math.ceil(sa.thresholdFraction * k));
  const ids = commands.map((_, i) => i + 1);
  const server = new SecAggServer({
    clients: ids,
    threshold,
    neighbours: sa.neighbours,
    length: parameterCount,
    round: `${ctx.jobId}/${ctx.taskName}/${round}`,
  });
  commands.forEach((c, i) => {
    const id = ids[i] as number;
    c.secAgg = { id, clients: ids, neighbours: server.neighboursOf(id), threshold };
  });
  return { server, ids, threshold };
}

export interface SecAggRoundResult {
  /** Σ_{k∈U3} w_k·Δ_k (dequantised). */
  sum: Float64Array;
  weightSum: number;
  /** Party names in U3. */
  included: string[];
  /** Headers of the included clients (evaluation, examples), with empty deltas. */
  updates: ClientUpdate[];
}

/** Runs the four SecAgg stages with the sampled clients that received their command. */
export async function secAggServerRound(
  ctx: ProgramContext<HomoRoundParams>,
  plan: SecAggPlan,
  round: number,
  sampled: readonly PartyName[],
  live: readonly PartyName[],
  commands: readonly TrainCommand[],
  setup: ModelSetup,
  timeoutMs: number,
): Promise<SecAggRoundResult> {
  const deadline = performance.now() + timeoutMs;
  const left = () => deadline - performance.now();
  const idOf = new Map(sampled.map((c, i) => [c, plan.ids[i] as number]));
  const partyOf = new Map(sampled.map((c, i) => [plan.ids[i] as number, c]));
  const out: OutOfRound = { out: true };
  /** Receives a stage's message from each client in `from`; returns those that answered. */
  const gather = async <T>(from: readonly PartyName[], step: string) => {
    const got = await Promise.all(
      from.map(async (c) => {
        try {
          const m = await withDeadline(
            recvMessage<T>(ctx.channel, c, tag.sa(round, step)),
            left(),
            ctx.signal,
          );
          return m ? ([c, m] as const) : undefined;
        } catch (err) {
          ctx.signal.throwIfAborted();
          ctx.log('warn', `secure aggregation: ${c} failed at ${step}: ${(err as Error).message}`);
          return undefined;
        }
      }),
    );
    return new Map(got.filter((g) => g !== undefined));
  };
  const tell = (
    to: readonly PartyName[],
    step: string,
    header: (c: PartyName) => unknown,
    blobs?: (c: PartyName) => Uint8Array[],
  ) =>
    Promise.all(
      to.map((c) =>
        sendMessage(ctx.channel, c, tag.sa(round, step), header(c), blobs?.(c) ?? []).catch(
          (err: Error) => ctx.log('warn', `secure aggregation: cannot reach ${c}: ${err.message}`),
        ),
      ),
    );
  const server = plan.server;
  const fail = (stage: string, have: number) =>
    new ComponentError(
      'TOO_FEW_CLIENTS',
      `round ${round}: secure aggregation needs ${plan.threshold} clients, only ${have} finished ${stage}`,
    );

  // Round 0: advertise keys.
  const adverts = await gather<WireAdvertise>(live, 'adv');
  for (const [, m] of adverts) server.receiveAdvertise(decodeAdvertise(m.header));
  const u1 = live.filter((c) => adverts.has(c));
  if (u1.length < plan.threshold) {
    await tell(live, 'roster', () => out);
    throw fail('advertising keys', u1.length);
  }
  await tell(live, 'roster', (c) =>
    adverts.has(c) ? { roster: server.roster(idOf.get(c)).map(encodeAdvertise) } : out,
  );
  // Round 1: share keys.
  const keys = await gather<WireShares>(u1, 'keys');
  for (const [, m] of keys) server.receiveShareKeys(decodeShares(m.header));
  const u2 = u1.filter((c) => keys.has(c));
  if (u2.length < plan.threshold) {
    await tell(u1, 'shares', () => out);
    throw fail('sharing keys', u2.length);
  }
  const routed: Map<number, EncryptedShare[]> = server.routeShares();
  await tell(u1, 'shares', (c) =>
    keys.has(c)
      ? encodeShares({ id: idOf.get(c) as number, shares: routed.get(idOf.get(c) as number) ?? [] })
      : out,
  );
  // Round 2: masked inputs.
  const masked = await gather<UpdateHeader>(u2, 'masked');
  const u3: PartyName[] = [];
  const updates: ClientUpdate[] = [];
  for (const c of u2) {
    const m = masked.get(c);
    const blob = m?.blobs[0];
    if (!m || !blob || blob.length !== setup.parameterCount * 4) continue;
    server.receiveMasked(idOf.get(c) as number, new Uint32Array(new Uint8Array(blob).buffer));
    u3.push(c);
    updates.push({ client: c, header: m.header, delta: new Float64Array(0) });
  }
  if (u3.length < plan.threshold) {
    await tell(u2, 'unmask-req', () => out);
    throw fail('sending masked inputs', u3.length);
  }
  // Round 3: unmasking.
  const req = server.unmaskRequest();
  await tell(u2, 'unmask-req', (c) => (u3.includes(c) ? req : out));
  const shares = await gather<WireUnmask>(u3, 'unmask');
  for (const [, m] of shares) server.receiveUnmask(decodeUnmask(m.header) as UnmaskMsg);
  if (shares.size < plan.threshold) throw fail('unmasking', shares.size);
  const res = server.finish();
  const included = res.included.map((id) => partyOf.get(id) as string);
  const sum = dequantizeSum(res.sum, included.length, {
    clip: ctx.params.secureAggregation.clip,
    bits: ctx.params.secureAggregation.bits,
  });
  const weightSum = included.reduce(
    (a, c) => a + (commands[sampled.indexOf(c)] as TrainCommand).weight,
    0,
  );
  return { sum, weightSum, included, updates: updates.filter((u) => included.includes(u.client)) };
}
