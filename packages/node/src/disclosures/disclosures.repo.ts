/** Queries on the disclosure ledger tables (0011): running totals and the charges behind them. */
import { disclosureLimit } from '@fedgrid/components';
import { sql, type Kysely, type Selectable } from 'kysely';
import type {
  Database,
  DisclosureBudgetsTable,
  DisclosureChargesTable,
} from '../storage/schema.js';

export type DisclosureBudgetRow = Selectable<DisclosureBudgetsTable>;
export type DisclosureChargeRow = Selectable<DisclosureChargesTable>;

/** One charge as the service resolved it (node ids and dataset id, not party names). */
export interface ChargeEntry {
  jobId: string;
  taskName: string;
  party: string;
  partner: string;
  partnerNodeId: string;
  datasetId: string;
  kind: string;
  amount: number;
  rows: number;
  budgetPerRow: number;
}

/** The outcome of {@link DisclosuresRepo.charge}. */
export type ChargeOutcome =
  | { status: 'charged' | 'already-charged'; used: number; minRows: number }
  | { status: 'refused'; used: number; minRows: number };

export class DisclosuresRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Adds `amount` to the (dataset, partner node, kind) total if the new total stays within
   * ⌊budgetPerRow × min(rows, smallest rows so far)⌋, in one transaction: the total is updated
   * by a single conditional upsert (atomic on PGlite and PostgreSQL), and a refused charge
   * leaves no row. A second charge from the same (job, task, party, partner, kind) is not added.
   */
  async charge(e: ChargeEntry): Promise<ChargeOutcome> {
    return this.db
      .transaction()
      .execute(async (trx) => {
        const key = { dataset_id: e.datasetId, partner_node_id: e.partnerNodeId, kind: e.kind };
        const current = () =>
          trx
            .selectFrom('disclosure_budgets')
            .select(['used', 'min_rows'])
            .where('dataset_id', '=', key.dataset_id)
            .where('partner_node_id', '=', key.partner_node_id)
            .where('kind', '=', key.kind)
            .executeTakeFirst();
        const inserted = await trx
          .insertInto('disclosure_charges')
          .values({
            job_id: e.jobId,
            task_name: e.taskName,
            party: e.party,
            partner: e.partner,
            kind: e.kind,
            dataset_id: e.datasetId,
            partner_node_id: e.partnerNodeId,
            amount: e.amount,
            rows: e.rows,
          })
          .onConflict((oc) => oc.doNothing())
          .returning('job_id')
          .executeTakeFirst();
        if (!inserted) {
          const row = await current();
          return {
            status: 'already-charged' as const,
            used: row?.used ?? 0,
            minRows: row?.min_rows ?? e.rows,
          };
        }
        if (e.amount > disclosureLimit(e.rows, e.budgetPerRow)) {
          // Over budget on these rows alone (the upsert's insert path does not check).
          const row = await current();
          throw new RefusedCharge({
            status: 'refused',
            used: row?.used ?? 0,
            minRows: Math.min(row?.min_rows ?? e.rows, e.rows),
          });
        }
        const minRows = sql<number>`least(disclosure_budgets.min_rows, excluded.min_rows)`;
        const updated = await trx
          .insertInto('disclosure_budgets')
          .values({ ...key, used: e.amount, min_rows: e.rows })
          .onConflict((oc) =>
            oc
              .columns(['dataset_id', 'partner_node_id', 'kind'])
              .doUpdateSet({
                used: sql`disclosure_budgets.used + excluded.used`,
                min_rows: minRows,
                updated_at: sql`now()`,
              })
              .where(
                sql<boolean>`disclosure_budgets.used + excluded.used <= floor(${minRows} * ${e.budgetPerRow}::float8 + 1e-9)`,
              ),
          )
          .returning(['used', 'min_rows'])
          .executeTakeFirst();
        if (updated)
          return { status: 'charged' as const, used: updated.used, minRows: updated.min_rows };
        const row = await current();
        // Roll the charge row back with the refusal: nothing was revealed.
        throw new RefusedCharge({
          status: 'refused',
          used: row?.used ?? 0,
          minRows: Math.min(row?.min_rows ?? e.rows, e.rows),
        });
      })
      .catch((err: unknown) => {
        if (err instanceof RefusedCharge) return err.outcome;
        throw err;
      });
  }

  /** Running totals, optionally of one dataset. */
  async budgets(datasetId?: string): Promise<DisclosureBudgetRow[]> {
    let q = this.db.selectFrom('disclosure_budgets').selectAll();
    if (datasetId) q = q.where('dataset_id', '=', datasetId);
    return q.orderBy('dataset_id').orderBy('partner_node_id').orderBy('kind').execute();
  }

  /** The charges behind the totals, oldest first, optionally of one dataset. */
  async charges(datasetId?: string): Promise<DisclosureChargeRow[]> {
    let q = this.db.selectFrom('disclosure_charges').selectAll();
    if (datasetId) q = q.where('dataset_id', '=', datasetId);
    return q.orderBy('charged_at').orderBy('job_id').execute();
  }
}

/** Carries a refusal out of the transaction so that it rolls back. */
class RefusedCharge extends Error {
  constructor(readonly outcome: ChargeOutcome) {
    super('disclosure charge refused');
  }
}
