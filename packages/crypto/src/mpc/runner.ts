/**
 * The in-memory runtime: drives 2 or 3 {@link MpcParty} protocols (and the dealer) in one
 * process, round by round, moving each outbox entry to its recipient's inbox. For tests and
 * benchmarks; a networked runtime moves the same bytes over the data plane.
 */
import { randomBytes } from 'node:crypto';
import { Dealer } from './dealer.js';
import { DealerMaterial, type MaterialSource } from './material.js';
import {
  advanceInline,
  MpcProtocolError,
  type Inbox,
  type Outbox,
  type Proto,
} from './messages.js';
import { LocalWork, type MpcWorkRunner } from './work.js';
import { MpcParty } from './party.js';

/** A set of parties wired to one dealer (or to a dealer-free material source). */
export interface LocalMpc {
  parties: MpcParty[];
  dealer: Dealer | undefined;
}

/**
 * Parties sharing a fresh dealer (seeds from `seed`-derived randomness when given, for
 * reproducible tests).
 * @param count 2 or 3.
 * @param opts fracBits; `seed` (32 bytes) makes every party's and the dealer's randomness
 *   deterministic.
 */
export function localDealerMpc(
  count: number,
  opts: { fracBits?: number; seed?: Uint8Array } = {},
): LocalMpc {
  const derive = (label: number): Uint8Array => {
    if (!opts.seed) return randomBytes(32);
    const s = Uint8Array.from(opts.seed);
    s[31] = s[31]! ^ label;
    s[30] = s[30]! ^ 0xa5;
    return s;
  };
  const seeds = Array.from({ length: count }, (_, i) => derive(i + 1));
  const dealer = new Dealer(seeds);
  const parties = seeds.map(
    (s, id) =>
      new MpcParty({
        id,
        parties: count,
        material: new DealerMaterial(s),
        ...(opts.fracBits !== undefined ? { fracBits: opts.fracBits } : {}),
        seed: derive(0x40 + id),
      }),
  );
  return { parties, dealer };
}

/** Parties with their own material sources (e.g. dealer-free Paillier triples). */
export function localMpc(
  materials: MaterialSource[],
  opts: { fracBits?: number; seeds?: Uint8Array[] } = {},
): LocalMpc {
  const parties = materials.map(
    (material, id) =>
      new MpcParty({
        id,
        parties: materials.length,
        material,
        ...(opts.fracBits !== undefined ? { fracBits: opts.fracBits } : {}),
        ...(opts.seeds?.[id] ? { seed: opts.seeds[id] } : {}),
      }),
  );
  return { parties, dealer: undefined };
}

/** Hook to observe (and, in tests, tamper with) every message: return the bytes to deliver. */
export type Tap = (
  from: number,
  to: number,
  round: number,
  bytes: Uint8Array,
) => Uint8Array | undefined;

/**
 * Runs one program on every party to completion, round by round; local work (dealer-free
 * triples' Paillier operations) runs inline.
 * @param mpc the parties and dealer.
 * @param program the protocol each party runs (party → generator).
 * @param tap optional observer of every message (`to` = parties.length for the dealer).
 * @returns each party's result, by party id.
 * @throws MpcProtocolError when the parties disagree on the number of rounds or a message is
 *   addressed to the dealer without one; any protocol error a party throws.
 */
export function runLocal<T>(mpc: LocalMpc, program: (party: MpcParty) => Proto<T>, tap?: Tap): T[] {
  const gens = mpc.parties.map((p) => program(p));
  let inboxes: Inbox[] = mpc.parties.map(() => []);
  for (let round = 1; ; round++) {
    const steps = gens.map((g, i) => advanceInline(g, inboxes[i]!));
    const next = deliver(mpc, steps, round, tap);
    if (!next) return steps.map((s) => s.value as T);
    inboxes = next;
  }
}

/**
 * {@link runLocal} with the parties' local work run by `work` (e.g. a crypto pool, which may
 * spread it over threads and the node's other processes), every party's work of a round at once.
 * @throws as {@link runLocal}; the runner's errors.
 */
export async function runLocalWith<T>(
  mpc: LocalMpc,
  program: (party: MpcParty) => Proto<T>,
  work: MpcWorkRunner,
  tap?: Tap,
): Promise<T[]> {
  const gens = mpc.parties.map((p) => program(p));
  const advance = async (g: Proto<T>, inbox: Inbox): Promise<IteratorResult<Outbox, T>> => {
    let step = g.next(inbox);
    while (!step.done && step.value instanceof LocalWork)
      step = g.next([await work.run(step.value)]);
    return step as IteratorResult<Outbox, T>;
  };
  let inboxes: Inbox[] = mpc.parties.map(() => []);
  for (let round = 1; ; round++) {
    const steps = await Promise.all(gens.map((g, i) => advance(g, inboxes[i]!)));
    const next = deliver(mpc, steps, round, tap);
    if (!next) return steps.map((s) => s.value as T);
    inboxes = next;
  }
}

/**
 * Moves one round's outboxes to the recipients' inboxes (the dealer answers at once).
 * @returns the next inboxes, or undefined when every party has finished.
 */
function deliver<T>(
  mpc: LocalMpc,
  steps: IteratorResult<Outbox, T>[],
  round: number,
  tap: Tap | undefined,
): Inbox[] | undefined {
  const P = mpc.parties.length;
  const done = steps.filter((s) => s.done).length;
  if (done === P) return undefined;
  if (done > 0)
    throw new MpcProtocolError(
      `parties out of step in round ${round}: party ${steps.findIndex((s) => s.done)} finished while party ${steps.findIndex((s) => !s.done)} is still exchanging`,
    );
  const inboxes: Inbox[] = mpc.parties.map(() => []);
  steps.forEach((s, from) => {
    const out = s.value as Outbox;
    out.forEach((msg, to) => {
      if (!msg) return;
      let bytes: Uint8Array | undefined = tap ? tap(from, to, round, msg) : msg;
      if (!bytes) return;
      if (to === P) {
        if (!mpc.dealer)
          throw new MpcProtocolError(`party ${from} addressed the dealer, but there is none`);
        if (from !== P - 1)
          throw new MpcProtocolError(
            `party ${from} sent a dealer request; only party ${P - 1} may`,
          );
        bytes = mpc.dealer.respond(bytes);
        bytes = tap ? tap(P, from, round, bytes) : bytes;
        if (bytes) inboxes[from]![P] = bytes;
        return;
      }
      if (to === from || to > P) throw new MpcProtocolError(`party ${from} addressed party ${to}`);
      inboxes[to]![from] = bytes;
    });
  });
  return inboxes;
}
