/** Persistence of the component registry. */
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { ComponentsTable, Database } from '../storage/schema.js';

export type ComponentRow = Selectable<ComponentsTable>;

export interface ComponentFilter {
  engine?: string;
  visibility?: string;
}

export class ComponentsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  get(code: string, version: string): Promise<ComponentRow | undefined> {
    return this.db
      .selectFrom('components')
      .selectAll()
      .where('code', '=', code)
      .where('version', '=', version)
      .executeTakeFirst();
  }

  list(filter: ComponentFilter = {}): Promise<ComponentRow[]> {
    let q = this.db.selectFrom('components').selectAll();
    if (filter.engine) q = q.where('engine', '=', filter.engine);
    if (filter.visibility) q = q.where('visibility', '=', filter.visibility);
    return q.orderBy('code').orderBy('version').execute();
  }

  async insert(row: Insertable<ComponentsTable>): Promise<void> {
    await this.db.insertInto('components').values(row).execute();
  }

  /**
   * Inserts or refreshes a built-in component; the visibility an admin chose and the last health
   * check are kept.
   */
  async upsertBuiltin(row: Insertable<ComponentsTable>): Promise<void> {
    await this.db
      .insertInto('components')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['code', 'version']).doUpdateSet({
          engine: row.engine,
          name: row.name,
          description: row.description ?? '',
          reference: row.reference ?? '',
          address: null,
          address_type: null,
          roles: row.roles,
          inputs: row.inputs,
          outputs: row.outputs,
          params_schema: row.params_schema,
          developer: row.developer ?? '',
          status: row.status,
          updated_at: new Date(),
        }),
      )
      .execute();
  }

  /** Removes built-in rows whose code and version this build no longer has. */
  async removeStaleBuiltins(keep: { code: string; version: string }[]): Promise<void> {
    const rows = await this.list({ engine: 'builtin' });
    for (const r of rows) {
      if (!keep.some((k) => k.code === r.code && k.version === r.version))
        await this.delete(r.code, r.version);
    }
  }

  async setHealth(code: string, version: string, health: string, detail: string): Promise<Date> {
    const at = new Date();
    await this.db
      .updateTable('components')
      .set({ health, health_detail: detail, health_checked_at: at })
      .where('code', '=', code)
      .where('version', '=', version)
      .execute();
    return at;
  }

  async delete(code: string, version: string): Promise<void> {
    await this.db
      .deleteFrom('components')
      .where('code', '=', code)
      .where('version', '=', version)
      .execute();
  }
}
