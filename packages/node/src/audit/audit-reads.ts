/**
 * Audited reads (issue 13 item 3: "reads of sensitive objects are recorded too"). A GET route
 * that answers with sensitive content — a model part's parameters, a task's outputs or logs, the
 * audit log itself — declares `config.auditRead: true`; each such read, allowed or refused, is
 * appended to the audit chain before the answer leaves. If that write fails the content is not
 * sent: the caller gets 500 AUDIT_WRITE_FAILED instead, so no sensitive read goes unrecorded.
 */
import type { FastifyInstance } from 'fastify';
import { FedGridError } from '../errors/errors.js';
import type { AuditService } from './audit.service.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** true: record every call of this GET route in the audit log (sensitive content). */
    auditRead?: boolean;
  }
}

const PARAMS = ['task', 'party', 'name', 'version'] as const;

/** Registers the read-audit hook (before the features' routes). */
export function registerReadAudit(
  app: FastifyInstance,
  opts: { nodeId: string; audit: AuditService },
): void {
  app.addHook('onSend', async (req, reply, payload) => {
    const cfg = req.routeOptions.config;
    if (req.method !== 'GET' || !cfg.auditRead || !cfg.permission || req.rateLimited)
      return payload;
    const params = (req.params ?? {}) as Record<string, unknown>;
    const text = (v: unknown) =>
      typeof v === 'string'
        ? // eslint-disable-next-line no-control-regex
          v.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 200)
        : undefined;
    const id = text(params['id']) ?? text(params['name']);
    const details: Record<string, unknown> = {
      permission: cfg.permission,
      ip: req.ip,
      requestId: req.id,
    };
    for (const k of PARAMS) if (text(params[k]) !== undefined) details[k] = text(params[k]);
    const event = {
      actorKind: req.principal?.kind ?? ('anonymous' as const),
      actorId: req.principal?.id ?? req.ip,
      action: `GET ${req.routeOptions.url}`,
      objectType: cfg.auditObject ?? cfg.permission.replace(/^interconn:/, '').split(':')[0],
      ...(id ? { objectId: id } : {}),
      outcome: reply.statusCode < 400 ? ('success' as const) : ('failure' as const),
      status: reply.statusCode,
      details,
    };
    try {
      await opts.audit.record(event);
      return payload;
    } catch (err) {
      req.log.error({ err, auditEvent: event }, 'audit write failed; the read is not answered');
      void reply.code(500);
      reply.removeHeader('content-length');
      void reply.header('content-type', 'application/json; charset=utf-8');
      return JSON.stringify(
        new FedGridError(
          'AUDIT_WRITE_FAILED',
          `node '${opts.nodeId}' could not record this read in its audit log (${(err as Error).message}); its content is withheld — retry once the store is back (request ${req.id})`,
          { requestId: req.id },
        ).toJSON(),
      );
    }
  });
}
