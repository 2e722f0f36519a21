/** Loads the data plane's service definitions (proto/*.proto) at run time. */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export interface PushRequest {
  session: string;
  tag: string;
  src: string;
  dst: string;
  seq: number;
  total: number;
  data: Buffer;
}

export interface PingReply {
  nodeId: string;
}

let cached: grpc.GrpcObject | undefined;
let cachedPartials: grpc.GrpcObject | undefined;

/** One frame of the Partials stream (proto/partials.proto). */
export interface PartialFrame {
  id: number;
  body: Buffer;
  status: number;
}

/** The `fedgrid.partials.v1.Partials` service constructor. */
export function partialsService(): grpc.ServiceClientConstructor {
  cachedPartials ??= grpc.loadPackageDefinition(
    protoLoader.loadSync(fileURLToPath(new URL('../../proto/partials.proto', import.meta.url)), {
      keepCase: false,
      longs: Number,
      defaults: true,
    }),
  );
  const pkg = ((cachedPartials['fedgrid'] as grpc.GrpcObject)['partials'] as grpc.GrpcObject)[
    'v1'
  ] as grpc.GrpcObject;
  return pkg['Partials'] as grpc.ServiceClientConstructor;
}

/** The `fedgrid.transfer.v1.Transfer` service constructor. */
export function transferService(): grpc.ServiceClientConstructor {
  if (!cached) {
    const def = protoLoader.loadSync(
      fileURLToPath(new URL('../../proto/transfer.proto', import.meta.url)),
      {
        keepCase: false,
        longs: Number,
        defaults: true,
      },
    );
    cached = grpc.loadPackageDefinition(def);
  }
  const pkg = ((cached['fedgrid'] as grpc.GrpcObject)['transfer'] as grpc.GrpcObject)[
    'v1'
  ] as grpc.GrpcObject;
  return pkg['Transfer'] as grpc.ServiceClientConstructor;
}

/** Message size limit for the data plane: chunks are ≤ 4 MiB, leave headroom. */
export const MAX_MESSAGE_BYTES = 64 * 2 ** 20;
