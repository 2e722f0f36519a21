/**
 * Grant application routes: the applicant's and the owner's local routes, and the partner side
 * (`/v1/interconn/grant-applications`). See grant-applications.service.ts for the round trip.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { pageOf, pageQuerySchema } from '../server/paging.js';
import { doc } from '../server/route-doc.js';
import { parseInput } from '../server/validate.js';
import {
  applicationAnswerSchema,
  applicationRequestSchema,
  applySchema,
  type GrantApplicationService,
} from './grant-applications.service.js';

const listQuery = pageQuerySchema.extend({
  direction: z.enum(['outgoing', 'incoming']).optional(),
  status: z.enum(['pending', 'confirmed', 'rejected', 'cancelled']).optional(),
  dataset: z.string().optional(),
  peer: z.string().optional(),
});
const rejectSchema = z.object({ reason: z.string().max(2000).optional() });

export function grantApplicationRoutes(
  app: FastifyInstance,
  applications: GrantApplicationService,
): void {
  const auditObject = 'grant-application';
  const read = { config: { permission: 'grant:read' as const, auditObject } };
  const create = { config: { permission: 'grant:create' as const, auditObject } };
  const answer = { config: { permission: 'grant:answer' as const, auditObject } };
  const peer = { config: { permission: 'interconn:data' as const, auditObject } };
  type IdParams = { Params: { id: string } };

  app.post(
    '/v1/grant-applications',
    {
      ...create,
      schema: doc(
        'Apply to a partner for the use of one of its datasets (scope, expiry, max uses, metering)',
        { body: applySchema },
      ),
    },
    async (req, reply) => {
      const a = await applications.apply(parseInput(applySchema, req.body));
      reply.status(201);
      return a;
    },
  );
  app.get(
    '/v1/grant-applications',
    {
      ...read,
      schema: doc(
        'List grant applications: outgoing (this node applied) and incoming (partners applied)',
        { query: listQuery },
      ),
    },
    async (req) => {
      const q = parseInput(listQuery, req.query, 'query');
      return pageOf(
        await applications.list({
          ...(q.direction ? { direction: q.direction } : {}),
          ...(q.status ? { status: q.status } : {}),
          ...(q.dataset ? { dataset: q.dataset } : {}),
          ...(q.peer ? { peer: q.peer } : {}),
        }),
        q,
      );
    },
  );
  app.get<IdParams>(
    '/v1/grant-applications/:id',
    { ...read, schema: doc('Get a grant application') },
    async (req) => applications.get(req.params.id),
  );
  app.post<IdParams>(
    '/v1/grant-applications/:id/confirm',
    {
      ...answer,
      schema: doc(
        'Owner: confirm a pending incoming application (creates the grant with its terms; the applicant is told)',
      ),
    },
    async (req) => applications.confirm(req.params.id),
  );
  app.post<IdParams>(
    '/v1/grant-applications/:id/reject',
    {
      ...answer,
      schema: doc('Owner: reject a pending incoming application (the applicant is told)', {
        body: rejectSchema,
      }),
    },
    async (req) =>
      applications.reject(req.params.id, parseInput(rejectSchema, req.body).reason ?? 'rejected'),
  );
  app.post<IdParams>(
    '/v1/grant-applications/:id/cancel',
    {
      ...create,
      schema: doc(
        'Applicant: cancel a pending outgoing application (the owner must still hold it pending)',
      ),
    },
    async (req) => applications.cancel(req.params.id),
  );
  app.post<IdParams>(
    '/v1/grant-applications/:id/query',
    {
      ...read,
      schema: doc(
        'Applicant: ask the owner for the application’s state and record it (the fallback for a lost callback)',
      ),
    },
    async (req) => applications.query(req.params.id),
  );

  // Interconnection (partner) side.
  app.post(
    '/v1/interconn/grant-applications',
    {
      ...peer,
      schema: doc('Partner: apply for one of this node’s datasets (stored pending)', {
        body: applicationRequestSchema,
      }),
    },
    async (req, reply) => {
      const a = await applications.receive(req.peerNodeId!, req.body);
      req.auditObjectId = a.id;
      reply.status(201);
      return a;
    },
  );
  app.get<IdParams>(
    '/v1/interconn/grant-applications/:id',
    { ...peer, schema: doc('Partner: the state of the caller’s application (and its grant)') },
    async (req) => applications.answerFor(req.peerNodeId!, req.params.id),
  );
  app.post<IdParams>(
    '/v1/interconn/grant-applications/:id/cancel',
    { ...peer, schema: doc('Partner: the applicant cancels its pending application') },
    async (req) => applications.onCancel(req.peerNodeId!, req.params.id),
  );
  app.post<IdParams>(
    '/v1/interconn/grant-applications/:id/answer',
    {
      ...peer,
      schema: doc('Partner: the owner’s answer to this node’s application (callback)', {
        body: applicationAnswerSchema,
      }),
    },
    async (req) => {
      await applications.onAnswer(req.peerNodeId!, req.params.id, req.body);
      return { ok: true };
    },
  );
}
