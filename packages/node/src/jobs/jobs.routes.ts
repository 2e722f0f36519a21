import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { pageQuerySchema } from '../server/paging.js';
import { parseInput } from '../server/validate.js';
import { jobRequestSchema } from './job-spec.js';
import type { JobStatus } from './jobs.repo.js';
import type { JobsService } from './jobs.service.js';
import type { OutputStore } from './outputs.js';
import { doc } from '../server/route-doc.js';
import { jobEventStreamRoute } from './job-events-stream.js';

type JobParams = { Params: { id: string } };

const listQuery = pageQuerySchema.extend({
  flow: z.string().optional(),
  project: z.string().optional(),
  status: z.string().optional(),
});
const rerunSchema = z.object({
  /** Parameter overrides per task name. */
  params: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  /** Rerun this task and everything downstream of it. */
  from: z.string().optional(),
});
const logsQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  level: z.enum(['debug', 'info', 'warn', 'error']).optional(),
  pageSize: z.coerce.number().int().min(1).max(10_000).default(1000),
});
type TaskParams = { Params: { id: string; task: string } };

export function jobRoutes(app: FastifyInstance, jobs: JobsService, outputs: OutputStore): void {
  const read = { config: { permission: 'job:read' as const } };
  const manage = { config: { permission: 'job:manage' as const } };
  const peer = { config: { permission: 'interconn:job' as const, auditObject: 'job' } };

  app.get(
    '/v1/jobs',
    {
      ...read,
      schema: doc('List jobs, newest first (optionally of one flow, project or status)', {
        query: listQuery,
      }),
    },
    async (req) => {
      const q = parseInput(listQuery, req.query, 'query');
      return jobs.list(
        {
          ...(q.flow ? { flowId: q.flow } : {}),
          ...(q.project ? { projectId: q.project } : {}),
          ...(q.status ? { status: q.status } : {}),
        },
        q.page,
        q.pageSize,
      );
    },
  );
  app.post(
    '/v1/jobs',
    {
      ...manage,
      schema: doc(
        'Create and start a job on the guest node; partners accept it (contracts and grants are checked there)',
        { body: jobRequestSchema },
      ),
    },
    async (req, reply) => {
      const job = await jobs.create(req.body);
      reply.status(201);
      return job;
    },
  );
  app.get<JobParams>(
    '/v1/jobs/:id',
    { ...read, schema: doc('Get a job with its tasks and per-party states') },
    async (req) => jobs.get(req.params.id),
  );
  app.post<JobParams & { Body: { reason?: string } }>(
    '/v1/jobs/:id/stop',
    { ...manage, schema: doc('Stop a job on every party') },
    async (req) => jobs.stop(req.params.id, req.body?.reason),
  );
  app.get<JobParams & { Querystring: { after?: string } }>(
    '/v1/jobs/:id/events',
    { ...read, schema: doc('Events (progress, logs, state changes) after a given event id') },
    async (req) => {
      const after =
        req.query.after === undefined
          ? 0
          : parseInput(z.coerce.number().int().min(0), req.query.after, 'query parameter after');
      await jobs.get(req.params.id);
      return { items: await jobs.events(req.params.id, after) };
    },
  );
  jobEventStreamRoute(app, jobs);
  app.get<JobParams>(
    '/v1/jobs/:id/outputs',
    { ...read, schema: doc("This node's outputs of a job") },
    async (req) => ({ items: await outputs.list(req.params.id) }),
  );
  app.get<{ Params: { id: string; task: string; party: string; name: string } }>(
    '/v1/jobs/:id/outputs/:task/:party/:name',
    {
      config: { ...read.config, auditRead: true },
      schema: doc('One output of a task on a local party'),
    },
    async (req) => {
      const v = await outputs.load(
        req.params.id,
        req.params.task,
        req.params.party,
        req.params.name,
      );
      if (v.kind === 'dataset')
        return {
          kind: v.kind,
          ids: v.frame.ids,
          featureNames: v.frame.featureNames,
          rows: v.frame.x.rows,
        };
      if (v.kind === 'predictions') {
        return {
          kind: v.kind,
          ids: v.predictions.ids,
          task: v.predictions.task ?? 'binary',
          scores: Array.from(v.predictions.scores),
          labels: v.predictions.labels ? Array.from(v.predictions.labels) : undefined,
          classes: v.predictions.classes,
          probabilities: v.predictions.probabilities
            ? Array.from(v.predictions.probabilities)
            : undefined,
        };
      }
      return v;
    },
  );

  app.post<JobParams>(
    '/v1/jobs/:id/rerun',
    {
      ...manage,
      schema: doc(
        'Rerun a finished job: failed tasks, tasks with new parameters, and their downstream (or `from` a task)',
        { body: rerunSchema },
      ),
    },
    async (req) => {
      const body = parseInput(rerunSchema, req.body);
      return jobs.rerun(req.params.id, {
        ...(body.params ? { params: body.params } : {}),
        ...(body.from ? { from: body.from } : {}),
      });
    },
  );
  app.get<JobParams>(
    '/v1/jobs/:id/tasks',
    { ...read, schema: doc("A job's tasks with per-party states") },
    async (req) => {
      const items = await jobs.tasks(req.params.id);
      return { items, total: items.length, page: 1, pageSize: items.length };
    },
  );
  app.get<TaskParams>(
    '/v1/jobs/:id/tasks/:task',
    { ...read, schema: doc('One task with its per-party states, attempt and result') },
    async (req) => jobs.task(req.params.id, req.params.task),
  );
  app.post<TaskParams>(
    '/v1/jobs/:id/tasks/:task/stop',
    { ...manage, schema: doc('Stop a running task (and so its job) on every party') },
    async (req) => jobs.stopTask(req.params.id, req.params.task),
  );
  app.post<TaskParams>(
    '/v1/jobs/:id/tasks/:task/rerun',
    {
      ...manage,
      schema: doc('Rerun one task with new parameters, without starting downstream tasks', {
        body: z.object({ params: z.record(z.string(), z.unknown()).optional() }),
      }),
    },
    async (req) => {
      const body = parseInput(
        z.object({ params: z.record(z.string(), z.unknown()).optional() }),
        req.body,
      );
      return jobs.rerun(req.params.id, {
        only: req.params.task,
        ...(body.params ? { params: { [req.params.task]: body.params } } : {}),
      });
    },
  );
  app.get<TaskParams>(
    '/v1/jobs/:id/tasks/:task/logs',
    {
      config: { ...read.config, auditRead: true },
      schema: doc("A task's log, time-ordered, at most 1 MB per page", { query: logsQuery }),
    },
    async (req) => {
      const q = parseInput(logsQuery, req.query, 'query');
      return jobs.logs(req.params.id, req.params.task, {
        after: q.after,
        pageSize: q.pageSize,
        ...(q.level ? { minLevel: q.level } : {}),
      });
    },
  );

  // Interconnection: the initiator drives partners, partners report back.
  app.post(
    '/v1/interconn/jobs',
    { ...peer, schema: doc('Partner: accept a job from its initiator') },
    async (req) => jobs.accept(req.body, req.peerNodeId!),
  );
  app.get<JobParams>(
    '/v1/interconn/jobs/:id',
    {
      ...peer,
      schema: doc(
        "Party → initiator: how the job stands here (status, each task's status and attempt; no results) — partners' heartbeat",
      ),
    },
    async (req) => jobs.statusFor(req.params.id, req.peerNodeId!),
  );
  app.post<TaskParams>(
    '/v1/interconn/jobs/:id/tasks/:task/start',
    { ...peer, schema: doc("Partner: start this node's parties of a task") },
    async (req) =>
      jobs.startTask(
        req.params.id,
        req.params.task,
        req.peerNodeId!,
        Number((req.body as { attempt?: number } | null)?.attempt ?? 0),
      ),
  );
  app.get<TaskParams>(
    '/v1/interconn/jobs/:id/tasks/:task',
    {
      ...peer,
      schema: doc(
        "Initiator → partner: this node's parties' states of a task (the job's initiator only; states, no summaries)",
      ),
    },
    async (req) => jobs.taskStatus(req.params.id, req.params.task, req.peerNodeId!),
  );
  app.post<TaskParams>(
    '/v1/interconn/jobs/:id/tasks/:task/report',
    { ...peer, schema: doc("Partner → initiator: a party's outcome") },
    async (req) => {
      await jobs.report(req.params.id, req.params.task, req.body, req.peerNodeId!);
      return { ok: true };
    },
  );
  app.post<
    JobParams & {
      Body: {
        status: JobStatus;
        error?: unknown;
        tasks?: Record<string, { status: string; attempt: number }>;
      };
    }
  >(
    '/v1/interconn/jobs/:id/finish',
    { ...peer, schema: doc('Initiator → partner: the job ended') },
    async (req) => {
      await jobs.onFinished(req.params.id, req.body, req.peerNodeId!);
      return { ok: true };
    },
  );
  app.post<JobParams & { Body: { reason?: string } }>(
    '/v1/interconn/jobs/:id/stop',
    { ...peer, schema: doc('Partner → initiator: stop the job') },
    async (req) => {
      await jobs.stopFromPartner(req.params.id, req.body?.reason ?? 'stopped', req.peerNodeId!);
      return { ok: true };
    },
  );
  app.post<JobParams>(
    '/v1/interconn/jobs/:id/rerun',
    {
      ...peer,
      schema: doc(
        'Initiator → partner: rerun tasks of the accepted job by name (parameter changes within the approval)',
      ),
    },
    async (req) => {
      await jobs.onRerun(req.params.id, req.body, req.peerNodeId!);
      return { ok: true };
    },
  );
}
