/**
 * The data-plane gRPC client ({@link Transport}): pushes chunks to the node hosting a party over
 * mutually authenticated TLS 1.3. The server must present exactly the certificate its contract
 * pins; otherwise the call fails with an error naming the peer and the fingerprint it showed.
 */
import { connect as tlsConnect } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { PeerAuthenticationError, PeerUnreachableError, ChannelError } from '../channel.js';
import type { Envelope } from '../mailbox.js';
import type { Transport } from '../transport.js';
import type { TlsIdentity } from '../tls/identity.js';
import { MAX_MESSAGE_BYTES, partialsService, transferService, type PartialFrame } from './proto.js';
import type { PinnedPeer, TrustStore } from './trust.js';

export interface GrpcTransportOptions {
  identity: TlsIdentity;
  trust: TrustStore;
  /** Deadline of one push, in ms. @default 120000 */
  pushDeadlineMs?: number;
  /** Deadline of one ping, in ms. @default 3000 */
  pingDeadlineMs?: number;
  /**
   * gRPC metadata to send with a push (e.g. the W3C `traceparent` of the job the session belongs
   * to), by session. Keys lower-case ASCII; values printable ASCII.
   */
  metadataFor?: (session: string) => Record<string, string> | undefined;
  /** Called after each acknowledged push with the peer and the chunk's payload size (bytes). */
  onSent?: (nodeId: string, bytes: number) => void;
}

interface ClientEntry {
  peer: PinnedPeer;
  client: grpc.Client & Record<string, grpc.MethodDefinition<unknown, unknown>['path'] | unknown>;
}

type UnaryMethod = (
  req: object,
  meta: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res?: unknown) => void,
) => grpc.ClientUnaryCall;

/** One node's Partials stream and the requests waiting on it. */
interface PartialsStream {
  peer: PinnedPeer;
  client: grpc.Client;
  call: grpc.ClientDuplexStream<PartialFrame, PartialFrame>;
  nextId: number;
  pending: Map<
    number,
    { resolve: (a: { status: number; body: Buffer }) => void; reject: (e: Error) => void }
  >;
}

export class GrpcTransport implements Transport {
  private readonly clients = new Map<string, ClientEntry>();
  private readonly streams = new Map<string, PartialsStream>();

  constructor(private readonly opts: GrpcTransportOptions) {
    opts.trust.onChange(() => {
      // Drop clients whose pin or address changed; they are rebuilt on next use.
      for (const [nodeId, entry] of this.clients) {
        const now = opts.trust.peer(nodeId);
        if (
          !now ||
          now.fingerprint !== entry.peer.fingerprint ||
          now.address !== entry.peer.address
        ) {
          entry.client.close();
          this.clients.delete(nodeId);
        }
      }
      for (const [nodeId, st] of this.streams) {
        const now = opts.trust.peer(nodeId);
        if (!now || now.fingerprint !== st.peer.fingerprint || now.address !== st.peer.address)
          this.dropStream(
            nodeId,
            st,
            new PeerAuthenticationError(`the contract with node '${nodeId}' changed or ended`),
          );
      }
    });
  }

  /** The credentials and options of a channel to `peer` (its pinned certificate only). */
  private channelArgs(nodeId: string, peer: PinnedPeer) {
    const creds = grpc.credentials.createSsl(
      Buffer.from(peer.certPem),
      Buffer.from(this.opts.identity.keyPem),
      Buffer.from(this.opts.identity.certPem),
      {
        // The pinned certificate is the only trust anchor; its fingerprint is checked again here
        // instead of a host name (nodes are identified by certificate, not by DNS).
        checkServerIdentity: (_host, cert) =>
          cert.fingerprint256 === peer.fingerprint
            ? undefined
            : new Error(
                `node '${nodeId}' presented certificate ${cert.fingerprint256}, contract pins ${peer.fingerprint}`,
              ),
      },
    );
    const options = {
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
      'grpc.keepalive_time_ms': 20_000,
      // SNI must be a name, not an IP (RFC 6066); identity is checked by fingerprint anyway.
      'grpc.ssl_target_name_override': `${nodeId}.fedgrid`,
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 2000,
    };
    return { creds, options };
  }

