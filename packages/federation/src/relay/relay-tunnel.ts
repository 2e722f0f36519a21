/**
 * The inside node's end of a relay tunnel (docs/protocols/relay.md): dials the relay over mutual
 * TLS 1.3, checks that the relay presents the pinned certificate, keeps the connection open
 * (redialling with back-off when it drops), and serves the relay's HTTP/2 CONNECT streams by
 * connecting each one to the node's own API or data-plane port. The bytes of a stream are the
 * partner's own TLS connection to the node: they are passed on untouched, never read here.
 */
import { EventEmitter } from 'node:events';
import http2, { type Http2Session, type ServerHttp2Stream } from 'node:http2';
import net from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import type { TlsIdentity } from '../tls/identity.js';
import {
  MAX_STREAMS_PER_TUNNEL,
  PARTNER_HEADER,
  SESSION_WINDOW_BYTES,
  SILENT_LOGGER,
  STREAM_WINDOW_BYTES,
  TUNNEL_ALPN,
  TUNNEL_PING_SECONDS,
  type RelayLogger,
  type RelayPlane,
} from './relay-protocol.js';

export interface RelayTunnelOptions {
  /** The node's TLS identity (the relay recognises it by this certificate's fingerprint). */
  identity: TlsIdentity;
  /** The relay's tunnel port, `host:port`. */
  relayAddress: string;
  /** SHA-256 fingerprint of the relay's certificate ("AB:CD:…"); any other is refused. */
  relayFingerprint: string;
  /** Where the node's own endpoints listen (streams are connected to these). */
  targets: Record<RelayPlane, { host: string; port: number }>;
  log?: RelayLogger;
  /** Milliseconds before the first redial after the tunnel drops (doubles up to 30 s). @default 500 */
  retryMs?: number;
}

export type RelayTunnelState = 'connecting' | 'registered' | 'closed';

/**
 * Events: `registered` (the relay accepted this node: its HTTP/2 settings arrived), `down`
 * (`Error`: the tunnel dropped or could not be set up; a redial follows).
 */
export class RelayTunnel extends EventEmitter {
  private readonly log: RelayLogger;
  private readonly h2: http2.Http2Server;
  private socket: TLSSocket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retryMs: number;
  private stopped = false;
  state: RelayTunnelState = 'connecting';

  constructor(private readonly opts: RelayTunnelOptions) {
    super();
    this.log = opts.log ?? SILENT_LOGGER;
    this.retryMs = opts.retryMs ?? 500;
    parseAddress(opts.relayAddress);
    this.h2 = http2.createServer({
      settings: {
        initialWindowSize: STREAM_WINDOW_BYTES,
        maxConcurrentStreams: MAX_STREAMS_PER_TUNNEL,
        enablePush: false,
      },
    });
    this.h2.on('stream', (stream, headers) => this.serve(stream, headers));
    this.h2.on('session', (session) => this.watch(session));
  }

  /** Dials the relay (and keeps redialling until {@link close}). */
  start(): void {
    this.dial();
  }

