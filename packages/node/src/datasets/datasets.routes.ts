import type { FastifyInstance } from 'fastify';
import { scopeFilter } from '../accounts/scopes.js';
import { matches, pageOf, pageQuerySchema } from '../server/paging.js';
import { parseInput } from '../server/validate.js';
import {
  registerDatasetSchema,
  updateDatasetSchema,
  visibilitySchema,
  type DatasetService,
} from './datasets.service.js';
import { doc } from '../server/route-doc.js';

const listQuery = pageQuerySchema.extend({ visibility: visibilitySchema.optional() });

export function datasetRoutes(app: FastifyInstance, datasets: DatasetService): void {
  const read = { config: { permission: 'dataset:read' as const } };
  const write = { config: { permission: 'dataset:register' as const } };
  app.get(
    '/v1/datasets',
    {
      ...read,
      schema: doc('List datasets (paged; q matches the name; filter by visibility)', {
        query: listQuery,
      }),
    },
    async (req) => {
      const q = parseInput(listQuery, req.query, 'query');
      const visible = scopeFilter(req, 'datasets');
      return pageOf(
        (await datasets.list(q.visibility ? { visibility: q.visibility } : {})).filter(
          (d) => matches(d.name, q) && visible(d),
        ),
        q,
      );
    },
  );
  app.get<{ Params: { id: string } }>(
    '/v1/datasets/:id',
    { ...read, schema: doc('Get a dataset by id or name, with its column summary') },
    async (req) => datasets.get(req.params.id),
  );
  app.post(
    '/v1/datasets',
    {
      ...write,
      schema: doc(
        'Register a local CSV file (validated completely; nothing is kept if it is invalid)',
        { body: registerDatasetSchema },
      ),
    },
    async (req, reply) => {
      const body = parseInput(registerDatasetSchema, req.body);
      const ds = await datasets.register(body);
      reply.status(201);
      return ds;
    },
  );
  app.patch<{ Params: { id: string } }>(
    '/v1/datasets/:id',
    {
      ...write,
      schema: doc('Change a dataset’s name, description or visibility', {
        body: updateDatasetSchema,
      }),
    },
    async (req) => datasets.update(req.params.id, parseInput(updateDatasetSchema, req.body)),
  );
}
