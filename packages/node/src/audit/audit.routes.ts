import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { pageQuerySchema } from '../server/paging.js';
import { queryBoolean } from '../server/query-boolean.js';
import { parseInput } from '../server/validate.js';
import type { AuditService } from './audit.service.js';
import type { AuditCheckpointService } from './audit-checkpoints.js';
import { doc } from '../server/route-doc.js';

const auditQuery = pageQuerySchema.extend({
  action: z.string().optional(),
  object: z.string().optional(),
});

const exportQuery = z.object({
  /** First seq (default: the chain's first). */
  from: z.coerce.number().int().min(1).optional(),
  /** Last seq (default: the head). */
  to: z.coerce.number().int().min(1).optional(),
});

const verifyQuery = z.object({
  /** Also fetch and compare the checkpoints partners hold about this node. @default true */
  partners: queryBoolean.optional(),
});

export function auditRoutes(
  app: FastifyInstance,
  audit: AuditService,
  checkpoints: AuditCheckpointService,
): void {
  app.get(
    '/v1/audit',
    {
      config: { permission: 'audit:read', auditRead: true },
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

  app.get(
    '/v1/audit/verify',
    {
      config: { permission: 'audit:read', auditRead: true },
      schema: doc(
        'Verify the audit hash chain (names the first edited, deleted, reordered or missing event) and compare it with the checkpoints partners hold about this node',
        { query: verifyQuery },
      ),
    },
    async (req) => {
      const q = parseInput(verifyQuery, req.query, 'query');
      const chain = await audit.verify();
      const partners = q.partners === false ? [] : await checkpoints.checkPartners();
      return {
        ok: chain.ok && partners.every((p) => p.status === 'ok'),
        chain,
        partners,
      };
    },
  );

  app.get(
    '/v1/audit/export',
    {
      config: { permission: 'audit:read', auditRead: true },
      schema: doc(
        'A signed export archive of events seq from–to, as `{archive}`: JSON Lines text (signed manifest with the node certificate, then the events), to save to a file and verify offline with `fedgrid audit verify-archive`',
        { query: exportQuery },
      ),
    },
    async (req) => {
      const q = parseInput(exportQuery, req.query, 'query');
      return { archive: await checkpoints.exportArchive(q.from, q.to) };
    },
  );

  app.post(
    '/v1/audit/checkpoints',
    {
      config: { permission: 'audit:read' },
      schema: doc('Send a signed checkpoint of the audit chain to every contracted partner now'),
    },
    async () => ({ items: await checkpoints.sendAll() }),
  );

  app.post(
    '/v1/interconn/audit/checkpoints',
    {
      config: { permission: 'interconn:node', auditObject: 'audit' },
      bodyLimit: 4096,
      schema: doc(
        "Partner: store the partner's signed checkpoint of its audit chain (verified against the certificate its contract pins)",
      ),
    },
    async (req) => checkpoints.receive(req.peerNodeId!, req.body),
  );

  app.get(
    '/v1/interconn/audit/checkpoints',
    {
      config: { permission: 'interconn:node' },
      schema: doc(
        "Partner: the checkpoints this node holds of the caller's audit chain, as signed",
      ),
    },
    async (req) => checkpoints.heldAbout(req.peerNodeId!),
  );
}
