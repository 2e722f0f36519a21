/** Flow, approval and flow-job routes: the node's user (local) and partners (interconnection). */
import type { FastifyInstance } from 'fastify';
import { pageQuerySchema } from '../server/paging.js';
import { doc } from '../server/route-doc.js';
import { parseInput } from '../server/validate.js';
import { reasonSchema } from '../projects/projects.service.js';
import { createFlowSchema, runFlowSchema, updateFlowSchema } from './flow-spec.js';
import {
  approvalAnswerSchema,
  approvalListQuerySchema,
  approvalRequestSchema,
  flowListQuerySchema,
  type FlowService,
} from './flows.service.js';

type IdParams = { Params: { id: string } };

export function flowRoutes(app: FastifyInstance, flows: FlowService): void {
  const read = { config: { permission: 'flow:read' as const } };
  const manage = { config: { permission: 'flow:manage' as const } };
  const approvalRead = { config: { permission: 'flow:read' as const, auditObject: 'approval' } };
  const approvalManage = {
    config: { permission: 'flow:manage' as const, auditObject: 'approval' },
  };
  const jobManage = { config: { permission: 'job:manage' as const, auditObject: 'flow' } };
  const jobRead = { config: { permission: 'job:read' as const } };
  const peer = { config: { permission: 'interconn:project' as const, auditObject: 'approval' } };

  app.get(
    '/v1/flows',
    {
      ...read,
      schema: doc('List flows (paged; q matches the name; projectId filters)', {
        query: flowListQuerySchema,
      }),
    },
    async (req) => flows.list(parseInput(flowListQuerySchema, req.query, 'query')),
  );
  app.get<IdParams>(
    '/v1/projects/:id/flows',
    {
      ...read,
      schema: doc('List the flows of a project (流程列表查询; paged, with the total)', {
        query: flowListQuerySchema.omit({ projectId: true }),
      }),
    },
    async (req) =>
      flows.list({
        ...parseInput(flowListQuerySchema.omit({ projectId: true }), req.query, 'query'),
        projectId: req.params.id,
      }),
  );
  app.post(
    '/v1/flows',
    {
      ...manage,
      schema: doc(
        'Create a flow in a project (DAG validated like a job; every party must be a project member)',
        { body: createFlowSchema },
      ),
    },
    async (req, reply) => {
      const f = await flows.create(parseInput(createFlowSchema, req.body));
      reply.status(201);
      return f;
    },
  );
  app.get<IdParams>(
    '/v1/flows/:id',
    { ...read, schema: doc('Get a flow with its digest and approval state per partner') },
    async (req) => flows.get(req.params.id),
  );
  app.patch<IdParams>(
    '/v1/flows/:id',
    {
      ...manage,
      schema: doc(
        'Save a new version of a flow (a new DAG or config invalidates earlier approvals; running jobs are unaffected)',
        { body: updateFlowSchema },
      ),
    },
    async (req) => flows.update(req.params.id, parseInput(updateFlowSchema, req.body)),
  );
  app.delete<IdParams>(
    '/v1/flows/:id',
    { ...manage, schema: doc('Delete a flow (pending approval requests are withdrawn)') },
    async (req) => flows.delete(req.params.id),
  );
  app.post<IdParams>(
    '/v1/flows/:id/approvals',
    {
      ...manage,
      schema: doc(
        'Ask every partner in the flow’s parties to approve its current digest (流程审批发起)',
      ),
    },
    async (req) => flows.requestApproval(req.params.id),
  );
  app.get<IdParams>(
    '/v1/flows/:id/approvals',
    {
      ...read,
      schema: doc('The approvals requested for a flow (all versions)', {
        query: approvalListQuerySchema.pick({ page: true, pageSize: true, status: true }),
      }),
    },
    async (req) => {
      await flows.get(req.params.id);
      return flows.listApprovals({
        ...parseInput(
          approvalListQuerySchema.pick({ page: true, pageSize: true, status: true }),
          req.query,
          'query',
        ),
        flowId: req.params.id,
        direction: 'outgoing',
      });
    },
  );
  app.post<IdParams>(
    '/v1/flows/:id/jobs',
    {
      ...jobManage,
      schema: doc(
        'Create a job from the flow’s current version (every partner must have approved its digest)',
        { body: runFlowSchema },
      ),
    },
    async (req, reply) => {
      const job = await flows.run(req.params.id, parseInput(runFlowSchema, req.body));
      req.auditObjectId = req.params.id;
      reply.status(201);
      return job;
    },
  );
  app.get<IdParams>(
    '/v1/flows/:id/jobs',
    {
      ...jobRead,
      schema: doc('The jobs created from a flow (作业列表查询; paged, with the total)', {
        query: pageQuerySchema.pick({ page: true, pageSize: true }),
      }),
    },
    async (req) =>
      flows.jobs(
        req.params.id,
        parseInput(pageQuerySchema.pick({ page: true, pageSize: true }), req.query, 'query'),
      ),
  );

  app.get(
    '/v1/flow-approvals',
    {
      ...approvalRead,
      schema: doc(
        'List flow approvals (incoming: partners asked this node; outgoing: asked by it)',
        {
          query: approvalListQuerySchema,
        },
      ),
    },
    async (req) => flows.listApprovals(parseInput(approvalListQuerySchema, req.query, 'query')),
  );
  app.get<IdParams>(
    '/v1/flow-approvals/:id',
    { ...approvalRead, schema: doc('Get a flow approval with the content it is for') },
    async (req) => flows.getApproval(req.params.id),
  );
  app.post<IdParams>(
    '/v1/flow-approvals/:id/approve',
    {
      ...approvalManage,
      schema: doc('Approve an incoming flow approval request (tells the initiator)', {
        body: reasonSchema,
      }),
    },
    async (req) =>
      flows.answer(req.params.id, 'approved', parseInput(reasonSchema, req.body).reason),
  );
  app.post<IdParams>(
    '/v1/flow-approvals/:id/reject',
    {
      ...approvalManage,
      schema: doc('Reject an incoming flow approval request (tells the initiator)', {
        body: reasonSchema,
      }),
    },
    async (req) =>
      flows.answer(req.params.id, 'rejected', parseInput(reasonSchema, req.body).reason),
  );
  app.post<IdParams>(
    '/v1/flow-approvals/:id/sync',
    {
      ...approvalManage,
      schema: doc(
        'Ask the partner for its answer to an outgoing request (流程审批查询; fallback when the callback was lost)',
      ),
    },
    async (req) => flows.syncApproval(req.params.id),
  );

  // Interconnection (partner) side.
  app.post(
    '/v1/interconn/flow-approvals',
    {
      ...peer,
      schema: doc('Initiator → partner: approve this flow content', {
        body: approvalRequestSchema,
      }),
    },
    async (req) => flows.onApprovalRequest(req.body, req.peerNodeId!),
  );
  app.get<IdParams>(
    '/v1/interconn/flow-approvals/:id',
    { ...peer, schema: doc('Initiator → partner: the answer to a request (fallback)') },
    async (req) => flows.approvalFor(req.params.id, req.peerNodeId!),
  );
  app.post<IdParams>(
    '/v1/interconn/flow-approvals/:id/answer',
    {
      ...peer,
      schema: doc('Partner → initiator: approved or rejected (callback)', {
        body: approvalAnswerSchema,
      }),
    },
    async (req) => {
      await flows.onApprovalAnswer(req.params.id, req.body, req.peerNodeId!);
      return { ok: true };
    },
  );
  app.post<IdParams>(
    '/v1/interconn/flow-approvals/:id/withdraw',
    { ...peer, schema: doc('Initiator → partner: the request is withdrawn (the flow changed)') },
    async (req) => {
      await flows.onWithdrawn(req.params.id, req.peerNodeId!);
      return { ok: true };
    },
  );
}
