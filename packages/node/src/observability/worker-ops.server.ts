/**
 * The operations endpoint of a worker process (`--role worker`, issue 16 item 4): a worker
 * serves no API, so Prometheus and Kubernetes reach it here — `GET /metrics`, `GET /livez` and
 * `GET /readyz`, the same routes (metrics.routes.ts) and the same rules as on the API:
 *
 * - HTTPS (TLS 1.3) with the node's own certificate, as the API: a scraper configured for the
 *   node's API replicas scrapes its workers unchanged;
 * - `/metrics` needs a token holding `metrics:read` (the admin token, or a user or API token;
 *   API tokens are checked against the node's shared store, so one Prometheus token serves every
 *   process of the node). Partners have no route here at all: no `interconn:*` route exists, so
 *   a partner's certificate gives nothing;
 * - `/livez` and `/readyz` are public (no data in their answers), for the kubelet's probes.
 *
 * Nothing else is served: every other path answers 404. A token cannot be avoided by binding
 * to a management address instead — the scrape answers name partners, deployments and traffic
 * volumes, and a pod's address is reachable from the whole cluster network unless a network
 * policy says otherwise (docs/OPERATIONS.md, "Monitor").
 */
import { randomUUID, constants as tlsConstants } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { registerAuth } from '../server/auth.js';
import { registerErrorHandler } from '../server/errors.js';
import type { NodeServices } from '../server/services.js';
import { metricsRoutes, type ReadinessCheck } from './metrics.routes.js';

export interface WorkerOpsOptions {
  services: NodeServices;
  /** The node's admin token (identity/admin-token). */
  adminToken: string;
  /** Address to bind (`worker.metricsHost`). */
  host: string;
  /** Port to bind (`worker.metricsPort`; 0: any free port). */
  port: number;
  /** Readiness checks by name (each resolves true when ready). */
  readiness: Record<string, ReadinessCheck>;
}

export interface WorkerOpsServer {
  app: FastifyInstance;
  /** The port it listens on. */
  port: number;
  close(): Promise<void>;
}

/**
 * Serves a worker's `/metrics`, `/livez` and `/readyz`; resolves once it listens.
 * @throws the listen error (EADDRINUSE, EACCES) of a port that cannot be bound.
 */
export async function serveWorkerOps(opts: WorkerOpsOptions): Promise<WorkerOpsServer> {
  const { services } = opts;
  const app = Fastify({
    loggerInstance: services.log as FastifyBaseLogger,
    disableRequestLogging: true,
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    // Nothing here takes a body.
    bodyLimit: 1024,
    https: {
      key: services.identity.keyPem,
      cert: services.identity.certPem,
      minVersion: 'TLSv1.3',
      secureOptions: tlsConstants.SSL_OP_NO_RENEGOTIATION,
    },
  });
  registerErrorHandler(app);
  registerAuth(app, {
    adminToken: opts.adminToken,
    nodeId: services.nodeId,
    contracts: services.contracts,
    audit: services.audit,
    accounts: services.accounts,
  });
  metricsRoutes(app, services.metrics, opts.readiness);
  try {
    await app.listen({ host: opts.host, port: opts.port });
  } catch (err) {
    await app.close().catch(() => {});
    throw err;
  }
  const port = (app.server.address() as AddressInfo).port;
  return { app, port, close: () => app.close() };
}
