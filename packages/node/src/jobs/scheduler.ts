/**
 * The initiator's scheduler. Jobs wait in a priority queue (higher priority first, then oldest)
 * for one of the node's job slots; a running job walks its DAG: every task whose upstream tasks
 * succeeded starts on all its parties at once (independent tasks run in parallel), outcomes
 * arrive by callback — with polling of partners as the fallback for lost callbacks and dead
 * nodes — and the first failure ends the job everywhere. State lives in the store, so that a
 * restarted node never leaves a job "running" (see JobsService.recoverAfterRestart).
 */
import { componentByCode } from '@fedgrid/components';
import type { Logger } from 'pino';
import type { ContractService } from '../contracts/contracts.service.js';
import { FedGridError } from '../errors/errors.js';
import type { PeerClient } from '../peers/peer-client.js';
import { partyNodes, taskDependencies, taskParties, type JobSpec } from './job-spec.js';
import {
  TERMINAL,
  type JobsRepo,
  type JobStatus,
  type PartyState,
  type TaskRow,
} from './jobs.repo.js';
import { errorRecord, type TaskRunner } from './task-runner.js';

export interface SchedulerDeps {
  selfNodeId: string;
  repo: JobsRepo;
  runner: TaskRunner;
  contracts: ContractService;
  peers: PeerClient;
  log: Logger;
  /** Jobs this node runs at once as initiator. @default 2 */
  maxConcurrentJobs?: number;
  /** Seconds between status polls of partners while tasks run. @default 3 */
  pollSeconds?: number;
  /** Failed polls after which a partner counts as gone. @default 5 */
  pollFailures?: number;
  /**
   * Throws (STORAGE_UNAVAILABLE) when the node's store is not usable — deleted, replaced, full
   * (NodeFiles.assertUsable). Checked before every task start, so a queued job or the next task
   * of a running one never starts on a broken store: the job fails with that error instead.
   */
  storageCheck?: () => Promise<void>;
}

