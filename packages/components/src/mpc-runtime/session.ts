/**
 * The MPC runtime over the data plane: drives one {@link MpcParty} of the I/O-free engine
 * (@fedgrid/crypto, packages/crypto/src/mpc) through a task's federation channel, with the
 * arbiter as the dealer of correlated randomness (SPU's trusted-first-party mode). Data parties
 * are the guest (party 0, the result party) and the hosts (parties 1, 2): two or three in all.
 *
 * Setup: each data party draws a 32-byte seed and sends it to the arbiter only (over the mutually
 * authenticated TLS channel); the arbiter builds the {@link Dealer} from them. Every
 * communication round of the engine becomes one frame from each data party to each other one
 * (empty when the engine has nothing to send, so that a receiver always knows what to wait for)
 * and, for the last party, at most one dealer request and answer. Frames carry their round
 * number (frames.ts), every wait is bounded by `timeoutMs`, and a peer whose node stops
 * answering pings fails the wait sooner (the channel's liveness check). docs/protocols/mpc.md.
 */
import { randomBytes } from 'node:crypto';
import {
  bytesRing,
  correctionWords,
  Dealer,
  DEALER_REQUEST_WORDS,
  DealerMaterial,
  generatePaillierKeyPair,
  LocalWork,
  MpcParty,
  MpcProtocolError,
  PaillierTriples,
  PooledMpcWork,
  publicKeyFromJson,
  publicKeyToJson,
  type Inbox,
  type MaterialSource,
  type Outbox,
  type Proto,
} from '@fedgrid/crypto';
import { ChannelError, type PartyName } from '@fedgrid/federation';
import { ComponentError, type ProgramContext } from '../spec.js';
import { decodeFrame, encodeFrame, FRAME_DATA, FRAME_DONE, FRAME_NONE } from './frames.js';

/** Where the Beaver triples come from: the arbiter, or Paillier between two data parties. */
export type TriplesMode = 'dealer' | 'dealer-free';

/** Bits of the guest's Paillier key in dealer-free mode (the engine's minimum). */
export const DEALER_FREE_KEY_BITS = 2048;

/** Runtime settings (component parameters). */
export interface MpcRuntimeOptions {
  /** Source of the triples (parameter `triples`). */
  triples: TriplesMode;
  /** Fixed-point fractional bits of the engine. */
  fracBits: number;
  /** Longest wait for any one message, in ms. */
  timeoutMs: number;
  /** Largest message body accepted from a peer, in bytes. */
  maxMessageBytes: number;
}

/** The `triples` parameter of an MPC component's context ('dealer' when absent). */
export function triplesMode(ctx: ProgramContext<unknown>): TriplesMode {
  return (ctx.params as { triples?: TriplesMode } | undefined)?.triples ?? 'dealer';
}

/**
 * The data parties of a job in engine order: guest (0), then the hosts.
 * @throws ComponentError ROLES for a job that is not 2–3 data parties plus an arbiter
 *   (dealer mode), or not exactly 2 data parties (dealer-free mode).
 */
export function mpcParties(ctx: ProgramContext<unknown>): PartyName[] {
  const parties = [ctx.roles.guest, ...ctx.roles.hosts];
  if (parties.length < 2 || parties.length > 3)
    throw new ComponentError(
      'ROLES',
      `MPC components run with 2 or 3 data parties (guest and 1 or 2 hosts); this job has ${parties.length}`,
    );
  if (triplesMode(ctx) === 'dealer-free') {
    if (parties.length !== 2)
      throw new ComponentError(
        'ROLES',
        `dealer-free triples (Paillier) are a two-party protocol; this job has ${parties.length} data parties — use triples: dealer with an arbiter, or one host`,
      );
    return parties;
  }
  if (!ctx.roles.arbiter)
    throw new ComponentError(
      'ROLES',
      'MPC components need an arbiter as the dealer of Beaver triples; add an arbiter to the job, or set triples: dealer-free (two data parties, no comparisons)',
    );
  return parties;
}

