/**
 * The OpenAPI 3 description of the REST API, generated from the routes (@fastify/swagger) and
 * served at GET /v1/openapi.json; docs/openapi.json is the committed copy (`npm run openapi`).
 * Request validation stays with zod in the handlers (one error format); the JSON schemas here
 * document the API and are not enforced a second time.
 */
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { PERMISSIONS } from './permissions.js';

export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  app.setValidatorCompiler(() => () => true);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'FedGrid node API',
        version,
        description:
          'Control plane of a FedGrid node. Local routes need a session token (POST /v1/auth/login), an API token or the node’s admin token (Bearer), holding the route’s permission; /v1/interconn/* routes are called by contracted partner nodes over mutual TLS with pinned certificates. Errors are {code, message, details}.',
      },
      components: {
        securitySchemes: {
          adminToken: { type: 'http', scheme: 'bearer' },
          partnerCertificate: { type: 'mutualTLS' } as never,
        },
      },
    },
    transform: ({ schema, url, route }) => {
      const perm = (route.config as { permission?: keyof typeof PERMISSIONS } | undefined)
        ?.permission;
      const s = { ...(schema ?? {}) } as Record<string, unknown>;
      if (perm) {
        s['description'] =
          `${(s['description'] as string | undefined) ?? ''}${s['description'] ? '\n\n' : ''}Permission: \`${perm}\` — ${PERMISSIONS[perm]}.`;
        if (perm !== 'public')
          s['security'] = [
            perm.startsWith('interconn:') ? { partnerCertificate: [] } : { adminToken: [] },
          ];
        s['tags'] = s['tags'] ?? [
          url.startsWith('/v1/interconn/') ? 'interconnection' : (url.split('/')[2] ?? 'node'),
        ];
      }
      return { schema: s as never, url };
    },
  });
  app.get(
    '/v1/openapi.json',
    { config: { permission: 'public' }, schema: { hide: true } as never },
    async () => app.swagger(),
  );
}
