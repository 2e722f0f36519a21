/**
 * PostgreSQL settings an embedded (PGlite) store starts with, over PGlite's own start parameters.
 *
 * PGlite runs PostgreSQL in single-user mode inside WebAssembly on the node's main thread, so
 * whatever PostgreSQL does synchronously inside a statement blocks every request of the node for
 * that long. One such thing was measured (issue 12, docs/BENCHMARKS.md "Stalls of the event
 * loop"): when the write-ahead log fills its 16 MB segment, the commit that crosses into the next
 * segment creates the new file and — by default (`wal_init_zero = on`) — writes 16 MB of zeros
 * into it first, ≈ 20 ms of one commit every ≈ 40 s on a node serving 1,000 predictions a second.
 *
 * `wal_init_zero = off` creates the segment by writing its last byte instead (a sparse file; the
 * log records are written into it as before). What a zeroed segment buys a server — its blocks
 * allocated up front, so that later log writes need no metadata flush — buys PGlite nothing: it
 * runs with `fsync = off` (PGlite's `-F`) anyway, and a write that cannot be stored (full disk)
 * fails the commit either way, before it is acknowledged. Every committed write is in the file
 * system when the statement returns, as before; see docs/OPERATIONS.md, "Store".
 */
import { PGlite } from '@electric-sql/pglite';

/** The settings (name → value) every embedded store of a node starts with. */
export const PGLITE_SETTINGS: Readonly<Record<string, string>> = Object.freeze({
  wal_init_zero: 'off',
});

/**
 * PGlite's start parameters (`postgres --single …`): PGlite's defaults followed by
 * `-c name=value` for each of {@link PGLITE_SETTINGS}.
 * @returns the `startParams` option of `new PGlite(dir, { startParams })`.
 */
export function pgliteStartParams(): string[] {
  return [
    ...PGlite.defaultStartParams,
    ...Object.entries(PGLITE_SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
  ];
}
