/** Persistence of jobs, tasks (with per-party states) and job events. */
import { EventEmitter } from 'node:events';
import { sql, type Kysely, type Selectable } from 'kysely';
import { json, type Database, type JobsTable, type TasksTable } from '../storage/schema.js';
import type { JobSpec } from './job-spec.js';

export type JobRow = Selectable<JobsTable>;
export type TaskRow = Selectable<TasksTable>;

export type JobStatus = 'pending' | 'queued' | 'running' | 'succeeded' | 'failed' | 'stopped';
export type TaskStatus = 'waiting' | 'running' | 'succeeded' | 'failed' | 'stopped';

export interface PartyState {
  status: TaskStatus;
  node: string;
  /** Which run of the task this state belongs to (0, then 1, 2, … after reruns). */
  attempt?: number;
  summary?: Record<string, unknown>;
  error?: { code: string; message: string; details?: unknown };
  startedAt?: string;
  finishedAt?: string;
}

export const TERMINAL = new Set<string>(['succeeded', 'failed', 'stopped']);

export class JobsRepo {
  /**
   * Emits `change` with a job id after an event, a job, task or party state of that job was
   * written by this process (what wakes the live event stream, jobs/job-events-stream.ts).
   */
  readonly changes = new EventEmitter().setMaxListeners(0);

  constructor(private readonly db: Kysely<Database>) {}

