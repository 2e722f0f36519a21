/**
 * The lean path of online prediction on the guest (issue 12, "Benchmarks": HeteroLR p99 ≤ 10 ms
 * at 1,000 requests/s). `POST /v1/models/{name}/predict` is answered straight from the node's
 * HTTPS server, before Fastify: Fastify's routing, request and reply objects, per-request child
 * logger and the dozen global hooks every other route runs (most of which do nothing for this
 * route) were about a third of a guest's CPU per prediction.
 *
 * The path keeps every check the Fastify route makes, through the same functions: the caller is
 * identified and authorised for `model:predict` exactly as the auth hook does (server/auth.ts,
 * {@link localIdentifier} and {@link authorizeLocal}); the body is refused with a NUL anywhere as
 * the params check does (server/params-check.ts); errors are answered in the one error format
 * (server/errors.ts); a request refused before the prediction ran (caller, body) is audited as
 * the auth hook audits every refused request; the request is counted in the node's HTTP metrics
 * and carries an `x-request-id`; and {@link ServingService.predict} — the same call the route makes — applies
 * the deployment's load shedding and queues the request's audit event (serving-audit.ts). The
 * hooks it does not run have nothing to do for this route: no write-ahead audit and no storage
 * check (the route opts out of both: its only write is its own audit event, whose writer runs the
 * storage check), no scopes (datasets and projects only), no read audit (GET only), no gm
 * protection (partner routes only), and no generic outcome event (the prediction's own event
 * replaces it).
 *
 * Only plain requests take it: `POST`, the path exactly (a name of letters, digits and `._~@:-`,
 * no percent-encoding, no query string), a JSON content type, while the server is not closing.
 * Everything else goes to Fastify, which answers it as before (the same route is registered
 * there, and `fastify.inject` always goes there).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AuditService } from '../audit/audit.service.js';
import { FedGridError } from '../errors/errors.js';
import type { NodeMetrics } from '../observability/metrics.js';
import { authorizeLocal, type LocalIdentifier } from '../server/auth.js';
import { errorAnswer } from '../server/errors.js';
import type { Principal } from '../server/permissions.js';
import { assertNoNul } from '../server/params-check.js';
import type { ServingService } from './serving.service.js';

/** The route as Fastify names it (metrics label). */
const ROUTE = '/v1/models/:id/predict';
const PATH = /^\/v1\/models\/([A-Za-z0-9._~@:-]{1,200})\/predict$/;
const JSON_TYPE = /^application\/json\s*(;|$)/i;

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** A client error as Fastify's JSON body parser raises it (same code, status and message). */
class BodyError extends Error {
  constructor(
    readonly code: string,
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** The request's body, at most `limit` bytes. @throws BodyError (413) beyond it. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      req.resume();
      reject(new BodyError('FST_ERR_CTP_BODY_TOO_LARGE', 413, 'Request body is too large'));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyError('FST_ERR_CTP_BODY_TOO_LARGE', 413, 'Request body is too large'));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () =>
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)),
    );
    req.on('error', reject);
  });
}

