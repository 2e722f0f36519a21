import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { pageQuerySchema } from '../server/paging.js';
import { parseInput } from '../server/validate.js';
import type { AuditService } from './audit.service.js';
import { doc } from '../server/route-doc.js';

const auditQuery = pageQuerySchema.extend({
  action: z.string().optional(),
  object: z.string().optional(),
});

export function auditRoutes(app: FastifyInstance, audit: AuditService): void {
  app.get(
    '/v1/audit',
    {
      config: { permission: 'audit:read' },
      schema: doc('The audit log, newest first', { query: auditQuery }),
    },
    async (req) => {
      const q = parseInput(auditQuery, req.query, 'query');
      const r = await audit.list({
        page: q.page,
        pageSize: q.pageSize,
        ...(q.action ? { action: q.action } : {}),
        ...(q.object ? { objectId: q.object } : {}),
      });
      return { ...r, page: q.page, pageSize: q.pageSize };
    },
  );
}