/** Receives under `tag`, failing with MPC_TIMEOUT after `ms` and naming the peer and step. */
export async function recvBounded(
  ctx: ProgramContext<unknown>,
  from: PartyName,
  tag: string,
  ms: number,
  what: string,
): Promise<Uint8Array> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ComponentError(
            'MPC_TIMEOUT',
            `MPC ${what}: no message from ${from} within ${ms / 1000} s (party stopped or unresponsive; parameter timeoutSeconds)`,
            { from, step: what },
          ),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([ctx.channel.recv(from, tag), timeout]);
  } catch (err) {
    if (err instanceof ChannelError && !(err instanceof ComponentError))
      throw new ComponentError(
        'MPC_PEER_FAILED',
        `MPC ${what}: waiting for ${from} failed: ${err.message}`,
        { from, step: what, cause: err.code },
      );
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** One data party's side of a running MPC session. */
export class MpcSession {
  readonly party: MpcParty;
  /** Engine index of this party (0 = guest = result party). */
  readonly index: number;
  readonly names: PartyName[];
  #round = 0;
  #dealerSeq = 0;
  #closed = false;
  readonly #work: PooledMpcWork;
  #workSeconds = 0;

  private constructor(
    private readonly ctx: ProgramContext<unknown>,
    private readonly opts: MpcRuntimeOptions,
    names: PartyName[],
    material: MaterialSource,
  ) {
    this.names = names;
    this.index = names.indexOf(ctx.party);
    this.party = new MpcParty({
      id: this.index,
      parties: names.length,
      material,
      fracBits: opts.fracBits,
    });
    this.#work = new PooledMpcWork(ctx.crypto);
  }

  /**
   * Runs the protocol's local work (dealer-free triples' Paillier operations) on the task's
   * crypto pool — off the event loop, on the pool's threads and, on a node run as several
   * processes, partly on its other workers — until it reaches its next communication round (or
   * its end). Protocols without local work (the dealer mode) never come here: their steps stay
   * synchronous, as before.
   */
  async #runWork<T>(
    proto: Proto<T>,
    first: IteratorResult<Outbox | LocalWork, T>,
  ): Promise<IteratorResult<Outbox, T>> {
    let step = first;
    while (!step.done && step.value instanceof LocalWork) {
      this.ctx.signal.throwIfAborted();
      const t0 = performance.now();
      const bytes = await this.#work.run(step.value);
      this.#workSeconds += (performance.now() - t0) / 1000;
      step = proto.next([bytes]);
    }
    return step as IteratorResult<Outbox, T>;
  }

  /**
   * Opens the session on a data party. Dealer mode: sends its fresh material seed to the
   * arbiter. Dealer-free mode: the guest generates a {@link DEALER_FREE_KEY_BITS}-bit Paillier
   * key pair and sends the public key to the host (who checks it), for Gilboa triples.
   * @throws ComponentError ROLES when the job does not fit the mode (see {@link mpcParties});
   *   PROTOCOL for a malformed public key; MPC_TIMEOUT, MPC_PEER_FAILED.
   */
  static async open(ctx: ProgramContext<unknown>, opts: MpcRuntimeOptions): Promise<MpcSession> {
    const names = mpcParties(ctx);
    if (!names.includes(ctx.party))
      throw new ComponentError('ROLES', `${ctx.party} is not a data party of this MPC task`);
    if (opts.triples === 'dealer-free') {
      if (ctx.party === names[0]) {
        const { publicKey, privateKey } = await generatePaillierKeyPair(DEALER_FREE_KEY_BITS);
        const json = new TextEncoder().encode(JSON.stringify(publicKeyToJson(publicKey)));
        await ctx.channel.send(names[1]!, 'mpc/paillier', encodeFrame(0, json));
        return new MpcSession(ctx, opts, names, new PaillierTriples(publicKey, privateKey));
      }
      const what = 'dealer-free setup (Paillier public key)';
      const raw = await recvBounded(ctx, names[0]!, 'mpc/paillier', opts.timeoutMs, what);
      const { body } = decodeFrame(raw, 0, names[0]!, what, [FRAME_DATA], 1 << 16);
      let material: PaillierTriples;
      try {
        material = new PaillierTriples(
          publicKeyFromJson(JSON.parse(new TextDecoder().decode(body))),
        );
      } catch (err) {
        throw new ComponentError(
          'PROTOCOL',
          `MPC ${what} from ${names[0]}: ${(err as Error).message}`,
        );
      }
      return new MpcSession(ctx, opts, names, material);
    }
    const seed = randomBytes(32);
    await ctx.channel.send(ctx.roles.arbiter!, 'mpc/seed', encodeFrame(0, seed));
    return new MpcSession(ctx, opts, names, new DealerMaterial(seed));
  }

  /**
   * Runs one engine protocol to completion across the parties. Every party must call `run`
   * with the same protocol and public arguments in the same order.
   * @throws ComponentError PROTOCOL (a peer's malformed, oversized or out-of-order message, or
   *   a protocol error of the engine), MPC_TIMEOUT, MPC_PEER_FAILED.
   */
  async run<T>(proto: Proto<T>): Promise<T> {
    if (this.#closed) throw new Error('MPC session already closed');
    const P = this.names.length;
    const { ctx, opts } = this;
    try {
      let step = proto.next(undefined as unknown as Inbox);
      if (!step.done && step.value instanceof LocalWork) step = await this.#runWork(proto, step);
      while (!step.done) {
        // A round: any local work before it has run (#runWork stops at the next outbox).
        const out = step.value as Outbox;
        const round = ++this.#round;
        if (out.length > P + 1)
          throw new MpcProtocolError(`outbox addresses party ${out.length - 1}`);
        const sends: Promise<void>[] = [];
        for (let j = 0; j < P; j++) {
          if (j === this.index) continue;
          sends.push(ctx.channel.send(this.names[j]!, `mpc/r${round}`, encodeFrame(round, out[j])));
        }
        const dealerReq = out[P];
        let dseq = -1;
        if (dealerReq) {
          dseq = this.#dealerSeq++;
          sends.push(
            ctx.channel.send(ctx.roles.arbiter!, `mpc/d${dseq}`, encodeFrame(dseq, dealerReq)),
          );
        }
        await Promise.all(sends);
        const inbox: Inbox = [];
        for (let j = 0; j < P; j++) {
          if (j === this.index) continue;
          const what = `round ${round}`;
          const raw = await recvBounded(ctx, this.names[j]!, `mpc/r${round}`, opts.timeoutMs, what);
          const f = decodeFrame(
            raw,
            round,
            this.names[j]!,
            what,
            [FRAME_NONE, FRAME_DATA],
            opts.maxMessageBytes,
          );
          inbox[j] = f.body;
        }
        if (dealerReq) {
          const what = `dealer answer ${dseq}`;
          const raw = await recvBounded(
            ctx,
            ctx.roles.arbiter!,
            `mpc/d${dseq}`,
            opts.timeoutMs,
            what,
          );
          inbox[P] = decodeFrame(raw, dseq, ctx.roles.arbiter!, what, [FRAME_DATA], 2 ** 31).body;
        }
        step = proto.next(inbox);
        if (!step.done && step.value instanceof LocalWork) step = await this.#runWork(proto, step);
      }
      return step.value;
    } catch (err) {
      if (err instanceof MpcProtocolError)
        throw new ComponentError('PROTOCOL', `${ctx.party}: ${err.message}`);
      if (err instanceof RangeError && /needs dealer material/.test(err.message))
        throw new ComponentError(
          'DEALER_REQUIRED',
          `${ctx.party}: ${err.message}; run with triples: dealer and an arbiter`,
        );
      throw err;
    }
  }

  /** Ends the session: the last party tells the dealer that no request follows. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.opts.triples === 'dealer' && this.index === this.names.length - 1)
      await this.ctx.channel.send(
        this.ctx.roles.arbiter!,
        `mpc/d${this.#dealerSeq}`,
        encodeFrame(this.#dealerSeq, undefined, FRAME_DONE),
      );
  }

  /**
   * Communication so far (engine accounting): rounds and bytes; and the seconds spent waiting
   * for local work (dealer-free triples' Paillier operations; 0 with a dealer).
   */
  stats(): { rounds: number; bytesSent: number; bytesReceived: number; workSeconds: number } {
    return {
      rounds: this.#round,
      bytesSent: this.party.bytesSent,
      bytesReceived: this.party.bytesReceived,
      workSeconds: Math.round(this.#workSeconds * 1000) / 1000,
    };
  }
}

/**
 * The arbiter's program: collects the data parties' seeds, then answers the last party's
 * dealer requests until it says it is done. Learns only request sizes (docs/protocols/mpc.md).
 * @returns the number of requests answered and the bytes sent.
 * @throws ComponentError PROTOCOL for a malformed seed or request, MPC_TIMEOUT, MPC_PEER_FAILED.
 */
export async function serveDealer(
  ctx: ProgramContext<unknown>,
  opts: Pick<MpcRuntimeOptions, 'timeoutMs' | 'maxMessageBytes'>,
): Promise<{ requests: number; bytes: number }> {
  const names = mpcParties(ctx);
  const seeds: Uint8Array[] = [];
  for (const p of names) {
    const raw = await recvBounded(ctx, p, 'mpc/seed', opts.timeoutMs, 'setup');
    const { body } = decodeFrame(raw, 0, p, 'setup', [FRAME_DATA], 32);
    if (!body || body.length !== 32)
      throw new ComponentError('PROTOCOL', `MPC setup: seed from ${p} is not 32 bytes`);
    seeds.push(body);
  }
  const dealer = new Dealer(seeds);
  const last = names[names.length - 1]!;
  let bytes = 0;
  for (let k = 0; ; k++) {
    const what = `dealer request ${k}`;
    const raw = await recvBounded(ctx, last, `mpc/d${k}`, opts.timeoutMs, what);
    const { kind, body } = decodeFrame(raw, k, last, what, [FRAME_DATA, FRAME_DONE], 64);
    if (kind === FRAME_DONE) return { requests: k, bytes };
    let answer: Uint8Array;
    try {
      // The answer's size is known from the request: refuse before generating anything that
      // would pass the message limit (a hostile party cannot make the arbiter allocate more).
      if (body!.length === DEALER_REQUEST_WORDS * 8) {
        const w = bytesRing(body!);
        const words = correctionWords(Number(w[0]!), [Number(w[1]!), Number(w[2]!), Number(w[3]!)]);
        if (words * 8 > opts.maxMessageBytes)
          throw new MpcProtocolError(
            `asks for ${words} correction words, above the limit of ${opts.maxMessageBytes} bytes (parameter maxMessageMiB)`,
          );
      }
      answer = dealer.respond(body!);
    } catch (err) {
      throw new ComponentError('PROTOCOL', `MPC ${what} from ${last}: ${(err as Error).message}`);
    }
    bytes += answer.length;
    await ctx.channel.send(last, `mpc/d${k}`, encodeFrame(k, answer));
  }
}
