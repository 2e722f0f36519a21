/**
 * The message frame of the MPC protocol core. A protocol is a generator: each `yield` is one
 * communication round in which the party hands over its outbox (one optional message per
 * recipient, indexed by party id, the dealer at index `parties`) and receives its inbox (one
 * optional message per sender). The core never touches sockets; a runtime (the in-memory
 * {@link runLocal} or a data-plane transport) moves the bytes.
 */
import type { Ring } from './ring.js';
import { LocalWork, type MpcWorkRequest } from './work.js';

/** One message per recipient (party ids 0..P−1, then the dealer at index P). */
export type Outbox = (Uint8Array | undefined)[];
/** One message per sender, same indexing as {@link Outbox}. */
export type Inbox = (Uint8Array | undefined)[];
/**
 * A protocol run by one party that returns `T`. Besides communication rounds (an {@link Outbox})
 * it may yield {@link LocalWork}: local computation the runtime runs where it chooses and
 * resumes the protocol with its bytes as `inbox[0]` (work.ts).
 */
export type Proto<T> = Generator<Outbox | LocalWork, T, Inbox>;

/**
 * Hands local computation to the runtime (one {@link LocalWork} step, not a round).
 * @returns the work's bytes.
 * @throws MpcProtocolError when the runtime resumes without them.
 */
export function* localWork(
  what: string,
  request: MpcWorkRequest,
  compute: () => Uint8Array,
): Proto<Uint8Array> {
  const back = yield new LocalWork(what, request, compute);
  const bytes = Array.isArray(back) ? back[0] : undefined;
  if (!(bytes instanceof Uint8Array))
    throw new MpcProtocolError(`local work (${what}) resumed without its result`);
  return bytes;
}

/**
 * Advances a protocol to its next communication round (or its end), running every
 * {@link LocalWork} step inline on the way.
 */
export function advanceInline<T>(proto: Proto<T>, inbox: Inbox): IteratorResult<Outbox, T> {
  let step = proto.next(inbox);
  while (!step.done && step.value instanceof LocalWork) step = proto.next([step.value.compute()]);
  return step as IteratorResult<Outbox, T>;
}

/** A protocol violation: a missing, unexpected or wrongly sized message (never a data error). */
export class MpcProtocolError extends Error {
  override name = 'MpcProtocolError';
}

/** The bytes of a ring vector (a view, little-endian on every supported platform). */
export function ringBytes(v: Ring): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/**
 * A received message as ring elements (a view when 8-byte aligned, else a copy).
 * @throws MpcProtocolError when the length is not a multiple of 8.
 */
export function bytesRing(b: Uint8Array): Ring {
  if (b.length % 8 !== 0)
    throw new MpcProtocolError(
      `message of ${b.length} bytes is not a whole number of 64-bit words`,
    );
  if (b.byteOffset % 8 === 0) return new BigUint64Array(b.buffer, b.byteOffset, b.length / 8);
  const copy = new Uint8Array(b.length);
  copy.set(b);
  return new BigUint64Array(copy.buffer);
}
