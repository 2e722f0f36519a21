/** Node information and health (components: components/components.routes.ts). */
import type { FastifyInstance } from 'fastify';
import type { NodeCard } from '../contracts/contracts.service.js';
import type { NodeFiles } from '../storage/files.js';
import { doc } from './route-doc.js';

export interface NodeInfo extends NodeCard {
  fingerprint: string;
  version: string;
  storage: string;
  backends: Record<string, string>;
}

export function nodeRoutes(app: FastifyInstance, info: () => NodeInfo, files: NodeFiles): void {
  app.get(
    '/v1/node',
    {
      config: { permission: 'node:read' },
      schema: doc("This node's identity, addresses, storage and crypto backends"),
    },
    async () => info(),
  );
  // Partners: the public node card (first contact) and a health check (contracted).
  app.get(
    '/v1/interconn/node',
    {
      config: { permission: 'interconn:node', auth: 'tls' },
      schema: doc(
        'Partner: the public node card — name, description, addresses, certificate (first contact; reflects the node profile)',
      ),
    },
    async () => {
      const { nodeId, name, description, apiUrl, dataAddress, certPem, suites, sm2CertPem } =
        info();
      return {
        nodeId,
        name,
        ...(description ? { description } : {}),
        apiUrl,
        dataAddress,
        certPem,
        ...(suites ? { suites } : {}),
        ...(sm2CertPem ? { sm2CertPem } : {}),
      };
    },
  );
  app.get(
    '/v1/interconn/health',
    { config: { permission: 'interconn:node' }, schema: doc('Partner: health check') },
    async () => ({
      status: 'ok',
      nodeId: info().nodeId,
      time: new Date().toISOString(),
    }),
  );
  app.get(
    '/v1/health',
    {
      config: { permission: 'public' },
      schema: doc('Liveness and storage health', {
        description:
          "200 {status: 'ok', storage} while the node can keep its data; 503 {status: 'degraded', storage} when the data directory is missing, replaced or not writable, free space is below storage.minFreeMiB, the latest write failed or the store is not the node's own. storage.problems says what is wrong.",
      }),
    },
    async (_req, reply) => {
      const storage = await files.health();
      if (!storage.ok) void reply.code(503);
      return { status: storage.ok ? 'ok' : 'degraded', storage };
    },
  );
}
