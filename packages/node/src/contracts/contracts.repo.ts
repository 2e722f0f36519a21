/** Persistence of contracts and of the per-contract partner state. */
import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { ContractsTable, Database, PartnerStatusTable } from '../storage/schema.js';

export type ContractRow = Selectable<ContractsTable>;
export type PartnerStatusRow = Selectable<PartnerStatusTable>;

export class ContractsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  insert(row: Insertable<ContractsTable>): Promise<unknown> {
    return this.db.insertInto('contracts').values(row).execute();
  }

  get(id: string): Promise<ContractRow | undefined> {
    return this.db.selectFrom('contracts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(): Promise<ContractRow[]> {
    return this.db.selectFrom('contracts').selectAll().orderBy('created_at', 'desc').execute();
  }

  /** Contracts that are active and unexpired at `now`. */
  active(now = new Date()): Promise<ContractRow[]> {
    return this.db
      .selectFrom('contracts')
      .selectAll()
      .where('status', '=', 'active')
      .where('valid_until', '>', now)
      .execute();
  }

  /** Pending incoming proposals: all of them, or those sent with certificate `fingerprint`. */
  async pendingIncoming(fingerprint?: string): Promise<number> {
    let q = this.db
      .selectFrom('contracts')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('status', '=', 'pending')
      .where('direction', '=', 'incoming');
    if (fingerprint !== undefined) q = q.where('peer_fingerprint', '=', fingerprint);
    return Number((await q.executeTakeFirstOrThrow()).n);
  }

  async setStatus(id: string, status: string, reason: string | null = null): Promise<void> {
    await this.db
      .updateTable('contracts')
      .set({ status, status_reason: reason, updated_at: new Date() })
      .where('id', '=', id)
      .execute();
  }

  /**
   * Changes status only if it still is `from` (a state transition that a concurrent answer may
   * have made already). Resolves with whether it changed.
   */
  async transition(
    id: string,
    from: string,
    to: string,
    reason: string | null = null,
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('contracts')
      .set({ status: to, status_reason: reason, updated_at: new Date() })
      .where('id', '=', id)
      .where('status', '=', from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Updates what we know of a partner (its card) in every live contract pinning `fingerprint`. */
  async updatePeer(
    peerNodeId: string,
    fingerprint: string,
    card: { name: string; apiUrl: string; dataAddress: string },
  ): Promise<string[]> {
    const rows = await this.db
      .updateTable('contracts')
      .set({
        peer_name: card.name,
        peer_api_url: card.apiUrl,
        peer_data_address: card.dataAddress,
        updated_at: new Date(),
      })
      .where('peer_node_id', '=', peerNodeId)
      .where('peer_fingerprint', '=', fingerprint)
      .where('status', 'in', ['active', 'pending'])
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }

  partnerStatus(contractId: string): Promise<PartnerStatusRow | undefined> {
    return this.db
      .selectFrom('partner_status')
      .selectAll()
      .where('contract_id', '=', contractId)
      .executeTakeFirst();
  }

  async allPartnerStatus(): Promise<Map<string, PartnerStatusRow>> {
    const rows = await this.db.selectFrom('partner_status').selectAll().execute();
    return new Map(rows.map((r) => [r.contract_id, r]));
  }

  /** Creates or updates the partner state of a contract. */
  async setPartnerStatus(
    contractId: string,
    values: Omit<Updateable<PartnerStatusTable>, 'contract_id'>,
  ): Promise<void> {
    await this.db
      .insertInto('partner_status')
      .values({ contract_id: contractId, ...values })
      .onConflict((oc) => oc.column('contract_id').doUpdateSet(values))
      .execute();
  }
}
