/**
 * What the relay and an inside node say over their tunnel (docs/protocols/relay.md): one mutual
 * TLS 1.3 connection that the inside node dials out, carrying HTTP/2 in reverse — the relay is
 * the HTTP/2 client and opens one CONNECT stream (RFC 9113 §8.5) per partner connection, the
 * inside node answers it by connecting the stream to its own API or data-plane port.
 */

/** The planes a partner connection can be for; the relay's public port says which. */
export type RelayPlane = 'api' | 'data';

export const RELAY_PLANES: readonly RelayPlane[] = ['api', 'data'];

/** Request header naming the partner's address as the relay saw it (for the inside node's log). */
export const PARTNER_HEADER = 'fedgrid-partner';

/** ALPN of the tunnel connection: HTTP/2 (the inside node serves it, the relay is the client). */
export const TUNNEL_ALPN = 'h2';

/** Flow-control window of each CONNECT stream (bytes in flight before the receiver acknowledges). */
export const STREAM_WINDOW_BYTES = 4 * 2 ** 20;

/** Flow-control window of the whole tunnel connection (bytes). */
export const SESSION_WINDOW_BYTES = 32 * 2 ** 20;

/** Streams (partner connections) one tunnel carries at once; more are refused by the inside node. */
export const MAX_STREAMS_PER_TUNNEL = 512;

/** Seconds between HTTP/2 pings on an idle tunnel; an unanswered ping ends the tunnel. */
export const TUNNEL_PING_SECONDS = 15;

/** Minimal logger (pino-compatible) used by the relay and the tunnel. */
export interface RelayLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export const SILENT_LOGGER: RelayLogger = { info() {}, warn() {}, debug() {} };
