/**
 * Which programs of a node run as several processes go to the worker queue (issue 16 item 1).
 * A program of a component declared `local` (it sends and receives nothing: preprocessing on a
 * party's own columns) is queued for any worker. A program that talks to other parties runs in
 * the API replica that started it, as in a single process: data-plane messages arrive at the
 * replica a partner reached, and workers receive none (docs/OPERATIONS.md says what follows).
 */
import { componentByCode } from '@fedgrid/components';
import type { Logger } from 'pino';
import type { JobSpec } from '../jobs/job-spec.js';
import type { JobsRepo, PartyState } from '../jobs/jobs.repo.js';
import type { TaskQueue } from './task-queue.js';

export interface QueueHandOffDeps {
  queue: TaskQueue;
  repo: JobsRepo;
  selfNodeId: string;
  log: Logger;
  onPartyDone(spec: JobSpec, task: string, party: string, state: PartyState): Promise<void>;
}

/** Whether the task's component exchanges no messages (any worker may run it). */
export function runsOnWorkers(spec: JobSpec, task: string): boolean {
  const t = spec.tasks.find((x) => x.name === task);
  if (!t) return false;
  try {
    return componentByCode(t.component).local === true;
  } catch {
    return false;
  }
}

/**
 * The runner's hand-off (TaskRunner.useHandOff): queues programs of local components; a failure
 * to queue fails the party with QUEUE_UNAVAILABLE (a clear error, never a task left waiting).
 */
export function queueHandOff(
  deps: QueueHandOffDeps,
): (spec: JobSpec, task: string, party: string, attempt: number) => boolean {
  return (spec, task, party, attempt) => {
    if (!runsOnWorkers(spec, task)) return false;
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
