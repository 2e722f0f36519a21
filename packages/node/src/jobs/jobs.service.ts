/**
 * Jobs across nodes (standard 001 §8 job and task protocols). The initiator (the guest's node)
 * validates a flow, has every partner accept it (contracts and grants are checked there) and
 * queues it; the {@link JobScheduler} runs it. Partners start their parties when told, report
 * outcomes back, and end their copy when the initiator says so — or on their own when their part
 * fails and the initiator is gone.
 *
 *   job:  pending → queued → running → succeeded | failed | stopped   (rerun: → queued again)
 *   task: waiting → running → succeeded | failed | stopped           (per party and overall)
 */
import { randomBytes } from 'node:crypto';
import { componentByCode } from '@fedgrid/components';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ContractService } from '../contracts/contracts.service.js';
import type { DatasetService } from '../datasets/datasets.service.js';
import { errors, FedGridError } from '../errors/errors.js';
import type { GrantService } from '../grants/grants.service.js';
import type { PeerClient } from '../peers/peer-client.js';
import {
  downstreamOf,
  jobRequestSchema,
  partyNodes,
  taskDependencies,
  taskParties,
  validateJob,
  type JobSpec,
} from './job-spec.js';
import {
  TERMINAL,
  type JobRow,
  type JobsRepo,
  type JobStatus,
  type PartyState,
  type TaskRow,
  type TaskStatus,
} from './jobs.repo.js';
import { graphOf, type JobAuthority, type JobAuthorizer } from './job-authority.js';
import { JobScheduler } from './scheduler.js';
import { errorRecord, type TaskRunner } from './task-runner.js';

export interface JobsServiceDeps {
  selfNodeId: string;
  repo: JobsRepo;
  runner: TaskRunner;
  contracts: ContractService;
  peers: PeerClient;
  datasets: DatasetService;
  grants: GrantService;
  log: Logger;
  /** Jobs run at once as initiator. @default 2 */
  maxConcurrentJobs?: number;
  /** Seconds between status polls of remote parties while a task runs. @default 3 */
  pollSeconds?: number;
  /** Failed polls after which a partner counts as gone. @default 5 */
  pollFailures?: number;
  /** Before every task start: throws when the node's store is not usable (see JobScheduler). */
  storageCheck?: () => Promise<void>;
  /**
   * Checks the stored models (`model:…` inputs) this node's parties of a job will read:
   * published, and trained by the job's parties (models/model-inputs.ts). Absent: such jobs fail
   * when the task starts.
   */
  models?: { check(spec: JobSpec, parties: readonly string[]): Promise<void> };
  /** Unfinished jobs one partner may have accepted here at once. @default 8 */
  maxPartnerJobs?: number;
  /** Longest this node keeps its copy of a partner's job, in seconds. @default 604800 (7 days) */
  maxPartnerJobSeconds?: number;
  /** Seconds between this node's checks that the initiators of its running partner jobs live. @default 10 */
  initiatorProbeSeconds?: number;
  /** Failed checks in a row after which an initiator counts as dead and the copy fails. @default 3 */
  initiatorProbeFailures?: number;
}

export interface TaskView {
  name: string;
  component: string;
  version: string;
  status: string;
  attempt: number;
  parties: Record<string, PartyState>;
  /**
   * Where each input comes from, as the job wrote it: `job.dataset` or `<task>.<output>` (e.g.
   * `split.test`), so that a reader can tell which rows a prediction or evaluation ran on.
   */
  inputs: Record<string, string>;
  error: unknown;
  result: unknown;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface JobView {
  id: string;
  name: string;
  initiator: string;
  status: string;
  priority: number;
  projectId: string | null;
  flowId: string | null;
  error: unknown;
  results: unknown;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  parties: Record<string, string>;
  tasks: TaskView[];
}

/** Parameter overrides per task name, for reruns. */
export type ParamOverrides = Record<string, Record<string, unknown>>;

/** Partner → initiator: a party's outcome (its state; summaries are not accepted). */
const reportSchema = z.object({
  party: z.string().min(1).max(64),
  state: z.object({
    status: z.enum(['running', 'succeeded', 'failed', 'stopped']),
    attempt: z.number().int().min(0).optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
  }),
});

/** Initiator → partner: which tasks of the accepted job run again, with which parameter changes. */
const rerunMessageSchema = z.object({
  tasks: z.array(z.string().min(1).max(64)).min(1).max(100),
  params: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
});

/** Log lines of a task: at most 1 MB of JSON per page (standard 001 §8 task log query). */
export const MAX_LOG_BYTES = 2 ** 20;

function newJobId(): string {
  const d = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `job-${d}-${randomBytes(4).toString('hex')}`;
}

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

function taskView(t: TaskRow, spec: JobSpec): TaskView {
  return {
    name: t.name,
    component: t.component,
    version: t.version,
    status: t.status,
    attempt: t.attempt,
    parties: t.parties as Record<string, PartyState>,
    inputs: { ...spec.tasks.find((s) => s.name === t.name)?.inputs },
    error: t.error,
    result: t.result,
    startedAt: iso(t.started_at),
    finishedAt: iso(t.finished_at),
  };
}

export class JobsService {
  readonly scheduler: JobScheduler;
  private authorizer?: JobAuthorizer;
  private watchdog?: NodeJS.Timeout;
  private lastProbe = 0;
  /** Failed initiator checks in a row, per job. */
  private readonly probeFailures = new Map<string, number>();

  constructor(private readonly deps: JobsServiceDeps) {
    this.scheduler = new JobScheduler(deps);
  }

  /**
   * Sets who decides whether a partner's job may run here (flow approvals and job permissions
   * live above the job runtime; see server/services.ts). Without one, partner jobs are refused.
   */
  useAuthorizer(authorizer: JobAuthorizer): void {
    this.authorizer = authorizer;
  }

