/**
 * A checkpoint policy for the embedded (PGlite) store: bounds its write-ahead log.
 *
 * PGlite runs PostgreSQL in single-user mode, where a checkpoint is requested on log volume only
 * under a postmaster and no checkpointer process runs for `checkpoint_timeout` — so without this
 * the log in `pg_wal` grows by everything the node writes (≈ 16 MB every 40 s at 1,000 audited
 * predictions a second) until the node stops, and a node that crashed replays all of it on start.
 * Here a timer reads how much log was written since the redo point of the last checkpoint
 * (`pg_wal_lsn_diff(pg_current_wal_lsn(), redo_lsn)`, the store's own numbers) and issues
 * `CHECKPOINT` once that passes the bound; PostgreSQL then removes or recycles the segments before
 * the new redo point. Queries go through the store's Kysely instance, whose PGlite driver hands
 * its one connection to one query or transaction at a time, so a check never runs inside or
 * beside another statement. A clean close needs nothing from here: PGlite's close runs
 * PostgreSQL's shutdown checkpoint. See docs/OPERATIONS.md, "Store".
 */
import { sql, type Kysely } from 'kysely';

/** The timer functions the policy uses (tests pass their own to fire a check by hand). */
export interface WalCheckpointTimers {
  setInterval(run: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** What one check found and did. */
export interface WalCheckpointCheck {
  /** A `CHECKPOINT` ran. */
  ran: boolean;
  /** Bytes of log written since the last checkpoint's redo point, before any checkpoint now. */
  walBytes: number;
  /** Wall milliseconds the `CHECKPOINT` statement took (0 when none ran). */
  checkpointMs: number;
}

/** A running policy (see {@link startWalCheckpoints}). */
export interface WalCheckpoints {
  /** The bound in bytes. */
  readonly boundBytes: number;
  /** False once stopped: the timer is cleared and no check starts any more. */
  readonly active: boolean;
  /**
   * Checks now (joining a check already running): reads the log written since the last redo
   * point and runs `CHECKPOINT` when it exceeds the bound.
   * @returns undefined when the policy was stopped (nothing was queried).
   * @throws the database's error when a query fails (also kept for {@link problems}).
   */
  checkNow(): Promise<WalCheckpointCheck | undefined>;
  /** Problems in words for the health check: the last check failed (empty: fine). */
  problems(): string[];
  /** Clears the timer and waits for a running check to end; the store can then be closed. */
  stop(): Promise<void>;
}

/** Seconds between two checks. @default 30 */
export const WAL_CHECK_SECONDS = 30;

/**
 * Starts the policy on an embedded store's database: a check every `everySeconds` (an unref'd
 * timer: it never keeps the process alive).
 * @param db the store's Kysely instance over PGlite (its one connection serialises queries).
 * @param options.boundBytes log written since the last checkpoint above which one is run
 *   (bytes, > 0).
 * @param options.everySeconds seconds between checks. @default 30
 * @param options.onCheckpoint called after each checkpoint the policy ran (e.g. to log it).
 * @param options.timers @default the global setInterval / clearInterval
 * @throws RangeError when `boundBytes` or `everySeconds` is not a positive number.
 */
export function startWalCheckpoints(
  db: Kysely<unknown>,
  options: {
    boundBytes: number;
    everySeconds?: number;
    onCheckpoint?: (check: WalCheckpointCheck) => void;
    timers?: WalCheckpointTimers;
  },
): WalCheckpoints {
  const { boundBytes } = options;
  const everySeconds = options.everySeconds ?? WAL_CHECK_SECONDS;
  if (!(boundBytes > 0) || !(everySeconds > 0))
    throw new RangeError(
      `WAL checkpoint policy: the bound (${boundBytes} bytes) and the interval (${everySeconds} s) must be positive; turn the policy off instead of passing 0`,
    );
  const timers: WalCheckpointTimers = options.timers ?? {
    setInterval: (run, ms) => setInterval(run, ms).unref(),
    clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
  };
  let active = true;
  let running: Promise<WalCheckpointCheck> | undefined;
  let lastError: string | undefined;

  const check = async (): Promise<WalCheckpointCheck> => {
    try {
      const found = await sql<{
        bytes: number;
      }>`select pg_wal_lsn_diff(pg_current_wal_lsn(), (pg_control_checkpoint()).redo_lsn)::float8 as bytes`.execute(
        db,
      );
      const walBytes = Number(found.rows[0]?.bytes ?? 0);
      let result: WalCheckpointCheck = { ran: false, walBytes, checkpointMs: 0 };
      if (walBytes > boundBytes && active) {
        const t0 = performance.now();
        await sql`checkpoint`.execute(db);
        result = { ran: true, walBytes, checkpointMs: performance.now() - t0 };
      }
      lastError = undefined;
      if (result.ran) {
        try {
          options.onCheckpoint?.(result);
        } catch {
          // A listener's failure is not the checkpoint's.
        }
      }
      return result;
    } catch (err) {
      lastError = (err as Error).message;
      throw err;
    }
  };

  const checkNow = (): Promise<WalCheckpointCheck | undefined> => {
    if (!active) return Promise.resolve(undefined);
    running ??= check().finally(() => {
      running = undefined;
    });
    return running;
  };

  const handle = timers.setInterval(() => {
    // A failed check is kept for the health check; the next tick tries again.
    checkNow().catch(() => {});
  }, everySeconds * 1000);

  return {
    boundBytes,
    get active() {
      return active;
    },
    checkNow,
    problems: () =>
      lastError === undefined
        ? []
        : [
            `the embedded store's write-ahead-log checkpoint failed (${lastError}); pg_wal grows until it succeeds or the node restarts`,
          ],
    stop: async () => {
      if (!active) return;
      active = false;
      timers.clearInterval(handle);
      await running?.catch(() => {});
    },
  };
}
