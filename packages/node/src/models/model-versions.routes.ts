/**
 * Model version routes (issue 12 item 1): the versions of named models this node holds parts of,
 * one version by name and number, and what changed between two versions. Local (admin) routes
 * only; nothing here is offered to partners.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { pageQuerySchema } from '../server/paging.js';
import { doc } from '../server/route-doc.js';
import { parseInput } from '../server/validate.js';
import { diffVersions } from './model-versions.diff.js';
import type { ModelVersionService } from './model-versions.service.js';
import { modelNameSchema, parseVersionRef } from './model-name.js';

const listQuery = pageQuerySchema.pick({ page: true, pageSize: true }).extend({
  name: modelNameSchema.optional(),
  job: z.string().min(1).max(200).optional(),
});
const diffQuery = z.object({
  from: z.string().min(1).max(300),
  /** A reference, or a bare version number of the same name as `from`. */
  to: z.string().min(1).max(300),
});

type VersionParams = { Params: { name: string; version: string } };

export function modelVersionRoutes(app: FastifyInstance, versions: ModelVersionService): void {
  const read = { config: { permission: 'model:read' as const } };

  app.get(
    '/v1/model-versions',
    {
      ...read,
      schema: doc(
        'List model versions this node holds parts of, newest first (filter by model name or job)',
        { query: listQuery },
      ),
    },
    async (req) => versions.list(parseInput(listQuery, req.query, 'query')),
  );
  app.get(
    '/v1/model-versions/diff',
    {
      ...read,
      schema: doc(
        'What changed between two versions (from=NAME@V, to=NAME@V or a version number of the same name): training setup, parameters, features per party, part digests, evaluation metrics',
        { query: diffQuery },
      ),
    },
    async (req) => {
      const q = parseInput(diffQuery, req.query, 'query');
      const from = parseVersionRef(q.from, 'from', { requireVersion: true });
      const to = /^[0-9]+$/.test(q.to) ? `${from.name}@${q.to}` : q.to;
      const [a, b] = await Promise.all([
        versions.resolve(q.from, 'from'),
        versions.resolve(to, 'to'),
      ]);
      return diffVersions(a, b);
    },
  );
  app.get<VersionParams>(
    '/v1/model-versions/:name/:version',
    {
      ...read,
      schema: doc(
        'One model version (VERSION a number or "latest"): algorithm, task, parties with their feature names and part digests and who approved them, training job and parameters, evaluation metrics, created/approved/published/deployed times',
      ),
    },
    async (req) => versions.resolve(`${req.params.name}@${req.params.version}`, 'version'),
  );
}
