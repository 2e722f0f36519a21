/**
 * Online keyword PIR routes (docs/protocols/pir.md, "Online queries"): the server's partner
 * routes `GET /v1/interconn/pir/datasets/{id}/table`, `GET …/table/bytes` (the table's binary
 * pages) and `POST /v1/interconn/pir/evaluate` (grant- or ticket-checked, rate-limited per
 * partner), and the querier's owner route `POST /v1/pir/query`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FedGridError } from '../errors/errors.js';
import { markRateLimited } from '../server/partner-limits.js';
import { tlsPeerOf } from '../server/auth.js';
import { doc } from '../server/route-doc.js';
import { parseInput } from '../server/validate.js';
import { pirQuerySchema, type PirClientService } from './pir-client.service.js';
import {
  pirTablePageQuerySchema,
  pirTableQuerySchema,
  type PirServerService,
} from './pir-server.service.js';

/** The per-partner rate limit's key: the contracted node, else its certificate. */
const partnerOf = (req: FastifyRequest): string =>
  req.peerNodeId ?? tlsPeerOf(req)?.fingerprint ?? req.ip;

export interface PirRouteOptions {
  partnerRequestsPerSecond: number;
}

export function pirRoutes(
  app: FastifyInstance,
  server: PirServerService,
  client: PirClientService,
  opts: PirRouteOptions,
): void {
  const rateLimit = (what: string) => ({
    max: opts.partnerRequestsPerSecond,
    timeWindow: 1000,
    keyGenerator: partnerOf,
    allowList: () => false,
    onExceeded: (req: FastifyRequest) =>
      markRateLimited(req, 'pir.partnerRequestsPerSecond', undefined),
    errorResponseBuilder: (req: FastifyRequest, ctx: { max: number; ttl: number }) =>
      new FedGridError(
        'RATE_LIMITED',
        `partner '${partnerOf(req)}' sent more than ${ctx.max} PIR ${what} requests in a second (pir.partnerRequestsPerSecond of node '${server.nodeId}'); retry in ${Math.ceil(ctx.ttl / 1000)} s`,
        { partner: partnerOf(req), limit: ctx.max, retryAfterSeconds: Math.ceil(ctx.ttl / 1000) },
      ),
  });
  // The service writes each request's own audit event (counts only) in place of the generic one.
  const partnerConfig = (what: string) => ({
    permission: 'interconn:pir' as const,
    auditObject: 'dataset',
    auditAhead: false,
    rateLimit: rateLimit(what),
  });

  app.get<{ Params: { id: string } }>(
    '/v1/interconn/pir/datasets/:id/table',
    {
      config: partnerConfig('table'),
      schema: doc(
        'Partner holding a grant of a PIR-enabled dataset: the table id, rows and label column names of its encrypted keyword table, and a download ticket with the table’s size and SHA-256 (fetch the bytes from …/table/bytes); without the ticket when `since` names the current table id',
        { query: pirTableQuerySchema },
      ),
    },
    async (req) => {
      // The service records this request's audit event whatever the outcome.
      req.auditDone = true;
      const q = parseInput(pirTableQuerySchema, req.query);
      return server.download(req.params.id, req.peerNodeId!, q.since);
    },
  );
  app.get<{ Params: { id: string } }>(
    '/v1/interconn/pir/datasets/:id/table/bytes',
    {
      config: partnerConfig('table'),
      schema: doc(
        'Partner holding a download ticket of the table answer: one page of the encrypted keyword table (application/octet-stream, at most the ticket’s pageBytes from `offset`, a multiple of pageBytes); check the whole table against the ticket’s SHA-256',
        { query: pirTablePageQuerySchema },
      ),
    },
    async (req, reply) => {
      // The service records this request's audit event whatever the outcome.
      req.auditDone = true;
      const bytes = await server.page(req.params.id, req.peerNodeId!, req.query);
      return reply
        .header('content-type', 'application/octet-stream')
        .header('cache-control', 'no-store')
        .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  );
  app.post(
    '/v1/interconn/pir/evaluate',
    {
      config: partnerConfig('evaluate'),
      schema: doc(
        'Partner holding a grant of a PIR-enabled dataset: the OPRF evaluation of each blinded key (32-byte points, at most pir.maxBatch), same order',
        { body: server.evaluateSchema },
      ),
    },
    async (req) => {
      // The service records this request's audit event whatever the outcome.
      req.auditDone = true;
      return server.evaluate(req.body, req.peerNodeId!);
    },
  );

  app.post(
    '/v1/pir/query',
    {
      config: { permission: 'pir:query' as const, auditObject: 'pir', auditAhead: false },
      schema: doc(
        'Keyword PIR against a partner: the label columns of each key in the partner’s PIR-enabled dataset, or found=false; the partner learns how many keys, not which',
        { body: pirQuerySchema },
      ),
    },
    async (req) => {
      // The service records this request's audit event whatever the outcome.
      req.auditDone = true;
      return client.query(parseInput(pirQuerySchema, req.body), req.principal.id);
    },
  );
}
