/**
 * Contract and partner routes: the node's user (admin) and partners (interconnection, mutual
 * TLS). Node protocol, standard 001 §8: discovery (partner list and node query, contract status
 * query), management (propose, confirm, reject, cancel, health, terminate), update (node
 * information sync — the partner side is here, the local PATCH /v1/node in profile/).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { matches, pageOf, pageQuerySchema } from '../server/paging.js';
import { parseInput } from '../server/validate.js';
import { nodeUpdateSchema, proposalSchema, type ContractService } from './contracts.service.js';
import { doc } from '../server/route-doc.js';

const proposeSchema = z.object({
  peerApiUrl: z.string().url(),
  expectedFingerprint: z
    .string()
    .regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/, 'SHA-256 fingerprint as AB:CD:… (32 bytes)')
    .optional(),
  description: z.string().max(2000).optional(),
  validDays: z.number().int().min(1).max(3650).optional(),
  /** The live contract with the same partner that the new one replaces once confirmed. */
  replaces: z.string().uuid().optional(),
});

const reasonSchema = z.object({ reason: z.string().max(2000).optional() });

const partnerSyncSchema = z.object({
  /** Check each partner's health first (default true). */
  health: z.boolean().optional(),
  /** Send our node card even to partners that hold the current one. */
  force: z.boolean().optional(),
});