  private get auth(): JobAuthorizer {
    if (!this.authorizer)
      throw new FedGridError('INTERNAL', 'no job authorizer: partner jobs cannot be accepted');
    return this.authorizer;
  }

  private spec(row: JobRow): JobSpec {
    return row.spec as JobSpec;
  }

  async get(id: string): Promise<JobView> {
    const row = await this.deps.repo.getJob(id);
    if (!row) throw errors.notFound('job', id);
    const spec = this.spec(row);
    const tasks = await this.deps.repo.listTasks(id);
    const order = new Map(spec.tasks.map((t, i) => [t.name, i]));
    tasks.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
    return {
      id,
      name: spec.name,
      initiator: row.initiator_node_id,
      status: row.status,
      priority: row.priority,
      projectId: row.project_id,
      flowId: row.flow_id,
      error: row.error,
      results: row.results,
      createdAt: new Date(row.created_at).toISOString(),
      startedAt: iso(row.started_at),
      finishedAt: iso(row.finished_at),
      parties: Object.fromEntries(partyNodes(spec)),
      tasks: tasks.map((t) => taskView(t, spec)),
    };
  }

  /** Jobs, newest first, optionally of one flow, project or status. */
  async list(
    filter: { flowId?: string; projectId?: string; status?: string } = {},
    page = 1,
    pageSize = 100,
  ) {
    const rows = await this.deps.repo.listBy(filter, pageSize, (page - 1) * pageSize);
    return {
      items: await Promise.all(rows.map((r) => this.get(r.id))),
      total: await this.deps.repo.countBy(filter),
      page,
      pageSize,
    };
  }

  events(id: string, after: number) {
    return this.deps.repo.events(id, after);
  }

  /**
   * Calls `listener` whenever this process writes an event or a state of job `id`.
   * @returns a function that removes the listener.
   */
  onChange(id: string, listener: () => void): () => void {
    const f = (jobId: string) => {
      if (jobId === id) listener();
    };
    this.deps.repo.changes.on('change', f);
    return () => this.deps.repo.changes.off('change', f);
  }

  async tasks(jobId: string): Promise<TaskView[]> {
    return (await this.get(jobId)).tasks;
  }

  async task(jobId: string, name: string): Promise<TaskView> {
    const row = await this.deps.repo.getJob(jobId);
    const t = row && (await this.deps.repo.getTask(jobId, name));
    if (!row || !t) throw errors.notFound('task', `${jobId}/${name}`);
    return taskView(t, this.spec(row));
  }

  /**
   * A task's log, time-ordered: lines after event id `after`, at least `minLevel`, at most
   * {@link MAX_LOG_BYTES} of JSON per page (`next` continues).
   */
  async logs(
    jobId: string,
    name: string,
    opts: { after: number; minLevel?: 'debug' | 'info' | 'warn' | 'error'; pageSize: number },
  ) {
    await this.task(jobId, name);
    const order = ['debug', 'info', 'warn', 'error'];
    const levels = opts.minLevel ? order.slice(order.indexOf(opts.minLevel)) : undefined;
    const rows = await this.deps.repo.logs(jobId, name, {
      after: opts.after,
      ...(levels ? { levels } : {}),
      limit: opts.pageSize,
    });
    const items: {
      id: number;
      at: string;
      level: string;
      party: string | null;
      message: string;
      data: unknown;
    }[] = [];
    let bytes = 2;
    let truncated = false;
    for (const r of rows) {
      const line = {
        id: Number(r.id),
        at: new Date(r.at).toISOString(),
        level: r.level,
        party: r.party,
        message: r.message,
        data: r.data,
      };
      const size = Buffer.byteLength(JSON.stringify(line)) + 1;
      if (bytes + size > MAX_LOG_BYTES) {
        truncated = true;
        break;
      }
      bytes += size;
      items.push(line);
    }
    const last = items[items.length - 1];
    return {
      items,
      truncated: truncated || rows.length === opts.pageSize,
      next: last ? last.id : opts.after,
    };
  }

  private taskRows(spec: JobSpec) {
    const nodes = partyNodes(spec);
    return spec.tasks.map((t) => {
      const c = componentByCode(t.component);
      return {
        name: t.name,
        component: t.component,
        version: c.version,
        parties: Object.fromEntries(
          taskParties(spec, c).map((p) => [
            p,
            { status: 'waiting', node: nodes.get(p) as string } as PartyState,
          ]),
        ),
      };
    });
  }

