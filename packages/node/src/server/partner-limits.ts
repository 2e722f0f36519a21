/**
 * The general rate limit on contracted partners' control-plane calls (`/v1/interconn/*`). A
 * partner holds a valid, pinned certificate and every call it makes writes an audit event, so a
 * hostile one could otherwise flood this node's store and event loop (DESIGN.md, "Security
 * model"). Each partner gets `requestsPerMinute` calls a minute over all its interconn routes
 * together, keyed by the partner the contract pins for its TLS certificate (never an IP or a
 * claimed node id). Routes with a budget of their own keep it instead: first contact (per client
 * certificate, first-contact-limits.ts), online prediction partials and PIR (per second).
 *
 * A refusal is 429 RATE_LIMITED naming the limit, with `retry-after` and `x-ratelimit-*`
 * headers; it is counted in `fedgrid_partner_rate_limited_total{partner,limit}`, logged once per
 * partner and window, and — unlike every other refused call — writes no audit event (one row per
 * refused call would be the flood again; the count and the log line are the record).
 * A single process counts with @fastify/rate-limit's limiter (in memory). A node run as several
 * processes on PostgreSQL counts in the database instead (partner-rate-counter.ts), so that N API
 * replicas give a partner one budget, not N: the plugin's store is shared by every rate-limited
 * route (the per-second serving and PIR limits must stay in memory), so this limit then runs its
 * own hook with the same answer and headers.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FedGridError } from '../errors/errors.js';
import type { NodeMetrics } from '../observability/metrics.js';
import type { PartnerRateCounter } from './partner-rate-counter.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when a rate limit refused this request: its answer writes no audit event. */
    rateLimited?: string;
  }
}

const WINDOW_MS = 60_000;
const LIMIT = 'partnerLimits.requestsPerMinute';

/** Marks a request refused by a rate limit: no audit event, one metric count. */
export function markRateLimited(
  req: FastifyRequest,
  limit: string,
  metrics: NodeMetrics | undefined,
): void {
  req.rateLimited = limit;
  metrics?.partnerRateLimitedCall(req.peerNodeId ?? 'unknown', limit);
}

/**
 * Registers the limit as an `onRequest` hook after authentication (so the partner is known);
 * call after the rate-limit plugin is registered (first-contact-limits.ts) and before any route.
 * @param opts.shared counters shared by the node's processes (PostgreSQL); unset: in memory.
 */
export function registerPartnerLimits(
  app: FastifyInstance,
  opts: {
    requestsPerMinute: number;
    nodeId: string;
    metrics: NodeMetrics;
    shared?: PartnerRateCounter;
  },
): void {
  const partnerOf = (req: FastifyRequest) => req.peerNodeId ?? 'unknown';
  const keyOf = (req: FastifyRequest) => `interconn:${partnerOf(req)}`;
  /** When each partner's refusals were last logged (ms). */
  const loggedAt = new Map<string, number>();
  const onExceeded = (req: FastifyRequest) => {
    markRateLimited(req, LIMIT, opts.metrics);
    const partner = partnerOf(req);
    const now = Date.now();
    if (now - (loggedAt.get(partner) ?? 0) < WINDOW_MS) return;
    loggedAt.set(partner, now);
    req.log.warn(
      { partner, limit: opts.requestsPerMinute, route: req.routeOptions.url },
      `partner '${partner}' exceeded ${opts.requestsPerMinute} interconn requests a minute (${LIMIT}); refusing with 429 for the rest of the window (refusals counted in fedgrid_partner_rate_limited_total, not audited)`,
    );
  };
  const refusal = (req: FastifyRequest, ctx: { max: number; ttl: number }) =>
    new FedGridError(
      'RATE_LIMITED',
      `partner '${partnerOf(req)}' sent more than ${ctx.max} requests a minute to node '${opts.nodeId}' (${LIMIT}); retry in ${Math.ceil(ctx.ttl / 1000)} s`,
      {
        partner: partnerOf(req),
        limit: ctx.max,
        limitName: LIMIT,
        retryAfterSeconds: Math.ceil(ctx.ttl / 1000),
      },
    );
  const limit = opts.shared
    ? sharedLimiter(opts.shared, opts.requestsPerMinute, keyOf, onExceeded, refusal)
    : app.rateLimit({
        max: opts.requestsPerMinute,
        timeWindow: WINDOW_MS,
        keyGenerator: keyOf,
        allowList: () => false,
        onExceeded,
        errorResponseBuilder: refusal,
      });
  app.addHook('onRequest', async (req, reply) => {
    const cfg = req.routeOptions.config;
    // Partners only (after auth): first contact, serving and PIR keep their own budgets.
    if (!req.peerNodeId || cfg.auth === 'tls' || cfg.rateLimit !== undefined) return;
    if (!cfg.permission?.startsWith('interconn:')) return;
    await limit.call(app, req, reply);
  });
}

/**
 * The limit on counters shared by the node's processes, answering as @fastify/rate-limit does:
 * `x-ratelimit-limit`, `-remaining` and `-reset` on every counted call, `retry-after` and 429 past
 * the budget. A call that cannot be counted (the database is unreachable) is refused with 503
 * STORAGE_UNAVAILABLE — the partner retries — rather than let through uncounted.
 */
function sharedLimiter(
  counter: PartnerRateCounter,
  max: number,
  keyOf: (req: FastifyRequest) => string,
  onExceeded: (req: FastifyRequest) => void,
  refusal: (req: FastifyRequest, ctx: { max: number; ttl: number }) => FedGridError,
): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (req, reply) => {
    let count;
    try {
      count = await counter.incr(keyOf(req), WINDOW_MS);
    } catch (err) {
      req.log.warn(
        { err: (err as Error).message, partner: req.peerNodeId },
        `cannot count a partner call in PostgreSQL (${LIMIT}, table partner_rate_limits); refused with 503`,
      );
      throw new FedGridError(
        'STORAGE_UNAVAILABLE',
        `node cannot count this call against ${LIMIT} (its PostgreSQL database did not answer); retry later`,
        { limitName: LIMIT },
      );
    }
    const reset = Math.ceil(count.ttl / 1000);
    void reply.header('x-ratelimit-limit', max);
    void reply.header('x-ratelimit-remaining', Math.max(0, max - count.current));
    void reply.header('x-ratelimit-reset', reset);
    if (count.current <= max) return;
    onExceeded(req);
    void reply.header('retry-after', reset);
    throw refusal(req, { max, ttl: count.ttl });
  };
}
