/**
 * The data-plane gRPC server: accepts pushes over mutually authenticated TLS 1.3 from nodes whose
 * certificate a contract pins, and files them into the node's mailbox.
 */
import * as grpc from '@grpc/grpc-js';
import { DeliveryError, type DataPlaneMailbox } from '../mailbox.js';
import type { TlsIdentity } from '../tls/identity.js';
import {
  MAX_MESSAGE_BYTES,
  partialsService,
  transferService,
  type PartialFrame,
  type PushRequest,
} from './proto.js';
import type { TrustStore } from './trust.js';

export interface TransferServerOptions {
  nodeId: string;
  identity: TlsIdentity;
  trust: TrustStore;
  mailbox: DataPlaneMailbox;
  /** Called for every refused call, with a reason (for the node's log). */
  onRefused?: (reason: string) => void;
  /**
   * Called for every accepted push: the sending node (from its pinned certificate), the chunk's
   * payload size (bytes) and the `traceparent` metadata it carried, if any (unvalidated: the
   * caller checks its syntax before using it).
   */
  onReceived?: (nodeId: string, bytes: number, traceparent: string | undefined) => void;
}

const DELIVERY_STATUS: Record<string, grpc.status> = {
  ERR_UNKNOWN_SESSION: grpc.status.NOT_FOUND,
  ERR_SENDER_NOT_ALLOWED: grpc.status.PERMISSION_DENIED,
  ERR_BUFFER_FULL: grpc.status.RESOURCE_EXHAUSTED,
  ERR_PAYLOAD_TOO_LARGE: grpc.status.RESOURCE_EXHAUSTED,
  ERR_PAYLOAD_EXPIRED: grpc.status.FAILED_PRECONDITION,
  ERR_BAD_ENVELOPE: grpc.status.INVALID_ARGUMENT,
  // A store-backed mailbox whose database did not answer: the sender retries (UNAVAILABLE).
  ERR_STORE_UNAVAILABLE: grpc.status.UNAVAILABLE,
};

/**
 * Answers one frame of the Partials stream for the (authenticated, still pinned) calling node:
 * `body` is the request's JSON; resolves with the answer's HTTP-like status and JSON body. Never
 * rejects for a bad request (that is a 4xx answer).
 */
export type PartialsHandler = (
  caller: string,
  body: Buffer,
) => Promise<{ status: number; body: Buffer }>;

/** Largest request frame of the Partials stream (1,000 ids of 200 characters fit). */
export const MAX_PARTIAL_FRAME_BYTES = 2 ** 20;
/** Requests one Partials stream may have unanswered; more are answered 429 at once. */
export const MAX_PARTIALS_IN_FLIGHT = 256;

/** Room in one Push message for everything but the chunk (session, tag, party names). */
const ENVELOPE_HEADROOM_BYTES = 64 * 2 ** 10;

/**
 * A certificate provider serving both our identity and the pinned peers as the CA set; grpc-js
 * rebuilds the TLS context when it changes. (One object for both roles, because grpc-js's
 * createCertificateProviderServerCredentials passes its two providers in swapped order.)
 */
class PinnedCertificateProvider implements grpc.experimental.CertificateProvider {
  private caListeners: grpc.experimental.CaCertificateUpdateListener[] = [];
  private idListeners: grpc.experimental.IdentityCertificateUpdateListener[] = [];

  constructor(
    private readonly identity: TlsIdentity,
    private readonly trust: TrustStore,
  ) {
    trust.onChange(() => this.publishCa());
  }

  private ca(): Buffer {
    // Never an empty CA list: our own certificate stands in when nothing is pinned yet.
    return Buffer.from([this.identity.certPem, ...this.trust.certificates()].join('\n'));
  }

  private publishCa(): void {
    for (const l of this.caListeners) l({ caCertificate: this.ca() });
  }

