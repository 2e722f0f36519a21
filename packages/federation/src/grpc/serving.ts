/**
 * The gRPC form of online prediction (`fedgrid.serving.v1.Serving/Predict`, proto/serving.proto):
 * a small server on its own port, TLS with the node's certificate, that hands each call to the
 * node's prediction handler; and a client for it. The transport knows nothing of deployments:
 * the handler checks the caller's token and answers, or throws an error carrying an HTTP-like
 * `status` and a `code`, mapped here to a gRPC status (the code goes in `fedgrid-code` metadata).
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { TlsIdentity } from '../tls/identity.js';

export interface ServingPredictRequest {
  model: string;
  ids: string[];
  features: Record<string, number>;
}

export interface ServingPredictReply {
  deployment: string;
  model: string;
  version: string;
  task: string;
  degraded: boolean;
  results: {
    id: string;
    score: number;
    hasLabel: boolean;
    label: number;
    probabilities: number[];
    errorCode: string;
    errorMessage: string;
  }[];
  ms: number;
  failedHosts: string[];
}

/** Answers one call; `token` is the bearer token of the call's metadata ('' when none). */
export type ServingHandler = (
  request: ServingPredictRequest,
  token: string,
) => Promise<ServingPredictReply>;

let cached: grpc.ServiceClientConstructor | undefined;

function servingService(): grpc.ServiceClientConstructor {
  if (!cached) {
    const def = protoLoader.loadSync(
      fileURLToPath(new URL('../../proto/serving.proto', import.meta.url)),
      { keepCase: false, longs: Number, defaults: true },
    );
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      fedgrid: { serving: { v1: { Serving: grpc.ServiceClientConstructor } } };
    };
    cached = pkg.fedgrid.serving.v1.Serving;
  }
  return cached;
}

/** gRPC status for an HTTP-like status. */
function grpcStatus(status: number | undefined): grpc.status {
  switch (status) {
    case 400:
      return grpc.status.INVALID_ARGUMENT;
    case 401:
      return grpc.status.UNAUTHENTICATED;
    case 403:
      return grpc.status.PERMISSION_DENIED;
    case 404:
      return grpc.status.NOT_FOUND;
    case 409:
      return grpc.status.FAILED_PRECONDITION;
    case 429:
      return grpc.status.RESOURCE_EXHAUSTED;
    case 502:
    case 503:
    case 504:
      return grpc.status.UNAVAILABLE;
    default:
      return grpc.status.INTERNAL;
  }
}

export class ServingGrpcServer {
  private readonly server = new grpc.Server();

  constructor(handler: ServingHandler) {
    this.server.addService(servingService().service, {
      Predict: (
        call: grpc.ServerUnaryCall<ServingPredictRequest, ServingPredictReply>,
        cb: grpc.sendUnaryData<ServingPredictReply>,
      ) => {
        const auth = String(call.metadata.get('authorization')[0] ?? '');
        const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
        handler(call.request, token).then(
          (reply) => cb(null, reply),
          (err: Error & { status?: number; code?: unknown }) => {
            const metadata = new grpc.Metadata();
            if (typeof err.code === 'string') metadata.set('fedgrid-code', err.code);
            cb({ code: grpcStatus(err.status), details: err.message, metadata });
          },
        );
      },
    });
  }

  /** Listens with TLS (no client certificate asked); resolves with the bound port. */
  listen(host: string, port: number, identity: TlsIdentity): Promise<number> {
    const creds = grpc.ServerCredentials.createSsl(
      null,
      [{ private_key: Buffer.from(identity.keyPem), cert_chain: Buffer.from(identity.certPem) }],
      false,
    );
    return new Promise((resolve, reject) =>
      this.server.bindAsync(`${host}:${port}`, creds, (err, bound) =>
        err ? reject(err) : resolve(bound),
      ),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
  }
}

/**
 * A client of a node's serving endpoint that trusts exactly the node's certificate `certPem`
 * (its subject is not checked: nodes' certificates name node ids, not hosts).
 */
export function servingGrpcClient(
  address: string,
  certPem: string,
  token: string,
): { predict(r: Partial<ServingPredictRequest>): Promise<ServingPredictReply>; close(): void } {
  const Client = servingService();
  const client = new Client(
    address,
    grpc.credentials.createSsl(Buffer.from(certPem), null, null, {
      checkServerIdentity: () => undefined,
    }),
    { 'grpc.ssl_target_name_override': 'fedgrid' },
  );
  return {
    predict: (r) =>
      new Promise((resolve, reject) => {
        const md = new grpc.Metadata();
        md.set('authorization', `Bearer ${token}`);
        (
          client as unknown as {
            Predict: (
              r: unknown,
              md: grpc.Metadata,
              cb: (err: grpc.ServiceError | null, v: ServingPredictReply) => void,
            ) => void;
          }
        ).Predict(r, md, (err, v) => (err ? reject(err) : resolve(v)));
      }),
    close: () => client.close(),
  };
}