  /** Resolves once the relay has accepted this node (or rejects when the tunnel goes down first). */
  registered(): Promise<void> {
    if (this.state === 'registered') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const ok = () => {
        this.off('down', ko);
        resolve();
      };
      const ko = (err: Error) => {
        this.off('registered', ok);
        reject(err);
      };
      this.once('registered', ok);
      this.once('down', ko);
    });
  }

  /** Ends the tunnel and stops redialling. */
  async close(): Promise<void> {
    this.stopped = true;
    this.state = 'closed';
    clearTimeout(this.timer);
    this.socket?.destroy();
    await new Promise<void>((resolve) => this.h2.close(() => resolve()));
  }

  private dial(): void {
    if (this.stopped) return;
    this.state = 'connecting';
    const { host, port } = parseAddress(this.opts.relayAddress);
    const socket = tls.connect({
      host,
      port,
      key: this.opts.identity.keyPem,
      cert: this.opts.identity.certPem,
      minVersion: 'TLSv1.3',
      ALPNProtocols: [TUNNEL_ALPN],
      // The relay's certificate is pinned by fingerprint (checked on secureConnect below).
      rejectUnauthorized: false,
      servername: 'relay.fedgrid',
    });
    this.socket = socket;
    let failure: Error | undefined;
    socket.once('secureConnect', () => {
      const seen = socket.getPeerCertificate()?.fingerprint256;
      if (seen !== this.opts.relayFingerprint) {
        failure = new Error(
          `the relay at ${this.opts.relayAddress} presented certificate ${seen ?? 'none'}, but relay.fingerprint pins ${this.opts.relayFingerprint}; not using it`,
        );
        socket.destroy();
        return;
      }
      socket.setKeepAlive(true, 10_000);
      this.h2.emit('connection', socket);
    });
    socket.on('error', (err) => (failure ??= err));
    socket.once('close', () => {
      if (this.socket === socket) this.socket = undefined;
      const wasRegistered = this.state === 'registered';
      const err =
        failure ??
        new Error(
          wasRegistered
            ? `the tunnel to the relay at ${this.opts.relayAddress} closed`
            : `the relay at ${this.opts.relayAddress} closed the tunnel before accepting it (is this node's certificate ${this.opts.identity.fingerprint} registered there?)`,
        );
      if (this.stopped) return;
      this.state = 'connecting';
      if (wasRegistered) this.retryMs = this.opts.retryMs ?? 500;
      this.log.warn(
        { relay: this.opts.relayAddress, err: err.message, retryMs: this.retryMs },
        'relay tunnel down',
      );
      this.emit('down', err);
      this.timer = setTimeout(() => this.dial(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 30_000);
    });
  }

  private watch(session: Http2Session): void {
    session.setLocalWindowSize(SESSION_WINDOW_BYTES);
    // The relay opens its HTTP/2 session only for a registered node: its settings mean "accepted".
    session.once('remoteSettings', () => {
      this.state = 'registered';
      this.retryMs = this.opts.retryMs ?? 500;
      this.log.info({ relay: this.opts.relayAddress }, 'relay tunnel registered');
      this.emit('registered');
    });
    session.on('error', (err) => this.log.warn({ err: err.message }, 'relay tunnel error'));
    // A ping still unanswered at the next one means the tunnel is dead: end it and redial.
    let awaiting = false;
    const ping = setInterval(() => {
      if (awaiting) {
        this.log.warn({ relay: this.opts.relayAddress }, 'relay tunnel ping unanswered');
        session.destroy();
        return;
      }
      awaiting = true;
      session.ping((err) => {
        awaiting = false;
        if (err && !session.destroyed) session.destroy();
      });
    }, TUNNEL_PING_SECONDS * 1000);
    ping.unref();
    session.once('close', () => clearInterval(ping));
  }

  private serve(stream: ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    const plane = headers[':authority'];
    const target =
      headers[':method'] === 'CONNECT' && (plane === 'api' || plane === 'data')
        ? this.opts.targets[plane]
        : undefined;
    stream.on('error', () => stream.destroy());
    if (!target) {
      stream.respond({ ':status': 400 }, { endStream: true });
      return;
    }
    const partner = headers[PARTNER_HEADER];
    const local = net.connect({ host: target.host, port: target.port, allowHalfOpen: true });
    local.on('error', (err) => {
      this.log.warn(
        { plane, partner, err: err.message },
        'relay stream: local endpoint unreachable',
      );
      if (!stream.headersSent) stream.respond({ ':status': 502 }, { endStream: true });
      else stream.destroy();
    });
    local.once('connect', () => {
      this.log.debug({ plane, partner }, 'relay stream opened');
      stream.respond({ ':status': 200 });
      stream.pipe(local);
      local.pipe(stream);
    });
    // A clean end of one side ends the other once its data is through; an abort aborts both.
    stream.once('close', () => (stream.rstCode ? local.destroy() : local.end()));
    local.once('close', (hadError) => (hadError ? stream.destroy() : stream.end()));
  }
}

function parseAddress(address: string): { host: string; port: number } {
  const idx = address.lastIndexOf(':');
  const host = address.slice(0, idx).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(idx + 1));
  if (idx <= 0 || !host || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new RangeError(
      `relay address '${address}' must be host:port (e.g. relay.example.org:7443)`,
    );
  return { host, port };
}
