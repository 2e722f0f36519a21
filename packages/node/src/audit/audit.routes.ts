import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CryptoSuite } from '@fedgrid/crypto';
import { pageQuerySchema } from '../server/paging.js';
import { queryBoolean } from '../server/query-boolean.js';
import { parseInput } from '../server/validate.js';
import type { AuditService } from './audit.service.js';
import type { AuditCheckpointService } from './audit-checkpoints.js';
import { archiveDigest, sealAuditArchive } from './audit-archive.js';
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

/** Shortest passphrase the node seals an archive under (the CLI's own sealing takes any). */
export const MIN_ARCHIVE_PASSPHRASE = 12;

const sealedExportBody = z.object({
  /** First seq (default: the chain's first). */
  from: z.number().int().min(1).optional(),
  /** Last seq (default: the head). */
  to: z.number().int().min(1).optional(),
  /** Passphrase the archive is sealed under; never stored, logged or audited. */
  passphrase: z
    .string()
    .min(
      MIN_ARCHIVE_PASSPHRASE,
      `the sealing passphrase needs at least ${MIN_ARCHIVE_PASSPHRASE} characters`,
    )
    .max(1024),
});

const verifyQuery = z.object({
  /** Also fetch and compare the checkpoints partners hold about this node. @default true */
  partners: queryBoolean.optional(),
});

/**
 * The audit administrator's routes (`audit:read`) and the partners' checkpoint routes.
 * @param suite the node's crypto suite: the cipher of sealed exports (gm: SM4-CTR + HMAC-SM3,
 *   international: AES-256-GCM).
 */
export function auditRoutes(
  app: FastifyInstance,
  audit: AuditService,
  checkpoints: AuditCheckpointService,
  suite: CryptoSuite,
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

  // POST, so that the passphrase travels in the body (never in a URL or an access log) and the
  // export is audited like every state-changing call (one event, object: the archive's digest).
  app.post(
    '/v1/audit/export/sealed',
    {
      config: { permission: 'audit:read', auditObject: 'audit-archive' },
      bodyLimit: 4096,
      schema: doc(
        "The same signed export archive as GET /v1/audit/export, sealed by the node's crypto suite (gm: SM4-CTR + HMAC-SM3, international: AES-256-GCM) under the passphrase given in the body, as an application/octet-stream file download; open and verify it offline with `fedgrid audit verify-archive <file> --passphrase-file <file>`",
        { body: sealedExportBody },
      ),
    },
    async (req, reply) => {
      const b = parseInput(sealedExportBody, req.body);
      const text = await checkpoints.exportArchive(b.from, b.to);
      req.auditObjectId = archiveDigest(text);
      const sealed = sealAuditArchive(text, suite, { passphrase: b.passphrase });
      const name = `audit-${b.from ?? 'first'}-${b.to ?? 'head'}.jsonl.fgseal`;
      return reply
        .header('content-type', 'application/octet-stream')
        .header('content-disposition', `attachment; filename="${name}"`)
        .header('cache-control', 'no-store')
        .send(Buffer.from(sealed));
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
