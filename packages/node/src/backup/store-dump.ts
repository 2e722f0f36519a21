/**
 * Every table of a node's store, read in one consistent snapshot and written back in one
 * transaction. Rows travel as PostgreSQL's own JSON (`to_jsonb(row)::text` out,
 * `jsonb_populate_recordset` in), so the database converts every type both ways — bytea, jsonb,
 * timestamps to the microsecond, bigint beyond 2^53 — and JavaScript never re-encodes a value.
 * Works on the embedded PGlite store and on PostgreSQL alike (one SQL dialect).
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../storage/schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Rows read or written per statement. */
const BATCH_ROWS = 2000;

/** Tables of the store's schema, parents before children (foreign keys); Kysely's own excluded. */
export async function storeTables(db: Db): Promise<string[]> {
  const tables = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE'
      and table_name not like 'kysely\\_%'
    order by table_name`.execute(db);
  const fks = await sql<{ child: string; parent: string }>`
    select c.relname as child, p.relname as parent
    from pg_constraint k
    join pg_class c on c.oid = k.conrelid
    join pg_class p on p.oid = k.confrelid
    join pg_namespace n on n.oid = k.connamespace
    where k.contype = 'f' and n.nspname = current_schema()`.execute(db);
  const names = tables.rows.map((r) => r.name);
  const parents = new Map<string, Set<string>>(names.map((n) => [n, new Set()]));
  for (const fk of fks.rows) if (fk.child !== fk.parent) parents.get(fk.child)?.add(fk.parent);
  const out: string[] = [];
  const placed = new Set<string>();
  while (out.length < names.length) {
    const next = names.filter(
      (n) => !placed.has(n) && [...(parents.get(n) ?? [])].every((p) => placed.has(p)),
    );
    // A cycle cannot be ordered: append the rest (the load then fails loudly, in one transaction).
    const batch = next.length ? next : names.filter((n) => !placed.has(n));
    for (const n of batch) {
      placed.add(n);
      out.push(n);
    }
  }
  return out;
}

/** Migrations applied to the store, in order. */
export async function appliedMigrations(db: Db): Promise<string[]> {
  const r = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
    db,
  );
  return r.rows.map((x) => x.name);
}

/**
 * Reads table `name` through a server-side cursor (memory-bounded, one pass, no sort), calling
 * `onRow` with each row's JSON text. Must run inside a transaction (REPEATABLE READ for a
 * consistent backup): the cursor lives until the transaction ends.
 * @returns the number of rows
 */
export async function dumpTable(
  db: Transaction<Database>,
  name: string,
  onRow: (json: string) => Promise<void>,
): Promise<number> {
  const cursor = sql.id(`fedgrid_dump_${name}`);
  await sql`declare ${cursor} no scroll cursor for
    select to_jsonb(t)::text as j from ${sql.id(name)} t`.execute(db);
  let n = 0;
  try {
    for (;;) {
      const page = await sql<{
        j: string;
      }>`fetch ${sql.raw(String(BATCH_ROWS))} from ${cursor}`.execute(db);
      for (const r of page.rows) await onRow(r.j);
      n += page.rows.length;
      if (page.rows.length < BATCH_ROWS) return n;
    }
  } finally {
    await sql`close ${cursor}`.execute(db);
  }
}

/** Inserts rows (JSON texts from {@link dumpTable}) into table `name`. */
export async function loadRows(db: Db, name: string, rows: readonly string[]): Promise<void> {
  if (rows.length === 0) return;
  const json = `[${rows.join(',')}]`;
  await sql`insert into ${sql.id(name)}
    select * from jsonb_populate_recordset(null::${sql.id(name)}, ${json}::text::jsonb)`.execute(
    db,
  );
}

/** Empties every table (one statement, so foreign keys and row triggers are no obstacle). */
export async function truncateAll(db: Db, tables: readonly string[]): Promise<void> {
  if (tables.length === 0) return;
  await sql`truncate ${sql.join(tables.map((t) => sql.id(t)))} restart identity`.execute(db);
}

/** Moves every serial column's sequence past the largest restored value. */
export async function resetSequences(db: Db): Promise<void> {
  const cols = await sql<{ t: string; c: string }>`
    select table_name as t, column_name as c from information_schema.columns
    where table_schema = current_schema() and column_default like 'nextval(%'`.execute(db);
  for (const { t, c } of cols.rows) {
    await sql`select setval(
        pg_get_serial_sequence(quote_ident(current_schema()) || '.' || quote_ident(${t}), ${c}),
        coalesce((select max(${sql.id(c)}) from ${sql.id(t)}), 0) + 1, false)`.execute(db);
  }
}

/** Every table's rows as sorted JSON texts: for comparing two stores (tests, verification). */
export async function tableContents(db: Kysely<Database>): Promise<Map<string, string[]>> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const out = new Map<string, string[]>();
      for (const t of await storeTables(trx)) {
        const rows: string[] = [];
        await dumpTable(trx, t, async (j) => {
          rows.push(j);
        });
        out.set(t, rows.sort());
      }
      return out;
    });
}