/** The body as JSON. @throws BodyError (400) for an empty or malformed body. */
function parseJson(raw: Buffer): unknown {
  if (raw.length === 0)
    throw new BodyError(
      'FST_ERR_CTP_EMPTY_JSON_BODY',
      400,
      "Body cannot be empty when content-type is set to 'application/json'",
    );
  try {
    // JSON.parse keeps a `__proto__` key as an own property (no prototype is changed); the
    // request schema, strict, refuses any key it does not name.
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch (err) {
    throw new BodyError('FST_ERR_CTP_INVALID_JSON', 400, (err as Error).message);
  }
}

export interface LeanPredictOptions {
  serving: ServingService;
  identify: LocalIdentifier;
  metrics: Pick<NodeMetrics, 'observeHttp'>;
  /** The node's audit log: refused requests are recorded there as the auth hook records them. */
  audit: Pick<AuditService, 'record'>;
  log: Logger;
  /** Largest body accepted, bytes (the server's body limit). */
  bodyLimit: number;
}

/**
 * Puts the lean path in front of `app`'s request handler. Call before `app.ready()` (it adds a
 * preClose hook) and before the server listens.
 * @throws Error when `app`'s server does not have exactly one request listener (Fastify's).
 */
export function installLeanPredict(app: FastifyInstance, o: LeanPredictOptions): void {
  const server = app.server;
  const listeners = server.listeners('request') as RequestListener[];
  if (listeners.length !== 1)
    throw new Error(
      `the lean prediction path expects the node's HTTPS server to have one request listener (Fastify's), found ${listeners.length}`,
    );
  const fastify = listeners[0] as RequestListener;
  // Once the node closes, Fastify answers new requests (503) and drains the ones under way.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });

  const answer = (
    res: ServerResponse,
    status: number,
    body: unknown,
    method: string,
    t0: number,
  ): void => {
    const payload = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(payload),
    });
    res.end(payload);
    const ms = performance.now() - t0;
    o.metrics.observeHttp(method, ROUTE, status, ms / 1000);
    if (o.log.isLevelEnabled('debug'))
      o.log.debug({ method, route: ROUTE, status, ms: Math.round(ms) }, 'request');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, ref: string): Promise<void> => {
    const t0 = performance.now();
    const requestId = randomUUID();
    res.setHeader('x-request-id', requestId);
    const ip = req.socket.remoteAddress ?? '';
    let principal: Principal = { kind: 'anonymous', id: ip };
    // Set once the prediction's own audit event is queued (as the route's `auditDone`).
    let audited = false;
    try {
      principal = await o.identify(req.headers.authorization);
      authorizeLocal(principal, 'model:predict');
      const body = parseJson(await readBody(req, o.bodyLimit));
      assertNoNul(body);
      const answerBody = await o.serving.predict(ref, body, principal.id, () => {
        audited = true;
      });
      answer(res, 200, answerBody, 'POST', t0);
    } catch (err) {
      const log = {
        error: (obj: object, msg: string) => o.log.error({ ...obj, reqId: requestId }, msg),
      };
      let { status, body } = errorAnswer(err, requestId, log);
      // A body not read (refused before it was): drop it, the connection stays usable.
      if (!req.readableEnded) req.resume();
      if (!audited) {
        // Refused before the prediction recorded its own event (caller, body): the event the
        // auth hook's onSend writes for every refused state-changing request (server/auth.ts).
        const event = {
          actorKind: principal.kind,
          actorId: principal.id,
          action: `POST ${ROUTE}`,
          objectType: 'deployment',
          objectId: ref,
          outcome: 'failure' as const,
          status,
          details: { permission: 'model:predict', ip, requestId },
        };
        try {
          await o.audit.record(event);
        } catch (auditErr) {
          o.log.error(
            { err: auditErr, auditEvent: event, reqId: requestId },
            'audit write failed; the request is answered 500',
          );
          body = new FedGridError(
            'AUDIT_WRITE_FAILED',
            `node '${o.serving.nodeId}' could not record this request in its audit log (${(auditErr as Error).message}); ` +
              `the operation may have taken effect (it answered ${status}) — check its state before retrying, ` +
              `and the node's log (request ${requestId}) for the unrecorded event`,
            { requestId, status },
          ).toJSON();
          status = 500;
        }
      }
      answer(res, status, body, 'POST', t0);
    }
  };

  server.removeListener('request', fastify);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const m = req.method === 'POST' && !closing ? PATH.exec(req.url ?? '') : null;
    const type = req.headers['content-type'];
    if (!m || type === undefined || !JSON_TYPE.test(type)) {
      fastify(req, res);
      return;
    }
    handle(req, res, m[1] as string).catch((err: unknown) => {
      o.log.error({ err }, 'lean prediction path: no answer could be sent');
      res.destroy();
    });
  });
}