  /**
   * Initiator: validates and registers a job, has partners accept it, and queues it. A job of a
   * project runs one of its approved flows: only the flows service (`fromFlow`) may create one.
   */
  async create(body: unknown, opts: { fromFlow?: boolean } = {}): Promise<JobView> {
    const req = jobRequestSchema.parse(body);
    if (!opts.fromFlow && (req.flowId || req.projectId)) {
      throw errors.validation(
        'a job of a project runs an approved flow: use POST /v1/flows/:id/run (fedgrid flow run), not projectId/flowId in a job request',
        { field: req.flowId ? 'flowId' : 'projectId' },
      );
    }
    validateJob(req);
    const self = this.deps.selfNodeId;
    if (req.parties.guest.node !== self) {
      throw errors.validation(
        `jobs are created on the guest's node: this node is '${self}', the guest is '${req.parties.guest.node}'`,
      );
    }
    const spec: JobSpec = {
      ...req,
      id: newJobId(),
      initiator: self,
      createdAt: new Date().toISOString(),
    };
    const nodes = partyNodes(spec);
    const partners = [...new Set(nodes.values())].filter((n) => n !== self);
    for (const n of partners) await this.deps.contracts.activeWith(n);
    const ownDatasets: string[] = [];
    for (const p of this.deps.runner.localParties(spec)) {
      // A disabled dataset takes no new job (DATASET_DISABLED).
      if (spec.datasets[p])
        ownDatasets.push((await this.deps.datasets.assertEnabled(spec.datasets[p] as string)).id);
    }
    await this.deps.models?.check(spec, this.deps.runner.localParties(spec));
    await this.deps.repo.insertJob(spec, this.taskRows(spec));
    // The versions this job reads, whatever refreshes come later.
    await this.deps.datasets.pinVersions(spec.id, ownDatasets);
    await this.deps.runner.openSession(spec);
    await this.deps.repo.addEvent({
      jobId: spec.id,
      level: 'info',
      kind: 'job',
      message: `job created by ${self}`,
    });
    const accepted: string[] = [];
    try {
      for (const n of partners) {
        await this.scheduler.callPartner(n, 'POST', '/v1/interconn/jobs', spec);
        accepted.push(n);
      }
    } catch (err) {
      await this.scheduler.finish(
        spec,
        'failed',
        { error: { ...errorRecord(err), stage: 'accept' } },
        accepted,
      );
      throw err;
    }
    await this.scheduler.enqueue(spec);
    return this.get(spec.id);
  }

  /** Partner: accepts a job from its initiator (contracts, datasets and grants are checked here). */
  async accept(body: unknown, fromNode: string): Promise<{ accepted: true }> {
    const raw = (body ?? {}) as Partial<JobSpec>;
    const req = jobRequestSchema.parse(body);
    validateJob(req);
    if (
      typeof raw.id !== 'string' ||
      !/^job-[0-9a-z-]{1,100}$/.test(raw.id) ||
      raw.initiator !== fromNode
    ) {
      throw errors.validation(
        `job must carry an id and be initiated by the calling node '${fromNode}'`,
      );
    }
    // What is stored and run is the validated request (defaults filled in), never the raw body.
    const spec: JobSpec = {
      ...req,
      id: raw.id,
      initiator: fromNode,
      createdAt:
        typeof raw.createdAt === 'string' && !Number.isNaN(Date.parse(raw.createdAt))
          ? raw.createdAt
          : new Date().toISOString(),
    };
    const existing = await this.deps.repo.getJob(spec.id);
    if (existing) {
      // A retried request is fine; another job under a known id is not.
      if (existing.initiator_node_id === fromNode && graphOf(this.spec(existing)) === graphOf(spec))
        return { accepted: true };
      throw errors.conflict(`job ${spec.id} already exists here with other content`, {
        job: spec.id,
      });
    }
    const nodes = partyNodes(spec);
    const mine = this.deps.runner.localParties(spec);
    if (mine.length === 0)
      throw errors.validation(`node '${this.deps.selfNodeId}' is not a party of job ${spec.id}`);
    for (const n of new Set(nodes.values()))
      if (n !== this.deps.selfNodeId) await this.deps.contracts.activeWith(n);
    const cap = this.deps.maxPartnerJobs ?? 8;
    const open = await this.deps.repo.countActiveFrom(fromNode);
    if (open >= cap) {
      throw new FedGridError(
        'LIMIT_EXCEEDED',
        `node '${this.deps.selfNodeId}' already runs ${open} unfinished jobs of '${fromNode}' (limit ${cap}, runtime.maxPartnerJobs); wait for one to end`,
        { partner: fromNode, limit: cap },
      );
    }
    const authority = await this.auth.authorize(spec, fromNode, mine);
    // The owner decides on its own models too: published, and only for the parties that trained them.
    await this.deps.models?.check(spec, mine);
    const ownDatasets: string[] = [];
    for (const p of mine) {
      const ref = spec.datasets[p];
      if (!ref) continue;
      // Checked before the grant is charged: a refused job uses nothing up.
      const ds = await this.deps.datasets.assertEnabled(ref);
      ownDatasets.push(ds.id);
    }
    for (const id of ownDatasets)
      await this.deps.grants.consume(id, fromNode, spec.id, { projectId: spec.projectId });
    await this.deps.repo.insertJob(spec, this.taskRows(spec));
    await this.deps.datasets.pinVersions(spec.id, ownDatasets);
    await this.deps.repo.setAcceptance(spec.id, authority, this.deadlineOf(spec));
    await this.deps.repo.setJob(spec.id, 'running');
    await this.deps.runner.openSession(spec);
    await this.deps.repo.addEvent({
      jobId: spec.id,
      level: 'info',
      kind: 'job',
      message: `accepted job from ${fromNode} (${authority.kind === 'flow' ? `approved flow ${authority.flowId}, approval ${authority.approvalId}` : authority.kind === 'permission' ? `job permission ${authority.permissionId}` : 'own'})`,
    });
    return { accepted: true };
  }

  /** When this node ends its copy of a partner job: its timeout, capped by the node. */
  private deadlineOf(spec: JobSpec): Date {
    const cap = this.deps.maxPartnerJobSeconds ?? 7 * 24 * 3600;
    return new Date(Date.now() + Math.min(spec.timeoutSeconds, cap) * 1000);
  }

  /** The authority a partner job was accepted under (own jobs: 'own'). */
  private authorityOf(row: JobRow): JobAuthority {
    if (row.initiator_node_id === this.deps.selfNodeId) return { kind: 'own' };
    // Jobs accepted before authorities were recorded fall under nothing: refuse to go on.
    return (row.authority as JobAuthority | null) ?? { kind: 'permission', permissionId: '(none)' };
  }

