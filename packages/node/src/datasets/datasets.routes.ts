import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { FedGridError } from '../errors/errors.js';
import { scopeFilter } from '../accounts/scopes.js';
import { matches, pageOf, pageQuerySchema } from '../server/paging.js';
import { parseInput } from '../server/validate.js';
import {
  registerDatasetSchema,
  updateDatasetSchema,
  uploadDatasetSchema,
  visibilitySchema,
  type DatasetService,
} from './datasets.service.js';
import { doc } from '../server/route-doc.js';

const listQuery = pageQuerySchema.extend({ visibility: visibilitySchema.optional() });
const previewQuery = z.object({ rows: z.coerce.number().int().min(1).max(100).default(20) });

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
      schema: doc(
        'Change a dataset’s name, description, visibility, enabled flag or data dictionary',
        {
          body: updateDatasetSchema,
        },
      ),
    },
    async (req) => datasets.update(req.params.id, parseInput(updateDatasetSchema, req.body)),
  );
  // Uploads arrive as raw bytes, read by the handler from the request stream (never buffered
  // whole, never handed to the body checks as an object).
  app.addContentTypeParser('application/octet-stream', (_req, _payload, done) => done(null));
  app.post(
    '/v1/datasets/upload',
    {
      ...write,
      schema: doc(
        'Upload a dataset file (body: the file as application/octet-stream; streamed, size-limited, checked against sha256, validated completely before it is recorded)',
        { query: uploadDatasetSchema },
      ),
    },
    async (req, reply) => {
      const q = parseInput(uploadDatasetSchema, req.query, 'query');
      if (!req.headers['content-type']?.startsWith('application/octet-stream'))
        throw new FedGridError(
          'BAD_REQUEST',
          'send the file as the request body with content-type application/octet-stream',
        );
      const declared = Number(req.headers['content-length'] ?? NaN);
      if (declared > datasets.maxUploadBytes)
        throw new FedGridError(
          'UPLOAD_TOO_LARGE',
          `the upload is larger than this node accepts (${datasets.maxUploadBytes} bytes)`,
          { maxBytes: datasets.maxUploadBytes },
        );
      const ds = await datasets.upload(req.raw, q);
      reply.status(201);
      return ds;
    },
  );
  app.get<{ Params: { id: string } }>(
    '/v1/datasets/:id/preview',
    {
      config: { permission: 'dataset:read', auditRead: true },
      schema: doc("Preview the first rows of this node's own dataset (at most 100; audited)", {
        query: previewQuery,
      }),
    },
    async (req) => {
      const q = parseInput(previewQuery, req.query, 'query');
      return datasets.preview(req.params.id, q.rows);
    },
  );
  app.get<{ Params: { id: string } }>(
    '/v1/datasets/:id/download',
    {
      config: { permission: 'dataset:register', auditRead: true },
      schema: doc("Download this node's own dataset (current version) as CSV (audited)"),
    },
    async (req, reply) => {
      const d = await datasets.download(req.params.id);
      void reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${d.name}.v${d.version}.csv"`)
        .header('x-content-type-options', 'nosniff');
      return reply.send(d.csv);
    },
  );
  app.post<{ Params: { id: string } }>(
    '/v1/datasets/:id/refresh',
    {
      ...write,
      schema: doc(
        'Read the dataset’s source again and record it as the next version (same columns; running jobs keep their version)',
      ),
    },
    async (req) => datasets.refresh(req.params.id),
  );
}
