/**
 * Who may call what, and the audit trail of what they did. Every route declares the one
 * permission it needs (see permissions.ts); how the caller is identified follows from it:
 *   local permissions   — the node's users: `Authorization: Bearer <session or API token>`
 *                         (accounts/), holding the permissions of their roles; or the node's
 *                         admin token, the bootstrap / break-glass credential holding every
 *                         local permission. A user who must change its one-time password may
 *                         use only the user centre (`session:own`) until it has;
 *   `interconn:*`       — a contracted partner: its TLS client certificate must be pinned by an
 *                         active, unexpired contract;
 *   `auth: 'tls'`       — first contact (contract proposals and their answers): any client
 *                         certificate; the handler checks what it needs;
 *   `public`            — anyone (liveness, the API description).
 * A route without a permission cannot be registered. Every state-changing request (not GET),
 * allowed or refused, writes one audit event before its answer is sent; if that write fails the
 * answer becomes 500 AUDIT_WRITE_FAILED.
 */
import { createHash, timingSafeEqual, X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AccountService } from '../accounts/accounts.service.js';
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
    /** The crypto suite of the calling partner's contract, and its pinned SM2 certificate (gm). */
    peerSuite?: string;
    peerSm2CertPem?: string | null;
    /** Id of the object a create operation made, for the audit log (else params.id / the reply's id). */
    auditObjectId?: string;
    /** Set once the request's audit event was written (or its write failed). */
    auditDone?: boolean;
  }
}

function derToPem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

/**
 * Each connection's client certificate, parsed once: a TLS 1.3 connection's peer certificate
 * cannot change (no renegotiation), and parsing it took a tenth of a host's CPU per online
 * prediction when done for every request of a keep-alive connection.
 */
const peerBySocket = new WeakMap<TLSSocket, TlsPeer | null>();

/** The client certificate of a request's TLS connection, if any. */
export function tlsPeerOf(req: FastifyRequest): TlsPeer | undefined {
  const socket = req.raw.socket as TLSSocket;
  const known = peerBySocket.get(socket);
  if (known !== undefined) return known ?? undefined;
  const cert = socket.getPeerCertificate?.(false);
  const peer =
    cert && cert.raw
      ? { certPem: derToPem(cert.raw), fingerprint: new X509Certificate(cert.raw).fingerprint256 }
      : null;
  // Only a finished handshake's answer is kept (a socket that is not TLS is never cached).
  if (typeof socket.getPeerCertificate === 'function' && socket.encrypted)
    peerBySocket.set(socket, peer);
  return peer ?? undefined;
}

/** @throws FedGridError FORBIDDEN when `principal` does not hold `perm`. */
function assertAllowed(principal: Principal, perm: Permission): void {
  if (!allows(principal, perm))
    throw new FedGridError(
      'FORBIDDEN',
      `${principal.kind} '${principal.id}' lacks permission ${perm}`,
      { permission: perm },
    );
}

/**
 * Whether a caller already identified may use a local (not `interconn:*`) permission.
 * @throws FedGridError PASSWORD_CHANGE_REQUIRED (a user with a one-time password, for anything but
 *   `session:own`), FORBIDDEN (`perm` not held).
 */
export function authorizeLocal(principal: Principal, perm: Permission): void {
  if (principal.user?.mustChangePassword && perm !== 'session:own')
    throw new FedGridError(
      'PASSWORD_CHANGE_REQUIRED',
      `user '${principal.id}' signs in with a one-time password: change it first (POST /v1/me/password, or \`fedgrid login\`)`,
    );
  assertAllowed(principal, perm);
}

/** Identifies a caller of local permissions from its `Authorization` header. */
export type LocalIdentifier = (authorization: string | undefined) => Promise<Principal>;

/**
 * The identification of callers of local permissions, shared by the auth hook below and the lean
 * online prediction path (serving/predict-lean-path.ts), so that both accept exactly the same
 * callers: `Authorization: Bearer <session or API token>` (accounts/), or the node's admin token.
 * Follow it with {@link authorizeLocal}.
 * @throws FedGridError UNAUTHORIZED (no or a wrong token), or the account service's refusal of a
 *   session or API token.
 */
