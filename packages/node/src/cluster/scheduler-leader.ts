/**
 * Leader election of the scheduler of a node run as several processes (issue 16 items 1–2):
 * exactly one API replica runs the scheduler at a time. The leader holds a PostgreSQL
 * session-level advisory lock, keyed by the node's schema, on a connection of its own; the
 * others try to take it every `pollSeconds`.
 *
 * Takeover bound. When the leading process dies (SIGKILL, crash), its operating system closes
 * the connection and PostgreSQL ends the session and frees the lock at once; a standby takes it
 * at its next try: within `pollSeconds` (default 2 s). When the leader's machine or network
 * fails instead, PostgreSQL learns that the session is gone from TCP keepalives
 * (tcp_keepalives_idle + tcp_keepalives_interval × tcp_keepalives_count on the server; see
 * docs/OPERATIONS.md) — takeover within that time plus `pollSeconds`.
 *
 * Fencing. Each new leader bumps `scheduler_leader.term`. A leader that loses its lock session
 * (it checks the session every `pollSeconds`) stops leading at once: `onLose` is called, and the
 * process exits so that it cannot go on scheduling beside the new leader.
 */
import { hostname } from 'node:os';
import pg from 'pg';
import type { Logger } from 'pino';

export interface SchedulerLeaderOptions {
  databaseUrl: string;
  /** The node's PostgreSQL schema (the lock's key; its scheduler_leader table). */
  schema: string;
  /** Who this replica is, for the scheduler_leader row and logs, e.g. host:pid. */
  holder: string;
  /** Seconds between tries of a standby and checks of the leader's session. @default 2 */
  pollSeconds?: number;
  log: Logger;
  /** Became leader with fencing token `term`. */
  onLead(term: number): Promise<void>;
  /** Lost the lock session while leading. */
  onLose(reason: string): void;
}

/** Session advisory lock of the scheduler: (hashtext('fedgrid scheduler'), hashtext(schema)). */
const LOCK_SQL = `select pg_try_advisory_lock(hashtext('fedgrid scheduler'), hashtext($1)) as ok`;

export class SchedulerLeader {
  private client?: pg.Client;
  private timer?: NodeJS.Timeout;
  private leading = false;
  private stopped = false;
  private term = 0;
  private busy = false;

  constructor(private readonly opts: SchedulerLeaderOptions) {}

  /** Whether this replica leads now. */
  isLeader(): boolean {
    return this.leading;
  }

  /** The fencing token of this replica's leadership (0 while not leading). */
  currentTerm(): number {
    return this.leading ? this.term : 0;
  }

  /** Tries at once, then every `pollSeconds`. */
  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), (this.opts.pollSeconds ?? 2) * 1000);
    this.timer.unref();
  }

  /** Gives up leadership (the lock is freed with the session) and stops trying. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.leading = false;
    await this.client?.end().catch(() => {});
    this.client = undefined;
  }

  private async tick(): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      if (this.leading) await this.checkSession();
      else await this.tryLead();
    } finally {
      this.busy = false;
    }
  }

  private async connect(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client({
      connectionString: this.opts.databaseUrl,
      application_name: `fedgrid scheduler ${this.opts.holder}`,
      keepAlive: true,
    });
    client.on('error', (err) => {
      this.opts.log.warn({ err: err.message }, 'scheduler lock connection failed');
      this.dropped(`its PostgreSQL session failed: ${err.message}`);
    });
    client.on('end', () => this.dropped('its PostgreSQL session ended'));
    await client.connect();
    this.client = client;
    return client;
  }

  private dropped(reason: string): void {
    this.client = undefined;
    if (this.leading && !this.stopped) {
      this.leading = false;
      this.opts.log.error({ reason }, 'lost the scheduler leadership');
      this.opts.onLose(reason);
    }
  }

  private async checkSession(): Promise<void> {
    try {
      await this.client?.query('select 1');
    } catch (err) {
      this.dropped(`its PostgreSQL session does not answer: ${(err as Error).message}`);
    }
  }

  private async tryLead(): Promise<void> {
    try {
      const client = await this.connect();
      const r = await client.query<{ ok: boolean }>(LOCK_SQL, [this.opts.schema]);
      if (!r.rows[0]?.ok) return;
      const t = await client.query<{ term: string }>(
        `insert into ${pg.escapeIdentifier(this.opts.schema)}.scheduler_leader (id, holder, term, since)
           values (1, $1, 1, now())
         on conflict (id) do update set holder = $1, term = scheduler_leader.term + 1, since = now()
         returning term::text as term`,
        [this.opts.holder],
      );
      this.term = Number(t.rows[0]?.term ?? 0);
      this.leading = true;
      this.opts.log.info({ term: this.term, holder: this.opts.holder }, 'leading the scheduler');
      await this.opts.onLead(this.term);
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'could not try the scheduler lock');
      await this.client?.end().catch(() => {});
      this.client = undefined;
    }
  }
}

/** A replica's name for the scheduler_leader row and the queue: host, pid and a tag. */
export function processName(tag: string): string {
  return `${hostname()}:${process.pid}:${tag}`;
}
