/**
 * Structured messages over a channel: a small JSON header plus any number of binary blobs,
 * framed as
 *   u32 headerBytes | header (UTF-8 JSON) | u32 blobCount | (f64 blobBytes | blob)*
 * (little-endian). Bulk data (ciphertexts, points) travels as blobs, never as JSON arrays.
 */
import type { Channel, PartyName } from './channel.js';

export interface Message<T = unknown> {
  header: T;
  blobs: Uint8Array[];
}

/** Frames a message into one byte string. */
export function encodeMessage(msg: Message): Uint8Array {
  const header = Buffer.from(JSON.stringify(msg.header ?? null), 'utf8');
  let size = 4 + header.length + 4;
  for (const b of msg.blobs) size += 8 + b.length;
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  let off = 0;
  dv.setUint32(off, header.length, true);
  off += 4;
  out.set(header, off);
  off += header.length;
  dv.setUint32(off, msg.blobs.length, true);
  off += 4;
  for (const b of msg.blobs) {
    dv.setFloat64(off, b.length, true);
    off += 8;
    out.set(b, off);
    off += b.length;
  }
  return out;
}

/**
 * Parses a framed message; blobs are plain Uint8Array views into `bytes` (no copy). They are
 * never Node Buffers, even when `bytes` is one (as the gRPC server delivers): Buffer#slice is a
 * view, so a component copying a blob with `.slice()` and writing the copy would otherwise
 * overwrite the received message behind its back.
 * @throws RangeError on a truncated or malformed frame.
 */
export function decodeMessage<T = unknown>(frame: Uint8Array): Message<T> {
  const bytes = new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (off: number, n: number) => {
    if (off + n > bytes.length)
      throw new RangeError(`malformed message frame: ${bytes.length} bytes, needs ${off + n}`);
  };
  let off = 0;
  need(off, 4);
  const hlen = dv.getUint32(off, true);
  off += 4;
  need(off, hlen);
  const header = JSON.parse(
    Buffer.from(bytes.buffer, bytes.byteOffset + off, hlen).toString('utf8'),
  ) as T;
  off += hlen;
  need(off, 4);
  const count = dv.getUint32(off, true);
  off += 4;
  const blobs: Uint8Array[] = [];
  for (let k = 0; k < count; k++) {
    need(off, 8);
    const len = dv.getFloat64(off, true);
    off += 8;
    if (!Number.isInteger(len) || len < 0)
      throw new RangeError('malformed message frame: bad blob length');
    need(off, len);
    blobs.push(bytes.subarray(off, off + len));
    off += len;
  }
  return { header, blobs };
}

/**
 * Copies a blob into a fresh, exactly sized ArrayBuffer and views it as `T` (e.g. Uint32Array).
 * Blobs are views into a larger receive buffer, possibly unaligned, so typed views must be made
 * on a copy.
 * @throws RangeError if the length is not a multiple of the element size.
 */
export function blobAs<T>(
  blob: Uint8Array,
  Ctor: { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number },
): T {
  if (blob.length % Ctor.BYTES_PER_ELEMENT !== 0) {
    throw new RangeError(
      `blob of ${blob.length} bytes is not a whole number of ${Ctor.BYTES_PER_ELEMENT}-byte elements`,
    );
  }
  return new Ctor(new Uint8Array(blob).buffer);
}

/** Sends a structured message. */
export function sendMessage<T>(
  ch: Channel,
  to: PartyName,
  tag: string,
  header: T,
  blobs: Uint8Array[] = [],
): Promise<void> {
  return ch.send(to, tag, encodeMessage({ header, blobs }));
}

/** Receives a structured message. */
export async function recvMessage<T>(
  ch: Channel,
  from: PartyName,
  tag: string,
): Promise<Message<T>> {
  return decodeMessage<T>(await ch.recv(from, tag));
}

/** Sends the same message to several parties in parallel. */
export async function broadcastMessage<T>(
  ch: Channel,
  to: readonly PartyName[],
  tag: string,
  header: T,
  blobs: Uint8Array[] = [],
): Promise<void> {
  const bytes = encodeMessage({ header, blobs });
  await Promise.all(to.map((p) => ch.send(p, tag, bytes)));
}