export function contractRoutes(app: FastifyInstance, contracts: ContractService): void {
  const read = { config: { permission: 'contract:read' as const } };
  const propose = { config: { permission: 'contract:propose' as const } };
  const answer = { config: { permission: 'contract:answer' as const } };
  const terminate = { config: { permission: 'contract:terminate' as const } };
  const tls = {
    config: {
      permission: 'interconn:node' as const,
      auth: 'tls' as const,
      auditObject: 'contract',
    },
  };
  const peer = { config: { permission: 'interconn:node' as const, auditObject: 'contract' } };
  type IdParams = { Params: { id: string } };

  app.get(
    '/v1/contracts',
    {
      ...read,
      schema: doc('List contracts (paged; q matches the partner id or name)', {
        query: pageQuerySchema,
      }),
    },
    async (req) => {
      const q = parseInput(pageQuerySchema, req.query, 'query');
      return pageOf(
        (await contracts.list()).filter(
          (c) => matches(c.peer.nodeId, q) || matches(c.peer.name, q),
        ),
        q,
      );
    },
  );
  app.get<IdParams>('/v1/contracts/:id', { ...read, schema: doc('Get a contract') }, async (req) =>
    contracts.get(req.params.id),
  );
  app.post(
    '/v1/contracts',
    {
      ...propose,
      schema: doc(
        'Propose a contract to a partner node (pins the certificate it presents; replaces: the live contract with that node it replaces)',
        {
          body: proposeSchema,
        },
      ),
    },
    async (req, reply) => {
      const body = parseInput(proposeSchema, req.body);
      reply.status(201);
      return contracts.propose(body);
    },
  );
  app.post<IdParams>(
    '/v1/contracts/:id/health',
    { ...read, schema: doc('Check that the partner answers over the pinned connection') },
    async (req) => contracts.health(req.params.id),
  );
  app.post<IdParams>(
    '/v1/contracts/:id/confirm',
    { ...answer, schema: doc('Confirm a pending incoming proposal') },
    async (req) => contracts.confirm(req.params.id),
  );
  app.post<IdParams & { Body: { reason?: string } }>(
    '/v1/contracts/:id/reject',
    { ...answer, schema: doc('Reject a pending incoming proposal') },
    async (req) => contracts.reject(req.params.id, req.body?.reason),
  );
  app.post<IdParams & { Body: { reason?: string } }>(
    '/v1/contracts/:id/terminate',
    {
      ...terminate,
      schema: doc('Terminate an active contract (a pending one is cancelled or rejected instead)', {
        body: reasonSchema,
      }),
    },
    async (req) => contracts.terminate(req.params.id, parseInput(reasonSchema, req.body).reason),
  );
  app.post<IdParams>(
    '/v1/contracts/:id/cancel',
    {
      ...propose,
      schema: doc('Cancel our pending proposal; the partner’s copy becomes cancelled', {
        body: reasonSchema,
      }),
    },
    async (req) =>
      contracts.cancel(
        req.params.id,
        parseInput(reasonSchema, req.body).reason ?? 'cancelled by the proposer',
      ),
  );
  app.post<IdParams>(
    '/v1/contracts/:id/sync',
    {
      ...propose,
      schema: doc(
        'Ask the partner for its copy of the contract and adopt its answer (fallback for a lost callback)',
      ),
    },
    async (req) => contracts.sync(req.params.id),
  );

  // Partners (contracted nodes).
  app.get(
    '/v1/partners',
    {
      ...read,
      schema: doc(
        'Contracted partners with their node card, contract, last successful health check and whether they hold our current node information (paged; q matches id or name)',
        { query: pageQuerySchema },
      ),
    },
    async (req) => {
      const q = parseInput(pageQuerySchema, req.query, 'query');
      return pageOf(
        (await contracts.partners()).filter((p) => matches(p.nodeId, q) || matches(p.name, q)),
        q,
      );
    },
  );
  app.get<{ Params: { nodeId: string } }>(
    '/v1/partners/:nodeId',
    {
      ...read,
      schema: doc(
        'One partner: what we hold of it and its node card as it answers now (node information query)',
      ),
    },
    async (req) => contracts.partner(req.params.nodeId),
  );
  app.post(
    '/v1/partners/sync',
    {
      config: { permission: 'node:update' as const, auditObject: 'node' },
      schema: doc(
        'Check every active partner and send our node information to those holding a stale copy',
        { body: partnerSyncSchema },
      ),
    },
    async (req) => {
      const body = parseInput(partnerSyncSchema, req.body);
      return {
        items: await contracts.syncPartners({
          ...(body.health !== undefined ? { health: body.health } : {}),
          ...(body.force !== undefined ? { force: body.force } : {}),
        }),
      };
    },
  );

  // Interconnection (partner) side.
  app.post(
    '/v1/interconn/contracts',
    {
      ...tls,
      schema: doc('Partner: propose a contract (first contact)', { body: proposalSchema }),
    },
    async (req, reply) => {
      reply.status(201);
      return contracts.receiveProposal(req.body, req.tlsPeer!);
    },
  );
  app.post<IdParams>(
    '/v1/interconn/contracts/:id/confirm',
    { ...tls, schema: doc('Partner: the proposal was confirmed') },
    async (req) => {
      await contracts.onConfirmed(req.params.id, req.tlsPeer!);
      return { ok: true };
    },
  );
  app.post<IdParams & { Body: { reason?: string } }>(
    '/v1/interconn/contracts/:id/reject',
    { ...tls, schema: doc('Partner: the proposal was rejected') },
    async (req) => {
      await contracts.onRejected(req.params.id, req.tlsPeer!, req.body?.reason ?? 'rejected');
      return { ok: true };
    },
  );
  app.get<IdParams>(
    '/v1/interconn/contracts/:id',
    {
      ...tls,
      schema: doc(
        'Partner: the status of a contract as held here (for the node its certificate pins; fallback for lost callbacks)',
      ),
    },
    async (req) => contracts.statusFor(req.params.id, req.tlsPeer!),
  );
  app.post<IdParams & { Body: { reason?: string } }>(
    '/v1/interconn/contracts/:id/cancel',
    { ...tls, schema: doc('Partner: the proposer cancelled its pending proposal') },
    async (req) =>
      contracts.onCancelled(
        req.params.id,
        req.tlsPeer!,
        req.body?.reason ?? 'cancelled by the proposer',
      ),
  );
  app.post(
    '/v1/interconn/node/update',
    {
      config: { permission: 'interconn:node' as const, auditObject: 'node' },
      schema: doc(
        'Partner: its node information changed (name, description, addresses); re-pins its data-plane address',
        { body: nodeUpdateSchema },
      ),
    },
    async (req) => {
      req.auditObjectId = req.peerNodeId;
      return contracts.onPeerUpdate(req.peerNodeId!, req.body, req.tlsPeer!);
    },
  );
  app.post<IdParams & { Body: { reason?: string } }>(
    '/v1/interconn/contracts/:id/terminate',
    { ...peer, schema: doc('Partner: the contract was terminated') },
    async (req) => {
      await contracts.onTerminated(req.params.id, req.tlsPeer!, req.body?.reason ?? 'terminated');
      return { ok: true };
    },
  );
}
