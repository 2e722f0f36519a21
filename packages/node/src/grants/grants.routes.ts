/**
 * Grant routes: grants given (create, list, revoke, usage), grants received from partners, and
 * the partner side (`/v1/interconn/`): notices to the grantee and the grantee's fallback queries.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { pageOf, pageQuerySchema } from '../server/paging.js';
import { doc } from '../server/route-doc.js';
import { parseInput } from '../server/validate.js';
import { createGrantSchema, grantNoticeSchema, type GrantService } from './grants.service.js';

const status = z.enum(['active', 'revoked', 'expired', 'used-up']);

const listQuery = pageQuerySchema.extend({
  dataset: z.string().optional(),
  grantee: z.string().optional(),
  status: status.optional(),
});

const receivedQuery = pageQuerySchema.extend({
  owner: z.string().optional(),
  dataset: z.string().optional(),
  status: z.enum(['active', 'revoked', 'expired', 'used-up', 'deleted']).optional(),
});

const revokeSchema = z.object({ reason: z.string().max(2000).optional() });
const syncSchema = z.object({ owner: z.string().min(1).max(64) });

export function grantRoutes(app: FastifyInstance, grants: GrantService): void {
  const read = { config: { permission: 'grant:read' as const } };
  const peer = { config: { permission: 'interconn:data' as const, auditObject: 'grant' } };
  type IdParams = { Params: { id: string } };

  app.get(
    '/v1/grants',
    {
      ...read,
      schema: doc('List grants given by this node (filter by dataset, grantee, status)', {
        query: listQuery,
      }),
    },
    async (req) => {
      const q = parseInput(listQuery, req.query, 'query');
      return pageOf(
        await grants.list({
          ...(q.dataset ? { dataset: q.dataset } : {}),
          ...(q.grantee ? { grantee: q.grantee } : {}),
          ...(q.status ? { status: q.status } : {}),
        }),
        q,
      );
    },
  );
  app.get(
    '/v1/grants/received',
    {
      ...read,
      schema: doc(
        'List grants partners gave this node (our copies; filter by owner, dataset, status)',
        {
          query: receivedQuery,
        },
      ),
    },
    async (req) => {
      const q = parseInput(receivedQuery, req.query, 'query');
      return pageOf(
        await grants.listReceived({
          ...(q.owner ? { owner: q.owner } : {}),
          ...(q.dataset ? { dataset: q.dataset } : {}),
          ...(q.status ? { status: q.status } : {}),
        }),
        q,
      );
    },
  );
  app.post(
    '/v1/grants/received/sync',
    {
      ...read,
      schema: doc(
        'Ask a partner for every grant it gave this node and update our copies (the fallback for lost notices)',
        { body: syncSchema },
      ),
    },
    async (req) => {
      const b = parseInput(syncSchema, req.body);
      const items = await grants.syncReceived(b.owner);
      return { owner: b.owner, items, total: items.length };
    },
  );
  app.get<IdParams>('/v1/grants/:id', { ...read, schema: doc('Get a grant') }, async (req) =>
    grants.get(req.params.id),
  );
  app.get<IdParams>(
    '/v1/grants/:id/usage',
    {
      ...read,
      schema: doc(
        'Recorded uses of a grant (metered grants: one per accepted job and per task start), paged, with the total rows',
        { query: pageQuerySchema },
      ),
    },
    async (req) => {
      const q = parseInput(pageQuerySchema, req.query, 'query');
      const u = await grants.usage(req.params.id);
      return { ...pageOf(u.items, q), grant: u.grant, rows: u.rows };
    },
  );
  app.post(
    '/v1/grants',
    {
      config: { permission: 'grant:create' },
      schema: doc(
        'Grant a partner node the use of a dataset (for any job, one job or one project; expiry, max uses, metering); the grantee is told',
        { body: createGrantSchema },
      ),
    },
    async (req, reply) => {
      const g = await grants.create(parseInput(createGrantSchema, req.body));
      reply.status(201);
      return g;
    },
  );
  app.post<IdParams>(
    '/v1/grants/:id/revoke',
    {
      config: { permission: 'grant:revoke' },
      schema: doc('Revoke a grant (the grantee is told)', { body: revokeSchema }),
    },
    async (req) => grants.revoke(req.params.id, parseInput(revokeSchema, req.body).reason),
  );
  app.post<IdParams>(
    '/v1/grants/:id/notify',
    {
      config: { permission: 'grant:create' },
      schema: doc('Tell the grantee the grant’s current state again (after a failed notice)'),
    },
    async (req) => {
      await grants.get(req.params.id);
      return grants.notify(req.params.id);
    },
  );

  // Interconnection (partner) side.
  app.post(
    '/v1/interconn/grant-notices',
    {
      ...peer,
      schema: doc('Partner: a grant the caller gave this node (new or revoked)', {
        body: grantNoticeSchema,
      }),
    },
    async (req) => {
      const r = await grants.onNotice(req.peerNodeId!, parseInput(grantNoticeSchema, req.body));
      req.auditObjectId = r.id;
      return { ok: true };
    },
  );
  app.get(
    '/v1/interconn/grants',
    {
      ...peer,
      schema: doc('Partner: every grant this node gave the caller (any state)', {
        query: pageQuerySchema,
      }),
    },
    async (req) => {
      const q = parseInput(pageQuerySchema, req.query, 'query');
      return pageOf(await grants.noticesFor(req.peerNodeId!), q);
    },
  );
  app.get<IdParams>(
    '/v1/interconn/grants/:id',
    { ...peer, schema: doc('Partner: one grant this node gave the caller') },
    async (req) => grants.noticeFor(req.peerNodeId!, req.params.id),
  );
}