  // grpc-js registers its watcher only after it first reads the TLS options, so an update
  // delivered synchronously here is lost (and the server would refuse every connection until the
  // pinned set next changes). Deliver the initial state on the next microtask.
  addCaCertificateListener(l: grpc.experimental.CaCertificateUpdateListener): void {
    this.caListeners.push(l);
    queueMicrotask(() => l({ caCertificate: this.ca() }));
  }
  removeCaCertificateListener(l: grpc.experimental.CaCertificateUpdateListener): void {
    this.caListeners = this.caListeners.filter((x) => x !== l);
  }
  addIdentityCertificateListener(l: grpc.experimental.IdentityCertificateUpdateListener): void {
    this.idListeners.push(l);
    queueMicrotask(() =>
      l({
        certificate: Buffer.from(this.identity.certPem),
        privateKey: Buffer.from(this.identity.keyPem),
      }),
    );
  }
  removeIdentityCertificateListener(l: grpc.experimental.IdentityCertificateUpdateListener): void {
    this.idListeners = this.idListeners.filter((x) => x !== l);
  }
}

export class TransferServer {
  private readonly server: grpc.Server;
  private partialsHandler: PartialsHandler | undefined;

  constructor(private readonly opts: TransferServerOptions) {
    this.server = new grpc.Server({
      // A message bigger than the mailbox would accept is refused before it is buffered whole.
      'grpc.max_receive_message_length': Math.min(
        MAX_MESSAGE_BYTES,
        opts.mailbox.limits.maxChunkBytes + ENVELOPE_HEADROOM_BYTES,
      ),
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    });
    this.server.addService(transferService().service, {
      Push: (call: grpc.ServerUnaryCall<PushRequest, object>, cb: grpc.sendUnaryData<object>) =>
        this.push(call, cb),
      Ping: (call: grpc.ServerUnaryCall<object, object>, cb: grpc.sendUnaryData<object>) => {
        const peer = this.authenticate(call);
        if (typeof peer !== 'string') return cb(peer);
        cb(null, { nodeId: this.opts.nodeId });
      },
    });
    this.server.addService(partialsService().service, {
      Exchange: (call: grpc.ServerDuplexStream<PartialFrame, PartialFrame>) => this.exchange(call),
    });
  }

  /** Sets who answers the Partials stream (online prediction on a host); until then: 404. */
  setPartialsHandler(handler: PartialsHandler): void {
    this.partialsHandler = handler;
  }