export function localIdentifier(opts: {
  adminToken: string;
  nodeId: string;
  accounts: AccountService;
}): LocalIdentifier {
  const expected = createHash('sha256').update(opts.adminToken).digest();
  return async (authorization) => {
    const header = authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (AccountService.isAccountToken(token)) return opts.accounts.authenticate(token);
    const got = createHash('sha256').update(token).digest();
    if (!token || !timingSafeEqual(got, expected))
      throw new FedGridError(
        'UNAUTHORIZED',
        `node '${opts.nodeId}' needs a session or API token (\`fedgrid login\`), or its admin token (Authorization: Bearer …; see identity/admin-token in the node directory)`,
      );
    return { kind: 'admin', id: 'admin' };
  };
}

export function registerAuth(
  app: FastifyInstance,
  opts: {
    adminToken: string;
    nodeId: string;
    contracts: ContractService;
    audit: AuditService;
    accounts: AccountService;
  },
): void {
  const identify = localIdentifier(opts);
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
      // The caller is known before the permission check: a refusal is audited under its name.
      req.principal = await identify(req.headers.authorization);
      authorizeLocal(req.principal, perm);
      return;
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
      req.peerSuite = contract.suite;
      req.peerSm2CertPem = contract.peer_sm2_cert_pem;
      req.principal = { kind: 'peer', id: contract.peer_node_id };
    }
    assertAllowed(req.principal, perm);
  });

  // The audit event is written before the response leaves (onSend), so that a failed write can
  // still change the answer: the caller gets 500 AUDIT_WRITE_FAILED instead of a success nobody
  // recorded. The operation itself may already have taken effect (services commit their own
  // transactions); the answer says so, and the event goes to the error log in full.
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return payload;
    const perm = req.routeOptions.config.permission;
    // A call refused by a rate limit is counted and logged instead (partner-limits.ts).
    if (!perm || perm === 'public' || req.auditDone || req.rateLimited) return payload;
    req.auditDone = true;
    // Remember the id of what a create returned, for the audit event.
    if (!req.auditObjectId && typeof payload === 'string' && payload.startsWith('{')) {
      try {
        const id = (JSON.parse(payload) as { id?: unknown }).id;
        if (typeof id === 'string') req.auditObjectId = id;
      } catch {
        // not JSON: no id
      }
    }
    const params = (req.params ?? {}) as Record<string, string>;
    const objectId = params['id'] ?? req.auditObjectId;
    const event = {
      actorKind: req.principal?.kind ?? 'anonymous',
      actorId: req.principal?.id ?? req.ip,
      action: `${req.method} ${req.routeOptions.url}`,
      objectType:
        req.routeOptions.config.auditObject ?? perm.replace(/^interconn:/, '').split(':')[0],
      ...(objectId ? { objectId: auditText(objectId) } : {}),
      outcome: reply.statusCode < 400 ? ('success' as const) : ('failure' as const),
      status: reply.statusCode,
      details: {
        permission: perm,
        ...(params['task'] ? { task: auditText(params['task']) } : {}),
        ip: req.ip,
        requestId: req.id,
      },
    };
    try {
      await opts.audit.record(event);
      return payload;
    } catch (err) {
      req.log.error({ err, auditEvent: event }, 'audit write failed; the request is answered 500');
      const body = new FedGridError(
        'AUDIT_WRITE_FAILED',
        `node '${opts.nodeId}' could not record this request in its audit log (${(err as Error).message}); ` +
          `the operation may have taken effect (it answered ${reply.statusCode}) — check its state before retrying, ` +
          `and the node's log (request ${req.id}) for the unrecorded event`,
        { requestId: req.id, status: reply.statusCode },
      ).toJSON();
      void reply.code(500);
      reply.removeHeader('content-length');
      void reply.header('content-type', 'application/json; charset=utf-8');
      return JSON.stringify(body);
    }
  });
}

/** Ids as the audit log stores them: control characters escaped, at most 200 characters. */
function auditText(s: string): string {
  const escaped = s.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return escaped.length > 200 ? `${escaped.slice(0, 199)}…` : escaped;
}
