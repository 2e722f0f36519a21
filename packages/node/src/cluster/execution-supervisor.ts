/**
 * The leader's watch over worker processes (issue 16 item 2). Every `pollSeconds` it looks at
 * the executions recorded as running and asks PostgreSQL whether their workers still hold their
 * liveness locks (worker-liveness.ts). A run whose worker is gone is recorded as abandoned — in
 * the execution's history and as a job event, so a task never runs twice without saying so —
 * and queued again for another worker, up to `maxRuns` runs; after that the party fails with
 * WORKER_LOST and the job ends as any failed task ends it. A program that exchanges messages
 * with partners is not run again alone (its partners have moved on): it fails at once.
 *
 * Bound: a worker killed mid-task is noticed within `pollSeconds` of PostgreSQL ending its
 * session (at once for a dead process on a live machine), and another worker takes the
 * execution within its queue poll interval.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { JobSpec } from '../jobs/job-spec.js';
import { TERMINAL, type JobsRepo, type PartyState } from '../jobs/jobs.repo.js';
import type { Database } from '../storage/schema.js';
import type { ExecutionRef, TaskExecutionRow } from './task-executions.repo.js';
import type { TaskQueue } from './task-queue.js';
import { exchangesMessages } from './task-dispatch.js';
import { workerAlive } from './worker-liveness.js';

export interface ExecutionSupervisorDeps {
  db: Kysely<Database>;
  queue: TaskQueue;
  repo: JobsRepo;
  log: Logger;
  /** Reports a party's final state as the runner would (JobsService.onLocalPartyDone). */
  onPartyDone(spec: JobSpec, task: string, party: string, state: PartyState): Promise<void>;
  /** Runs of one execution before it fails with WORKER_LOST. @default 2 */
  maxRuns?: number;
}

const refOf = (r: TaskExecutionRow): ExecutionRef => ({
  jobId: r.job_id,
  task: r.task_name,
  party: r.party,
  attempt: r.attempt,
});

export class ExecutionSupervisor {
  constructor(private readonly deps: ExecutionSupervisorDeps) {}

  /**
   * One look: abandons and requeues (or fails) the runs of dead workers.
   * @returns the executions found abandoned.
   */
  async sweep(): Promise<ExecutionRef[]> {
    const { queue, repo, log } = this.deps;
    const found: ExecutionRef[] = [];
    const running = await queue.executions.running();
    const alive = new Map<string, boolean>();
    for (const row of running) {
      const worker = row.worker ?? '';
      if (!alive.has(worker)) alive.set(worker, await workerAlive(this.deps.db, worker));
      if (alive.get(worker)) continue;
      const ref = refOf(row);
      const lost = {
        code: 'WORKER_LOST',
        message: `worker ${worker} ended during run ${row.runs} of ${ref.party}'s ${ref.task} (attempt ${ref.attempt + 1}): its PostgreSQL session is gone`,
      };
      // Conditional: nothing happens if the worker ended the run meanwhile.
      if (!(await queue.executions.end(ref, worker, 'abandoned', lost))) continue;
      found.push(ref);
      log.warn({ ...ref, worker, run: row.runs }, 'worker lost during a task execution');
      const job = await repo.getJob(ref.jobId);
      const task = await repo.getTask(ref.jobId, ref.task);
      const maxRuns = this.deps.maxRuns ?? 2;
      const current = !!job && !TERMINAL.has(job.status) && task?.attempt === ref.attempt;
      // A program that exchanges messages cannot be repeated alone: the partners have moved on,
      // and the messages the lost run took are gone. It fails (the job can be rerun).
      const talks = !!job && exchangesMessages(job.spec as JobSpec, ref.task);
      const again = current && !talks && row.runs < maxRuns;
      await repo.addEvent({
        jobId: ref.jobId,
        task: ref.task,
        party: ref.party,
        level: 'warn',
        kind: 'task',
        message: `${lost.message}; ${again ? `queued again for another worker (run ${row.runs + 1} of at most ${maxRuns})` : current && talks ? 'it exchanges messages with partners, so it is not run again alone: the party fails' : current ? `no more runs (at most ${maxRuns}): the party fails` : 'the job or task ended meanwhile: not run again'}`,
        data: { worker, run: row.runs, ...ref },
      });
      if (again) {
        await queue.requeue(ref);
        continue;
      }
      if (!current) {
        await queue.executions.dropQueued(ref, lost);
        continue;
      }
      await queue.executions.giveUp(ref, lost);
      const spec = job.spec as JobSpec;
      const prev = ((task.parties ?? {}) as Record<string, PartyState>)[ref.party];
      const state: PartyState = {
        status: 'failed',
        node: prev?.node ?? '',
        attempt: ref.attempt,
        ...(prev?.startedAt ? { startedAt: prev.startedAt } : {}),
        finishedAt: new Date().toISOString(),
        error: {
          code: 'WORKER_LOST',
          message: `${lost.message}, ${row.runs} time(s)${talks ? ' (a task that exchanges messages with partners is not run again alone)' : ''}; rerun the job (succeeded tasks are kept) or look at why the workers die (memory limits)`,
        },
      };
      await repo.setParty(ref.jobId, ref.task, ref.party, state);
      await this.deps.onPartyDone(spec, ref.task, ref.party, state);
    }
    return found;
  }
}
