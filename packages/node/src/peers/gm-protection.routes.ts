/**
 * The callee's side of the `gm` suite's application-layer protection (gm-protection.ts): the
 * SM2 key-exchange routes, opening of protected requests before validation, sealing of their
 * answers, and refusal of unprotected requests from partners whose contract runs `gm`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FedGridError } from '../errors/errors.js';
import { doc } from '../server/route-doc.js';
import {
  GM_CONTENT_TYPE,
  GM_ENVELOPE_HEADER,
  GM_SESSION_HEADER,
  gmConfirmSchema,
  gmHandshakeSchema,
  type GmProtection,
} from './gm-protection.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Seals the answer of an opened gm request. */
    gmSealAnswer?: (answer: Buffer) => Buffer;
  }
}

const HANDSHAKE_ROUTES = new Set(['/v1/interconn/gm/handshake', '/v1/interconn/gm/confirm']);

function gmPeer(req: FastifyRequest): { nodeId: string; sm2CertPem: string; fingerprint: string } {
  if (req.peerSuite !== 'gm' || !req.peerSm2CertPem || !req.peerNodeId || !req.tlsPeer)
    throw new FedGridError(
      'GM_PROTECTION_FAILED',
      `the contract with this caller does not run the gm suite; there is nothing to hand shake`,
    );
  return {
    nodeId: req.peerNodeId,
    sm2CertPem: req.peerSm2CertPem,
    fingerprint: req.tlsPeer.fingerprint,
  };
}

/**
 * Registers the protection on `app`; without `gm` (an international node) only the refusal of
 * the handshake routes remains.
 */
export function registerGmProtection(app: FastifyInstance, gm: GmProtection | undefined): void {
  app.addContentTypeParser(GM_CONTENT_TYPE, { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  );

  app.addHook('preValidation', async (req) => {
    const perm = req.routeOptions.config.permission;
    if (!perm?.startsWith('interconn:')) return;
    const session = req.headers[GM_SESSION_HEADER];
    if (typeof session !== 'string') {
      // Contract-authenticated partner routes of a gm contract take protected requests only.
      if (
        req.peerSuite === 'gm' &&
        req.routeOptions.config.auth !== 'tls' &&
        !HANDSHAKE_ROUTES.has(req.routeOptions.url ?? '')
      )
        throw new FedGridError(
          'GM_PROTECTION_FAILED',
          `node '${req.peerNodeId}': the contract runs the gm suite, so every request must be SM2-signed and SM4-sealed (${GM_SESSION_HEADER} with an envelope); unprotected ${req.method} ${req.routeOptions.url} refused`,
          { peer: req.peerNodeId },
        );
      return;
    }
    if (!gm || !req.tlsPeer)
      throw new FedGridError(
        'GM_PROTECTION_FAILED',
        'this node does not run the gm suite; send the request without SM2/SM4 protection',
      );
    let envelope: Buffer;
    if (Buffer.isBuffer(req.body)) envelope = req.body;
    else {
      const h = req.headers[GM_ENVELOPE_HEADER];
      if (typeof h !== 'string' || req.body !== undefined)
        throw new FedGridError(
          'GM_PROTECTION_FAILED',
          `a protected request carries its envelope as the ${GM_CONTENT_TYPE} body or, without a body, in ${GM_ENVELOPE_HEADER}`,
        );
      envelope = Buffer.from(h, 'base64');
    }
    const opened = gm.openRequest(session, req.tlsPeer.fingerprint, req.method, req.url, envelope);
    const text = opened.payload.toString('utf8');
    try {
      req.body = text === '' ? undefined : (JSON.parse(text) as unknown);
    } catch {
      throw new FedGridError('BAD_REQUEST', 'the protected request body is not JSON');
    }
    req.gmSealAnswer = opened.sealAnswer;
  });

  app.addHook('onSend', async (req, reply, payload) => {
    if (!req.gmSealAnswer) return payload;
    const seal = req.gmSealAnswer;
    req.gmSealAnswer = undefined;
    const bytes =
      typeof payload === 'string'
        ? Buffer.from(payload)
        : Buffer.isBuffer(payload)
          ? payload
          : payload == null
            ? Buffer.alloc(0)
            : undefined;
    if (!bytes) return payload; // streams are not answered on partner routes
    void reply.header('content-type', GM_CONTENT_TYPE);
    reply.removeHeader('content-length');
    return seal(bytes);
  });

  app.post(
    '/v1/interconn/gm/handshake',
    {
      config: { permission: 'interconn:node' },
      schema: doc(
        'Partner (gm suite): SM2 key exchange, first message — the caller’s ephemeral point; answers the callee’s ephemeral point and confirmation S_B (GM/T 0003.3 §6.1)',
        { body: gmHandshakeSchema },
      ),
    },
    async (req) => {
      if (!gm)
        throw new FedGridError('GM_PROTECTION_FAILED', 'this node does not run the gm suite');
      return gm.respond(gmPeer(req), req.body);
    },
  );
  app.post(
    '/v1/interconn/gm/confirm',
    {
      config: { permission: 'interconn:node' },
      schema: doc(
        'Partner (gm suite): SM2 key exchange, last message — the caller’s confirmation S_A; the session opens requests from then on',
        { body: gmConfirmSchema },
      ),
    },
    async (req) => {
      if (!gm)
        throw new FedGridError('GM_PROTECTION_FAILED', 'this node does not run the gm suite');
      gm.confirm(gmPeer(req), req.body);
      return { ok: true };
    },
  );
}
