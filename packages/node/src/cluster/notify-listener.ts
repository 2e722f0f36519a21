/**
 * A PostgreSQL LISTEN session that reconnects: it calls `onNotify` with each notification's
 * payload on `channel`, and `onReconnect` once listening again after a loss (notifications sent
 * meanwhile are lost, so callers also poll).
 */
import pg from 'pg';
import type { Logger } from 'pino';

export interface NotifyListenerOptions {
  databaseUrl: string;
  /** A PostgreSQL identifier (at most 63 bytes; it is quoted). */
  channel: string;
  onNotify(payload: string): void;
  onReconnect?(): void;
  log?: Logger;
}

export class NotifyListener {
  private client: pg.Client | undefined;
  private connecting = false;
  private closed = false;

  constructor(private readonly opts: NotifyListenerOptions) {}

  /** Whether the LISTEN session is up. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  /**
   * Connects and LISTENs (a no-op while connected or connecting).
   * @throws Error when PostgreSQL cannot be reached.
   */
  async connect(): Promise<void> {
    if (this.client || this.connecting || this.closed) return;
    this.connecting = true;
    const client = new pg.Client({ connectionString: this.opts.databaseUrl });
    try {
      const lost = () => {
        if (this.client === client) this.client = undefined;
      };
      client.on('error', (err) => {
        this.opts.log?.warn(
          { err: err.message, channel: this.opts.channel },
          'LISTEN connection lost; polling',
        );
        lost();
      });
      client.on('end', lost);
      client.on('notification', (n) => this.opts.onNotify(n.payload ?? ''));
      await client.connect();
      await client.query(`LISTEN "${this.opts.channel}"`);
      if (this.closed) {
        await client.end().catch(() => {});
        return;
      }
      this.client = client;
      this.opts.onReconnect?.();
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    } finally {
      this.connecting = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => {});
  }
}

/** The notification channel of crypto batches for a node's schema. */
export function batchChannel(schema: string): string {
  return `fedgrid_batches_${schema}`.slice(0, 63);
}