  /**
   * The stored job. With `caller` (a partner route): a node that takes no part in the job gets
   * the same NOT_FOUND as for an unknown id — its existence is not confirmed.
   */
  private async requireJob(id: string, caller?: string): Promise<JobSpec> {
    const row = await this.deps.repo.getJob(id);
    if (!row) throw errors.notFound('job', id);
    const spec = this.spec(row);
    if (caller !== undefined && ![...partyNodes(spec).values()].includes(caller))
      throw errors.notFound('job', id);
    return spec;
  }

  /** Partner: starts this node's parties of a task (attempt `attempt`). */
  async startTask(
    jobId: string,
    taskName: string,
    fromNode: string,
    attempt = 0,
  ): Promise<{ started: string[] }> {
    const spec = await this.requireJob(jobId, fromNode);
    if (spec.initiator !== fromNode)
      throw new FedGridError('FORBIDDEN', `only the initiator may start tasks of ${jobId}`);
    const row = (await this.deps.repo.getJob(jobId)) as JobRow;
    if (TERMINAL.has(row.status))
      throw new FedGridError('JOB_STATE', `job ${jobId} is ${row.status}`);
    const task = spec.tasks.find((t) => t.name === taskName);
    if (!task) throw errors.notFound('task', `${jobId}/${taskName}`);
    const local = (await this.deps.repo.getTask(jobId, taskName)) as TaskRow;
    // A task runs once per accepted attempt: only a rerun (which the owner checks and counts)
    // makes a finished task startable again.
    if (!(
      local.status === 'waiting' ||
      (local.status === 'running' && local.attempt === attempt)
    )) {
      throw new FedGridError(
        'JOB_STATE',
        `task ${taskName} of ${jobId} is ${local.status} here (attempt ${local.attempt}); only a rerun starts it again`,
        { job: jobId, task: taskName, status: local.status },
      );
    }
    await this.auth.recheck(this.authorityOf(row), spec, this.deps.runner.localParties(spec));
    const parties = taskParties(spec, componentByCode(task.component)).filter((p) =>
      this.deps.runner.localParties(spec).includes(p),
    );
    await this.deps.repo.setAttempt(jobId, taskName, attempt);
    await this.deps.repo.setTask(jobId, taskName, 'running');
    for (const p of parties) this.deps.runner.start(spec, taskName, p, attempt);
    return { started: parties };
  }

  /**
   * This node's parties' states of a task, for the initiator's polling — and for nobody else:
   * another node (a host of the job, or a node not in it) learns nothing, not even that the job
   * exists. States only (status, attempt, times, error code): a party's summary (metrics,
   * losses, curves) stays on its node; the initiator gets what the party reports itself.
   */
  async taskStatus(
    jobId: string,
    taskName: string,
    caller: string,
  ): Promise<{ parties: Record<string, PartyState> }> {
    const row = await this.deps.repo.getJob(jobId);
    if (!row || row.initiator_node_id !== caller || caller === this.deps.selfNodeId)
      throw errors.notFound('job', jobId);
    const t = await this.deps.repo.getTask(jobId, taskName);
    if (!t) throw errors.notFound('task', `${jobId}/${taskName}`);
    const mine = new Set(this.deps.runner.localParties(this.spec(row)));
    const all = t.parties as Record<string, PartyState>;
    return {
      parties: Object.fromEntries(
        Object.entries(all)
          .filter(([p]) => mine.has(p))
          .map(([p, s]) => {
            const { summary: _summary, ...state } = s;
            return [p, state];
          }),
      ),
    };
  }

  /** Initiator: a partner reports a party's outcome. Reports of an older attempt are ignored. */
  async report(jobId: string, taskName: string, raw: unknown, fromNode: string): Promise<void> {
    const body = reportSchema.parse(raw);
    const spec = await this.requireJob(jobId, fromNode);
    if (partyNodes(spec).get(body.party) !== fromNode) {
      throw new FedGridError(
        'FORBIDDEN',
        `node '${fromNode}' does not host ${body.party} in ${jobId}`,
      );
    }
    const row = await this.deps.repo.getTask(jobId, taskName);
    if (!row) throw errors.notFound('task', `${jobId}/${taskName}`);
    if ((body.state.attempt ?? 0) !== row.attempt) return;
    // Only what a partner's outcome may carry is stored: its state, never a summary or extra fields.
    const s = body.state;
    await this.deps.repo.setParty(spec.id, taskName, body.party, {
      status: s.status,
      node: fromNode,
      attempt: row.attempt,
      ...(s.error
        ? {
            error: {
              code: String(s.error.code).slice(0, 100),
              message: String(s.error.message).slice(0, 4000),
            },
          }
        : {}),
      ...(typeof s.startedAt === 'string' ? { startedAt: s.startedAt.slice(0, 40) } : {}),
      ...(typeof s.finishedAt === 'string' ? { finishedAt: s.finishedAt.slice(0, 40) } : {}),
    });
    this.scheduler.wake(jobId);
  }

