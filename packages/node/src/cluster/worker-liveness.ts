/**
 * Whether a worker process lives, as PostgreSQL sees it: each worker holds a session advisory
 * lock keyed by its name on a connection of its own for as long as it runs. When the process
 * dies (SIGKILL, crash) its operating system closes the connection and PostgreSQL frees the lock
 * at once; when its machine or network fails, after the server's TCP keepalive time.
 */
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';

const KEY = `hashtext('fedgrid worker'), hashtext($1)`;

/**
 * Takes the worker's lock on a new connection and keeps it until `release`.
 * @throws Error when PostgreSQL cannot be reached or the name is held by another process.
 */
export async function holdWorkerLock(
  databaseUrl: string,
  worker: string,
  onLost: (reason: string) => void,
): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    application_name: `fedgrid worker ${worker}`,
    keepAlive: true,
  });
  let released = false;
  client.on('error', (err) => {
    if (!released) onLost(err.message);
  });
  client.on('end', () => {
    if (!released) onLost('its PostgreSQL session ended');
  });
  await client.connect();
  const r = await client.query<{ ok: boolean }>(`select pg_try_advisory_lock(${KEY}) as ok`, [
    worker,
  ]);
  if (!r.rows[0]?.ok) {
    released = true;
    await client.end().catch(() => {});
    throw new Error(`worker name '${worker}' is in use by another process`);
  }
  return {
    release: async () => {
      released = true;
      await client.end().catch(() => {});
    },
  };
}

/** Whether the worker named `worker` holds its lock now (in this database). */
export async function workerAlive(db: Kysely<Database>, worker: string): Promise<boolean> {
  const r = await sql<{ alive: boolean }>`
    select exists (
      select 1 from pg_locks l
       where l.locktype = 'advisory' and l.granted
         and l.database = (select oid from pg_database where datname = current_database())
         and l.classid::int = hashtext('fedgrid worker') and l.objid::int = hashtext(${worker})
         and l.objsubid = 2
    ) as alive`.execute(db);
  return r.rows[0]?.alive === true;
}
