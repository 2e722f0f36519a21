/**
 * Reads the server name (SNI, RFC 6066 §3) of a TLS ClientHello from the first bytes a client
 * sends, without terminating TLS: what the relay routes a partner's connection by. Only the
 * cleartext ClientHello is read (RFC 8446 §4.1.2); everything after it is ciphertext to the relay.
 */

/** Largest ClientHello the relay reads before giving up (bytes, record headers included). */
export const MAX_CLIENT_HELLO_BYTES = 16 * 1024 + 5;

export type ClientHelloRead =
  | { status: 'incomplete' }
  | { status: 'invalid'; reason: string }
  | { status: 'ok'; serverName: string | undefined };

const HANDSHAKE_RECORD = 0x16;
const CLIENT_HELLO = 0x01;
const SERVER_NAME_EXTENSION = 0x0000;
const HOST_NAME = 0x00;

/**
 * Parses the ClientHello at the start of `bytes` (one or more TLS handshake records).
 * @returns `incomplete` when more bytes are needed, `invalid` when the bytes are not a TLS
 *   ClientHello (or one larger than {@link MAX_CLIENT_HELLO_BYTES}), else the host name sent as
 *   SNI (undefined when the client sent none).
 */
export function readClientHello(bytes: Buffer): ClientHelloRead {
  // The handshake message may span records: join their fragments until it is complete.
  const fragments: Buffer[] = [];
  let have = 0;
  let offset = 0;
  let needed: number | undefined;
  for (;;) {
    if (needed !== undefined && have >= needed) break;
    if (offset + 5 > bytes.length)
      return bytes.length >= MAX_CLIENT_HELLO_BYTES
        ? { status: 'invalid', reason: 'ClientHello too large' }
        : { status: 'incomplete' };
    if (bytes[offset] !== HANDSHAKE_RECORD)
      return { status: 'invalid', reason: 'not a TLS handshake record' };
    const length = bytes.readUInt16BE(offset + 3);
    if (length === 0 || length > 16 * 1024)
      return { status: 'invalid', reason: `TLS record length ${length}` };
    if (offset + 5 + length > bytes.length)
      return offset + 5 + length > MAX_CLIENT_HELLO_BYTES
        ? { status: 'invalid', reason: 'ClientHello too large' }
        : { status: 'incomplete' };
    const fragment = bytes.subarray(offset + 5, offset + 5 + length);
    fragments.push(fragment);
    have += fragment.length;
    offset += 5 + length;
    if (needed === undefined && have >= 4) {
      const head = Buffer.concat(fragments);
      if (head[0] !== CLIENT_HELLO) return { status: 'invalid', reason: 'not a ClientHello' };
      needed = 4 + head.readUIntBE(1, 3);
      if (needed > MAX_CLIENT_HELLO_BYTES)
        return { status: 'invalid', reason: 'ClientHello too large' };
    }
  }
  try {
    return { status: 'ok', serverName: serverNameOf(Buffer.concat(fragments).subarray(4, needed)) };
  } catch (err) {
    return { status: 'invalid', reason: (err as Error).message };
  }
}

/** The host name in a ClientHello body (after its 4-byte handshake header). */
function serverNameOf(body: Buffer): string | undefined {
  let p = 2 + 32; // legacy_version, random
  const need = (n: number) => {
    if (p + n > body.length) throw new Error('truncated ClientHello');
  };
  need(1);
  p += 1 + body[p]!; // legacy_session_id
  need(2);
  p += 2 + body.readUInt16BE(p); // cipher_suites
  need(1);
  p += 1 + body[p]!; // legacy_compression_methods
  if (p === body.length) return undefined; // no extensions at all
  need(2);
  const end = p + 2 + body.readUInt16BE(p);
  p += 2;
  if (end > body.length) throw new Error('truncated ClientHello extensions');
  while (p + 4 <= end) {
    const type = body.readUInt16BE(p);
    const length = body.readUInt16BE(p + 2);
    p += 4;
    if (p + length > end) throw new Error('truncated ClientHello extension');
    if (type === SERVER_NAME_EXTENSION) {
      const list = body.subarray(p, p + length);
      let q = 2;
      const listEnd = Math.min(list.length, 2 + list.readUInt16BE(0));
      while (q + 3 <= listEnd) {
        const kind = list[q]!;
        const nameLength = list.readUInt16BE(q + 1);
        q += 3;
        if (q + nameLength > listEnd) throw new Error('truncated server_name');
        if (kind === HOST_NAME) return list.subarray(q, q + nameLength).toString('ascii');
        q += nameLength;
      }
      return undefined;
    }
    p += length;
  }
  return undefined;
}

/**
 * The node id a server name routes to: `<node id>.fedgrid` (what FedGrid nodes send to a pinned
 * partner), else the first DNS label (`<node id>.relay.example.org` through a wildcard DNS name).
 * @returns undefined for no name.
 */
export function routeOfServerName(serverName: string | undefined): string | undefined {
  if (!serverName) return undefined;
  const name = serverName.toLowerCase();
  if (name.endsWith('.fedgrid')) return name.slice(0, -'.fedgrid'.length) || undefined;
  const dot = name.indexOf('.');
  return dot > 0 ? name.slice(0, dot) : undefined;
}

/** A fatal TLS alert `unrecognized_name` (112, RFC 6066 §3): no node of that name here. */
export const UNRECOGNIZED_NAME_ALERT = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x70]);