  /** Called by the runner when a local party finished: wake the scheduler, or report to the initiator. */
  async onLocalPartyDone(
    spec: JobSpec,
    taskName: string,
    party: string,
    state: PartyState,
  ): Promise<void> {
    if (spec.initiator === this.deps.selfNodeId) {
      this.scheduler.wake(spec.id);
      return;
    }
    if (state.status === 'succeeded') {
      // The task is done here once every local party of it succeeded.
      const row = await this.deps.repo.getTask(spec.id, taskName);
      const mine = new Set(this.deps.runner.localParties(spec));
      const local = Object.entries((row?.parties ?? {}) as Record<string, PartyState>).filter(
        ([p]) => mine.has(p),
      );
      if (
        row &&
        local.every(([, s]) => s.status === 'succeeded' && (s.attempt ?? 0) === row.attempt)
      ) {
        await this.deps.repo.setTask(spec.id, taskName, 'succeeded', {
          result: Object.fromEntries(local.map(([p, s]) => [p, s.summary ?? {}])),
        });
      }
    } else if (
      (state.attempt ?? 0) === ((await this.deps.repo.getTask(spec.id, taskName))?.attempt ?? 0) &&
      // Not when this node already ended its copy (its owner stopped it, a grant was revoked, it
      // timed out): that ending and its reason stand.
      !TERMINAL.has((await this.deps.repo.getJob(spec.id))?.status ?? '')
    ) {
      // Our part failed (and it is the current attempt, not one a rerun superseded): end our
      // copy now. If the initiator is gone it can no longer tell us,
      // and the job must not stay "running" here.
      await this.deps.repo.setTask(spec.id, taskName, state.status, {
        error: { party, ...state.error },
      });
      await this.deps.repo.setJob(spec.id, 'failed', {
        error: { task: taskName, party, ...state.error },
      });
      this.deps.runner.stopJob(spec.id, `${party} ${state.status}`);
      await this.deps.runner.closeSession(spec.id, `${party} ${state.status}`);
    }
    // The initiator learns the outcome, not the party's summary (metrics, losses, row counts):
    // that stays on this node, in its own view of the job.
    const { summary: _summary, ...outcome } = state;
    await this.scheduler.callPartner(
      spec.initiator,
      'POST',
      `/v1/interconn/jobs/${spec.id}/tasks/${taskName}/report`,
      { party, state: outcome },
      5,
    );
  }

  /**
   * Partner: the initiator ended the job (with every task's final status and attempt). A message
   * about an older attempt than this node already runs — a retried `finish` overtaken by a
   * rerun — is ignored.
   */
  async onFinished(
    jobId: string,
    body: {
      status: JobStatus;
      error?: unknown;
      tasks?: Record<string, { status: string; attempt: number }>;
    },
    fromNode: string,
  ): Promise<void> {
    const spec = await this.requireJob(jobId, fromNode);
    if (spec.initiator !== fromNode)
      throw new FedGridError('FORBIDDEN', `only the initiator may end ${jobId}`);
    // This node's copy ended already (it succeeded, its part failed, its owner stopped it, it
    // timed out, or it lost the initiator): an ending is final until a rerun, whatever a later
    // message says. Only the tasks this node never ran (still `waiting` here, same attempt) take
    // the initiator's final status, so that every node ends with the same view of them.
    const row = (await this.deps.repo.getJob(jobId)) as JobRow;
    const rows = await this.deps.repo.listTasks(jobId);
    if (TERMINAL.has(row.status)) {
      for (const t of rows) {
        const final = body.tasks?.[t.name];
        if (
          t.status === 'waiting' &&
          final &&
          final.attempt === t.attempt &&
          TERMINAL.has(final.status)
        )
          await this.deps.repo.setTask(jobId, t.name, final.status as TaskStatus);
      }
      return;
    }
    if (body.tasks && rows.some((t) => t.attempt > (body.tasks?.[t.name]?.attempt ?? 0))) return;
    const status = TERMINAL.has(body.status) ? body.status : 'failed';
    if (status !== 'succeeded') this.deps.runner.stopJob(jobId, `job ${status} at the initiator`);
    await this.deps.repo.setJob(
      jobId,
      status,
      body.error !== undefined ? { error: body.error } : {},
    );
    for (const t of rows) {
      const final = body.tasks?.[t.name]?.status;
      if (final && final !== t.status && (TERMINAL.has(final) || final === 'waiting')) {
        await this.deps.repo.setTask(jobId, t.name, final as TaskStatus);
      } else if (!final && !TERMINAL.has(t.status) && t.status !== 'waiting') {
        await this.deps.repo.setTask(jobId, t.name, status === 'stopped' ? 'stopped' : 'failed');
      }
    }
    await this.deps.runner.closeSession(jobId, `job ${status}`);
  }

  /** Stops a job: at the initiator for everyone; a partner asks the initiator. */
  async stop(jobId: string, reason = 'stopped by the user'): Promise<JobView> {
    const spec = await this.requireJob(jobId);
    const row = (await this.deps.repo.getJob(jobId)) as JobRow;
    if (TERMINAL.has(row.status))
      throw new FedGridError('JOB_STATE', `job ${jobId} is already ${row.status}`);
    if (spec.initiator === this.deps.selfNodeId) {
      this.scheduler.dequeue(jobId);
      await this.scheduler.finish(spec, 'stopped', { error: { code: 'STOPPED', message: reason } });
    } else {
      // The owner of a partner copy ends it here at once; the initiator is told, best effort.
      await this.endLocalCopy(jobId, 'stopped', {
        code: 'STOPPED',
        message: `stopped by node '${this.deps.selfNodeId}': ${reason}`,
      });
    }
    return this.get(jobId);
  }

  /**
   * Partner: ends this node's copy of a job now — programs aborted, unfinished tasks and the job
   * marked `status`, the data-plane session closed — then asks the initiator to stop the job
   * everywhere (best effort: an unreachable or hostile initiator cannot keep the copy alive).
   */
  async endLocalCopy(
    jobId: string,
    status: 'stopped' | 'failed',
    error: { code: string; message: string },
  ): Promise<void> {
    const spec = await this.requireJob(jobId);
    const row = (await this.deps.repo.getJob(jobId)) as JobRow;
    if (TERMINAL.has(row.status)) return;
    this.deps.runner.stopJob(jobId, error.message);
    for (const t of await this.deps.repo.listTasks(jobId)) {
      if (!TERMINAL.has(t.status) && t.status !== 'waiting')
        await this.deps.repo.setTask(jobId, t.name, status, { error });
    }
    await this.deps.repo.setJob(jobId, status, { error });
    await this.deps.runner.closeSession(jobId, error.message);
    await this.deps.repo.addEvent({
      jobId,
      level: 'warn',
      kind: 'job',
      message: `this node ended its copy: ${error.message}`,
    });
    if (spec.initiator !== this.deps.selfNodeId) {
      await this.scheduler
        .callPartner(
          spec.initiator,
          'POST',
          `/v1/interconn/jobs/${jobId}/stop`,
          { reason: error.message },
          2,
        )
        .catch((err: Error) =>
          this.deps.log.warn(
            { job: jobId, err: err.message },
            'could not tell the initiator that this node ended its copy',
          ),
        );
    }
  }

