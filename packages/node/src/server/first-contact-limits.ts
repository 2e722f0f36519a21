/**
 * Rate limits on the first-contact routes (`config.auth === 'tls'`): the only routes a node
 * without a contract can reach, so the only ones where an uncontracted client could make this
 * node work or store without bound (issue 10, defect 8). Each such route admits
 * `requestsPerMinute` requests per client, keyed by the TLS client certificate's fingerprint (the
 * IP address without one); contracted partners are not limited here. The refusal is
 * RATE_LIMITED (429) with the usual `x-ratelimit-*` and `retry-after` headers. Uses
 * @fastify/rate-limit (its per-route configuration, in memory).
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ContractService } from '../contracts/contracts.service.js';
import { FedGridError } from '../errors/errors.js';
import { tlsPeerOf } from './auth.js';

const clientOf = (req: FastifyRequest) =>
  req.tlsPeer?.fingerprint ?? tlsPeerOf(req)?.fingerprint ?? req.ip;

/** Registers the limits; call before any route is added. */
export async function registerFirstContactLimits(
  app: FastifyInstance,
  opts: { requestsPerMinute: number; contracts: ContractService },
): Promise<void> {
  // Runs before the plugin's own onRoute hook, which reads config.rateLimit.
  app.addHook('onRoute', (route) => {
    if (route.config?.auth === 'tls' && route.config.rateLimit === undefined)
      route.config.rateLimit = { max: opts.requestsPerMinute };
  });
  await app.register(rateLimit, {
    global: false,
    timeWindow: 60_000,
    keyGenerator: clientOf,
    allowList: async (req) =>
      !!req.tlsPeer && !!(await opts.contracts.nodeForFingerprint(req.tlsPeer.fingerprint)),
    errorResponseBuilder: (req, ctx) =>
      new FedGridError(
        'RATE_LIMITED',
        `too many requests to ${req.method} ${req.routeOptions.url} from ${clientOf(req)}: at most ${ctx.max} a minute without a contract; retry in ${ctx.after}`,
        { client: clientOf(req), limit: ctx.max, retryAfterSeconds: Math.ceil(ctx.ttl / 1000) },
      ),
  });
}
