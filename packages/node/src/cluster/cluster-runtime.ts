/**
 * Starts the part of a node run as several processes that a process of role `api` or `worker`
 * adds to the node's services (issue 16 items 1–2; docs/OPERATIONS.md "Several processes").
 *
 * - `api`: takes part in the scheduler's leader election; while it leads, it runs the jobs this
 *   node initiates, adopts jobs other replicas queued, and watches workers. Programs go to the
 *   worker queue (all of them, or only those of local components: `runtime.tasksOnWorkers`).
 * - `worker`: takes task executions from the queue and runs them; serves no API (only its own
 *   `/metrics`, `/livez` and `/readyz` when `worker.metricsPort` is set: worker-ops.server.ts).
 *
 * Both split the crypto batches of the tasks they run across the node's workers
 * (batch-dispatcher.ts), and a worker runs chunks of other processes' batches
 * (batch-executor.ts), unless `runtime.batchLeaseSeconds` is 0.
 */
import type { Logger } from 'pino';
import { JobsRepo } from '../jobs/jobs.repo.js';
import type { NodeServices } from '../server/services.js';
import { BatchDispatcher } from './batch-dispatcher.js';
import { BatchExecutor } from './batch-executor.js';
import { CryptoBatchesRepo } from './crypto-batches.repo.js';
import { ExecutionSupervisor } from './execution-supervisor.js';
import type { NodeRole } from './node-role.js';
import { SchedulerLeader, processName } from './scheduler-leader.js';
import { adoptQueuedJobs, takeOverScheduling } from './scheduler-takeover.js';
import { queueHandOff } from './task-dispatch.js';
import { TaskQueue } from './task-queue.js';
import { TaskWorker } from './task-worker.js';

export interface ClusterRuntimeOptions {
  role: Exclude<NodeRole, 'all'>;
  services: NodeServices;
  databaseUrl: string;
  schema: string;
  log: Logger;
  /**
   * Seconds between a standby's tries of the scheduler lock, the leader's checks of its session
   * and of workers, and its adoption of queued jobs. @default 2
   */
  pollSeconds?: number;
  /** This process can no longer take part safely (lost its lock session). @default exit(70) */
  onFatal?: (reason: string) => void;
}

export interface ClusterRuntime {
  /** This process's name among the node's processes (host:pid:role). */
  name: string;
  isLeader(): boolean;
  /** Splits this process's crypto batches across the node's workers (absent when disabled). */
  batches?: BatchDispatcher;
  /** Task executions waiting in the worker queue. */
  queueWaiting(): Promise<number>;
  /** Crypto chunks of the node's batches queued now, by task kind (crypto_batches). */
  chunksQueued(): Promise<Map<string, number>>;
  close(): Promise<void>;
}

/** @throws Error when the queue's tables cannot be installed or the worker's lock not taken. */
export async function startClusterRuntime(opts: ClusterRuntimeOptions): Promise<ClusterRuntime> {
  const { services, log } = opts;
  const name = processName(opts.role);
  const onFatal =
    opts.onFatal ??
    ((reason: string) => {
      log.fatal({ reason }, 'stopping: this process can no longer take part in the node safely');
      process.exit(70);
    });
  const queue = new TaskQueue({
    databaseUrl: opts.databaseUrl,
    schema: opts.schema,
    db: services.db,
    processName: name,
    log,
  });
  await queue.start();
  const batches = await startBatches(opts, name);
  const chunks = new CryptoBatchesRepo(services.db);
  const chunksQueued = () => chunks.queuedByKind();
  const repo = new JobsRepo(services.db);
  const onPartyDone = services.jobs.onLocalPartyDone.bind(services.jobs);
  if (opts.role === 'worker') {
    services.jobs.scheduler.useLeadership(() => false);
    const worker = new TaskWorker({
      databaseUrl: opts.databaseUrl,
      queue,
      runner: services.runner,
      repo,
      name,
      log,
      onLost: (reason) => onFatal(`worker lock lost: ${reason}`),
      observer: services.metrics.taskExecutionObserver(),
    });
    await worker.start();
    log.info({ worker: name }, 'worker taking task executions');
    return {
      name,
      isLeader: () => false,
      ...(batches.dispatcher ? { batches: batches.dispatcher } : {}),
      queueWaiting: () => queue.depth(),
      chunksQueued,
      close: async () => {
        await worker.stop();
        await batches.stop();
      },
    };
  }
  services.runner.useHandOff(
    queueHandOff({
      queue,
      repo,
      selfNodeId: services.nodeId,
      log,
      tasksOnWorkers: services.config.config.runtime.tasksOnWorkers,
      onPartyDone,
    }),
  );
  const takeover = {
    repo,
    scheduler: services.jobs.scheduler,
    runner: services.runner,
    selfNodeId: services.nodeId,
    holder: name,
    log,
  };
  const leader = new SchedulerLeader({
    databaseUrl: opts.databaseUrl,
    schema: opts.schema,
    holder: name,
    ...(opts.pollSeconds ? { pollSeconds: opts.pollSeconds } : {}),
    log,
    onLead: async (term) => {
      await takeOverScheduling(takeover, term);
    },
    onLose: (reason) => onFatal(`scheduler leadership lost: ${reason}`),
  });
  services.jobs.scheduler.useLeadership(() => leader.isLeader());
  const supervisor = new ExecutionSupervisor({
    db: services.db,
    queue,
    repo,
    log,
    onPartyDone,
  });
  let busy = false;
  const timer = setInterval(
    () =>
      void (async () => {
        if (busy || !leader.isLeader()) return;
        busy = true;
        try {
          await adoptQueuedJobs(takeover);
          await supervisor.sweep();
        } catch (err) {
          log.warn({ err: (err as Error).message }, 'leader duties failed; retrying');
        } finally {
          busy = false;
        }
      })(),
    (opts.pollSeconds ?? 2) * 1000,
  );
  timer.unref();
  await leader.start();
  return {
    name,
    isLeader: () => leader.isLeader(),
    ...(batches.dispatcher ? { batches: batches.dispatcher } : {}),
    queueWaiting: () => queue.depth(),
    chunksQueued,
    close: async () => {
      clearInterval(timer);
      await leader.stop();
      await queue.stop();
      await batches.stop();
    },
  };
}

/**
 * Makes this process's crypto pool split batches across the node's workers and, on a worker,
 * run chunks of other processes' batches.
 */
async function startBatches(
  opts: ClusterRuntimeOptions,
  name: string,
): Promise<{ dispatcher?: BatchDispatcher; stop(): Promise<void> }> {
  const { services, log } = opts;
  const leaseSeconds = services.config.config.runtime.batchLeaseSeconds;
  if (leaseSeconds === 0) return { stop: async () => {} };
  const common = {
    db: services.db,
    databaseUrl: opts.databaseUrl,
    schema: opts.schema,
    name,
    leaseSeconds,
    log,
  };
  const dispatcher = new BatchDispatcher({
    ...common,
    threads: services.crypto.threads,
    observer: services.metrics.cryptoChunkObserver(),
  });
  await dispatcher.start();
  const executor =
    opts.role === 'worker'
      ? new BatchExecutor({
          ...common,
          pool: services.crypto,
          observer: services.metrics.chunkExecutionObserver(),
        })
      : undefined;
  try {
    await executor?.start();
  } catch (err) {
    await dispatcher.close();
    throw err;
  }
  services.crypto.useOffload(dispatcher);
  return {
    dispatcher,
    stop: async () => {
      services.crypto.useOffload(undefined);
      await executor?.stop();
      await dispatcher.close();
    },
  };
}
