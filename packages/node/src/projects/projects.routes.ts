/** Project routes: the node's user (local) and contracted partners (interconnection). */
import type { FastifyInstance } from 'fastify';
import { scopeFilter } from '../accounts/scopes.js';
import { pageQuerySchema } from '../server/paging.js';
import { doc } from '../server/route-doc.js';
import { parseInput } from '../server/validate.js';
import {
  createProjectSchema,
  invitationSchema,
  inviteSchema,
  membershipAnswerSchema,
  projectListQuerySchema,
  projectWireSchema,
  reasonSchema,
  updateProjectSchema,
  type ProjectService,
} from './projects.service.js';

type IdParams = { Params: { id: string } };
type MemberParams = { Params: { id: string; node: string } };
type NodeParams = { Params: { node: string } };

export function projectRoutes(app: FastifyInstance, projects: ProjectService): void {
  const read = { config: { permission: 'project:read' as const } };
  const manage = { config: { permission: 'project:manage' as const } };
  const peer = { config: { permission: 'interconn:project' as const, auditObject: 'project' } };

  app.get(
    '/v1/projects',
    {
      ...read,
      schema: doc(
        'List projects on this node — own and partners’ (paged; q matches the name, fuzzy or exact; stats count every match)',
        { query: projectListQuerySchema },
      ),
    },
    async (req) =>
      projects.list(
        parseInput(projectListQuerySchema, req.query, 'query'),
        scopeFilter(req, 'projects'),
      ),
  );
  app.post(
    '/v1/projects',
    {
      ...manage,
      schema: doc('Create a project owned by this node', { body: createProjectSchema }),
    },
    async (req, reply) => {
      const p = await projects.create(parseInput(createProjectSchema, req.body));
      reply.status(201);
      return p;
    },
  );
  app.get<IdParams>(
    '/v1/projects/:id',
    { ...read, schema: doc('Get a project (own, or a partner’s copy) with its members') },
    async (req) => projects.get(req.params.id),
  );
  app.patch<IdParams>(
    '/v1/projects/:id',
    {
      ...manage,
      schema: doc('Update an own project and sync it to its members', {
        body: updateProjectSchema,
      }),
    },
    async (req) => projects.update(req.params.id, parseInput(updateProjectSchema, req.body)),
  );
  app.delete<IdParams>(
    '/v1/projects/:id',
    { ...manage, schema: doc('Delete an own project; its members’ copies become deleted') },
    async (req) => projects.delete(req.params.id),
  );
  app.post<IdParams>(
    '/v1/projects/:id/members',
    {
      ...manage,
      schema: doc('Invite a contracted partner into an own project (合作项目创建)', {
        body: inviteSchema,
      }),
    },
    async (req) => projects.invite(req.params.id, parseInput(inviteSchema, req.body).node),
  );
  app.delete<MemberParams>(
    '/v1/projects/:id/members/:node',
    { ...manage, schema: doc('Remove a member from an own project and tell it') },
    async (req) => projects.removeMember(req.params.id, req.params.node),
  );
  app.post<MemberParams>(
    '/v1/projects/:id/members/:node/sync',
    {
      ...manage,
      schema: doc(
        'Ask a member for its answer to the invitation (fallback when its callback was lost)',
      ),
    },
    async (req) => projects.syncMember(req.params.id, req.params.node),
  );
  app.post<IdParams>(
    '/v1/projects/:id/accept',
    { ...manage, schema: doc('Accept an invitation into a partner’s project (tells the owner)') },
    async (req) => projects.answer(req.params.id, 'accepted'),
  );
  app.post<IdParams>(
    '/v1/projects/:id/reject',
    {
      ...manage,
      schema: doc('Reject an invitation into a partner’s project (tells the owner)', {
        body: reasonSchema,
      }),
    },
    async (req) =>
      projects.answer(req.params.id, 'rejected', parseInput(reasonSchema, req.body).reason),
  );
  app.post<IdParams>(
    '/v1/projects/:id/refresh',
    { ...manage, schema: doc('Fetch the owner’s current version of a partner’s project') },
    async (req) => projects.refresh(req.params.id),
  );
  app.get<NodeParams>(
    '/v1/partners/:node/projects',
    {
      ...read,
      schema: doc('List the projects a partner shares with this node (asked of the partner)', {
        query: pageQuerySchema,
      }),
    },
    async (req) =>
      projects.partnerList(req.params.node, parseInput(pageQuerySchema, req.query, 'query')),
  );
  app.get<{ Params: { node: string; id: string } }>(
    '/v1/partners/:node/projects/:id',
    {
      ...read,
      schema: doc('Get one project a partner shares with this node (asked of the partner)'),
    },
    async (req) => projects.partnerGet(req.params.node, req.params.id),
  );

  // Interconnection (partner) side.
  app.post(
    '/v1/interconn/projects',
    {
      ...peer,
      schema: doc('Owner → partner: invitation into a project', { body: invitationSchema }),
    },
    async (req) => {
      const r = await projects.onInvite(req.body, req.peerNodeId!);
      req.auditObjectId = r.projectId;
      return r;
    },
  );
  app.get(
    '/v1/interconn/projects',
    {
      ...peer,
      schema: doc('Partner: the projects of this node the caller is invited into or a member of', {
        query: pageQuerySchema,
      }),
    },
    async (req) =>
      projects.sharedWith(req.peerNodeId!, parseInput(pageQuerySchema, req.query, 'query')),
  );
  app.get<IdParams>(
    '/v1/interconn/projects/:id',
    { ...peer, schema: doc('Partner: one project shared with the caller') },
    async (req) => projects.sharedGet(req.params.id, req.peerNodeId!),
  );
  app.put<IdParams>(
    '/v1/interconn/projects/:id',
    {
      ...peer,
      schema: doc('Owner → member: the project was updated', { body: projectWireSchema }),
    },
    async (req) => projects.onUpdate(req.params.id, req.body, req.peerNodeId!),
  );
  app.delete<IdParams>(
    '/v1/interconn/projects/:id',
    { ...peer, schema: doc('Owner → member: the project was deleted') },
    async (req) => {
      await projects.onDelete(req.params.id, req.peerNodeId!);
      return { ok: true };
    },
  );
  app.post<IdParams>(
    '/v1/interconn/projects/:id/answer',
    {
      ...peer,
      schema: doc('Member → owner: the invitation was accepted or rejected (callback)', {
        body: membershipAnswerSchema,
      }),
    },
    async (req) => {
      await projects.onAnswer(req.params.id, req.body, req.peerNodeId!);
      return { ok: true };
    },
  );
  app.get<IdParams>(
    '/v1/interconn/projects/:id/membership',
    { ...peer, schema: doc('Owner → member: the member’s answer (fallback of the callback)') },
    async (req) => projects.membershipFor(req.params.id, req.peerNodeId!),
  );
  app.delete<IdParams>(
    '/v1/interconn/projects/:id/membership',
    { ...peer, schema: doc('Owner → member: the member was removed from the project') },
    async (req) => {
      await projects.onRemoved(req.params.id, req.peerNodeId!);
      return { ok: true };
    },
  );
}