  /**
   * One guest's Partials stream. The caller is authenticated when the stream opens and again for
   * every frame (a contract ended meanwhile closes the stream with UNAUTHENTICATED); frames are
   * answered as their handler finishes (out of order), at most MAX_PARTIALS_IN_FLIGHT at once.
   */
  private exchange(call: grpc.ServerDuplexStream<PartialFrame, PartialFrame>): void {
    const first = this.authenticate(call as unknown as grpc.ServerUnaryCall<unknown, unknown>);
    // An error status ends the stream (grpc-js sends it from the stream's 'error' listener;
    // destroy() would drop the stream without telling the caller).
    let closed = false;
    const close = (err: grpc.ServiceError) => {
      closed = true;
      call.emit('error', err);
    };
    if (typeof first !== 'string') {
      close(first);
      return;
    }
    const fingerprint = call.getAuthContext().sslPeerCertificate?.fingerprint256;
    let inFlight = 0;
    const answer = (id: number, status: number, body: object | Buffer) => {
      if (closed || call.destroyed || call.writableEnded) return;
      call.write({
        id,
        status,
        body: Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body)),
      });
    };
    call.on('data', (frame: PartialFrame) => {
      const id = frame.id >>> 0;
      // Still pinned by an active contract, by the same node.
      const now = fingerprint ? this.opts.trust.nodeIdForFingerprint(fingerprint) : undefined;
      if (closed) return;
      if (now !== first) {
        const why = `node '${this.opts.nodeId}' closed the partials stream of '${first}': its certificate is no longer pinned by an active contract`;
        this.opts.onRefused?.(why);
        close(
          Object.assign(new Error(why), {
            code: grpc.status.UNAUTHENTICATED,
            details: why,
            metadata: new grpc.Metadata(),
          }),
        );
        return;
      }
      const body = Buffer.isBuffer(frame.body) ? frame.body : Buffer.alloc(0);
      if (body.length > MAX_PARTIAL_FRAME_BYTES)
        return answer(id, 413, {
          code: 'VALIDATION_FAILED',
          message: `a partials request of ${body.length} bytes exceeds ${MAX_PARTIAL_FRAME_BYTES}`,
        });
      if (inFlight >= MAX_PARTIALS_IN_FLIGHT)
        return answer(id, 429, {
          code: 'LIMIT_EXCEEDED',
          message: `more than ${MAX_PARTIALS_IN_FLIGHT} partials requests unanswered on one stream`,
        });
      const handler = this.partialsHandler;
      if (!handler)
        return answer(id, 404, {
          code: 'NOT_FOUND',
          message: `node '${this.opts.nodeId}' serves no partials`,
        });
      inFlight++;
      handler(first, body).then(
        (r) => {
          inFlight--;
          answer(id, r.status, r.body);
        },
        (err: unknown) => {
          inFlight--;
          answer(id, 500, { code: 'INTERNAL', message: (err as Error).message });
        },
      );
    });
    call.on('end', () => call.end());
    call.on('error', () => {});
  }

  /** Identifies the calling node from its (pinned) client certificate, or returns an error. */
  private authenticate(call: grpc.ServerUnaryCall<unknown, unknown>): string | grpc.ServiceError {
    const cert = call.getAuthContext().sslPeerCertificate;
    const refuse = (details: string) => {
      this.opts.onRefused?.(details);
      return Object.assign(new Error(details), {
        code: grpc.status.UNAUTHENTICATED,
        details,
        metadata: new grpc.Metadata(),
      });
    };
    if (!cert) {
      return refuse(
        `node '${this.opts.nodeId}' refused the data-plane call from ${call.getPeer()}: its client certificate is ` +
          'not pinned by any active contract (sign a contract with this node first)',
      );
    }
    const nodeId = this.opts.trust.nodeIdForFingerprint(cert.fingerprint256);
    if (!nodeId) {
      return refuse(
        `node '${this.opts.nodeId}' refused the data-plane call from ${call.getPeer()}: certificate ${cert.fingerprint256} ` +
          'is no longer pinned by an active contract',
      );
    }
    return nodeId;
  }

  private push(
    call: grpc.ServerUnaryCall<PushRequest, object>,
    cb: grpc.sendUnaryData<object>,
  ): void {
    const sender = this.authenticate(call);
    if (typeof sender !== 'string') return cb(sender);
    const r = call.request;
    const accepted = () => {
      if (this.opts.onReceived) {
        const tp = call.metadata.get('traceparent')[0];
        this.opts.onReceived(sender, r.data.byteLength, typeof tp === 'string' ? tp : undefined);
      }
      cb(null, {});
    };
    const refused = (err: unknown) => {
      const code =
        err instanceof DeliveryError
          ? (DELIVERY_STATUS[err.code] ?? grpc.status.INTERNAL)
          : grpc.status.INTERNAL;
      const details =
        err instanceof DeliveryError
          ? `${err.code}: ${err.message}`
          : `internal error: ${(err as Error).message}`;
      cb(Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() }));
    };
    try {
      const kept = this.opts.mailbox.deliver(
        {
          session: r.session,
          tag: r.tag,
          src: r.src,
          dst: r.dst,
          seq: r.seq,
          total: r.total,
          data: r.data,
        },
        sender,
      );
      // A store-backed mailbox acknowledges only once the chunk is committed.
      if (kept instanceof Promise) kept.then(accepted, refused);
      else accepted();
    } catch (err) {
      refused(err);
    }
  }

  /** Binds `host:port` (port 0 picks a free port) and returns the bound port. */
  async listen(host: string, port: number): Promise<number> {
    const provider = new PinnedCertificateProvider(this.opts.identity, this.opts.trust);
    const creds = grpc.experimental.createCertificateProviderServerCredentials(
      provider,
      provider,
      false,
    );
    return new Promise((resolve, reject) => {
      this.server.bindAsync(`${host}:${port}`, creds, (err, bound) =>
        err ? reject(err) : resolve(bound),
      );
    });
  }

  /** Stops accepting calls; in-flight calls get `graceMs` to finish. */
  async close(graceMs = 2000): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}
