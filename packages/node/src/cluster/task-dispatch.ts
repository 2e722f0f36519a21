/**
 * Which programs of a node run as several processes go to the worker queue (issue 16 item 1).
 * With `tasksOnWorkers: 'all'` (the default) every program is queued for any worker: a program
 * that talks to other parties receives their messages through the PostgreSQL mailbox
 * (db-mailbox.ts), whichever api replica the partner's push reached. With `'local'` only
 * programs of components declared `local` (no messages: preprocessing on a party's own columns)
 * are queued, and the others run in the api replica that started them.
 */
import { componentByCode } from '@fedgrid/components';
import type { Logger } from 'pino';
import type { JobSpec } from '../jobs/job-spec.js';
import type { JobsRepo, PartyState } from '../jobs/jobs.repo.js';
import type { TaskQueue } from './task-queue.js';

/** Which programs workers run (config `runtime.tasksOnWorkers`). */
export type TasksOnWorkers = 'all' | 'local';

export interface QueueHandOffDeps {
  queue: TaskQueue;
  repo: JobsRepo;
  selfNodeId: string;
  log: Logger;
  /** @default 'all' */
  tasksOnWorkers?: TasksOnWorkers;
  onPartyDone(spec: JobSpec, task: string, party: string, state: PartyState): Promise<void>;
}

/** Whether the task's component exchanges messages with other parties (not declared `local`). */
export function exchangesMessages(spec: JobSpec, task: string): boolean {
  const t = spec.tasks.find((x) => x.name === task);
  if (!t) return true;
  try {
    return componentByCode(t.component).local !== true;
  } catch {
    return true;
  }
}

/** Whether the task's program goes to the workers under `which`. */
export function runsOnWorkers(spec: JobSpec, task: string, which: TasksOnWorkers = 'all'): boolean {
  if (!spec.tasks.some((x) => x.name === task)) return false;
  return which === 'all' || !exchangesMessages(spec, task);
}

/**
 * The runner's hand-off (TaskRunner.useHandOff): queues the programs {@link runsOnWorkers}
 * selects; a failure
 * to queue fails the party with QUEUE_UNAVAILABLE (a clear error, never a task left waiting).
 */
export function queueHandOff(
  deps: QueueHandOffDeps,
): (spec: JobSpec, task: string, party: string, attempt: number) => boolean {
  return (spec, task, party, attempt) => {
    if (!runsOnWorkers(spec, task, deps.tasksOnWorkers)) return false;
    const ref = { jobId: spec.id, task, party, attempt };
    void (async () => {
      try {
        if (await deps.queue.enqueue(ref))
          await deps.repo.addEvent({
            jobId: spec.id,
            task,
            party,
            level: 'info',
            kind: 'task',
            message: `${party}'s ${task} (attempt ${attempt + 1}) queued for a worker`,
          });
      } catch (err) {
        deps.log.error({ ...ref, err: (err as Error).message }, 'could not queue a task');
        const state: PartyState = {
          status: 'failed',
          node: deps.selfNodeId,
          attempt,
          finishedAt: new Date().toISOString(),
          error: {
            code: 'QUEUE_UNAVAILABLE',
            message: `could not queue ${party}'s ${task} for a worker: ${(err as Error).message}; check the PostgreSQL connection of the node's replicas`,
          },
        };
        await deps.repo.setParty(spec.id, task, party, state).catch(() => {});
        await deps.onPartyDone(spec, task, party, state).catch(() => {});
      }
    })();
    return true;
  };
}
