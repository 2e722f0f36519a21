/**
 * The relay (docs/protocols/relay.md): a FedGrid process in a DMZ through which partners reach a
 * node in a network that allows only outbound connections. The inside node dials the relay's
 * tunnel port over mutual TLS 1.3 and keeps that connection open; a partner connects to the
 * relay's public port as if it were the node's, and the relay reads only the server name (SNI) of
 * the partner's TLS ClientHello to choose the inside node, then forwards the partner's raw TCP
 * bytes over the tunnel in an HTTP/2 CONNECT stream. The partner's TLS session ends at the inside
 * node, so the relay sees ciphertext only and both ends keep pinning each other's certificates.
 */
import http2, { type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import net, { type AddressInfo, type Socket } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import type { TlsIdentity } from '../tls/identity.js';
import { readClientHello, routeOfServerName, UNRECOGNIZED_NAME_ALERT } from './client-hello.js';
import { ByteBudgets, byteThrottle, type ByteBudgetKind } from './relay-byte-budget.js';
import { relayLimits, SourceLimiter, type RelayLimits, type RelayRefusal } from './relay-limits.js';
import {
  PARTNER_HEADER,
  SESSION_WINDOW_BYTES,
  SILENT_LOGGER,
  STREAM_WINDOW_BYTES,
  TUNNEL_ALPN,
  TUNNEL_PING_SECONDS,
  type RelayLogger,
  type RelayPlane,
} from './relay-protocol.js';

/** An inside node the relay lets register: its id and the SHA-256 fingerprint of its certificate. */
export interface RelayNode {
  id: string;
  fingerprint: string;
}

export interface RelayEndpoint {
  host: string;
  /** 0: any free port. */
  port: number;
}

/** One chunk the relay forwarded (for traffic accounting and tests). */
export interface RelayChunk {
  node: string;
  plane: RelayPlane;
  direction: 'to-node' | 'from-node';
  bytes: Buffer;
}

export interface RelayOptions {
  /** The relay's own TLS identity (inside nodes pin its fingerprint). */
  identity: TlsIdentity;
  /**
   * The inside nodes allowed to register, read at every tunnel connection (so a node can be added
   * without a restart). A node is recognised by its certificate fingerprint, never a claimed id.
   */
  nodes: () => Promise<readonly RelayNode[]> | readonly RelayNode[];
  /** Where inside nodes dial in (mutual TLS 1.3). */
  tunnel: RelayEndpoint;
  /** Public port for partners' control-plane (HTTPS) connections. */
  api: RelayEndpoint;
  /** Public port for partners' data-plane (gRPC) connections. */
  data: RelayEndpoint;
  log?: RelayLogger;
  /** Milliseconds a partner has to send its whole ClientHello. @default 10000 */
  helloTimeoutMs?: number;
  /** Sees every forwarded chunk (traffic accounting; tests check it is ciphertext). */
  observe?: (chunk: RelayChunk) => void;
  /** Abuse limits (relay-limits.ts); unset fields take their defaults. */
  limits?: Partial<RelayLimits>;
  /**
   * Share each inside node's byte budget fairly among its partner sources (relay-fair-share.ts).
   * false: first come, first served, as before fair queues — kept only so that a test can show
   * the difference. @default true
   */
  fairShare?: boolean;
}

/** TLS fatal alert `internal_error` (RFC 8446 §6): the relay is at a limit for this node. */
const INTERNAL_ERROR_ALERT = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x50]);

/** Counters and gauges of a relay (its `/metrics`; tests). */
export interface RelayStats {
  /** Tunnels up per inside node id. */
  tunnels: Record<string, number>;
  /** Partner connections being forwarded now, per inside node id. */
  connections: Record<string, number>;
  /** Public-port connections still sending their ClientHello. */
  pendingHellos: number;
  /** Open public-port and tunnel-port connections per source IP address. */
  sources: Record<string, number>;
  /** Partner connections forwarded since start, and their bytes, per node and plane. */
  forwarded: {
    node: string;
    plane: RelayPlane;
    connections: number;
    bytesToNode: number;
    bytesFromNode: number;
  }[];
  /** Connections refused since start, per reason. */
  refused: Partial<Record<RelayRefusal, number>>;
  /**
   * Seconds forwarded connections of each inside node were held by a byte budget since start
   * (summed over connections and directions), by the budget that held them: the node's own
   * (`bytesPerSecondPerNode`) or the partner source's (`bytesPerSecondPerSource`).
   */
  throttled: { node: string; budget: ByteBudgetKind; seconds: number }[];
  /**
   * Per inside node and partner source address with a connection open now: its open connections
   * and the bytes (both directions) its node's budget granted it since its first of them opened —
   * how the node's budget was shared (relay-fair-share.ts).
   */
  shares: { node: string; source: string; connections: number; bytes: number }[];
}

