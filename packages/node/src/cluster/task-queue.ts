/**
 * The worker queue of a node run as several processes (issue 16 item 1): pg-boss on the node's
 * own PostgreSQL database. One queue entry per task execution (one party's run of one attempt of
 * a task); the scheduler's replica enqueues it in the same transaction as the execution's record
 * (task-executions.repo.ts), a worker process takes it with SELECT … FOR UPDATE SKIP LOCKED.
 *
 * Why pg-boss and not BullMQ on Redis: the node needs PostgreSQL anyway once it runs as several
 * processes, so the queue adds no engine to operate, back up or secure; and enqueueing shares a
 * transaction with the node's own tables, so an execution is never recorded without its queue
 * entry or the other way round. pg-boss 10 supports Node ≥ 20 and is plain JavaScript on `pg`.
 *
 * pg-boss's own retries are off: a worker that dies is found by the leader (a worker holds a
 * session advisory lock while it lives, see task-worker.ts), which records the lost run and
 * queues the execution again (execution-supervisor.ts).
 */
import { CompiledQuery, type Kysely } from 'kysely';
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { Database } from '../storage/schema.js';
import { TaskExecutionsRepo, type ExecutionRef } from './task-executions.repo.js';

/** The pg-boss queue of task executions. */
export const TASK_QUEUE = 'fedgrid_tasks';

/** pg-boss's longest expiry is 24 h: a run longer than this is not cut, only its entry expires. */
const EXPIRE_SECONDS = 23 * 3600;

/** The schema pg-boss keeps its tables in, beside the node's schema. */
export function queueSchema(nodeSchema: string): string {
  return nodeSchema === 'public' ? 'fedgrid_queue' : `${nodeSchema.slice(0, 57)}_queue`;
}

export interface TaskQueueOptions {
  databaseUrl: string;
  /** The node's schema (the queue's schema is derived from it: {@link queueSchema}). */
  schema: string;
  db: Kysely<Database>;
  /** Name of this process, for PostgreSQL's application_name. */
  processName: string;
  log: Logger;
  /** Seconds between a worker's polls of an empty queue. @default 1 */
  pollSeconds?: number;
}

export class TaskQueue {
  private readonly boss: PgBoss;
  readonly executions: TaskExecutionsRepo;

  constructor(private readonly opts: TaskQueueOptions) {
    this.boss = new PgBoss({
      connectionString: opts.databaseUrl,
      schema: queueSchema(opts.schema),
      application_name: `fedgrid queue ${opts.processName}`,
      max: 4,
      schedule: false,
    });
    this.boss.on('error', (err: Error) =>
      opts.log.warn({ err: err.message }, 'task queue (pg-boss) error'),
    );
    this.executions = new TaskExecutionsRepo(opts.db);
  }

  /**
   * Installs or migrates the queue's tables (pg-boss serialises this across processes) and
   * creates the task queue.
   */
  async start(): Promise<void> {
    await this.boss.start();
    if (!(await this.boss.getQueue(TASK_QUEUE)))
      await this.boss
        .createQueue(TASK_QUEUE, {
          name: TASK_QUEUE,
          retryLimit: 0,
          expireInSeconds: EXPIRE_SECONDS,
        })
        .catch(async (err: Error) => {
          // Another process created it at the same moment.
          if (!(await this.boss.getQueue(TASK_QUEUE))) throw err;
        });
  }

  async stop(): Promise<void> {
    await this.boss.stop({ graceful: false, wait: true }).catch(() => {});
  }

  /**
   * Records the execution as queued and puts it on the queue, in one transaction.
   * @returns false when this execution was queued before (nothing done).
   */
  async enqueue(ref: ExecutionRef): Promise<boolean> {
    return this.opts.db.transaction().execute(async (trx) => {
      if (!(await this.executions.insertQueued(trx, ref))) return false;
      await this.boss.send(TASK_QUEUE, { ...ref }, { db: transactionDb(trx) });
      return true;
    });
  }

  /**
   * Queues an abandoned execution again (its record stays `abandoned` until a worker claims it).
   */
  async requeue(ref: ExecutionRef): Promise<void> {
    await this.boss.send(TASK_QUEUE, { ...ref });
  }

  /** Takes executions one at a time and awaits `handler` for each (a throw is logged). */
  async work(handler: (ref: ExecutionRef) => Promise<void>): Promise<void> {
    await this.boss.work<ExecutionRef>(
      TASK_QUEUE,
      { batchSize: 1, pollingIntervalSeconds: this.opts.pollSeconds ?? 1 },
      async (jobs) => {
        for (const j of jobs) await handler(j.data);
      },
    );
  }

  /** Executions waiting in the queue (not yet taken by a worker). */
  depth(): Promise<number> {
    return this.boss.getQueueSize(TASK_QUEUE);
  }
}

/** pg-boss's database interface on a Kysely transaction (its SQL runs inside it). */
function transactionDb(trx: Kysely<Database>): PgBoss.Db {
  return {
    executeSql: async (text: string, values: unknown[]) => {
      const r = await trx.executeQuery(CompiledQuery.raw(text, values));
      return { rows: r.rows as unknown[] };
    },
  };
}