  /** Partner: ends the copies of jobs whose deadline passed (their timeout, capped by the node). */
  async endOverdue(now = new Date()): Promise<string[]> {
    const rows = await this.deps.repo.overdue(now);
    for (const r of rows) {
      await this.endLocalCopy(r.id, 'failed', {
        code: 'TIMEOUT',
        message: `job exceeded its timeout on node '${this.deps.selfNodeId}' (${this.spec(r).timeoutSeconds} s, capped at ${this.deps.maxPartnerJobSeconds ?? 7 * 24 * 3600} s)`,
      });
    }
    return rows.map((r) => r.id);
  }

  /**
   * Partner: asks the initiator of every running partner copy how its job stands (a heartbeat
   * the partner drives). An initiator that ended the job (a lost `finish`) ends the copy the same
   * way; one that no longer knows the job, or that does not answer `initiatorProbeFailures`
   * times in a row, counts as dead: the copy fails (INITIATOR_LOST / INITIATOR_UNREACHABLE) —
   * within about failures × probe interval (+ the call timeout), not the channel's receive
   * timeout. A copy is first checked one probe interval after this node accepted it, so a
   * just-accepted copy is never judged before its own deadline could be (the watchdog ends
   * overdue copies first: a short `timeoutSeconds` ends as TIMEOUT, not by a probe race).
   * @returns the jobs whose copy ended.
   */
  async probeInitiators(now = Date.now()): Promise<string[]> {
    const ended: string[] = [];
    const maxFailures = this.deps.initiatorProbeFailures ?? 3;
    const graceMs = (this.deps.initiatorProbeSeconds ?? 10) * 1000;
    const rows = (await this.deps.repo.active()).filter(
      (r) =>
        r.initiator_node_id !== this.deps.selfNodeId &&
        r.status === 'running' &&
        now - new Date(r.created_at).getTime() >= graceMs,
    );
    for (const id of this.probeFailures.keys())
      if (!rows.some((r) => r.id === id)) this.probeFailures.delete(id);
    for (const r of rows) {
      try {
        const st = await this.deps.peers.call<{
          status: JobStatus;
          tasks: Record<string, { status: string; attempt: number }>;
        }>(
          await this.deps.contracts.peerApi(r.initiator_node_id),
          'GET',
          `/v1/interconn/jobs/${r.id}`,
        );
        this.probeFailures.delete(r.id);
        if (TERMINAL.has(st.status)) {
          await this.onFinished(r.id, { status: st.status, tasks: st.tasks }, r.initiator_node_id);
          if (TERMINAL.has((await this.deps.repo.getJob(r.id))?.status ?? '')) ended.push(r.id);
        }
      } catch (err) {
        const peerCode = (err as FedGridError).details?.['peerCode'];
        if (err instanceof FedGridError && peerCode === 'NOT_FOUND') {
          await this.endLocalCopy(r.id, 'failed', {
            code: 'INITIATOR_LOST',
            message: `the initiator '${r.initiator_node_id}' no longer knows job ${r.id}`,
          });
          ended.push(r.id);
          continue;
        }
        const n = (this.probeFailures.get(r.id) ?? 0) + 1;
        this.probeFailures.set(r.id, n);
        if (n >= maxFailures) {
          this.probeFailures.delete(r.id);
          await this.endLocalCopy(r.id, 'failed', {
            code: 'INITIATOR_UNREACHABLE',
            message: `the initiator '${r.initiator_node_id}' did not answer ${n} checks in a row (${(err as Error).message}); this node ended its copy of job ${r.id}`,
          });
          ended.push(r.id);
        }
      }
    }
    return ended;
  }

  /**
   * Initiator → parties: how a job stands here (status and each task's status and attempt; no
   * results). For the parties of the job only (others: 404, as for an unknown job).
   */
  async statusFor(
    jobId: string,
    caller: string,
  ): Promise<{ status: string; tasks: Record<string, { status: string; attempt: number }> }> {
    await this.requireJob(jobId, caller);
    const row = (await this.deps.repo.getJob(jobId)) as JobRow;
    const tasks = await this.deps.repo.listTasks(jobId);
    return {
      status: row.status,
      tasks: Object.fromEntries(
        tasks.map((t) => [t.name, { status: t.status, attempt: t.attempt }]),
      ),
    };
  }

  /**
   * Every `seconds`: ends overdue partner copies; every `initiatorProbeSeconds`: checks their
   * initiators ({@link probeInitiators}). Until {@link stopWatchdog}.
   */
  startWatchdog(seconds = 5): void {
    this.stopWatchdog();
    // The first check of initiators comes one probe interval after start.
    this.lastProbe = Date.now();
    let busy = false;
    this.watchdog = setInterval(() => {
      if (busy) return;
      busy = true;
      const probe = Date.now() - this.lastProbe >= (this.deps.initiatorProbeSeconds ?? 10) * 1000;
      void (async () => {
        await this.endOverdue();
        if (probe) {
          this.lastProbe = Date.now();
          await this.probeInitiators();
        }
      })()
        .catch((err: Error) => this.deps.log.warn({ err: err.message }, 'job watchdog failed'))
        .finally(() => (busy = false));
    }, seconds * 1000);
    this.watchdog.unref();
  }