/** The ports a started relay listens on. */
export interface RelayPorts {
  tunnelPort: number;
  apiPort: number;
  dataPort: number;
}

export class Relay {
  private readonly log: RelayLogger;
  /**
   * The tunnels up per node id. Replicas of one node (one identity) each keep a tunnel; partner
   * connections are spread over them in turn. A dead tunnel leaves at its failed ping.
   */
  private readonly tunnels = new Map<string, ClientHttp2Session[]>();
  private turn = 0;
  private readonly partnerSockets = new Set<Socket>();
  private readonly tunnelSockets = new Set<Socket>();
  private readonly limits: RelayLimits;
  private readonly sources: SourceLimiter;
  private pendingHellos = 0;
  private readonly active = new Map<string, number>();
  private readonly forwarded = new Map<
    string,
    {
      node: string;
      plane: RelayPlane;
      connections: number;
      bytesToNode: number;
      bytesFromNode: number;
    }
  >();
  private readonly refusals: Partial<Record<RelayRefusal, number>> = {};
  private readonly budgets: ByteBudgets;
  private readonly throttled = new Map<
    string,
    { node: string; budget: ByteBudgetKind; seconds: number }
  >();
  private readonly tunnelServer: tls.Server;
  private readonly publicServers: Record<RelayPlane, net.Server>;
  private closed = false;

  constructor(private readonly opts: RelayOptions) {
    this.log = opts.log ?? SILENT_LOGGER;
    this.limits = relayLimits(opts.limits);
    this.sources = new SourceLimiter(this.limits);
    this.budgets = new ByteBudgets(this.limits, undefined, opts.fairShare ?? true);
    this.tunnelServer = tls.createServer(
      {
        key: opts.identity.keyPem,
        cert: opts.identity.certPem,
        requestCert: true,
        // Inside nodes have self-signed certificates: checked by fingerprint below instead.
        rejectUnauthorized: false,
        minVersion: 'TLSv1.3',
        ALPNProtocols: [TUNNEL_ALPN],
        handshakeTimeout: opts.helloTimeoutMs ?? 10_000,
      },
      (socket) => void this.acceptTunnel(socket),
    );
    // Counted before the TLS handshake, so that handshakes alone cannot exhaust the relay.
    this.tunnelServer.on('connection', (socket: Socket) => this.admitTunnel(socket));
    this.tunnelServer.on('tlsClientError', (err, socket) =>
      this.log.warn(
        { err: err.message, from: socket.remoteAddress },
        'relay: tunnel TLS handshake failed',
      ),
    );
    this.publicServers = {
      api: net.createServer((s) => this.acceptPartner('api', s)),
      data: net.createServer((s) => this.acceptPartner('data', s)),
    };
  }

