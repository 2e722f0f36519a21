/**
 * Dataset sharing routes: deleting a dataset, the partner queries asked of a partner (local
 * routes that proxy and return the partner's answer) and their answers here (`/v1/interconn/`).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { queryBoolean } from '../server/query-boolean.js';
import { matches, pageOf, pageQuerySchema, type PageQuery } from '../server/paging.js';
import { doc } from '../server/route-doc.js';
import { parseInput } from '../server/validate.js';
import type { DatasetSharingService } from './dataset-sharing.service.js';

const deleteQuery = z.object({
  /** Revoke active grants (telling the grantees) instead of refusing. */
  force: queryBoolean.optional().transform((v) => v === true),
});

/** The paging part of a query, forwarded to the partner. */
function forward(q: PageQuery): string {
  const p = new URLSearchParams({ page: String(q.page), pageSize: String(q.pageSize) });
  if (q.q) p.set('q', q.q);
  if (q.exact) p.set('exact', 'true');
  return `?${p.toString()}`;
}

export function datasetSharingRoutes(app: FastifyInstance, sharing: DatasetSharingService): void {
  const read = { config: { permission: 'dataset:read' as const } };
  const peer = { config: { permission: 'interconn:data' as const, auditObject: 'dataset' } };
  type NodeParams = { Params: { node: string } };

  app.delete<{ Params: { id: string } }>(
    '/v1/datasets/:id',
    {
      config: { permission: 'dataset:register' },
      schema: doc(
        'Delete a dataset (refused while an unfinished job uses it; refused while it has active grants unless force=true, which revokes them and tells the grantees)',
        { query: deleteQuery },
      ),
    },
    async (req) => {
      const q = parseInput(deleteQuery, req.query, 'query');
      return sharing.remove(req.params.id, q.force);
    },
  );

  app.get<NodeParams>(
    '/v1/partner-datasets/:node',
    {
      ...read,
      schema: doc(
        'A partner’s listed datasets (public and partners visibility), as the partner answers',
        { query: pageQuerySchema },
      ),
    },
    async (req) =>
      sharing.partnerListed(
        req.params.node,
        forward(parseInput(pageQuerySchema, req.query, 'query')),
      ),
  );
  app.get<NodeParams>(
    '/v1/partner-datasets/:node/granted',
    {
      ...read,
      schema: doc('The datasets a partner has granted this node (with the active grants)', {
        query: pageQuerySchema,
      }),
    },
    async (req) =>
      sharing.partnerGranted(
        req.params.node,
        forward(parseInput(pageQuerySchema, req.query, 'query')),
      ),
  );
  app.get<{ Params: { node: string; id: string } }>(
    '/v1/partner-datasets/:node/:id',
    {
      ...read,
      schema: doc('One of a partner’s datasets (listed, or granted to this node): metadata only'),
    },
    async (req) => sharing.partnerInfo(req.params.node, req.params.id),
  );

  // Interconnection (partner) side.
  app.get(
    '/v1/interconn/datasets',
    {
      ...peer,
      schema: doc('Partner: this node’s listed datasets (public and partners visibility)', {
        query: pageQuerySchema,
      }),
    },
    async (req) => {
      const q = parseInput(pageQuerySchema, req.query, 'query');
      return pageOf(
        (await sharing.listed()).filter((d) => matches(d.name, q)),
        q,
      );
    },
  );
  app.get(
    '/v1/interconn/datasets/granted',
    {
      ...peer,
      schema: doc('Partner: the datasets this node has granted the caller', {
        query: pageQuerySchema,
      }),
    },
    async (req) => {
      const q = parseInput(pageQuerySchema, req.query, 'query');
      return pageOf(
        (await sharing.grantedTo(req.peerNodeId!)).filter((d) => matches(d.name, q)),
        q,
      );
    },
  );
  app.get<{ Params: { id: string } }>(
    '/v1/interconn/datasets/:id',
    {
      ...peer,
      schema: doc('Partner: one dataset, if listed or granted to the caller (metadata only)'),
    },
    async (req) => sharing.infoFor(req.peerNodeId!, req.params.id),
  );
}
