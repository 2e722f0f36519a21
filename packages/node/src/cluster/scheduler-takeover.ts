/**
 * What a replica does when it becomes the scheduler's leader (issue 16 item 2), and while it
 * leads. Jobs this node initiated that the previous leader was running cannot go on: their
 * in-process programs and DAG walk died with it. They fail cleanly with SCHEDULER_FAILOVER —
 * partners told, succeeded tasks and their outputs kept, so a rerun starts after them — and
 * never run half again unannounced. Jobs left `queued` (by the previous leader, or by a
 * replica that is not leading and took a create or rerun request) are adopted: the leader
 * queues them in its scheduler, at takeover and at every poll after.
 */
import type { Logger } from 'pino';
import type { JobSpec } from '../jobs/job-spec.js';
import type { JobsRepo } from '../jobs/jobs.repo.js';
import type { JobScheduler } from '../jobs/scheduler.js';
import type { TaskRunner } from '../jobs/task-runner.js';

export interface SchedulerTakeoverDeps {
  repo: JobsRepo;
  scheduler: JobScheduler;
  runner: TaskRunner;
  selfNodeId: string;
  /** This replica's name, for the error message. */
  holder: string;
  log: Logger;
}

/**
 * Becoming leader with fencing token `term`: fails the previous leader's running jobs, adopts
 * the queued ones.
 * @returns the ids of the jobs failed.
 */
export async function takeOverScheduling(
  deps: SchedulerTakeoverDeps,
  term: number,
): Promise<string[]> {
  const failed: string[] = [];
  for (const r of await deps.repo.active()) {
    if (r.initiator_node_id !== deps.selfNodeId || r.status !== 'running') continue;
    if (deps.scheduler.holds(r.id)) continue;
    const error = {
      code: 'SCHEDULER_FAILOVER',
      message: `the replica leading this node's scheduler ended while the job was running; replica ${deps.holder} took over (term ${term}); rerun the job: its succeeded tasks are kept`,
    };
    failed.push(r.id);
    // Partners are told in the background: they may be slow, and scheduling must not wait.
    void deps.scheduler
      .finish(r.spec as JobSpec, 'failed', { error })
      .catch((err: Error) =>
        deps.log.warn({ job: r.id, err: err.message }, 'could not end a job after takeover'),
      );
  }
  if (failed.length) deps.log.warn({ jobs: failed }, 'failed the previous leader’s running jobs');
  await adoptQueuedJobs(deps);
  return failed;
}

/**
 * Queues in this (leading) scheduler the jobs initiated here that wait as `queued` in the store
 * and that it does not hold yet.
 * @returns their ids.
 */
export async function adoptQueuedJobs(deps: SchedulerTakeoverDeps): Promise<string[]> {
  const adopted: string[] = [];
  for (const r of await deps.repo.active()) {
    if (r.initiator_node_id !== deps.selfNodeId || r.status !== 'queued') continue;
    if (deps.scheduler.holds(r.id)) continue;
    const spec = r.spec as JobSpec;
    await deps.runner.openSession(spec);
    await deps.scheduler.enqueue(spec);
    adopted.push(r.id);
  }
  return adopted;
}