  /**
   * Starts listening on the tunnel and both public ports.
   * @throws the listen error (EADDRINUSE, EACCES) of the first port that cannot be bound.
   */
  async listen(): Promise<RelayPorts> {
    const bind = (server: net.Server, at: RelayEndpoint) =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(at.port, at.host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      });
    try {
      const tunnelPort = await bind(this.tunnelServer, this.opts.tunnel);
      const apiPort = await bind(this.publicServers.api, this.opts.api);
      const dataPort = await bind(this.publicServers.data, this.opts.data);
      return { tunnelPort, apiPort, dataPort };
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** Ids of the inside nodes whose tunnel is up. */
  connected(): string[] {
    return [...this.tunnels.keys()];
  }

  /** The relay's counters and gauges now. */
  stats(): RelayStats {
    return {
      tunnels: Object.fromEntries([...this.tunnels].map(([id, list]) => [id, list.length])),
      connections: Object.fromEntries(this.active),
      pendingHellos: this.pendingHellos,
      sources: Object.fromEntries(this.sources.openBySource()),
      forwarded: [...this.forwarded.values()].map((f) => ({ ...f })),
      refused: { ...this.refusals },
      throttled: [...this.throttled.values()].map((t) => ({ ...t })),
      shares: this.budgets.served(),
    };
  }

  /** The limits in force (defaults filled in). */
  get limitsInForce(): Readonly<RelayLimits> {
    return this.limits;
  }

  private refuse(reason: RelayRefusal, fields: object, msg: string): void {
    this.refusals[reason] = (this.refusals[reason] ?? 0) + 1;
    this.log.warn({ ...fields, reason }, msg);
  }

  /** Admits a TCP connection from `source` (per-source limits), releasing it when it closes. */
  private admitSource(socket: Socket, port: string): boolean {
    const source = socket.remoteAddress ?? 'unknown';
    const over = this.sources.admit(source);
    if (over) {
      const limit =
        over === 'source_connections'
          ? { maxConnectionsPerSource: this.limits.maxConnectionsPerSource }
          : {
              connectionsPerSecondPerSource: this.limits.connectionsPerSecondPerSource,
              connectionBurstPerSource: this.limits.connectionBurstPerSource,
            };
      this.refuse(
        over,
        { source, port, ...limit },
        over === 'source_connections'
          ? 'relay: refused a connection: this source has too many open (relay limit maxConnectionsPerSource)'
          : 'relay: refused a connection: this source opens connections too fast (relay limits connectionsPerSecondPerSource, connectionBurstPerSource)',
      );
      socket.on('error', () => {});
      socket.destroy();
      return false;
    }
    socket.once('close', () => this.sources.release(source));
    return true;
  }

  private admitTunnel(socket: Socket): void {
    if (this.tunnelSockets.size >= this.limits.maxTunnels) {
      this.refuse(
        'tunnels',
        { source: socket.remoteAddress, maxTunnels: this.limits.maxTunnels },
        'relay: refused a tunnel connection: the relay holds maxTunnels already',
      );
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    if (!this.admitSource(socket, 'tunnel')) return;
    this.tunnelSockets.add(socket);
    socket.once('close', () => this.tunnelSockets.delete(socket));
  }

  /** Stops listening and ends every tunnel and forwarded connection. */
  async close(): Promise<void> {
    this.closed = true;
    for (const list of this.tunnels.values()) for (const s of list) s.destroy();
    this.tunnels.clear();
    for (const s of this.partnerSockets) s.destroy();
    const stop = (server: net.Server) =>
      new Promise<void>((resolve) =>
        server.listening ? server.close(() => resolve()) : resolve(),
      );
    await Promise.all([
      stop(this.tunnelServer),
      stop(this.publicServers.api),
      stop(this.publicServers.data),
    ]);
  }

  private async acceptTunnel(socket: TLSSocket): Promise<void> {
    const fingerprint = socket.getPeerCertificate()?.fingerprint256;
    const from = `${socket.remoteAddress}:${socket.remotePort}`;
    let node: RelayNode | undefined;
    try {
      const nodes = await this.opts.nodes();
      node = fingerprint ? nodes.find((n) => n.fingerprint === fingerprint) : undefined;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'relay: cannot read the registered nodes');
    }
    if (!node || this.closed) {
      this.refuse(
        'unregistered',
        { from, fingerprint: fingerprint ?? null },
        'relay: refused a tunnel from a certificate no registered node has',
      );
      socket.destroy();
      return;
    }
    const id = node.id.toLowerCase();
    const held = (this.tunnels.get(id) ?? []).length;
    if (held >= this.limits.maxTunnelsPerNode) {
      this.refuse(
        'node_tunnels',
        { node: id, from, tunnels: held, maxTunnelsPerNode: this.limits.maxTunnelsPerNode },
        'relay: refused a tunnel: this node holds maxTunnelsPerNode tunnels already (a dead one leaves at its unanswered ping)',
      );
      socket.destroy();
      return;
    }
    socket.setKeepAlive(true, 10_000);
    // Reverse HTTP/2: the relay is the client on the connection the inside node dialled.
    const session = http2.connect(`http://${id}.fedgrid`, {
      createConnection: () => socket,
      settings: { initialWindowSize: STREAM_WINDOW_BYTES, enablePush: false },
    });
    session.on('connect', () => session.setLocalWindowSize(SESSION_WINDOW_BYTES));
    session.on('error', (err) =>
      this.log.warn({ node: id, err: err.message }, 'relay: tunnel error'),
    );
    // A ping still unanswered at the next one means the tunnel is dead (TCP may not notice for
    // minutes): close it, so that partners are not routed into it and the node redials.
    let awaiting = false;
    const ping = setInterval(() => {
      if (awaiting) {
        this.log.warn({ node: id }, 'relay: tunnel ping unanswered; closing it');
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
    session.once('close', () => {
      clearInterval(ping);
      const left = (this.tunnels.get(id) ?? []).filter((t) => t !== session);
      if (left.length) this.tunnels.set(id, left);
      else this.tunnels.delete(id);
      this.log.info({ node: id, from }, 'relay: tunnel closed');
    });
    this.tunnels.set(id, [...(this.tunnels.get(id) ?? []), session]);
    this.log.info({ node: id, from, fingerprint }, 'relay: tunnel registered');
  }

  private acceptPartner(plane: RelayPlane, socket: Socket): void {
    socket.on('error', () => socket.destroy());
    const partner = `${socket.remoteAddress}:${socket.remotePort}`;
    if (this.pendingHellos >= this.limits.maxPendingHellos) {
      this.refuse(
        'pending_hellos',
        { partner, plane, maxPendingHellos: this.limits.maxPendingHellos },
        'relay: refused a connection: maxPendingHellos connections are still sending their ClientHello',
      );
      socket.destroy();
      return;
    }
    if (!this.admitSource(socket, plane)) return;
    this.partnerSockets.add(socket);
    socket.once('close', () => this.partnerSockets.delete(socket));
    this.pendingHellos += 1;
    let pending = true;
    const helloDone = () => {
      if (pending) this.pendingHellos -= 1;
      pending = false;
    };
    socket.once('close', helloDone);
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => {
      this.refuse(
        'hello_timeout',
        { partner, plane },
        'relay: no complete ClientHello in time; closed',
      );
      socket.destroy();
    }, this.opts.helloTimeoutMs ?? 10_000);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const hello = readClientHello(buffered);
      if (hello.status === 'incomplete') return;
      clearTimeout(timer);
      helloDone();
      socket.off('data', onData);
      socket.pause();
      if (hello.status === 'invalid') {
        this.refuse(
          'bad_hello',
          { partner, plane, why: hello.reason },
          'relay: not a TLS ClientHello',
        );
        socket.destroy();
        return;
      }
      const node = routeOfServerName(hello.serverName);
      const up = node
        ? (this.tunnels.get(node) ?? []).filter((t) => !t.closed && !t.destroyed)
        : [];
      const session = up[this.turn++ % Math.max(up.length, 1)];
      if (!node || !session) {
        this.refuse(
          'unknown_name',
          { partner, plane, serverName: hello.serverName ?? null },
          'relay: no registered node with a tunnel up for this server name',
        );
        socket.end(UNRECOGNIZED_NAME_ALERT);
        return;
      }
      const open = this.active.get(node) ?? 0;
      if (open >= this.limits.maxConnectionsPerNode) {
        this.refuse(
          'node_connections',
          { partner, plane, node, maxConnectionsPerNode: this.limits.maxConnectionsPerNode },
          'relay: refused a connection: this node has maxConnectionsPerNode partner connections open',
        );
        socket.end(INTERNAL_ERROR_ALERT);
        return;
      }
      this.forward(node, plane, session, socket, buffered, partner);
    };
    socket.on('data', onData);
  }

  private forward(
    node: string,
    plane: RelayPlane,
    session: ClientHttp2Session,
    socket: Socket,
    hello: Buffer,
    partner: string,
  ): void {
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(
        { ':method': 'CONNECT', ':authority': plane, [PARTNER_HEADER]: partner },
        { endStream: false },
      );
    } catch (err) {
      this.log.warn({ node, plane, partner, err: (err as Error).message }, 'relay: no stream');
      socket.destroy();
      // A tunnel out of stream ids (2^30 connections) is retired; the node dials a new one.
      if ((err as NodeJS.ErrnoException).code === 'ERR_HTTP2_OUT_OF_STREAMS') session.close();
      return;
    }
    const started = Date.now();
    let toNode = 0;
    let fromNode = 0;
    this.active.set(node, (this.active.get(node) ?? 0) + 1);
    const key = `${node}\u0000${plane}`;
    const totals = this.forwarded.get(key) ?? {
      node,
      plane,
      connections: 0,
      bytesToNode: 0,
      bytesFromNode: 0,
    };
    totals.connections += 1;
    this.forwarded.set(key, totals);
    let counted = false;
    const observe = this.opts.observe;
    let streamClosed = false;
    let socketClosed = false;
    // Both directions are charged to the partner source's byte budget and to its share of the
    // node's; bytes are counted as they leave the throttle, so the counters say what was actually
    // forwarded.
    const buckets = this.budgets.acquire(node, socket.remoteAddress ?? 'unknown');
    const wait = (ms: number, budget: ByteBudgetKind) => {
      const k = `${node}\u0000${budget}`;
      const t = this.throttled.get(k) ?? { node, budget, seconds: 0 };
      t.seconds += ms / 1000;
      this.throttled.set(k, t);
    };
    const toNodeThrottle = byteThrottle(
      buckets,
      (chunk) => {
        toNode += chunk.length;
        totals.bytesToNode += chunk.length;
        observe?.({ node, plane, direction: 'to-node', bytes: chunk });
      },
      wait,
    );
    const fromNodeThrottle = byteThrottle(
      buckets,
      (chunk) => {
        fromNode += chunk.length;
        totals.bytesFromNode += chunk.length;
        observe?.({ node, plane, direction: 'from-node', bytes: chunk });
      },
      wait,
    );
    // The node's budget counts the partner's connection: it is released when that closes, even if
    // the node's side of the stream lingers half-closed.
    const release = () => {
      if (counted) return;
      counted = true;
      buckets.release();
      const left = (this.active.get(node) ?? 1) - 1;
      if (left > 0) this.active.set(node, left);
      else this.active.delete(node);
    };
    socket.once('close', release);
    const logged = (reason?: string) => {
      release();
      this.log.info(
        {
          node,
          plane,
          partner,
          bytesToNode: toNode,
          bytesFromNode: fromNode,
          seconds: (Date.now() - started) / 1000,
          ...(reason ? { reason } : {}),
        },
        'relay: connection forwarded',
      );
    };
    // A clean end of one side ends the other once its data is through (the throttles flush
    // first); an abort aborts both.
    const abort = (reason: string) => {
      socket.destroy();
      stream.destroy();
      toNodeThrottle.destroy();
      fromNodeThrottle.destroy();
      if (!streamClosed || !socketClosed) logged(reason);
      streamClosed = socketClosed = true;
    };
    toNodeThrottle.on('error', (err) => abort(err.message));
    fromNodeThrottle.on('error', (err) => abort(err.message));
    stream.on('response', (headers) => {
      if (headers[':status'] !== 200) return abort(`node answered ${headers[':status']}`);
      socket.pipe(toNodeThrottle);
      socket.resume();
    });
    toNodeThrottle.pipe(stream);
    toNodeThrottle.write(hello);
    stream.pipe(fromNodeThrottle).pipe(socket);
    stream.on('error', (err) => abort(err.message));
    stream.once('close', () => {
      if (streamClosed) return;
      streamClosed = true;
      if (stream.rstCode) return abort(`stream reset (${stream.rstCode})`);
      fromNodeThrottle.end();
      if (socketClosed) logged();
    });
    socket.once('close', (hadError) => {
      if (socketClosed) return;
      socketClosed = true;
      if (hadError) return abort('partner connection failed');
      toNodeThrottle.end();
      if (streamClosed) logged();
    });
  }
}
