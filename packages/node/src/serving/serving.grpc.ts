/**
 * The gRPC endpoint of online prediction (`fedgrid.serving.v1.Serving/Predict`, see
 * packages/federation/proto/serving.proto): the same prediction as `POST /v1/models/{name}/predict`,
 * for callers that want gRPC, on its own port (`serving.grpcPort`), TLS with the node's
 * certificate, authenticated by the admin token in `authorization: Bearer …` metadata.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  ServingGrpcServer,
  type ServingPredictReply,
  type ServingPredictRequest,
} from '@fedgrid/federation';
import { FedGridError } from '../errors/errors.js';
import type { NodeServices } from '../server/services.js';

/** Starts the endpoint; resolves with its port and a close function. */
export async function startServingGrpc(
  services: NodeServices,
  adminToken: string,
  host: string,
  port: number,
): Promise<{ port: number; close(): Promise<void> }> {
  const expected = createHash('sha256').update(adminToken).digest();
  const server = new ServingGrpcServer(async (r: ServingPredictRequest, token) => {
    const got = createHash('sha256').update(token).digest();
    if (!token || !timingSafeEqual(got, expected))
      throw new FedGridError(
        'UNAUTHORIZED',
        `node '${services.nodeId}' needs its admin token (metadata authorization: Bearer …)`,
      );
    const single = r.ids.length === 1;
    const features = Object.keys(r.features).length ? { features: r.features } : {};
    const res = await services.serving.predict(
      r.model,
      single ? { id: r.ids[0], ...features } : { ids: r.ids, ...features },
      'admin',
    );
    const reply: ServingPredictReply = {
      deployment: res.deployment,
      model: res.model,
      version: res.version,
      task: res.task,
      degraded: res.degraded,
      results: res.results.map((x) => ({
        id: x.id,
        score: x.score ?? NaN,
        hasLabel: x.label !== undefined,
        label: x.label ?? 0,
        probabilities: x.probabilities ?? [],
        errorCode: x.error?.code ?? '',
        errorMessage: x.error?.message ?? '',
      })),
      ms: res.ms,
      failedHosts: (res.failedHosts ?? []).map((h) => h.node),
    };
    return reply;
  });
  const bound = await server.listen(host, port, services.identity);
  return { port: bound, close: () => server.close() };
}
