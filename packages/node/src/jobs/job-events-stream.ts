/**
 * `GET /v1/jobs/:id/events/stream`: a job's events as server-sent events (text/event-stream,
 * WHATWG HTML §9.2), for the console's job page.
 *
 * - `event: job-event` with `id: <event id>` and the event row as JSON — every event after the
 *   `after` query parameter or the `Last-Event-ID` header (a reconnect resumes where it stopped);
 * - `event: job` with the job view (status, tasks and their party states) whenever it changed;
 * - once the job is finished and every event sent, `event: end` and the stream closes.
 *
 * The stream wakes when this process writes the job's events or states (JobsRepo.changes) and
 * re-reads every `fallbackMs` as well (writes by another process, e.g. a restore). Permission:
 * `job:read`, as `GET /v1/jobs/:id/events`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { doc } from '../server/route-doc.js';
import { parseInput } from '../server/validate.js';
import { TERMINAL } from './jobs.repo.js';
import type { JobsService } from './jobs.service.js';

const streamQuery = z.object({ after: z.coerce.number().int().min(0).optional() });

/** One SSE frame; `data` is JSON on a single line (JSON.stringify escapes newlines). */
export function sseFrame(event: string, data: unknown, id?: number): string {
  return `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Registers the stream route on `app` (called by jobRoutes). */
export function jobEventStreamRoute(
  app: FastifyInstance,
  jobs: JobsService,
  fallbackMs = 1000,
): void {
  app.get<{ Params: { id: string } }>(
    '/v1/jobs/:id/events/stream',
    {
      config: { permission: 'job:read' as const },
      schema: doc(
        'Live events of a job as server-sent events (job-event, job, end); resumes after `after` or Last-Event-ID',
        { query: streamQuery },
      ),
    },
    async (req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
      const q = parseInput(streamQuery, req.query, 'query');
      const header = req.headers['last-event-id'];
      const resume =
        typeof header === 'string' && /^\d+$/.test(header.trim()) ? Number(header) : undefined;
      let cursor = q.after ?? resume ?? 0;
      // Unknown job: the usual JSON 404, before the stream starts.
      let job = await jobs.get(req.params.id);

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(': fedgrid job events\nretry: 2000\n\n');

      let closed = false;
      let wake: (() => void) | undefined;
      let dirty = true;
      const off = jobs.onChange(req.params.id, () => {
        dirty = true;
        wake?.();
      });
      const finish = () => {
        closed = true;
        off();
        wake?.();
      };
      req.raw.on('close', finish);
      res.on('error', finish);

      let lastJob = '';
      try {
        while (!closed) {
          dirty = false;
          for (;;) {
            const rows = await jobs.events(req.params.id, cursor);
            for (const e of rows) res.write(sseFrame('job-event', e, Number(e.id)));
            if (rows.length) cursor = Number(rows[rows.length - 1]!.id);
            if (rows.length < 500) break;
          }
          job = await jobs.get(req.params.id);
          const text = JSON.stringify(job);
          if (text !== lastJob) {
            res.write(`event: job\ndata: ${text}\n\n`);
            lastJob = text;
          }
          if (TERMINAL.has(job.status) && !dirty) {
            res.write(sseFrame('end', { status: job.status }));
            break;
          }
          if (dirty) continue;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, fallbackMs);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
          // A keep-alive comment so that proxies and idle timers see traffic.
          if (!closed && !dirty) res.write(': ping\n\n');
        }
      } catch (err) {
        req.log.warn({ err }, 'job event stream ended by an error');
        if (!closed) res.write(sseFrame('error', { message: (err as Error).message }));
      } finally {
        off();
        if (!res.writableEnded) res.end();
      }
    },
  );
}
