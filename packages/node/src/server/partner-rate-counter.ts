/**
 * The counters of the per-partner rate limit (partner-limits.ts) shared by the processes of a
 * node run as several processes on PostgreSQL (migration 0029): a fixed window per partner, one
 * row each, read and advanced in a single `INSERT … ON CONFLICT DO UPDATE` — PostgreSQL locks
 * the row for the statement, so calls taken by several replicas at once are all counted, each
 * exactly once, and the partner gets the configured budget in total. Times are the database's
 * (`now()`), so the replicas' clocks need not agree.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';

/** A window's count after one more call, and the milliseconds left in the window. */
export interface RateCount {
  current: number;
  ttl: number;
}

/** Counts calls per key in fixed windows. */
export interface PartnerRateCounter {
  /**
   * Counts one call under `key` in the window of `windowMs` milliseconds it falls in.
   * @throws the database's error when the count cannot be stored.
   */
  incr(key: string, windowMs: number): Promise<RateCount>;
}

/** {@link PartnerRateCounter} in the node's PostgreSQL schema (table `partner_rate_limits`). */
export class PgPartnerRateCounter implements PartnerRateCounter {
  constructor(private readonly db: Kysely<Database>) {}

  async incr(key: string, windowMs: number): Promise<RateCount> {
    const span = sql`(${windowMs}::double precision * interval '1 millisecond')`;
    const r = await sql<{ current: string | number; ttl: string | number }>`
      insert into partner_rate_limits as r (key, window_start, count)
      values (${key}, now(), 1)
      on conflict (key) do update set
        window_start = case when r.window_start + ${span} <= now() then now() else r.window_start end,
        count = case when r.window_start + ${span} <= now() then 1 else r.count + 1 end
      returning count as current,
        greatest(0, extract(epoch from (window_start + ${span} - now())) * 1000) as ttl`.execute(
      this.db,
    );
    const row = r.rows[0]!;
    return { current: Number(row.current), ttl: Math.ceil(Number(row.ttl)) };
  }
}
