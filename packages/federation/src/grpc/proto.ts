/** Loads the Transfer service definition (proto/transfer.proto) at run time. */
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
