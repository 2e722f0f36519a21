/**
 * Model routes: the model parts this node holds (admin), their approval by partners and their
 * publication; the partner side of the approval round trip under `/v1/interconn/model-approvals`.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { pageQuerySchema } from '../server/paging.js';
import { doc } from '../server/route-doc.js';
import { parseInput } from '../server/validate.js';
import {
  answerSchema,
  approvalRequestSchema,
  decisionSchema,
  renameSchema,
  requestApprovalSchema,
  type ModelService,
} from './models.service.js';

const listQuery = pageQuerySchema.extend({
  project: z.string().max(200).optional(),
  job: z.string().max(200).optional(),
  status: z.enum(['unapproved', 'pending', 'rejected', 'approved', 'published']).optional(),
});
const approvalsQuery = pageQuerySchema.extend({
  direction: z.enum(['incoming', 'outgoing']).optional(),
  status: z.enum(['undelivered', 'pending', 'approved', 'rejected']).optional(),
  model: z.string().max(400).optional(),
  job: z.string().max(200).optional(),
});

type IdParams = { Params: { id: string } };

export function modelRoutes(app: FastifyInstance, models: ModelService): void {
  const read = { config: { permission: 'model:read' as const } };
  const manage = { config: { permission: 'model:manage' as const } };
  const approvalRead = {
    config: { permission: 'model:read' as const, auditObject: 'model-approval' },
  };
  const approvalManage = {
    config: { permission: 'model:manage' as const, auditObject: 'model-approval' },
  };
  const peer = {
    config: { permission: 'interconn:model' as const, auditObject: 'model-approval' },
  };

  app.get(
    '/v1/models',
    {
      ...read,
      schema: doc(
        'List the model parts this node holds (paged; filter by project, job or status; q matches name or id)',
        { query: listQuery },
      ),
    },
    async (req) => {
      const q = parseInput(listQuery, req.query, 'query');
      return models.list(q);
    },
  );
  app.get<IdParams>(
    '/v1/models/:id',
    {
      config: { ...read.config, auditRead: true },
      schema: doc(
        'Get a model part: name, job, task, project, digest, file, size, approvals, publication, and its content',
      ),
    },
    async (req) => models.getWithContent(req.params.id),
  );
  app.patch<IdParams>(
    '/v1/models/:id',
    { ...manage, schema: doc('Name a model part', { body: renameSchema }) },
    async (req) => models.rename(req.params.id, parseInput(renameSchema, req.body).name),
  );
  app.post<IdParams>(
    '/v1/models/:id/approvals',
    {
      ...manage,
      schema: doc(
        'Ask the job’s other parties to approve this model part’s digest (default: every partner without an approval or a pending request)',
        { body: requestApprovalSchema },
      ),
    },
    async (req) => {
      const body = parseInput(requestApprovalSchema, req.body);
      return models.requestApproval(req.params.id, body.partners);
    },
  );
  app.get<IdParams>(
    '/v1/models/:id/approvals',
    {
      ...read,
      schema: doc('Approvals requested for this model part (every digest, newest first)', {
        query: pageQuerySchema,
      }),
    },
    async (req) => {
      await models.get(req.params.id);
      const q = parseInput(pageQuerySchema, req.query, 'query');
      return models.listApprovals({ direction: 'outgoing', modelId: req.params.id }, q);
    },
  );
  app.post<IdParams>(
    '/v1/models/:id/approvals/sync',
    {
      ...manage,
      schema: doc(
        'Ask the partners for the status of this model’s undecided approvals (fallback for a lost callback)',
      ),
    },
    async (req) => models.syncModel(req.params.id),
  );
  app.post<IdParams>(
    '/v1/models/:id/publish',
    {
      ...manage,
      schema: doc(
        'Publish a model part for prediction (refused unless every partner approved its current digest)',
      ),
    },
    async (req) => models.publish(req.params.id, req.principal.id),
  );
  app.post<IdParams>(
    '/v1/models/:id/unpublish',
    { ...manage, schema: doc('Withdraw a model part from prediction') },
    async (req) => models.unpublish(req.params.id),
  );

  app.get(
    '/v1/model-approvals',
    {
      ...approvalRead,
      schema: doc(
        'List model approvals: incoming (partners ask this node) and outgoing (this node asked)',
        { query: approvalsQuery },
      ),
    },
    async (req) => {
      const q = parseInput(approvalsQuery, req.query, 'query');
      return models.listApprovals(
        {
          ...(q.direction ? { direction: q.direction } : {}),
          ...(q.status ? { status: q.status } : {}),
          ...(q.model ? { modelId: q.model } : {}),
          ...(q.job ? { jobId: q.job } : {}),
        },
        q,
      );
    },
  );
  app.get<IdParams>(
    '/v1/model-approvals/:id',
    { ...approvalRead, schema: doc('Get a model approval') },
    async (req) => models.getApproval(req.params.id),
  );
  app.post<IdParams>(
    '/v1/model-approvals/:id/approve',
    {
      ...approvalManage,
      schema: doc('Approve a partner’s pending model part (its digest); the partner is told', {
        body: answerSchema,
      }),
    },
    async (req) =>
      models.decide(
        req.params.id,
        'approved',
        parseInput(answerSchema, req.body).reason ?? null,
        req.principal.id,
      ),
  );
  app.post<IdParams>(
    '/v1/model-approvals/:id/reject',
    {
      ...approvalManage,
      schema: doc('Reject a partner’s pending model part; the partner is told', {
        body: answerSchema,
      }),
    },
    async (req) =>
      models.decide(
        req.params.id,
        'rejected',
        parseInput(answerSchema, req.body).reason ?? null,
        req.principal.id,
      ),
  );
  app.post<IdParams>(
    '/v1/model-approvals/:id/sync',
    {
      ...approvalManage,
      schema: doc(
        'Ask the partner for the status of an outgoing approval (fallback for a lost callback)',
      ),
    },
    async (req) => models.syncApproval(req.params.id),
  );

  // Interconnection (partner) side.
  app.post(
    '/v1/interconn/model-approvals',
    {
      ...peer,
      schema: doc(
        'Partner: please approve my model part (digest, job, task, project); stored as pending',
        { body: approvalRequestSchema },
      ),
    },
    async (req, reply) => {
      const a = await models.receiveRequest(req.body, req.peerNodeId!);
      reply.status(201);
      return a;
    },
  );
  app.get<IdParams>(
    '/v1/interconn/model-approvals/:id',
    { ...peer, schema: doc('Partner: the status of an approval I requested (fallback query)') },
    async (req) => models.statusFor(req.params.id, req.peerNodeId!),
  );
  app.post<IdParams>(
    '/v1/interconn/model-approvals/:id/decision',
    {
      ...peer,
      schema: doc('Partner: my decision on your approval request (callback)', {
        body: decisionSchema,
      }),
    },
    async (req) => models.onDecision(req.params.id, req.body, req.peerNodeId!),
  );
}
