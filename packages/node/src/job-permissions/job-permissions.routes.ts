/** Job permission routes (local only: a partner never reads or sets them). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { pageOf, pageQuerySchema } from '../server/paging.js';
import { doc } from '../server/route-doc.js';
import { parseInput } from '../server/validate.js';
import { createJobPermissionSchema, type JobPermissionService } from './job-permissions.service.js';

const listQuery = pageQuerySchema.extend({
  partner: z.string().optional(),
  status: z.enum(['active', 'revoked', 'expired']).optional(),
});

export function jobPermissionRoutes(app: FastifyInstance, perms: JobPermissionService): void {
  const read = { config: { permission: 'job-permission:read' as const } };
  const manage = {
    config: { permission: 'job-permission:manage' as const, auditObject: 'job-permission' },
  };
  type IdParams = { Params: { id: string } };

  app.get(
    '/v1/job-permissions',
    {
      ...read,
      schema: doc("List permissions for partners' ad-hoc jobs (filter by partner, status)", {
        query: listQuery,
      }),
    },
    async (req) => {
      const q = parseInput(listQuery, req.query, 'query');
      return pageOf(
        await perms.list({
          ...(q.partner ? { partner: q.partner } : {}),
          ...(q.status ? { status: q.status } : {}),
        }),
        q,
      );
    },
  );
  app.post(
    '/v1/job-permissions',
    {
      ...manage,
      schema: doc(
        "Permit a partner's ad-hoc jobs (no approved flow): the roles this node may play, the components that may run, optionally the datasets",
        { body: createJobPermissionSchema },
      ),
    },
    async (req, reply) => {
      const p = await perms.create(parseInput(createJobPermissionSchema, req.body));
      reply.status(201);
      return p;
    },
  );
  app.get<IdParams>(
    '/v1/job-permissions/:id',
    { ...read, schema: doc('Get a job permission') },
    async (req) => perms.get(req.params.id),
  );
  app.post<IdParams>(
    '/v1/job-permissions/:id/revoke',
    { ...manage, schema: doc("Revoke a job permission (the partner's ad-hoc jobs stop here)") },
    async (req) => perms.revoke(req.params.id),
  );
}
