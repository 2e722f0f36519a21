/** Invitation routes: the node's user (demander and provider) and partners (interconnection). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { doc } from '../server/route-doc.js';
import { matches, pageOf, pageQuerySchema } from '../server/paging.js';
import { parseInput } from '../server/validate.js';
import {
  answerWireSchema,
  createInvitationSchema,
  invitationWireSchema,
  modifyInvitationSchema,
  modifyWireSchema,
  type InvitationService,
} from './invitations.service.js';

const listQuerySchema = pageQuerySchema.extend({
  /** 'sent': we are the demander; 'received': we are the provider. */
  role: z.enum(['sent', 'received']).optional(),
  status: z.enum(['draft', 'pending', 'accepted', 'rejected', 'withdrawn']).optional(),
  kind: z.enum(['dataset', 'compute']).optional(),
});

const reasonSchema = z.object({ reason: z.string().max(2000).optional() });

export function invitationRoutes(app: FastifyInstance, invitations: InvitationService): void {
  const read = { config: { permission: 'invitation:read' as const } };
  const manage = { config: { permission: 'invitation:manage' as const } };
  const peer = { config: { permission: 'interconn:data' as const, auditObject: 'invitation' } };
  type IdParams = { Params: { id: string } };

  app.get(
    '/v1/invitations',
    {
      ...read,
      schema: doc(
        'List invitations sent and received (paged; q matches id, partner, dataset, resource, message)',
        { query: listQuerySchema },
      ),
    },
    async (req) => {
      const q = parseInput(listQuerySchema, req.query, 'query');
      const all = await invitations.list({
        ...(q.role ? { role: q.role } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.kind ? { kind: q.kind } : {}),
      });
      return pageOf(
        all.filter(
          (i) =>
            matches(i.id, q) ||
            matches(i.role === 'sent' ? i.provider : i.demander, q) ||
            matches(i.dataset ?? '', q) ||
            (!q.exact && (matches(i.resource, q) || matches(i.message, q))),
        ),
        q,
      );
    },
  );
  app.get<IdParams>(
    '/v1/invitations/:id',
    {
      ...read,
      schema: doc('Get an invitation (on the provider, with the usage of a metered one)'),
    },
    async (req) => invitations.get(req.params.id),
  );
  app.post(
    '/v1/invitations',
    {
      ...manage,
      schema: doc('Create an invitation to a provider (a draft, kept here until published)', {
        body: createInvitationSchema,
      }),
    },
    async (req, reply) => {
      const inv = await invitations.create(parseInput(createInvitationSchema, req.body));
      reply.status(201);
      return inv;
    },
  );
  app.post<IdParams>(
    '/v1/invitations/:id/publish',
    {
      ...manage,
      schema: doc('Send a draft invitation to its provider, which stores it pending (idempotent)'),
    },
    async (req) => invitations.publish(req.params.id),
  );
  app.patch<IdParams>(
    '/v1/invitations/:id',
    {
      ...manage,
      schema: doc(
        'Modify a draft or pending invitation (the provider’s copy of a pending one is changed first)',
        { body: modifyInvitationSchema },
      ),
    },
    async (req) => invitations.modify(req.params.id, parseInput(modifyInvitationSchema, req.body)),
  );
  app.delete<IdParams>(
    '/v1/invitations/:id',
    {
      ...manage,
      schema: doc(
        'Withdraw an invitation: a draft is deleted, a pending one becomes withdrawn on both nodes',
        { body: reasonSchema },
      ),
    },
    async (req) => invitations.withdraw(req.params.id, parseInput(reasonSchema, req.body).reason),
  );
  app.post<IdParams>(
    '/v1/invitations/:id/sync',
    {
      ...manage,
      schema: doc(
        'Ask the provider for its copy and adopt its answer (fallback when the answer was lost)',
      ),
    },
    async (req) => invitations.sync(req.params.id),
  );
  app.post<IdParams>(
    '/v1/invitations/:id/accept',
    {
      ...manage,
      schema: doc(
        'Accept a received invitation (a dataset one creates the grant for the demander) and tell the demander',
      ),
    },
    async (req) => invitations.accept(req.params.id),
  );
  app.post<IdParams>(
    '/v1/invitations/:id/reject',
    {
      ...manage,
      schema: doc('Reject a received invitation and tell the demander', { body: reasonSchema }),
    },
    async (req) => invitations.reject(req.params.id, parseInput(reasonSchema, req.body).reason),
  );

  // Partners.
  app.post(
    '/v1/interconn/invitations',
    {
      ...peer,
      schema: doc('Partner (demander): publish an invitation to this node (idempotent by id)', {
        body: invitationWireSchema,
      }),
    },
    async (req, reply) => {
      const inv = await invitations.receive(req.peerNodeId!, req.body);
      reply.status(201);
      return inv;
    },
  );
  app.get<IdParams>(
    '/v1/interconn/invitations/:id',
    {
      ...peer,
      schema: doc('Partner (demander): the status of its invitation here (status query)'),
    },
    async (req) => invitations.statusFor(req.peerNodeId!, req.params.id),
  );
  app.patch<IdParams>(
    '/v1/interconn/invitations/:id',
    {
      ...peer,
      schema: doc('Partner (demander): modify its pending invitation', { body: modifyWireSchema }),
    },
    async (req) => invitations.onModify(req.peerNodeId!, req.params.id, req.body),
  );
  app.post<IdParams>(
    '/v1/interconn/invitations/:id/withdraw',
    {
      ...peer,
      schema: doc('Partner (demander): withdraw its pending invitation', { body: reasonSchema }),
    },
    async (req) => invitations.onWithdraw(req.peerNodeId!, req.params.id, req.body),
  );
  app.post<IdParams>(
    '/v1/interconn/invitations/:id/answer',
    {
      ...peer,
      schema: doc('Partner (provider): the answer to our invitation (callback)', {
        body: answerWireSchema,
      }),
    },
    async (req) => invitations.onAnswer(req.peerNodeId!, req.params.id, req.body),
  );
}
