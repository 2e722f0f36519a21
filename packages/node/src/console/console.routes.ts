/**
 * The web console (packages/console, built by `npm ci`/`npm run build`): its files are served at
 * `/` on the API port, from the same origin as the API (CONTRACTS.md "Console").
 *
 * - `GET /assets/<file>` and other paths with a file extension: the built file (404 JSON when
 *   absent); assets carry content hashes and are cached for a year.
 * - Every other `GET` outside `/v1/`: index.html, so that the console's client-side routes
 *   (`/jobs/…`) survive a reload. `/v1/…` paths are never answered with the page: an unknown API
 *   path still gets the JSON `NOT_FOUND`.
 * The page's Content-Security-Policy allows scripts from the node only.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The page's CSP: same-origin scripts and API calls; Ant Design injects its styles inline. */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/**
 * The console's build output: `dist/` of the @fedgrid/console package, found through module
 * resolution, so it works from the repository (workspace link) and from an installed package.
 *
 * @returns the directory, or undefined when the package or its build is missing.
 */
export function consoleDist(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('@fedgrid/console/package.json');
    const dist = join(dirname(pkg), 'dist');
    return existsSync(join(dist, 'index.html')) ? dist : undefined;
  } catch {
    return undefined;
  }
}

function notFound(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply
    .status(404)
    .send({ code: 'NOT_FOUND', message: `no route ${req.method} ${req.url}` });
}

/** Registers the console's routes (`GET /` and `GET /*`, public, hidden from the OpenAPI). */
export function consoleRoutes(app: FastifyInstance): void {
  const dist = consoleDist();
  if (dist) void app.register(fastifyStatic, { root: dist, serve: false, index: false });

  const handler = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const path = (req.params as { '*'?: string })['*'] ?? '';
    // The API's namespace is never the page: unknown API paths keep their JSON 404.
    if (path === 'v1' || path.startsWith('v1/')) return notFound(req, reply);
    if (!dist) {
      return reply.status(503).send({
        code: 'CONSOLE_NOT_BUILT',
        message:
          'the web console is not built on this node: run `npm run build` in the FedGrid checkout (npm ci builds it too)',
      });
    }
    void reply.header('x-content-type-options', 'nosniff');
    const last = path.split('/').pop() ?? '';
    if (path.startsWith('assets/') || last.includes('.')) {
      if (path.startsWith('assets/'))
        void reply.header('cache-control', 'public, max-age=31536000, immutable');
      // @fastify/static refuses paths outside `dist` and answers a missing file through the
      // not-found handler (JSON 404).
      return reply.sendFile(path);
    }
    void reply
      .header('cache-control', 'no-cache')
      .header('content-security-policy', CONSOLE_CSP)
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'no-referrer');
    return reply.sendFile('index.html');
  };
  const opts = { config: { permission: 'public' as const }, schema: { hide: true } as never };
  app.get('/', opts, handler);
  app.get('/*', opts, handler);
}
