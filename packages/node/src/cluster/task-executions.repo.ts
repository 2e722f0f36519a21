/**
 * Records of task executions handed to the worker queue (migration 0021). Every change of state
 * is a conditional UPDATE on the state it expects, so that two processes can never both move one
 * execution: a claim succeeds for one worker only, and a dead worker's run is marked abandoned
 * only if that worker still holds it.
 */
import {
  sql,
  type ExpressionBuilder,
  type Kysely,
  type Selectable,
  type Transaction,
} from 'kysely';
import { json, type Database, type TaskExecutionsTable } from '../storage/schema.js';

export type TaskExecutionRow = Selectable<TaskExecutionsTable>;

/** One party's run of one attempt of a task. */
export interface ExecutionRef {
  jobId: string;
  task: string;
  party: string;
  attempt: number;
}

/** One run of an execution, as kept in `history`. */
export interface ExecutionRun {
  worker: string;
  startedAt: string;
  endedAt?: string;
  outcome?: string;
  error?: { code: string; message: string };
}

/** The row of `r` (its primary key). */
function keyOf(r: ExecutionRef) {
  return (eb: ExpressionBuilder<Database, 'task_executions'>) =>
    eb.and([
      eb('job_id', '=', r.jobId),
      eb('task_name', '=', r.task),
      eb('party', '=', r.party),
      eb('attempt', '=', r.attempt),
    ]);
}

export class TaskExecutionsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Records an execution as queued (in the caller's transaction, together with its queue entry).
   * @returns false when the execution was recorded before (a repeated start of one attempt).
   */
  async insertQueued(trx: Transaction<Database>, r: ExecutionRef): Promise<boolean> {
    const res = await trx
      .insertInto('task_executions')
      .values({
        job_id: r.jobId,
        task_name: r.task,
        party: r.party,
        attempt: r.attempt,
        state: 'queued',
      })
      .onConflict((oc) => oc.doNothing())
      .returning('job_id')
      .executeTakeFirst();
    return res !== undefined;
  }

  /**
   * Claims a queued (or abandoned) execution for `worker`: only one claimant wins.
   * @returns the run number (1 for the first run) or undefined when another has it or it ended.
   */
  async claim(r: ExecutionRef, worker: string): Promise<number | undefined> {
    const run: ExecutionRun = { worker, startedAt: new Date().toISOString() };
    const row = await this.db
      .updateTable('task_executions')
      .set({
        state: 'running',
        worker,
        runs: sql`runs + 1`,
        history: sql`history || ${json([run])}::jsonb`,
        updated_at: new Date(),
      })
      .where('state', 'in', ['queued', 'abandoned'])
      .where(keyOf(r))
      .returning('runs')
      .executeTakeFirst();
    return row ? Number(row.runs) : undefined;
  }

  /**
   * Ends `worker`'s run: state `succeeded`, `failed` or `stopped`; `abandoned` when the worker
   * died (set by the leader); `queued` never. No effect unless `worker` still holds the run.
   * @returns whether the row changed.
   */
  async end(
    r: ExecutionRef,
    worker: string,
    state: 'succeeded' | 'failed' | 'stopped' | 'abandoned',
    error?: { code: string; message: string },
  ): Promise<boolean> {
    const res = await this.db
      .updateTable('task_executions')
      .set({
        state,
        error: error ? json(error) : null,
        // The last run of the history gets its end and outcome.
        history: sql`jsonb_set(history, array[(jsonb_array_length(history) - 1)::text],
            history -> (jsonb_array_length(history) - 1) || ${json({
              endedAt: new Date().toISOString(),
              outcome: state,
              ...(error ? { error } : {}),
            })}::jsonb)`,
        updated_at: new Date(),
      })
      .where('state', '=', 'running')
      .where('worker', '=', worker)
      .where(keyOf(r))
      .executeTakeFirst();
    return Number(res.numUpdatedRows ?? 0) > 0;
  }

  /** Marks an execution that never ran (its job ended meanwhile) as `stopped`. */
  async dropQueued(r: ExecutionRef, error: { code: string; message: string }): Promise<void> {
    await this.db
      .updateTable('task_executions')
      .set({ state: 'stopped', error: json(error), updated_at: new Date() })
      .where('state', 'in', ['queued', 'abandoned'])
      .where(keyOf(r))
      .execute();
  }

  /** Gives up an abandoned execution (no more runs): state `failed` with `error`. */
  async giveUp(r: ExecutionRef, error: { code: string; message: string }): Promise<boolean> {
    const res = await this.db
      .updateTable('task_executions')
      .set({ state: 'failed', error: json(error), updated_at: new Date() })
      .where('state', '=', 'abandoned')
      .where(keyOf(r))
      .executeTakeFirst();
    return Number(res.numUpdatedRows ?? 0) > 0;
  }

  /** Executions some worker runs now. */
  running(): Promise<TaskExecutionRow[]> {
    return this.db
      .selectFrom('task_executions')
      .selectAll()
      .where('state', '=', 'running')
      .execute();
  }

  /** The executions of a job, oldest first. */
  ofJob(jobId: string): Promise<TaskExecutionRow[]> {
    return this.db
      .selectFrom('task_executions')
      .selectAll()
      .where('job_id', '=', jobId)
      .orderBy('queued_at')
      .execute();
  }
}