  private dropStream(nodeId: string, st: PartialsStream, err: Error): void {
    if (this.streams.get(nodeId) === st) this.streams.delete(nodeId);
    const waiting = [...st.pending.values()];
    st.pending.clear();
    st.call.cancel();
    st.client.close();
    for (const w of waiting) w.reject(err);
  }

  private partialsStream(nodeId: string): PartialsStream {
    const known = this.streams.get(nodeId);
    if (known) return known;
    const peer = this.opts.trust.peer(nodeId);
    if (!peer)
      throw new PeerAuthenticationError(
        `no active contract with node '${nodeId}': cannot open a data-plane connection`,
      );
    const { creds, options } = this.channelArgs(nodeId, peer);
    const Ctor = partialsService();
    const client = new Ctor(peer.address, creds, options);
    const call = (
      client as unknown as {
        Exchange: () => grpc.ClientDuplexStream<PartialFrame, PartialFrame>;
      }
    ).Exchange();
    const st: PartialsStream = { peer, client, call, nextId: 1, pending: new Map() };
    call.on('data', (f: PartialFrame) => {
      const w = st.pending.get(f.id);
      if (!w) return; // answered after its deadline
      st.pending.delete(f.id);
      w.resolve({ status: f.status, body: Buffer.isBuffer(f.body) ? f.body : Buffer.alloc(0) });
    });
    // The stream's end comes as its status (after 'end' and, for a failure, 'error'): an OK
    // status is the host closing it, any other the failure to report (UNAUTHENTICATED: the
    // host no longer pins this node).
    call.on('error', () => {});
    call.on('status', (status: grpc.StatusObject) => {
      // New requests open a new stream at once; those waiting here fail below.
      if (this.streams.get(nodeId) === st) this.streams.delete(nodeId);
      if (status.code === grpc.status.OK) {
        this.dropStream(
          nodeId,
          st,
          new PeerUnreachableError(nodeId, `node '${nodeId}' closed the partials stream`),
        );
        return;
      }
      const err = Object.assign(new Error(status.details), status) as grpc.ServiceError;
      void this.translate(err, peer, 'a partials request').then((e) =>
        this.dropStream(nodeId, st, e),
      );
    });
    this.streams.set(nodeId, st);
    return st;
  }

