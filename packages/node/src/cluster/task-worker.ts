/**
 * A worker process of a node run as several processes (issue 16 item 1): takes task executions
 * from the queue one at a time, claims each with a conditional UPDATE (so that one execution runs
 * in one worker only), runs the party's program with the node's own task runner — inputs,
 * checkpoints, outputs and the outcome go to the shared store as in a single process — and
 * records how the run ended. While it runs, the worker watches the job in the store and aborts
 * the program when the job ends or the task is run again (a stop or rerun taken by an API
 * replica).
 */
import type { Logger } from 'pino';
import type { JobSpec } from '../jobs/job-spec.js';
import { TERMINAL, type JobsRepo } from '../jobs/jobs.repo.js';
import type { TaskRunner } from '../jobs/task-runner.js';
import type { ExecutionRef } from './task-executions.repo.js';
import type { TaskQueue } from './task-queue.js';
import { holdWorkerLock } from './worker-liveness.js';

export interface TaskWorkerDeps {
  databaseUrl: string;
  queue: TaskQueue;
  runner: TaskRunner;
  repo: JobsRepo;
  /** This worker's name (unique among the node's processes), e.g. host:pid:tag. */
  name: string;
  log: Logger;
  /** Seconds between checks whether the job of a running program ended. @default 1 */
  watchSeconds?: number;
  /** The worker lost its liveness lock: it must stop (the leader will run its work again). */
  onLost(reason: string): void;
  /** Counts executions run and how they ended (the worker's `/metrics`). */
  observer?: {
    started(): void;
    ended(outcome: 'succeeded' | 'failed' | 'stopped'): void;
    superseded(): void;
  };
}

export class TaskWorker {
  private lock?: { release(): Promise<void> };

  constructor(private readonly deps: TaskWorkerDeps) {}

  /** Takes the liveness lock, then starts taking executions from the queue. */
  async start(): Promise<void> {
    this.lock = await holdWorkerLock(this.deps.databaseUrl, this.deps.name, this.deps.onLost);
    await this.deps.queue.work((ref) => this.handle(ref));
  }

  async stop(): Promise<void> {
    await this.deps.queue.stop();
    await this.lock?.release();
  }

  private async handle(ref: ExecutionRef): Promise<void> {
    const { queue, repo, log, name } = this.deps;
    const executions = queue.executions;
    const run = await executions.claim(ref, name);
    if (run === undefined) {
      log.debug({ ...ref }, 'execution already taken or ended');
      return;
    }
    const at = { jobId: ref.jobId, task: ref.task, party: ref.party };
    const job = await repo.getJob(ref.jobId);
    const task = await repo.getTask(ref.jobId, ref.task);
    if (!job || TERMINAL.has(job.status) || !task || task.attempt !== ref.attempt) {
      const error = {
        code: 'EXECUTION_SUPERSEDED',
        message: `not run: ${!job || TERMINAL.has(job.status) ? 'the job ended' : 'the task was run again'} before a worker took it`,
      };
      await executions.end(ref, name, 'stopped', error);
      this.deps.observer?.superseded();
      return;
    }
    const spec = job.spec as JobSpec;
    if (run > 1)
      await repo.addEvent({
        ...at,
        level: 'warn',
        kind: 'task',
        message: `${ref.party} runs ${ref.task} again (attempt ${ref.attempt + 1}, run ${run}) on worker ${name}: the worker of the previous run died; it starts from the task's last checkpoint and its inputs, and outputs are written only when it succeeds`,
        data: { worker: name, run },
      });
    log.info({ ...ref, run }, 'running a task execution');
    const watch = setInterval(
      () =>
        void (async () => {
          const j = await repo.getJob(ref.jobId);
          const t = await repo.getTask(ref.jobId, ref.task);
          if (!j || TERMINAL.has(j.status)) this.deps.runner.stopJob(ref.jobId, `job ${j?.status}`);
          else if (!t || t.attempt !== ref.attempt)
            this.deps.runner.stopTask(ref.jobId, ref.task, 'the task was run again');
        })().catch(() => {}),
      (this.deps.watchSeconds ?? 1) * 1000,
    );
    this.deps.observer?.started();
    let outcome: 'succeeded' | 'failed' | 'stopped' = 'failed';
    try {
      const state = await this.deps.runner.execute(spec, ref.task, ref.party, ref.attempt);
      const status = state?.status === 'running' || !state ? 'failed' : state.status;
      outcome = status === 'waiting' ? 'failed' : status;
      await executions.end(
        ref,
        name,
        outcome,
        state?.error ? { code: state.error.code, message: state.error.message } : undefined,
      );
    } finally {
      clearInterval(watch);
      this.deps.observer?.ended(outcome);
    }
  }
}