  async insertJob(
    spec: JobSpec,
    tasks: {
      name: string;
      component: string;
      version: string;
      parties: Record<string, PartyState>;
    }[],
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('jobs')
        .values({
          id: spec.id,
          initiator_node_id: spec.initiator,
          spec: json(spec),
          status: 'pending',
          priority: spec.priority ?? 0,
          flow_id: spec.flowId ?? null,
          project_id: spec.projectId ?? null,
        })
        .execute();
      for (const t of tasks) {
        await trx
          .insertInto('tasks')
          .values({
            job_id: spec.id,
            name: t.name,
            component: t.component,
            version: t.version,
            status: 'waiting',
            parties: json(t.parties),
          })
          .execute();
      }
    });
  }

  getJob(id: string): Promise<JobRow | undefined> {
    return this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listJobs(limit = 100): Promise<JobRow[]> {
    return this.db
      .selectFrom('jobs')
      .selectAll()
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
  }

  async setJob(
    id: string,
    status: JobStatus,
    extra: { error?: unknown; results?: unknown } = {},
  ): Promise<void> {
    const now = new Date();
    await this.db
      .updateTable('jobs')
      .set({
        status,
        ...(extra.error !== undefined ? { error: json(extra.error) } : {}),
        ...(extra.results !== undefined ? { results: json(extra.results) } : {}),
        ...(status === 'running' ? { started_at: now } : {}),
        ...(TERMINAL.has(status) ? { finished_at: now } : {}),
      })
      .where('id', '=', id)
      .execute();
    this.changes.emit('change', id);
  }

  listTasks(jobId: string): Promise<TaskRow[]> {
    return this.db.selectFrom('tasks').selectAll().where('job_id', '=', jobId).execute();
  }

  getTask(jobId: string, name: string): Promise<TaskRow | undefined> {
    return this.db
      .selectFrom('tasks')
      .selectAll()
      .where('job_id', '=', jobId)
      .where('name', '=', name)
      .executeTakeFirst();
  }

  async setTask(
    jobId: string,
    name: string,
    status: TaskStatus,
    extra: { error?: unknown; result?: unknown } = {},
  ): Promise<void> {
    const now = new Date();
    await this.db
      .updateTable('tasks')
      .set({
        status,
        ...(extra.error !== undefined ? { error: json(extra.error) } : {}),
        ...(extra.result !== undefined ? { result: json(extra.result) } : {}),
        ...(status === 'running' ? { started_at: now } : {}),
        ...(TERMINAL.has(status) ? { finished_at: now } : {}),
      })
      .where('job_id', '=', jobId)
      .where('name', '=', name)
      .execute();
    this.changes.emit('change', jobId);
  }

  /** Sets one party's state atomically (concurrent reports do not overwrite each other). */
  async setParty(jobId: string, name: string, party: string, state: PartyState): Promise<void> {
    await this.db
      .updateTable('tasks')
      .set({
        parties: sql`jsonb_set(parties, ${sql.lit(`{${party}}`)}, ${json(state)}::jsonb)` as never,
      })
      .where('job_id', '=', jobId)
      .where('name', '=', name)
      .execute();
    this.changes.emit('change', jobId);
  }

  async addEvent(e: {
    jobId: string;
    task?: string;
    party?: string;
    level: string;
    kind: string;
    message: string;
    data?: unknown;
  }): Promise<void> {
    await this.db
      .insertInto('job_events')
      .values({
        job_id: e.jobId,
        task_name: e.task ?? null,
        party: e.party ?? null,
        level: e.level,
        kind: e.kind,
        message: e.message,
        data: e.data === undefined ? null : json(e.data),
      })
      .execute();
    this.changes.emit('change', e.jobId);
  }

  events(jobId: string, after = 0, limit = 500) {
    return this.db
      .selectFrom('job_events')
      .selectAll()
      .where('job_id', '=', jobId)
      .where('id', '>', after)
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  /** Jobs left unfinished by a previous run of this node. */
  unfinished(): Promise<JobRow[]> {
    return this.db
      .selectFrom('jobs')
      .selectAll()
      .where('status', 'in', ['pending', 'running'])
      .execute();
  }

  /** Partner jobs of `initiator` that are not finished here (the per-partner job cap). */
  async countActiveFrom(initiator: string): Promise<number> {
    const r = await this.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('initiator_node_id', '=', initiator)
      .where('status', 'not in', [...TERMINAL])
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** Unfinished jobs whose deadline (partner copies) passed before `now`. */
  overdue(now: Date): Promise<JobRow[]> {
    return this.db
      .selectFrom('jobs')
      .selectAll()
      .where('deadline', 'is not', null)
      .where('deadline', '<', now)
      .where('status', 'not in', [...TERMINAL])
      .execute();
  }

  /** Unfinished jobs (any role). */
  active(): Promise<JobRow[]> {
    return this.db
      .selectFrom('jobs')
      .selectAll()
      .where('status', 'not in', [...TERMINAL])
      .execute();
  }

  /** Records what a partner job was accepted under and when this node ends its copy. */
  async setAcceptance(id: string, authority: unknown, deadline: Date | null): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ authority: json(authority), deadline })
      .where('id', '=', id)
      .execute();
  }

  /** Replaces a job's spec (rerun with new parameters). */
  async setSpec(id: string, spec: JobSpec): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ spec: json(spec) })
      .where('id', '=', id)
      .execute();
  }

  /** Resets tasks for another attempt: status waiting, parties waiting, attempt + 1. */
  async resetTasks(
    jobId: string,
    tasks: { name: string; parties: Record<string, PartyState> }[],
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const t of tasks) {
        await trx
          .updateTable('tasks')
          .set({
            status: 'waiting',
            parties: json(t.parties),
            error: null,
            result: null,
            started_at: null,
            finished_at: null,
            attempt: sql`attempt + 1` as never,
          })
          .where('job_id', '=', jobId)
          .where('name', '=', t.name)
          .execute();
      }
      await trx
        .updateTable('jobs')
        .set({ error: null, finished_at: null })
        .where('id', '=', jobId)
        .execute();
    });
  }

  /** Sets a task's attempt number (a partner follows the initiator's count). */
  async setAttempt(jobId: string, name: string, attempt: number): Promise<void> {
    await this.db
      .updateTable('tasks')
      .set({ attempt })
      .where('job_id', '=', jobId)
      .where('name', '=', name)
      .execute();
  }

  /** Jobs, newest first, optionally of one flow or project. */
  listBy(
    filter: { flowId?: string; projectId?: string; status?: string },
    limit: number,
    offset: number,
  ) {
    let q = this.db.selectFrom('jobs').selectAll();
    if (filter.flowId) q = q.where('flow_id', '=', filter.flowId);
    if (filter.projectId) q = q.where('project_id', '=', filter.projectId);
    if (filter.status) q = q.where('status', '=', filter.status);
    return q.orderBy('created_at', 'desc').limit(limit).offset(offset).execute();
  }

  async countBy(filter: { flowId?: string; projectId?: string; status?: string }): Promise<number> {
    let q = this.db.selectFrom('jobs');
    if (filter.flowId) q = q.where('flow_id', '=', filter.flowId);
    if (filter.projectId) q = q.where('project_id', '=', filter.projectId);
    if (filter.status) q = q.where('status', '=', filter.status);
    const r = await q.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** Jobs and tasks per status (for /metrics): one aggregate query each. */
  async countByStatus(): Promise<{ jobs: Map<string, number>; tasks: Map<string, number> }> {
    const [jobs, tasks] = await Promise.all([
      this.db
        .selectFrom('jobs')
        .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
        .groupBy('status')
        .execute(),
      this.db
        .selectFrom('tasks')
        .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
        .groupBy('status')
        .execute(),
    ]);
    return {
      jobs: new Map(jobs.map((r) => [r.status, Number(r.n)])),
      tasks: new Map(tasks.map((r) => [r.status, Number(r.n)])),
    };
  }

  /** A task's log lines (kind 'log' and 'task' events), time-ordered, optionally from one level up. */
  logs(jobId: string, task: string, opts: { after: number; levels?: string[]; limit: number }) {
    let q = this.db
      .selectFrom('job_events')
      .selectAll()
      .where('job_id', '=', jobId)
      .where('task_name', '=', task)
      .where('id', '>', opts.after);
    if (opts.levels) q = q.where('level', 'in', opts.levels);
    return q.orderBy('id').limit(opts.limit).execute();
  }

  /** A party's checkpoint of a task (kept across attempts), or undefined. */
  async loadCheckpoint(jobId: string, task: string, party: string): Promise<unknown> {
    const row = await this.db
      .selectFrom('task_checkpoints')
      .select('value')
      .where('job_id', '=', jobId)
      .where('task_name', '=', task)
      .where('party', '=', party)
      .executeTakeFirst();
    return row?.value;
  }

  /** Replaces a party's checkpoint of a task (one upsert: a crash keeps the old or the new). */
  async saveCheckpoint(jobId: string, task: string, party: string, value: unknown): Promise<void> {
    await this.db
      .insertInto('task_checkpoints')
      .values({ job_id: jobId, task_name: task, party, value: json(value) })
      .onConflict((oc) =>
        oc
          .columns(['job_id', 'task_name', 'party'])
          .doUpdateSet({ value: json(value), saved_at: sql`now()` as never }),
      )
      .execute();
  }
}
