/** Directory routes: a member publishing and browsing offers (local), and the directory side (partners). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { doc } from '../server/route-doc.js';
import { matches, pageOf, pageQuerySchema } from '../server/paging.js';
import { parseInput } from '../server/validate.js';
import {
  offerQuerySchema,
  offerWireSchema,
  publishOfferSchema,
  type DirectoryService,
} from './directory.service.js';

const browseQuerySchema = offerQuerySchema.extend({
  /** The directory to browse (a contracted node); default: this node, if it is a directory. */
  directory: z.string().max(64).optional(),
});

const publishedQuerySchema = pageQuerySchema.extend({
  directory: z.string().max(64).optional(),
  status: z.enum(['published', 'withdrawn']).optional(),
});

export function directoryRoutes(app: FastifyInstance, directory: DirectoryService): void {
  const read = { config: { permission: 'invitation:read' as const, auditObject: 'offer' } };
  const manage = { config: { permission: 'invitation:manage' as const, auditObject: 'offer' } };
  const peer = { config: { permission: 'interconn:data' as const, auditObject: 'offer' } };
  type IdParams = { Params: { id: string } };

  app.get(
    '/v1/directory/offers',
    {
      ...read,
      schema: doc(
        'Browse a directory’s offers (paged; q matches name, description, node, feature names; filter by kind and node)',
        { query: browseQuerySchema },
      ),
    },
    async (req) => {
      const q = parseInput(browseQuerySchema, req.query, 'query');
      return directory.browse(q.directory, q);
    },
  );
  app.post(
    '/v1/directory/offers',
    {
      ...manage,
      schema: doc(
        'Publish an offer on a directory: a dataset’s public metadata (re-publishing updates it) or compute',
        { body: publishOfferSchema },
      ),
    },
    async (req, reply) => {
      const o = await directory.publish(parseInput(publishOfferSchema, req.body));
      reply.status(201);
      return o;
    },
  );
  app.get(
    '/v1/directory/published',
    {
      ...read,
      schema: doc('The offers this node published (paged; q matches the name)', {
        query: publishedQuerySchema,
      }),
    },
    async (req) => {
      const q = parseInput(publishedQuerySchema, req.query, 'query');
      return pageOf(
        (await directory.published()).filter(
          (o) =>
            (!q.directory || o.directory === q.directory) &&
            (!q.status || o.status === q.status) &&
            matches(o.name, q),
        ),
        q,
      );
    },
  );
  app.delete<IdParams>(
    '/v1/directory/offers/:id',
    { ...manage, schema: doc('Withdraw (unpublish) one of this node’s offers from its directory') },
    async (req) => directory.withdraw(req.params.id),
  );

  // Directory side: contracted members.
  app.post(
    '/v1/interconn/directory/offers',
    {
      ...peer,
      schema: doc('Partner: publish or update an offer on this directory', {
        body: offerWireSchema,
      }),
    },
    async (req, reply) => {
      const o = await directory.receive(req.peerNodeId!, req.body);
      reply.status(201);
      return o;
    },
  );
  app.get(
    '/v1/interconn/directory/offers',
    {
      ...peer,
      schema: doc('Partner: browse this directory’s offers (paged)', { query: offerQuerySchema }),
    },
    async (req) => directory.list(parseInput(offerQuerySchema, req.query, 'query')),
  );
  app.delete<IdParams>(
    '/v1/interconn/directory/offers/:id',
    { ...peer, schema: doc('Partner: withdraw one of its offers from this directory') },
    async (req) => directory.remove(req.peerNodeId!, req.params.id),
  );
}
