/**
 * The data-plane gRPC server: accepts pushes over mutually authenticated TLS 1.3 from nodes whose
 * certificate a contract pins, and files them into the node's mailbox.
 */
import * as grpc from '@grpc/grpc-js';
import { DeliveryError, type Mailbox } from '../mailbox.js';
import type { TlsIdentity } from '../tls/identity.js';
import { MAX_MESSAGE_BYTES, transferService, type PushRequest } from './proto.js';
import type { TrustStore } from './trust.js';

export interface TransferServerOptions {
  nodeId: string;
  identity: TlsIdentity;
  trust: TrustStore;
  mailbox: Mailbox;
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
};

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
    try {
      this.opts.mailbox.deliver(
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
      if (this.opts.onReceived) {
        const tp = call.metadata.get('traceparent')[0];
        this.opts.onReceived(sender, r.data.byteLength, typeof tp === 'string' ? tp : undefined);
      }
      cb(null, {});
    } catch (err) {
      const code =
        err instanceof DeliveryError
          ? (DELIVERY_STATUS[err.code] ?? grpc.status.INTERNAL)
          : grpc.status.INTERNAL;
      const details =
        err instanceof DeliveryError
          ? `${err.code}: ${err.message}`
          : `internal error: ${(err as Error).message}`;
      cb(Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() }));
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
