/**
 * 0029: the per-partner rate limit's counters of a node run as several processes (issue 16 item
 * 6; server/partner-rate-counter.ts). Each API replica answers partner calls, so the count of a
 * partner's `/v1/interconn/*` calls in the current window is kept here, one row per partner,
 * incremented atomically by whichever replica takes the call: the partner gets
 * `partnerLimits.requestsPerMinute` calls a minute in total, not that many per replica.
 * - `key`: the limit and the partner (`interconn:<partner node id>`);
 * - `window_start`: when the current one-minute window began (database time);
 * - `count`: calls in that window, the refused ones included.
 * A single-process node (PGlite or `--role all`) counts in memory and leaves this table empty.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export const m0029: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('partner_rate_limits')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('window_start', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('count', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('partner_rate_limits').execute();
  },
};
