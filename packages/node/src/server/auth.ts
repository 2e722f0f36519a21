/**
 * Who may call what, and the audit trail of what they did. Every route declares the one
 * permission it needs (see permissions.ts); how the caller is identified follows from it:
 *   local permissions   — the node's own user: `Authorization: Bearer <admin token>`;
 *   `interconn:*`       — a contracted partner: its TLS client certificate must be pinned by an
 *                         active, unexpired contract;
 *   `auth: 'tls'`       — first contact (contract proposals and their answers): any client
 *                         certificate; the handler checks what it needs;
 *   `public`            — anyone (liveness, the API description).
 * A route without a permission cannot be registered. Every state-changing request (not GET),
 * allowed or refused, writes one audit event.
 */
import { createHash, timingSafeEqual, X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditService } from '../audit/audit.service.js';
import type { ContractService, TlsPeer } from '../contracts/contracts.service.js';
import { FedGridError } from '../errors/errors.js';
import { allows, PERMISSIONS, type Permission, type Principal } from './permissions.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission this route needs (required). */
    permission?: Permission;
    /** Only for first-contact partner routes: accept any TLS client certificate. */
    auth?: 'tls';
    /** Object type recorded in the audit log (default: the permission's prefix). */
    auditObject?: string;
  }
  interface FastifyRequest {
    principal: Principal;
    /** The TLS client certificate, when one was presented. */
    tlsPeer?: TlsPeer;
    /** The contracted node calling (`interconn:*` routes). */
    peerNodeId?: string;
    /** Id of the object a create operation made, for the audit log (else params.id / the reply's id). */
    auditObjectId?: string;
  }
}

function derToPem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

/** The client certificate of a request's TLS connection, if any. */
export function tlsPeerOf(req: FastifyRequest): TlsPeer | undefined {
  const socket = req.raw.socket as TLSSocket;
  const cert = socket.getPeerCertificate?.(false);
  if (!cert || !cert.raw) return undefined;
  return { certPem: derToPem(cert.raw), fingerprint: new X509Certificate(cert.raw).fingerprint256 };
}

export function registerAuth(
  app: FastifyInstance,
  opts: { adminToken: string; nodeId: string; contracts: ContractService; audit: AuditService },
): void {
  const expected = createHash('sha256').update(opts.adminToken).digest();
  app.decorateRequest('principal', null as unknown as Principal);

  app.addHook('onRoute', (route) => {
    const p = route.config?.permission;
    if (!p || !(p in PERMISSIONS)) {
      throw new Error(
        `route ${String(route.method)} ${route.url} must declare a known permission (config.permission)`,
      );
    }
  });

  app.addHook('onRequest', async (req) => {
    const perm = req.routeOptions.config.permission;
    req.principal = { kind: 'anonymous', id: req.ip };
    if (!perm) return; // unknown route: the not-found handler answers
    if (perm === 'public') return;
    if (!perm.startsWith('interconn:')) {
      const header = req.headers.authorization ?? '';
      const token = header.startsWith('Bearer ') ? header.slice(7) : '';
      const got = createHash('sha256').update(token).digest();
      if (!token || !timingSafeEqual(got, expected)) {
        throw new FedGridError(
          'UNAUTHORIZED',
          `node '${opts.nodeId}' needs its admin token (Authorization: Bearer …; see identity/admin-token in the node directory)`,
        );
      }
      req.principal = { kind: 'admin', id: 'admin' };
    } else {
      const peer = tlsPeerOf(req);
      if (!peer)
        throw new FedGridError(
          'PEER_NOT_PINNED',
          `node '${opts.nodeId}': partner calls need a TLS client certificate`,
        );
      req.tlsPeer = peer;
      req.principal = { kind: 'anonymous', id: peer.fingerprint };
      if (req.routeOptions.config.auth === 'tls') return;
      const contract = await opts.contracts.nodeForFingerprint(peer.fingerprint);
      if (!contract) {
        throw new FedGridError(
          'PEER_NOT_PINNED',
          `node '${opts.nodeId}' refused the call: certificate ${peer.fingerprint} is not pinned by an active contract`,
          {
            fingerprint: peer.fingerprint,
          },
        );
      }
      req.peerNodeId = contract.peer_node_id;
      req.principal = { kind: 'peer', id: contract.peer_node_id };
    }
    if (!allows(req.principal, perm)) {
      throw new FedGridError(
        'FORBIDDEN',
        `${req.principal.kind} '${req.principal.id}' lacks permission ${perm}`,
        { permission: perm },
      );
    }
  });

  // Remember the id of what a create returned, for the audit event.
  app.addHook('onSend', async (req, reply, payload) => {
    if (
      req.method !== 'GET' &&
      !req.auditObjectId &&
      typeof payload === 'string' &&
      payload.startsWith('{')
    ) {
      try {
        const id = (JSON.parse(payload) as { id?: unknown }).id;
        if (typeof id === 'string') req.auditObjectId = id;
      } catch {
        // not JSON: no id
      }
    }
    return payload;
  });

  app.addHook('onResponse', async (req, reply) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return;
    const perm = req.routeOptions.config.permission;
    if (!perm || perm === 'public') return;
    const params = (req.params ?? {}) as Record<string, string>;
    await opts.audit
      .record({
        actorKind: req.principal?.kind ?? 'anonymous',
        actorId: req.principal?.id ?? req.ip,
        action: `${req.method} ${req.routeOptions.url}`,
        objectType:
          req.routeOptions.config.auditObject ?? perm.replace(/^interconn:/, '').split(':')[0],
        ...((params['id'] ?? req.auditObjectId)
          ? { objectId: params['id'] ?? req.auditObjectId }
          : {}),
        outcome: reply.statusCode < 400 ? 'success' : 'failure',
        status: reply.statusCode,
        details: {
          permission: perm,
          ...(params['task'] ? { task: params['task'] } : {}),
          ip: req.ip,
        },
      })
      .catch((err: Error) => req.log.error({ err }, 'audit write failed'));
  });
}