interface Queued {
  spec: JobSpec;
  /** Tasks to run; undefined: every task not yet succeeded. */
  tasks?: Set<string>;
  seq: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class JobScheduler {
  private readonly queue: Queued[] = [];
  private readonly active = new Set<string>();
  private readonly wakers = new Map<string, () => void>();
  /** Bumped whenever a job is queued again (rerun): an older run's loop then exits. */
  private readonly generation = new Map<string, number>();
  /** Endings in progress (partners still being told), so that a rerun waits for them. */
  private readonly finishing = new Map<string, Promise<void>>();
  private seq = 0;
  /** A node run as several processes: whether this replica leads the scheduler now. */
  private leading: () => boolean = () => true;

  constructor(private readonly deps: SchedulerDeps) {}

  /**
   * A node run as several processes (cluster/scheduler-leader.ts): only the replica that leads
   * runs jobs; the others leave the jobs they are given as `queued` in the store, where the
   * leader adopts them ({@link holds}). Single process: always leading.
   */
  useLeadership(leading: () => boolean): void {
    this.leading = leading;
  }

  /** Whether this scheduler has the job queued or running. */
  holds(jobId: string): boolean {
    return this.active.has(jobId) || this.queue.some((q) => q.spec.id === jobId);
  }

  /** Jobs running now, and waiting in the queue (in order). */
  state(): { running: string[]; queued: string[] } {
    return { running: [...this.active], queued: this.ordered().map((q) => q.spec.id) };
  }

  private ordered(): Queued[] {
    return this.queue
      .slice()
      .sort((a, b) => (b.spec.priority ?? 0) - (a.spec.priority ?? 0) || a.seq - b.seq);
  }

  /** Queues a job (or a rerun of some of its tasks) for a slot. */
  async enqueue(spec: JobSpec, tasks?: Set<string>): Promise<void> {
    this.generation.set(spec.id, (this.generation.get(spec.id) ?? 0) + 1);
    this.wake(spec.id);
    await this.deps.repo.setJob(spec.id, 'queued');
    // Another replica leads: the job waits in the store for the leader to adopt it.
    if (!this.leading()) return;
    this.queue.push({ spec, ...(tasks ? { tasks } : {}), seq: this.seq++ });
    this.dispatch();
  }

  /** Removes a queued job (stopped before it started). */
  dequeue(jobId: string): boolean {
    const i = this.queue.findIndex((q) => q.spec.id === jobId);
    if (i >= 0) this.queue.splice(i, 1);
    return i >= 0;
  }

  isActive(jobId: string): boolean {
    return this.active.has(jobId);
  }

  private dispatch(): void {
    const max = this.deps.maxConcurrentJobs ?? 2;
    if (!this.leading()) return;
    while (this.active.size < max) {
      // A rerun waits until the previous run of the same job has wound down.
      const next = this.ordered().find((q) => !this.active.has(q.spec.id));
      if (!next) return;
      this.queue.splice(this.queue.indexOf(next), 1);
      this.active.add(next.spec.id);
      void this.run(next.spec, next.tasks, this.generation.get(next.spec.id) ?? 0).finally(() => {
        this.active.delete(next.spec.id);
        this.dispatch();
      });
    }
  }

  /** Wakes the job's loop (a party reported, or the job was stopped). */
  wake(jobId: string): void {
    this.wakers.get(jobId)?.();
  }

  /** Calls a partner, retrying unreachability with exponential backoff (all such calls are idempotent). */
  async callPartner<T>(
    node: string,
    method: string,
    path: string,
    body?: unknown,
    attempts = 4,
  ): Promise<T> {
    for (let i = 1; ; i++) {
      try {
        return await this.deps.peers.call<T>(
          await this.deps.contracts.peerApi(node),
          method,
          path,
          body,
        );
      } catch (err) {
        if (!(err instanceof FedGridError && err.code === 'PEER_UNREACHABLE') || i >= attempts)
          throw err;
        await sleep(250 * 2 ** i);
      }
    }
  }

  private async run(spec: JobSpec, only: Set<string> | undefined, gen: number): Promise<void> {
    const { repo } = this.deps;
    const deadline = Date.now() + spec.timeoutSeconds * 1000;
    const deps = taskDependencies(spec);
    const nodes = partyNodes(spec);
    const started = new Set<string>();
    const failures = new Map<string, number>();
    try {
      // Ended while it waited (a stop taken by another replica of a node run as several processes).
      const before = await repo.getJob(spec.id);
      if (!before || TERMINAL.has(before.status)) return;
      await repo.setJob(spec.id, 'running');
      for (;;) {
        const job = await repo.getJob(spec.id);
        // Stopped meanwhile, or queued again for a rerun (a newer run takes over).
        if (!job || TERMINAL.has(job.status) || this.generation.get(spec.id) !== gen) return;
        const rows = new Map((await repo.listTasks(spec.id)).map((t) => [t.name, t]));
        const pending = spec.tasks.filter(
          (t) => (only ? only.has(t.name) : true) && rows.get(t.name)?.status !== 'succeeded',
        );
        // Settle tasks whose parties are all done.
        for (const name of [...started]) {
          const row = rows.get(name) as TaskRow;
          const states = this.currentStates(row);
          const parties = Object.keys(states);
          if (!parties.every((p) => TERMINAL.has(states[p]?.status ?? 'waiting'))) continue;
          started.delete(name);
          // Name the party that failed, not those stopped because of it.
          const failed =
            Object.entries(states).find(([, s]) => s.status === 'failed') ??
            Object.entries(states).find(([, s]) => s.status !== 'succeeded');
          if (failed) {
            const [party, s] = failed;
            await repo.setTask(spec.id, name, 'failed', { error: { party, ...s.error } });
            const error = {
              task: name,
              party,
              code: s.error?.code ?? 'FAILED',
              message: `${name} failed on ${party}: ${s.error?.message ?? s.status}`,
            };
            return await this.finish(spec, 'failed', { error });
          }
          await repo.setTask(spec.id, name, 'succeeded', {
            result: Object.fromEntries(
              Object.entries(states).map(([p, st]) => [p, st.summary ?? {}]),
            ),
          });
        }
        // One party failed: stop the rest of its task now rather than wait for them to notice.
        for (const name of started) {
          const states = this.currentStates(rows.get(name) as TaskRow);
          if (Object.values(states).some((s) => s.status === 'failed' || s.status === 'stopped')) {
            this.deps.runner.stopTask(spec.id, name, 'another party failed');
            for (const [p, s] of Object.entries(states)) {
              if (!TERMINAL.has(s.status) && nodes.get(p) !== this.deps.selfNodeId) {
                await repo.setParty(spec.id, name, p, {
                  ...s,
                  status: 'stopped',
                  error: { code: 'STOPPED', message: 'stopped after another party failed' },
                });
              }
            }
          }
        }
        const fresh = new Map((await repo.listTasks(spec.id)).map((t) => [t.name, t]));
        const remaining = pending.filter((t) => fresh.get(t.name)?.status !== 'succeeded');
        if (remaining.length === 0 && started.size === 0) {
          const results = Object.fromEntries(
            spec.tasks.map((t) => [
              t.name,
              (fresh.get(t.name)?.result ?? {}) as Record<string, unknown>,
            ]),
          );
          return await this.finish(spec, 'succeeded', { results });
        }
        // Start every task whose upstream tasks succeeded.
        for (const t of remaining) {
          if (started.has(t.name)) continue;
          const upstream = [...(deps.get(t.name) ?? [])];
          if (!upstream.every((u) => fresh.get(u)?.status === 'succeeded')) continue;
          started.add(t.name);
          await this.startTask(spec, t.name, (fresh.get(t.name) as TaskRow).attempt);
        }
        if (started.size === 0) {
          // Nothing runs and nothing can start: an upstream task this rerun does not include failed.
          const blocked = remaining.map((t) => t.name).join(', ');
          return await this.finish(spec, 'failed', {
            error: {
              code: 'BLOCKED',
              message: `tasks ${blocked} cannot run: an upstream task has not succeeded; rerun it too`,
            },
          });
        }
        if (Date.now() > deadline) {
          return await this.finish(spec, 'failed', {
            error: {
              code: 'TIMEOUT',
              message: `job exceeded its timeout of ${spec.timeoutSeconds} s`,
            },
          });
        }
        await this.waitForUpdate(spec.id);
        await this.pollPartners(spec, [...started], failures);
      }
    } catch (err) {
      await this.finish(spec, 'failed', { error: errorRecord(err) }).catch(() => {});
    }
  }

  /** The party states of the task's current attempt (stale reports of older attempts ignored). */
  private currentStates(row: TaskRow): Record<string, PartyState> {
    const all = (row.parties ?? {}) as Record<string, PartyState>;
    return Object.fromEntries(
      Object.entries(all).map(([p, s]) => [
        p,
        (s.attempt ?? 0) === row.attempt
          ? s
          : { status: 'waiting', node: s.node, attempt: row.attempt },
      ]),
    ) as Record<string, PartyState>;
  }

  private async startTask(spec: JobSpec, name: string, attempt: number): Promise<void> {
    await this.deps.storageCheck?.();
    const t = spec.tasks.find((x) => x.name === name)!;
    const parties = taskParties(spec, componentByCode(t.component));
    const nodes = partyNodes(spec);
    await this.deps.repo.setTask(spec.id, name, 'running');
    await this.deps.repo.addEvent({
      jobId: spec.id,
      task: name,
      level: 'info',
      kind: 'task',
      message: `starting ${name}${attempt ? ` (attempt ${attempt + 1})` : ''} on ${parties.join(', ')}`,
    });
    for (const p of parties)
      if (nodes.get(p) === this.deps.selfNodeId) this.deps.runner.start(spec, name, p, attempt);
    const remote = [...new Set(parties.map((p) => nodes.get(p) as string))].filter(
      (n) => n !== this.deps.selfNodeId,
    );
    await Promise.all(
      remote.map((n) =>
        this.callPartner(n, 'POST', `/v1/interconn/jobs/${spec.id}/tasks/${name}/start`, {
          attempt,
        }),
      ),
    );
  }

  private waitForUpdate(jobId: string): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, (this.deps.pollSeconds ?? 3) * 1000);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakers.set(jobId, () => {
        this.wakers.delete(jobId);
        done();
      });
    });
  }

  /** Fallback: ask partners for their parties' states (lost callbacks, dead nodes). */
  private async pollPartners(
    spec: JobSpec,
    tasks: string[],
    failures: Map<string, number>,
  ): Promise<void> {
    const nodes = partyNodes(spec);
    const maxFailures = this.deps.pollFailures ?? 5;
    for (const name of tasks) {
      const row = (await this.deps.repo.getTask(spec.id, name)) as TaskRow;
      const states = this.currentStates(row);
      const waiting = Object.entries(states).filter(
        ([p, s]) => !TERMINAL.has(s.status) && nodes.get(p) !== this.deps.selfNodeId,
      );
      for (const n of new Set(waiting.map(([p]) => nodes.get(p) as string))) {
        try {
          const st = await this.deps.peers.call<{ parties: Record<string, PartyState> }>(
            await this.deps.contracts.peerApi(n),
            'GET',
            `/v1/interconn/jobs/${spec.id}/tasks/${name}`,
          );
          failures.set(n, 0);
          for (const [p, s] of Object.entries(st.parties)) {
            // Only parties that node hosts, and only their state (no summary).
            if (nodes.get(p) !== n) continue;
            if (TERMINAL.has(s.status) && (s.attempt ?? 0) === row.attempt) {
              const { summary: _summary, ...state } = s;
              await this.deps.repo.setParty(spec.id, name, p, { ...state, node: n });
            }
          }
        } catch (err) {
          const f = (failures.get(n) ?? 0) + 1;
          failures.set(n, f);
          if (f >= maxFailures) {
            const message = `node '${n}' stopped answering during ${name}: ${(err as Error).message}`;
            for (const [p] of waiting.filter(([q]) => nodes.get(q) === n)) {
              await this.deps.repo.setParty(spec.id, name, p, {
                status: 'failed',
                node: n,
                attempt: row.attempt,
                error: { code: 'PEER_UNREACHABLE', message },
              });
            }
          }
        }
      }
    }
  }

  /**
   * Ends a job here and on every partner (only `partners`, when given: those that accepted it).
   * The job's status turns terminal before the partners are told; {@link settled} waits for the
   * whole ending, so that a rerun cannot interleave with it (a late session close or `finish`
   * message would otherwise undo the rerun's fresh session and task states).
   */
  async finish(
    spec: JobSpec,
    status: JobStatus,
    extra: { error?: unknown; results?: unknown },
    partners?: string[],
  ): Promise<void> {
    const ending = this.end(spec, status, extra, partners);
    this.finishing.set(spec.id, ending);
    try {
      await ending;
    } finally {
      if (this.finishing.get(spec.id) === ending) this.finishing.delete(spec.id);
    }
  }

  /** Resolves once an ending of the job that is in progress (see {@link finish}) is complete. */
  async settled(jobId: string): Promise<void> {
    await this.finishing.get(jobId)?.catch(() => {});
  }

  private async end(
    spec: JobSpec,
    status: JobStatus,
    extra: { error?: unknown; results?: unknown },
    partners?: string[],
  ): Promise<void> {
    const { repo } = this.deps;
    await repo.setJob(spec.id, status, extra);
    await repo.addEvent({
      jobId: spec.id,
      level: status === 'succeeded' ? 'info' : 'error',
      kind: 'job',
      message: `job ${status}${extra.error ? `: ${(extra.error as { message?: string }).message}` : ''}`,
    });
    if (status !== 'succeeded') {
      this.deps.runner.stopJob(spec.id, `job ${status}`);
      for (const t of await repo.listTasks(spec.id)) {
        if (!TERMINAL.has(t.status) && t.status !== 'waiting')
          await repo.setTask(spec.id, t.name, status === 'stopped' ? 'stopped' : 'failed');
      }
    }
    const others =
      partners ?? [...new Set(partyNodes(spec).values())].filter((n) => n !== this.deps.selfNodeId);
    // Every task's final status, so that every node ends with the same view (also of tasks it
    // took no part in).
    const tasks = Object.fromEntries(
      (await repo.listTasks(spec.id)).map((t) => [
        t.name,
        { status: t.status, attempt: t.attempt },
      ]),
    );
    await Promise.all(
      others.map(async (n) => {
        try {
          await this.callPartner(
            n,
            'POST',
            `/v1/interconn/jobs/${spec.id}/finish`,
            { status, error: extra.error, tasks },
            3,
          );
        } catch (err) {
          this.deps.log.warn(
            { job: spec.id, node: n, err: (err as Error).message },
            'could not tell a partner that the job ended',
          );
        }
      }),
    );
    await this.deps.runner.closeSession(spec.id, `job ${status}`);
    this.wake(spec.id);
  }
}
