/**
 * The `crypto_batches` table (migration 0028): chunks of crypto batches handed between the
 * processes of a node. Every state change is one statement; claims use `FOR UPDATE SKIP LOCKED`
 * so that concurrent claimers never take the same chunk, and finishing a chunk checks that the
 * finisher still holds it (a chunk taken back after its lease expired ignores a late answer).
 * Times are the database's (`now()`), so the processes' clocks need not agree.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';

/** A chunk a worker took, with its message. */
export interface ClaimedChunk {
  grp: string;
  part: number;
  kind: string;
  owner: string;
  payload: Uint8Array;
}

/** A chunk another process finished. */
export interface FinishedChunk {
  part: number;
  state: 'done' | 'failed';
  worker: string;
  result: Uint8Array | null;
  error: string | null;
}

export class CryptoBatchesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores the chunks of a new batch, all queued. */
  async insert(grp: string, kind: string, owner: string, payloads: Uint8Array[]): Promise<void> {
    // Several statements for a large batch, so that no single one carries hundreds of MiB.
    const per = 16;
    for (let s = 0; s < payloads.length; s += per) {
      const rows = payloads
        .slice(s, s + per)
        .map((p, i) => sql`(${grp}, ${s + i}, ${kind}, ${owner}, 'queued', ${p})`);
      await sql`insert into crypto_batches (grp, part, kind, owner, state, payload)
        values ${sql.join(rows)}`.execute(this.db);
    }
  }

  /** Wakes the processes listening on `channel` (payload: the batch id or 'queued'). */
  async notify(channel: string, payload: string): Promise<void> {
    await sql`select pg_notify(${channel}, ${payload})`.execute(this.db);
  }

  /**
   * The dispatching process takes its own next queued chunk.
   * @returns its index, or undefined when none is queued — or when those queued are locked at
   *   this instant (by a worker's claim, or by {@link collect}'s renewal): callers look again.
   */
  async claimOwn(grp: string, owner: string): Promise<number | undefined> {
    const r = await sql<{ part: number }>`
      update crypto_batches set state = 'local', worker = ${owner}
      where grp = ${grp} and part = (
        select part from crypto_batches where grp = ${grp} and state = 'queued'
        order by part limit 1 for update skip locked)
      returning part`.execute(this.db);
    return r.rows[0]?.part;
  }

  /**
   * A worker takes the oldest queued chunk of another live process, with a lease of
   * `leaseSeconds`; owners not seen for `ownerTimeoutSeconds` are skipped (they died).
   */
  async claimOther(
    worker: string,
    leaseSeconds: number,
    ownerTimeoutSeconds: number,
  ): Promise<ClaimedChunk | undefined> {
    const r = await sql<ClaimedChunk>`
      update crypto_batches c set state = 'running', worker = ${worker},
        lease_until = now() + make_interval(secs => ${leaseSeconds})
      from (select grp, part from crypto_batches
        where state = 'queued' and owner <> ${worker}
          and owner_seen_at > now() - make_interval(secs => ${ownerTimeoutSeconds})
        order by created_at, part limit 1 for update skip locked) q
      where c.grp = q.grp and c.part = q.part
      returning c.grp, c.part, c.kind, c.owner, c.payload`.execute(this.db);
    return r.rows[0];
  }

  /** Extends the lease of a chunk `worker` still holds. @returns false if it no longer does. */
  async renew(grp: string, part: number, worker: string, leaseSeconds: number): Promise<boolean> {
    const r = await sql`update crypto_batches
      set lease_until = now() + make_interval(secs => ${leaseSeconds})
      where grp = ${grp} and part = ${part} and worker = ${worker} and state = 'running'`.execute(
      this.db,
    );
    return Number(r.numAffectedRows ?? 0) > 0;
  }

  /**
   * Records the outcome of a chunk `worker` ran (result bytes, or the error's message).
   * @returns false if the chunk was taken back meanwhile (the outcome is dropped).
   */
  async finishRemote(
    grp: string,
    part: number,
    worker: string,
    outcome: { result: Uint8Array } | { error: string },
  ): Promise<boolean> {
    const r =
      'result' in outcome
        ? await sql`update crypto_batches set state = 'done', result = ${outcome.result},
            payload = null, lease_until = null, finished_at = now()
            where grp = ${grp} and part = ${part} and worker = ${worker} and state = 'running'`.execute(
            this.db,
          )
        : await sql`update crypto_batches set state = 'failed', error = ${outcome.error},
            payload = null, lease_until = null, finished_at = now()
            where grp = ${grp} and part = ${part} and worker = ${worker} and state = 'running'`.execute(
            this.db,
          );
    return Number(r.numAffectedRows ?? 0) > 0;
  }

  /** Records that the dispatching process ran a chunk itself. */
  async finishLocal(grp: string, part: number): Promise<void> {
    await sql`update crypto_batches set payload = null, finished_at = now()
      where grp = ${grp} and part = ${part}`.execute(this.db);
  }

  /**
   * Chunks of `grp` other processes finished, except those in `seen`, and how many are still
   * queued; also renews the owner's `owner_seen_at` (the owner is waiting, hence alive).
   */
  async collect(
    grp: string,
    seen: ReadonlySet<number>,
  ): Promise<{ finished: FinishedChunk[]; queued: number }> {
    await sql`update crypto_batches set owner_seen_at = now()
      where grp = ${grp} and state in ('queued', 'running')`.execute(this.db);
    const r = await sql<FinishedChunk>`select part, state, worker, result, error
      from crypto_batches where grp = ${grp} and state in ('done', 'failed', 'queued')`.execute(
      this.db,
    );
    return {
      finished: r.rows.filter(
        (c) => (c.state === 'done' || c.state === 'failed') && !seen.has(c.part),
      ),
      queued: r.rows.filter((c) => (c.state as string) === 'queued').length,
    };
  }

  /**
   * Takes back the chunks of `grp` whose lease expired (their worker stopped renewing it: it
   * died or lost the database), for `owner` to run them.
   * @returns the chunks' indexes and the workers they were taken from.
   */
  async reclaimExpired(grp: string, owner: string): Promise<{ part: number; worker: string }[]> {
    const r = await sql<{ part: number; worker: string }>`
      update crypto_batches c set state = 'local', reclaimed_from = c.worker, worker = ${owner},
        lease_until = null
      from (select part, worker from crypto_batches
        where grp = ${grp} and state = 'running' and lease_until < now() for update) old
      where c.grp = ${grp} and c.part = old.part
      returning c.part, old.worker`.execute(this.db);
    return r.rows;
  }

  /** Chunks queued now (no process has taken them yet), by task kind. */
  async queuedByKind(): Promise<Map<string, number>> {
    const r = await sql<{ kind: string; n: number }>`select kind, count(*)::int as n
      from crypto_batches where state = 'queued' group by kind`.execute(this.db);
    return new Map(r.rows.map((x) => [x.kind, x.n]));
  }

  /** Ends a batch: drops its messages and results (the rows stay as the record). */
  async close(grp: string): Promise<void> {
    await sql`update crypto_batches set payload = null, result = null,
      state = case when state = 'queued' then 'cancelled' else state end
      where grp = ${grp}`.execute(this.db);
  }

  /**
   * Deletes records finished more than `keepHours` ago and the chunks of owners not seen for as
   * long (a process that died while dispatching).
   */
  async sweep(keepHours: number): Promise<void> {
    await sql`delete from crypto_batches
      where coalesce(finished_at, owner_seen_at) < now() - make_interval(hours => ${keepHours})`.execute(
      this.db,
    );
  }
}
