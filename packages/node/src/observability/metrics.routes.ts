/**
 * Operations routes: `GET /metrics` (Prometheus), `GET /livez` (liveness) and `GET /readyz`
 * (readiness). Who may read what is in docs/OPERATIONS.md ("Monitoring"):
 *   /metrics — permission `metrics:read`: the admin token, or a user / API token holding it
 *              (e.g. an API token issued with only `metrics:read` for Prometheus). Partners
 *              never: they hold `interconn:*` permissions only, and the metrics name partners,
 *              deployments and traffic volumes.
 *   /livez   — public: the process answers (no store access; a restart is the only remedy).
 *   /readyz  — public: the store answers a query and the data directory is usable; 503 with the
 *              failing checks' names (no paths, no error text) otherwise.
 */
import type { FastifyInstance } from 'fastify';
import { doc } from '../server/route-doc.js';
import type { NodeMetrics } from './metrics.js';

/** One readiness check: resolves true when ready; a rejection counts as not ready. */
export type ReadinessCheck = () => Promise<boolean>;

/** Longest a readiness check may take before it counts as failed (milliseconds). */
const READINESS_TIMEOUT_MS = 5000;

async function runCheck(check: ReadinessCheck): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      check(),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), READINESS_TIMEOUT_MS);
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export function metricsRoutes(
  app: FastifyInstance,
  metrics: NodeMetrics,
  readiness: Record<string, ReadinessCheck>,
): void {
  app.get(
    '/metrics',
    {
      config: { permission: 'metrics:read' },
      schema: doc('Prometheus metrics of this node (text exposition format 0.0.4)', {
        description:
          'HTTP requests and latency by route and status, jobs and tasks by status, the scheduler queue, data-plane bytes per partner, online prediction requests and latency per deployment, process CPU, memory and event-loop lag. Needs metrics:read (never granted to partners).',
      }),
    },
    async (_req, reply) => {
      const { contentType, body } = await metrics.render();
      void reply.header('content-type', contentType);
      return body;
    },
  );
  app.get(
    '/livez',
    {
      config: { permission: 'public' },
      schema: doc('Liveness: the node process answers (does not touch the store)'),
    },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      config: { permission: 'public' },
      schema: doc('Readiness: the store answers and the data directory is usable', {
        description:
          "200 {status: 'ready', checks} when every check passes; 503 {status: 'not-ready', checks} otherwise. checks maps each check's name (store, storage, ...) to true or false; details are in /v1/health and the node's log.",
      }),
    },
    async (_req, reply) => {
      const names = Object.keys(readiness);
      const results = await Promise.all(names.map((n) => runCheck(readiness[n] as ReadinessCheck)));
      const checks = Object.fromEntries(names.map((n, i) => [n, results[i] as boolean]));
      const ready = results.every(Boolean);
      if (!ready) void reply.code(503);
      return { status: ready ? 'ready' : 'not-ready', checks };
    },
  );
}
