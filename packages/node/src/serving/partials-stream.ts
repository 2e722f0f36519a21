/**
 * The host's side of the Partials stream on the data plane (docs/protocols/serving.md,
 * "Messages"): each frame is answered exactly as `POST /v1/interconn/serving/partial` answers the
 * same body from the same partner — the same checks (deployment's guest only, usable grant,
 * strict body), the same audit event, and the same per-partner rate limit
 * (`serving.partnerRequestsPerSecond`; this path keeps its own budget per partner, so a partner
 * using both paths gets at most twice it).
 */
import type { PartialsHandler } from '@fedgrid/federation';
import { ERROR_CODES, FedGridError, type ErrorCode } from '../errors/errors.js';
import type { ServingService } from './serving.service.js';

/** At most `max` requests per partner in each one-second window (as @fastify/rate-limit does). */
class PartnerWindow {
  private readonly counts = new Map<string, { start: number; n: number }>();

  constructor(private readonly max: number) {}

  /** Counts one request; returns the milliseconds until the window resets when over the limit. */
  take(partner: string, now = Date.now()): number | undefined {
    let w = this.counts.get(partner);
    if (!w || now - w.start >= 1000) {
      w = { start: now, n: 0 };
      this.counts.set(partner, w);
    }
    w.n++;
    return w.n > this.max ? 1000 - (now - w.start) : undefined;
  }
}

/** The handler the data-plane server calls for each Partials frame of an authenticated node. */
export function partialsStreamHandler(
  serving: ServingService,
  opts: { partnerRequestsPerSecond: number },
): PartialsHandler {
  const window = new PartnerWindow(opts.partnerRequestsPerSecond);
  const error = (err: FedGridError) => ({
    status: ERROR_CODES[err.code as ErrorCode] ?? 500,
    body: Buffer.from(JSON.stringify(err.toJSON())),
  });
  return async (caller, body) => {
    const wait = window.take(caller);
    if (wait !== undefined)
      return error(
        new FedGridError(
          'RATE_LIMITED',
          `partner '${caller}' sent more than ${opts.partnerRequestsPerSecond} partial requests in a second (serving.partnerRequestsPerSecond of node '${serving.nodeId}'); retry in ${Math.ceil(wait / 1000)} s`,
          {
            partner: caller,
            limit: opts.partnerRequestsPerSecond,
            retryAfterSeconds: Math.ceil(wait / 1000),
          },
        ),
      );
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return error(
        new FedGridError('VALIDATION_FAILED', 'the partials request is not JSON', {
          issues: [{ field: '(root)', message: 'expected a JSON object' }],
        }),
      );
    }
    try {
      const res = await serving.partial(parsed, caller);
      return { status: 200, body: Buffer.from(JSON.stringify(res)) };
    } catch (err) {
      if (err instanceof FedGridError) return error(err);
      return error(new FedGridError('INTERNAL', (err as Error).message));
    }
  };
}
