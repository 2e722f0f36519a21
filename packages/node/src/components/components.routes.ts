/**
 * Component routes: the node's own registry (admin) and the public part of it for partners
 * (`/v1/interconn/components`, mutual TLS). Built-in components register themselves when the
 * application is ready (node start).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { pageQuerySchema } from '../server/paging.js';
import { doc } from '../server/route-doc.js';
import { parseInput } from '../server/validate.js';
import { registerComponentSchema, type ComponentService } from './components.service.js';

const listQuery = pageQuerySchema.extend({
  engine: z.string().max(40).optional(),
  visibility: z.enum(['public', 'internal']).optional(),
});
const partnerListQuery = pageQuerySchema.extend({ engine: z.string().max(40).optional() });
const validateBody = z.object({
  params: z.record(z.string(), z.unknown()).default({}),
});

type CodeParams = { Params: { code: string; version: string } };

export function componentRoutes(app: FastifyInstance, components: ComponentService): void {
  const read = { config: { permission: 'component:read' as const, auditObject: 'component' } };
  const manage = { config: { permission: 'component:manage' as const, auditObject: 'component' } };
  const peer = {
    config: { permission: 'interconn:component' as const, auditObject: 'component' },
  };

  // The built-ins register themselves at start (before the node listens).
  app.addHook('onReady', async () => {
    await components.registerBuiltins();
  });

  app.get(
    '/v1/components',
    {
      ...read,
      schema: doc(
        'List components: built-in and external (paged, with totals by engine, visibility and status; q matches code or name)',
        { query: listQuery },
      ),
    },
    async (req) => components.list(parseInput(listQuery, req.query, 'query')),
  );
  app.get<CodeParams>(
    '/v1/components/:code/:version',
    {
      ...read,
      schema: doc('Get a component: address, roles, inputs, outputs, parameter JSON Schema'),
    },
    async (req) => components.get(req.params.code, req.params.version),
  );
  app.post(
    '/v1/components',
    {
      ...manage,
      schema: doc('Register an external component (metadata only; it cannot run on FedGrid yet)', {
        body: registerComponentSchema,
      }),
    },
    async (req, reply) => {
      const c = await components.register(parseInput(registerComponentSchema, req.body));
      req.auditObjectId = `${c.code}@${c.version}`;
      reply.status(201);
      return c;
    },
  );
  app.delete<CodeParams>(
    '/v1/components/:code/:version',
    {
      ...manage,
      schema: doc('Unregister an external component (built-in components cannot be unregistered)'),
    },
    async (req) => {
      req.auditObjectId = `${req.params.code}@${req.params.version}`;
      return components.unregister(req.params.code, req.params.version);
    },
  );
  app.post<CodeParams>(
    '/v1/components/:code/:version/validate',
    {
      ...read,
      schema: doc(
        'Check parameters against the component’s schema: {valid, issues[{field, message}]}',
        {
          body: validateBody,
        },
      ),
    },
    async (req) => {
      req.auditObjectId = `${req.params.code}@${req.params.version}`;
      const body = parseInput(validateBody, req.body);
      return components.validate(req.params.code, req.params.version, body.params);
    },
  );
  app.post<CodeParams>(
    '/v1/components/:code/:version/health',
    {
      ...read,
      schema: doc(
        'Health check: built-ins are healthy when their programs are loaded; external http(s) addresses are called (3 s timeout); others are unknown',
      ),
    },
    async (req) => {
      req.auditObjectId = `${req.params.code}@${req.params.version}`;
      return components.health(req.params.code, req.params.version);
    },
  );

  // A partner's public components, fetched over the pinned connection.
  app.get<{ Params: { node: string } }>(
    '/v1/partners/:node/components',
    {
      ...read,
      schema: doc('List the public components of a contracted partner node', {
        query: partnerListQuery,
      }),
    },
    async (req) =>
      components.partnerList(req.params.node, parseInput(partnerListQuery, req.query, 'query')),
  );
  app.get<{ Params: { node: string; code: string; version: string } }>(
    '/v1/partners/:node/components/:code/:version',
    { ...read, schema: doc('Get one public component of a contracted partner node') },
    async (req) => components.partnerGet(req.params.node, req.params.code, req.params.version),
  );

  // Interconnection (partner) side: public components only.
  app.get(
    '/v1/interconn/components',
    {
      ...peer,
      schema: doc('Partner: list this node’s public components (paged, with totals)', {
        query: partnerListQuery,
      }),
    },
    async (req) => components.listPublic(parseInput(partnerListQuery, req.query, 'query')),
  );
  app.get<CodeParams>(
    '/v1/interconn/components/:code/:version',
    { ...peer, schema: doc('Partner: get one public component') },
    async (req) => components.getPublic(req.params.code, req.params.version),
  );
}