  stopWatchdog(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  /**
   * Revocation takes effect during a task: every unfinished job that consumed `grantId` ends
   * here (programs aborted at their next channel operation), failed with GRANT_REVOKED; nothing
   * more of it starts.
   */
  async endJobsUsingGrant(grantId: string, reason: string): Promise<string[]> {
    const ended: string[] = [];
    for (const jobId of await this.deps.grants.jobsOf(grantId)) {
      const row = await this.deps.repo.getJob(jobId);
      if (!row || TERMINAL.has(row.status)) continue;
      await this.endLocalCopy(jobId, 'failed', {
        code: 'GRANT_REVOKED',
        message: `grant ${grantId} was revoked by its owner (${reason}); job ${jobId} cannot go on using the dataset`,
      });
      ended.push(jobId);
    }
    return ended;
  }

  /** Like {@link endJobsUsingGrant}, for the jobs accepted under a revoked job permission. */
  async endJobsUnderPermission(permissionId: string): Promise<string[]> {
    const ended: string[] = [];
    for (const row of await this.deps.repo.active()) {
      const a = row.authority as JobAuthority | null;
      if (a?.kind !== 'permission' || a.permissionId !== permissionId) continue;
      await this.endLocalCopy(row.id, 'failed', {
        code: 'FORBIDDEN',
        message: `job permission ${permissionId} was revoked; job ${row.id} cannot go on here`,
      });
      ended.push(row.id);
    }
    return ended;
  }

  /** Stops one task — which stops its job: downstream tasks cannot run without it. */
  async stopTask(jobId: string, name: string): Promise<JobView> {
    const t = await this.task(jobId, name);
    if (t.status !== 'running')
      throw new FedGridError('JOB_STATE', `task ${name} of ${jobId} is ${t.status}, not running`);
    return this.stop(jobId, `task ${name} stopped by the user`);
  }

  /** Initiator: a partner asks to stop the job. */
  async stopFromPartner(jobId: string, reason: string, fromNode: string): Promise<void> {
    const spec = await this.requireJob(jobId, fromNode);
    if (![...partyNodes(spec).values()].includes(fromNode))
      throw new FedGridError('FORBIDDEN', `node '${fromNode}' is not in job ${jobId}`);
    // A job that ended keeps its outcome: a late stop cannot rewrite a success.
    const row = (await this.deps.repo.getJob(jobId)) as JobRow;
    if (TERMINAL.has(row.status)) return;
    this.scheduler.dequeue(jobId);
    await this.scheduler.finish(spec, 'stopped', {
      error: { code: 'STOPPED', message: `stopped by ${fromNode}: ${reason}` },
    });
  }

  /**
   * Reruns a finished job (standard 001 §8 作业重跑): with new parameters for some tasks. By default
   * the tasks that did not succeed, plus those whose parameters change, plus everything downstream
   * of them, run again; succeeded tasks keep their outputs. `from` reruns one task and its
   * downstream; `only` reruns exactly one task without starting downstream tasks (任务重跑).
   */
  async rerun(
    jobId: string,
    opts: { params?: ParamOverrides; from?: string; only?: string } = {},
  ): Promise<JobView> {
    const spec = await this.requireJob(jobId);
    if (spec.initiator !== this.deps.selfNodeId)
      throw new FedGridError(
        'FORBIDDEN',
        `only the initiator ('${spec.initiator}') reruns ${jobId}`,
      );
    await this.scheduler.settled(jobId);
    const row = (await this.deps.repo.getJob(jobId)) as JobRow;
    if (!TERMINAL.has(row.status))
      throw new FedGridError(
        'JOB_STATE',
        `job ${jobId} is ${row.status}; stop it or let it finish before a rerun`,
      );
    const names = new Set(spec.tasks.map((t) => t.name));
    for (const n of [
      ...Object.keys(opts.params ?? {}),
      ...(opts.from ? [opts.from] : []),
      ...(opts.only ? [opts.only] : []),
    ]) {
      if (!names.has(n)) throw errors.notFound('task', `${jobId}/${n}`);
    }
    const next: JobSpec = {
      ...spec,
      tasks: spec.tasks.map((t) =>
        opts.params?.[t.name] ? { ...t, params: { ...t.params, ...opts.params[t.name] } } : t,
      ),
    };
    validateJob(next);
    const rows = new Map((await this.deps.repo.listTasks(jobId)).map((t) => [t.name, t]));
    let tasks: Set<string>;
    if (opts.only) {
      tasks = new Set([opts.only]);
      const blocked = [...(taskDependencies(next).get(opts.only) ?? [])].filter(
        (u) => rows.get(u)?.status !== 'succeeded',
      );
      if (blocked.length)
        throw new FedGridError(
          'JOB_STATE',
          `task ${opts.only} needs ${blocked.join(', ')} to have succeeded first; rerun from there`,
        );
    } else {
      const seeds = opts.from
        ? [opts.from]
        : [...names].filter((n) => rows.get(n)?.status !== 'succeeded' || opts.params?.[n]);
      tasks = new Set(seeds);
      for (const s of seeds) for (const d of downstreamOf(next, s)) tasks.add(d);
    }
    if (tasks.size === 0)
      throw new FedGridError(
        'JOB_STATE',
        `nothing to rerun: every task of ${jobId} succeeded (name tasks with params, from or only)`,
      );
    await this.resetTasks(next, tasks);
    const partners = [...new Set(partyNodes(next).values())].filter(
      (n) => n !== this.deps.selfNodeId,
    );
    try {
      for (const n of partners) {
        // Only the task names and parameter changes travel: each partner reruns the job it
        // accepted, under the authority it accepted it with.
        await this.scheduler.callPartner(n, 'POST', `/v1/interconn/jobs/${jobId}/rerun`, {
          tasks: [...tasks],
          ...(opts.params ? { params: opts.params } : {}),
        });
      }
    } catch (err) {
      // A partner refused (or is gone): end the rerun everywhere, so that no partner that
      // already reset its copy waits for tasks that will never start.
      await this.scheduler.finish(next, 'failed', {
        error: { ...errorRecord(err), stage: 'rerun' },
      });
      throw err;
    }
    await this.deps.repo.addEvent({
      jobId,
      level: 'info',
      kind: 'job',
      message: `rerun of ${[...tasks].join(', ')}`,
    });
    await this.scheduler.enqueue(next, tasks);
    return this.get(jobId);
  }

  private async resetTasks(spec: JobSpec, tasks: Set<string>): Promise<void> {
    const rows = this.taskRows(spec).filter((t) => tasks.has(t.name));
    await this.deps.repo.setSpec(spec.id, spec);
    await this.deps.repo.resetTasks(spec.id, rows);
    await this.deps.repo.setJob(spec.id, 'queued');
    await this.deps.runner.openSession(spec);
  }

  /**
   * Partner: the initiator reruns tasks of the job this node accepted — by name, with parameter
   * changes at most. The tasks, components and wiring are this node's stored copy's, never the
   * caller's; the new parameters must still fall under the authority the job was accepted with
   * (within the approved flow's tunable ranges, or a still-active job permission); recomputing a
   * task that already succeeded on this node's data counts one more use of each grant involved.
   * @throws FedGridError FORBIDDEN, NOT_FOUND (task), GRANT_USED_UP / GRANT_REVOKED /
   *   GRANT_EXPIRED, VALIDATION_FAILED.
   */
  async onRerun(jobId: string, body: unknown, fromNode: string): Promise<void> {
    const spec = await this.requireJob(jobId, fromNode);
    if (spec.initiator !== fromNode)
      throw new FedGridError('FORBIDDEN', `only the initiator may rerun ${jobId}`);
    const req = rerunMessageSchema.parse(body);
    const names = new Set(spec.tasks.map((t) => t.name));
    for (const n of [...req.tasks, ...Object.keys(req.params ?? {})]) {
      if (!names.has(n)) throw errors.notFound('task', `${jobId}/${n}`);
    }
    const next: JobSpec = {
      ...spec,
      tasks: spec.tasks.map((t) =>
        req.params?.[t.name] ? { ...t, params: { ...t.params, ...req.params[t.name] } } : t,
      ),
    };
    validateJob(jobRequestSchema.parse(next));
    const row = (await this.deps.repo.getJob(jobId)) as JobRow;
    const mine = this.deps.runner.localParties(spec);
    await this.auth.recheck(this.authorityOf(row), next, mine);
    // Programs of the previous run still going here (a lost `finish`) end first.
    if (!TERMINAL.has(row.status)) this.deps.runner.stopJob(jobId, 'rerun');
    const rows = new Map((await this.deps.repo.listTasks(jobId)).map((t) => [t.name, t]));
    const rerun = new Set(req.tasks);
    const charged = new Set<string>();
    for (const p of mine) {
      const ref = spec.datasets[p];
      if (!ref) continue;
      const recomputes = spec.tasks.some(
        (t) =>
          rerun.has(t.name) &&
          rows.get(t.name)?.status === 'succeeded' &&
          taskParties(spec, componentByCode(t.component)).includes(p),
      );
      if (!recomputes) continue;
      const ds = await this.deps.datasets.get(ref);
      if (charged.has(ds.id)) continue;
      await this.deps.grants.consumeRerun(jobId, ds.id, fromNode);
      charged.add(ds.id);
    }
    await this.resetTasks(next, rerun);
    await this.deps.repo.setAcceptance(jobId, row.authority, this.deadlineOf(next));
    await this.deps.repo.setJob(jobId, 'running');
  }

  /**
   * At start-up. A job this node initiated that was still queued is queued again; one that was
   * running cannot continue (its programs' state is gone): it is marked failed — rerunnable, with
   * the outputs of succeeded tasks kept — and its partners are told. A partner's copy of a running
   * job is marked failed likewise; the initiator learns it from its next status poll.
   */
  async recoverAfterRestart(): Promise<number> {
    const rows = await this.deps.repo.unfinished();
    for (const r of rows) {
      const spec = this.spec(r);
      if (r.status === 'queued' && spec.initiator === this.deps.selfNodeId) {
        await this.deps.runner.openSession(spec);
        await this.scheduler.enqueue(spec);
        continue;
      }
      const error = {
        code: 'NODE_RESTARTED',
        message: `node '${this.deps.selfNodeId}' restarted while the job was ${r.status}; rerun the job`,
      };
      for (const t of await this.deps.repo.listTasks(r.id)) {
        if (TERMINAL.has(t.status) || t.status === 'waiting') continue;
        for (const [p, s] of Object.entries(t.parties as Record<string, PartyState>)) {
          if (!TERMINAL.has(s.status))
            await this.deps.repo.setParty(r.id, t.name, p, { ...s, status: 'failed', error });
        }
        await this.deps.repo.setTask(r.id, t.name, 'failed', { error });
      }
      await this.deps.repo.setJob(r.id, 'failed', { error });
      if (spec.initiator === this.deps.selfNodeId) {
        // Tell the partners in the background: they may be down, and start-up must not wait.
        void this.scheduler.finish(spec, 'failed', { error }).catch(() => {});
      }
    }
    return rows.length;
  }
}
