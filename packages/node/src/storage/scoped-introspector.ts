/**
 * A PostgreSQL dialect whose introspection sees only the node's own schema.
 *
 * Why: Kysely's Migrator asks `introspection.getTables()` whether its migration tables exist, and
 * the stock PostgresIntrospector scans every schema in the database, calling
 * `has_schema_privilege(nspname, …)` and `pg_get_serial_sequence(nspname || '.' || relname, …)`.
 * Those functions look schemas up *by name* outside the query's snapshot, so when another session
 * drops a schema while the scan runs (another node sharing the database is removed, a demo or a
 * test cleans up) the migration fails with `schema "…" does not exist` — for a schema that is not
 * ours. Scoping the catalog query to our schema's name removes the race: nothing else is looked
 * up.
 */
import {
  PostgresDialect,
  sql,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type DatabaseMetadataOptions,
  type Kysely,
  type PostgresDialectConfig,
  type SchemaMetadata,
  type TableMetadata,
} from 'kysely';

interface ColumnRow {
  table: string;
  table_type: string;
  column: string;
  type: string;
  type_schema: string;
  not_null: boolean;
  has_default: boolean;
}

/** Tables, views and their columns in one schema, read from pg_catalog by OID joins only. */
export class SchemaScopedIntrospector implements DatabaseIntrospector {
  constructor(
    private readonly db: Kysely<unknown>,
    private readonly schema: string,
  ) {}

  /** Only our schema, and only when it exists. */
  async getSchemas(): Promise<SchemaMetadata[]> {
    const r = await sql<{
      nspname: string;
    }>`select nspname from pg_catalog.pg_namespace where nspname = ${this.schema}`.execute(this.db);
    return r.rows.map((row) => ({ name: row.nspname }));
  }

  /**
   * Tables and views of our schema with their columns (Kysely's migration tables included: the
   * Migrator needs them). `isAutoIncrementing` is not computed (it needs a by-name lookup).
   */
  async getTables(): Promise<TableMetadata[]> {
    const r = await sql<ColumnRow>`
      select c.relname as table, c.relkind as table_type, a.attname as column,
             typ.typname as type, tns.nspname as type_schema,
             a.attnotnull as not_null, a.atthasdef as has_default
        from pg_catalog.pg_class c
        join pg_catalog.pg_namespace ns on ns.oid = c.relnamespace
        join pg_catalog.pg_attribute a on a.attrelid = c.oid
        join pg_catalog.pg_type typ on typ.oid = a.atttypid
        join pg_catalog.pg_namespace tns on tns.oid = typ.typnamespace
       where ns.nspname = ${this.schema}
         and c.relkind in ('r', 'v', 'p')
         and a.attnum >= 0 and not a.attisdropped
       order by c.relname, a.attnum`.execute(this.db);
    const tables = new Map<string, TableMetadata>();
    for (const row of r.rows) {
      let t = tables.get(row.table);
      if (!t) {
        t = { name: row.table, schema: this.schema, isView: row.table_type === 'v', columns: [] };
        tables.set(row.table, t);
      }
      (t.columns as TableMetadata['columns'][number][]).push({
        name: row.column,
        dataType: row.type,
        dataTypeSchema: row.type_schema,
        isNullable: !row.not_null,
        isAutoIncrementing: false,
        hasDefaultValue: row.has_default,
      });
    }
    return [...tables.values()];
  }

  /** @deprecated by Kysely in favour of getTables; kept for the interface. */
  async getMetadata(_options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}

/** PostgresDialect with {@link SchemaScopedIntrospector} for `schema`. */
export class SchemaScopedPostgresDialect extends PostgresDialect {
  constructor(
    config: PostgresDialectConfig,
    private readonly schema: string,
  ) {
    super(config);
  }

  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SchemaScopedIntrospector(db, this.schema);
  }
}