  /**
   * Sends one request on the node's Partials stream (opened on first use, reopened after it
   * broke) and resolves with the answer's status and body. Rejects with a channel error when the
   * stream breaks or no answer comes within `timeoutMs` (the stream stays open then).
   */
  partials(
    nodeId: string,
    body: Buffer,
    timeoutMs: number,
  ): Promise<{ status: number; body: Buffer }> {
    let st: PartialsStream;
    try {
      st = this.partialsStream(nodeId);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const id = st.nextId;
    st.nextId = st.nextId >= 0xffffffff ? 1 : st.nextId + 1;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => {
          st.pending.delete(id);
          reject(
            new PeerUnreachableError(
              nodeId,
              `node '${nodeId}' did not answer within ${timeoutMs} ms`,
            ),
          );
        },
        Math.max(1, timeoutMs),
      );
      st.pending.set(id, {
        resolve: (a) => {
          clearTimeout(timer);
          resolve(a);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      st.call.write({ id, body, status: 0 });
    });
  }

  private client(nodeId: string): ClientEntry {
    const peer = this.opts.trust.peer(nodeId);
    if (!peer) {
      throw new PeerAuthenticationError(
        `no active contract with node '${nodeId}': cannot open a data-plane connection`,
      );
    }
    const cached = this.clients.get(nodeId);
    if (cached) return cached;
    const { creds, options } = this.channelArgs(nodeId, peer);
    const Ctor = transferService();
    const client = new Ctor(peer.address, creds, options) as ClientEntry['client'];
    const entry = { peer, client };
    this.clients.set(nodeId, entry);
    return entry;
  }

  private call(
    nodeId: string,
    method: 'Push' | 'Ping',
    req: object,
    deadlineMs: number,
    what: string,
    headers?: Record<string, string>,
  ): Promise<unknown> {
    let entry: ClientEntry;
    try {
      entry = this.client(nodeId);
    } catch (err) {
      return Promise.reject(err);
    }
    const fn = (entry.client as unknown as Record<string, UnaryMethod>)[method] as UnaryMethod;
    const meta = new grpc.Metadata();
    for (const [k, v] of Object.entries(headers ?? {})) meta.set(k, v);
    return new Promise((resolve, reject) => {
      fn.call(entry.client, req, meta, { deadline: Date.now() + deadlineMs }, (err, res) => {
        if (!err) return resolve(res);
        void this.translate(err, entry.peer, what).then(reject, reject);
      });
    });
  }

  /** Maps a gRPC failure to a channel error, diagnosing certificate mismatches. */
  private async translate(err: grpc.ServiceError, peer: PinnedPeer, what: string): Promise<Error> {
    const where = `node '${peer.nodeId}' at ${peer.address}`;
    switch (err.code) {
      case grpc.status.UNAVAILABLE:
      case grpc.status.DEADLINE_EXCEEDED: {
        const seen = await presentedFingerprint(
          peer.address,
          this.opts.identity,
          3000,
          `${peer.nodeId}.fedgrid`,
        ).catch(() => undefined);
        if (seen && seen !== peer.fingerprint) {
          return new PeerAuthenticationError(
            `${where} presented certificate ${seen}, but the contract pins ${peer.fingerprint}: ` +
              'refusing to talk to it (the peer changed its identity, or something else answers at that address)',
          );
        }
        return new PeerUnreachableError(
          peer.nodeId,
          `${where} is unreachable during ${what}: ${err.details || err.message}`,
        );
      }
      case grpc.status.UNAUTHENTICATED:
        return new PeerAuthenticationError(
          `${err.details} (our certificate is ${this.opts.identity.fingerprint}; the peer must pin it in a contract)`,
        );
      default:
        return new ChannelError(
          `ERR_PEER_REFUSED`,
          `${where} refused ${what} (${grpc.status[err.code] ?? err.code}): ${err.details || err.message}`,
        );
    }
  }

  async push(nodeId: string, env: Envelope): Promise<void> {
    await this.call(
      nodeId,
      'Push',
      { ...env, data: Buffer.from(env.data.buffer, env.data.byteOffset, env.data.byteLength) },
      this.opts.pushDeadlineMs ?? 120_000,
      `push of '${env.tag}' (${env.seq + 1}/${env.total})`,
      this.opts.metadataFor?.(env.session),
    );
    this.opts.onSent?.(nodeId, env.data.byteLength);
  }

  async ping(nodeId: string): Promise<void> {
    await this.call(nodeId, 'Ping', {}, this.opts.pingDeadlineMs ?? 3000, 'ping');
  }

  /** Closes every connection. */
  close(): void {
    for (const e of this.clients.values()) e.client.close();
    this.clients.clear();
    for (const [nodeId, st] of this.streams)
      this.dropStream(nodeId, st, new ChannelError('ERR_CLOSED', 'the transport was closed'));
  }
}

/**
 * Connects once without verifying, only to read the certificate a server presents (for error
 * messages; nothing is sent over this connection).
 */
export function presentedFingerprint(
  address: string,
  identity: TlsIdentity,
  timeoutMs = 3000,
  /** Server name to send (SNI): `<node id>.fedgrid` lets a relay route the probe to that node. */
  servername?: string,
): Promise<string> {
  const idx = address.lastIndexOf(':');
  const host = address.slice(0, idx);
  const port = Number(address.slice(idx + 1));
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host,
      port,
      key: identity.keyPem,
      cert: identity.certPem,
      rejectUnauthorized: false,
      ALPNProtocols: ['h2', 'http/1.1'], // either server kind: gRPC (h2) or the REST API (http/1.1)
      minVersion: 'TLSv1.3',
      timeout: timeoutMs,
      ...(servername ? { servername } : {}),
    });
    socket.once('secureConnect', () => {
      const fp = socket.getPeerCertificate().fingerprint256;
      socket.destroy();
      resolve(fp);
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error('timeout'));
    });
    socket.once('error', reject);
  });
}
