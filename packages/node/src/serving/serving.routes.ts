/**
 * Online prediction routes: deployments (admin), predictions on the guest
 * (`POST /v1/models/{name}/predict`), and the host's partner route
 * `POST /v1/interconn/serving/partial` (rate-limited per partner).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { FedGridError } from '../errors/errors.js';
import { markRateLimited } from '../server/partner-limits.js';
import { tlsPeerOf } from '../server/auth.js';
import { queryBoolean } from '../server/query-boolean.js';
import { doc } from '../server/route-doc.js';
import { parseInput } from '../server/validate.js';
import {
  deploySchema,
  updateDeploymentSchema,
  type DeploymentService,
} from './deployments.service.js';
import { partialSchema, predictSchema, type ServingService } from './serving.service.js';

type IdParams = { Params: { id: string } };
/** The per-partner rate limit's key: the contracted node, else its certificate. */
const partnerOf = (req: FastifyRequest): string =>
  req.peerNodeId ?? tlsPeerOf(req)?.fingerprint ?? req.ip;
const listQuery = z.object({ all: queryBoolean.optional() });

export interface ServingRouteOptions {
  partnerRequestsPerSecond: number;
  maxBatch: number;
}

export function servingRoutes(
  app: FastifyInstance,
  deployments: DeploymentService,
  serving: ServingService,
  opts: ServingRouteOptions,
): void {
  const read = { config: { permission: 'model:read' as const, auditObject: 'deployment' } };
  const manage = { config: { permission: 'model:manage' as const, auditObject: 'deployment' } };

  app.post(
    '/v1/deployments',
    {
      ...manage,
      schema: doc(
        'Deploy a published model part for online prediction (guest: a named prediction service; host: the part bound to its serving feature table)',
        { body: deploySchema },
      ),
    },
    async (req, reply) => {
      const d = await deployments.deploy(parseInput(deploySchema, req.body), req.principal.id);
      reply.status(201);
      return d;
    },
  );
  app.get(
    '/v1/deployments',
    {
      ...read,
      schema: doc(
        'List deployments with their model version, request counts and latency histogram (active ones unless all=true)',
        { query: listQuery },
      ),
    },
    async (req) => {
      const q = parseInput(listQuery, req.query, 'query');
      return { items: await deployments.list(q.all ?? false) };
    },
  );
  app.get<IdParams>(
    '/v1/deployments/:id',
    { ...read, schema: doc('Get a deployment (by id or name) with its metrics') },
    async (req) => deployments.get(req.params.id),
  );
  app.patch<IdParams>(
    '/v1/deployments/:id',
    {
      ...manage,
      schema: doc(
        'Switch a deployment to another version atomically, rebind or reload its feature table, or change its failure mode or deadline',
        { body: updateDeploymentSchema },
      ),
    },
    async (req) => deployments.update(req.params.id, parseInput(updateDeploymentSchema, req.body)),
  );
  app.post<IdParams>(
    '/v1/deployments/:id/undeploy',
    { ...manage, schema: doc('Undeploy: the deployment answers no more requests') },
    async (req) => deployments.undeploy(req.params.id),
  );

  // Predictions' audit events are written behind their answers (serving-audit.ts): a read of the
  // audit log first writes those already answered, so that it shows every one of them.
  app.addHook('onRequest', async (req) => {
    if (req.url.startsWith('/v1/audit')) await serving.flushAudit();
  });

  // The route's own audit event (model, version, id hashes) replaces the generic one.
  const audited = (req: FastifyRequest) => () => {
    req.auditDone = true;
  };
  app.post<IdParams>(
    '/v1/models/:id/predict',
    {
      config: {
        permission: 'model:predict' as const,
        auditObject: 'deployment',
        auditAhead: false,
        storageCheck: false,
      },
      schema: doc(
        'Online prediction with a deployed model (by deployment name, or model id or name): score, label, model version, degraded flag',
        { body: predictSchema(opts.maxBatch) },
      ),
    },
    async (req) => serving.predict(req.params.id, req.body, req.principal.id, audited(req)),
  );

  app.post(
    '/v1/interconn/serving/partial',
    {
      config: {
        permission: 'interconn:serving' as const,
        auditObject: 'deployment',
        auditAhead: false,
        storageCheck: false,
        rateLimit: {
          max: opts.partnerRequestsPerSecond,
          timeWindow: 1000,
          keyGenerator: partnerOf,
          allowList: () => false,
          onExceeded: (req: FastifyRequest) =>
            markRateLimited(req, 'serving.partnerRequestsPerSecond', undefined),
          errorResponseBuilder: (req: FastifyRequest, ctx: { max: number; ttl: number }) =>
            new FedGridError(
              'RATE_LIMITED',
              `partner '${partnerOf(req)}' sent more than ${ctx.max} partial requests in a second (serving.partnerRequestsPerSecond of node '${serving.nodeId}'); retry in ${Math.ceil(ctx.ttl / 1000)} s`,
              {
                partner: partnerOf(req),
                limit: ctx.max,
                retryAfterSeconds: Math.ceil(ctx.ttl / 1000),
              },
            ),
        },
      },
      schema: doc(
        'Partner (the deployment’s guest only): the host’s partial results of a deployed model for the given ids',
        { body: partialSchema(opts.maxBatch) },
      ),
    },
    async (req) => serving.partial(req.body, req.peerNodeId!, audited(req)),
  );
}
