/**
 * Wire frames of the MPC runtime (docs/protocols/mpc.md, "Runtime over the data plane"). Every
 * round message between two data parties, and every dealer request and answer, is
 *   u8 kind | u32 sequence (little-endian) | body
 * so that a message delivered under the tag of one round but built for another, a frame of the
 * wrong kind, or an oversized body is refused before it reaches the protocol core.
 */
import { ComponentError } from '../spec.js';

/** Frame kinds. */
export const FRAME_NONE = 0;
export const FRAME_DATA = 1;
export const FRAME_DONE = 2;

const HEAD = 5;

/** Frames `body` (undefined → an empty FRAME_NONE frame) for sequence number `seq`. */
export function encodeFrame(seq: number, body: Uint8Array | undefined, kind?: number): Uint8Array {
  const k = kind ?? (body ? FRAME_DATA : FRAME_NONE);
  const out = new Uint8Array(HEAD + (body?.length ?? 0));
  out[0] = k;
  new DataView(out.buffer).setUint32(1, seq >>> 0, true);
  if (body) out.set(body, HEAD);
  return out;
}

/**
 * Checks and unwraps a received frame.
 * @param from the sender, for the error message.
 * @param what the step ('round 7', 'dealer request 3').
 * @param allowed the kinds acceptable here.
 * @param maxBytes the largest body accepted.
 * @returns the kind and the body (a copy, 8-byte aligned, so ring views are possible).
 * @throws ComponentError PROTOCOL naming the sender, the step and what is wrong.
 */
export function decodeFrame(
  bytes: Uint8Array,
  seq: number,
  from: string,
  what: string,
  allowed: readonly number[],
  maxBytes: number,
): { kind: number; body: Uint8Array | undefined } {
  const fail = (why: string) => {
    throw new ComponentError('PROTOCOL', `MPC ${what}: message from ${from} ${why}`, {
      from,
      step: what,
    });
  };
  if (bytes.length < HEAD)
    fail(`has ${bytes.length} bytes, shorter than the ${HEAD}-byte frame header`);
  const kind = bytes[0]!;
  if (!allowed.includes(kind)) fail(`is of kind ${kind}; expected ${allowed.join(' or ')}`);
  const got = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1, true);
  if (got !== seq >>> 0) fail(`belongs to step ${got}, not ${seq} (out of order)`);
  const len = bytes.length - HEAD;
  if (len > maxBytes)
    fail(`carries ${len} bytes, above the limit of ${maxBytes} (parameter maxMessageMiB)`);
  if (kind !== FRAME_DATA) {
    if (len !== 0) fail(`of kind ${kind} carries ${len} bytes; it must be empty`);
    return { kind, body: undefined };
  }
  const body = new Uint8Array(len);
  body.set(bytes.subarray(HEAD));
  return { kind, body };
}
