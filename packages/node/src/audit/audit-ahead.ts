/**
 * Write-ahead audit (issue 13 item 3; the issue-11 leftover "audit failure not rolled back"):
 * before a state-changing request's handler runs, a `started` event for it is appended to the
 * chain. If that write fails the request is refused (500 AUDIT_WRITE_FAILED, "nothing was done")
 * before the handler touched anything, so no operation is ever committed without an audit event.
 * The outcome event (auth.ts, in onSend) follows as before; should that one fail, the chain still
 * holds the `started` event with the request id, and the answer says the operation may have run.
 * Routes whose handler writes its own complete event (online prediction, which changes nothing
 * else) opt out with `config.auditAhead: false`.
 */
import type { FastifyInstance } from 'fastify';
import { FedGridError } from '../errors/errors.js';
import type { AuditService } from './audit.service.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: no write-ahead `started` event (the handler records its own event). */
    auditAhead?: boolean;
  }
}

/** Registers the write-ahead hook. Call after authentication and before the features' routes. */
export function registerAuditAhead(
  app: FastifyInstance,
  opts: { nodeId: string; audit: AuditService },
): void {
  app.addHook('preHandler', async (req) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return;
    const cfg = req.routeOptions.config;
    if (!cfg.permission || cfg.permission === 'public' || cfg.auditAhead === false) return;
    const params = (req.params ?? {}) as Record<string, unknown>;
    const id = typeof params['id'] === 'string' ? params['id'] : undefined;
    const event = {
      actorKind: req.principal?.kind ?? ('anonymous' as const),
      actorId: req.principal?.id ?? req.ip,
      action: `${req.method} ${req.routeOptions.url}`,
      objectType: cfg.auditObject ?? cfg.permission.replace(/^interconn:/, '').split(':')[0],
      ...(id ? { objectId: id.slice(0, 200) } : {}),
      outcome: 'started' as const,
      details: { permission: cfg.permission, ip: req.ip, requestId: req.id },
    };
    try {
      await opts.audit.record(event);
    } catch (err) {
      req.log.error({ err, auditEvent: event }, 'audit write failed; the request was not run');
      // The outcome event could not be written either: do not try (and do not say "may have").
      req.auditDone = true;
      throw new FedGridError(
        'AUDIT_WRITE_FAILED',
        `node '${opts.nodeId}' could not record this request in its audit log (${(err as Error).message}); ` +
          `nothing was done — retry once the store is back (request ${req.id})`,
        { requestId: req.id },
      );
    }
  });
}
