/**
 * The store marker (issue #11 item 3). With its data directory deleted, a node used to create an
 * empty store on restart and carry on under its old identity — contracts, grants and audit log
 * silently gone. `node init` now gives each store a random id, kept both inside the store (table
 * store_marker) and in the node directory (identity/store-id). At start a store that is missing
 * (just created empty) or is another store is refused, unless `--reinitialise` says to start
 * over with an empty one. While running, the data directory must stay the one the node started
 * with (same inode), and on PostgreSQL the schema must still hold the marker.
 */
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { FedGridError } from '../errors/errors.js';
import type { Store } from './db.js';
import { mkdirPrivate, writeFileAtomic } from './files.js';

/** Where the node directory records its store's id (relative to the node directory). */
export const STORE_ID_FILE = 'identity/store-id';

async function readRecorded(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim() || undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function readInStore(store: Store): Promise<string | undefined> {
  const row = await store.db.selectFrom('store_marker').select('id').executeTakeFirst();
  return row?.id;
}

/** Gives a new store its id, inside it and in the node directory `nodeDir`. */
export async function markNewStore(store: Store, nodeDir: string): Promise<string> {
  const id = `store-${randomUUID()}`;
  await store.db.deleteFrom('store_marker').execute();
  await store.db.insertInto('store_marker').values({ id }).execute();
  const file = join(nodeDir, STORE_ID_FILE);
  await mkdirPrivate(dirname(file));
  await writeFileAtomic(file, `${id}\n`);
  return id;
}

/**
 * Checks at start that `store` is the node's own.
 * @param opts.reinitialise accept a missing store: give the new, empty one a fresh id
 * @returns the store's id
 * @throws FedGridError STORE_MISSING (the store is gone and was created empty; without
 *   `reinitialise`), STORE_MISMATCH (the store is another one).
 */
export async function verifyStoreMarker(
  store: Store,
  opts: { nodeDir: string; reinitialise?: boolean; log: Logger },
): Promise<string> {
  const file = join(opts.nodeDir, STORE_ID_FILE);
  const recorded = await readRecorded(file);
  const inStore = await readInStore(store);
  if (recorded && inStore === recorded) return recorded;
  if (inStore) {
    // A marked store that is not the one this node directory names (or names none).
    throw new FedGridError(
      'STORE_MISMATCH',
      `the store (${store.kind}) is ${inStore}, but this node's store is ${recorded ?? `unrecorded (${file} is missing)`}: the configuration points at another node's store, or the data directory was replaced. Point storage settings back at this node's own store${recorded ? '' : `, or restore ${file}`}.`,
      { found: inStore, expected: recorded ?? null },
    );
  }
  // No marker in the store.
  if (!recorded && !store.created) {
    // A node made before stores were marked: record its store now.
    const id = await markNewStore(store, opts.nodeDir);
    opts.log.info({ store: id }, 'recorded the store id of a node made before store markers');
    return id;
  }
  if (!opts.reinitialise)
    throw new FedGridError(
      'STORE_MISSING',
      `this node's store is missing: ${store.kind === 'pglite' ? 'its data directory is gone' : 'its PostgreSQL schema holds no FedGrid store (dropped, or another schema is configured)'}, so its contracts, grants, datasets and audit log are gone. Put the store back, or start over with an empty store (the identity stays) with \`fedgrid node start --reinitialise\`.`,
      { expected: recorded ?? null },
    );
  const id = await markNewStore(store, opts.nodeDir);
  opts.log.warn(
    { store: id, previous: recorded ?? null },
    'started on a new, empty store (--reinitialise): the previous store is gone',
  );
  return id;
}

/**
 * A check for the health route and before every write: the data directory is still the one the
 * node started with and, on PostgreSQL, the schema still holds this store's marker.
 */
export async function storeIntegrityCheck(
  store: Store,
  dataDir: string,
  storeId: string,
): Promise<() => Promise<string[]>> {
  // Synchronous: a stat of a directory the kernel has cached costs microseconds, while the
  // promise version's trip through libuv's thread pool was a visible part of each serving audit
  // write under load; and PGlite already does its file I/O in this directory synchronously on the
  // event loop, so this adds no new way to block it.
  const inode = async (p: string) => {
    try {
      const s = statSync(p);
      return `${s.dev}:${s.ino}`;
    } catch {
      return undefined;
    }
  };
  const watched = [dataDir, ...(store.kind === 'pglite' ? [join(dataDir, 'pglite')] : [])];
  const initial = await Promise.all(watched.map(inode));
  return async () => {
    const problems: string[] = [];
    const now = await Promise.all(watched.map(inode));
    if (now.some((v, i) => v !== initial[i]))
      problems.push('the data directory was deleted or replaced while the node ran');
    if (store.kind === 'postgres') {
      const found = await sql<{ id: string }>`select id from store_marker`
        .execute(store.db)
        .then((r) => r.rows.map((x) => x.id))
        .catch(() => [] as string[]);
      if (!found.includes(storeId))
        problems.push("the PostgreSQL schema no longer holds this node's store");
    }
    return problems;
  };
}
