/** Persistence of contracts and of the per-contract partner state. */
import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { ContractsTable, Database, PartnerStatusTable } from '../storage/schema.js';

export type ContractRow = Selectable<ContractsTable>;
export type PartnerStatusRow = Selectable<PartnerStatusTable>;

/**
 * How long the active contracts read from the store are reused, milliseconds. Every contract
 * write of this node goes through this repository and drops the copy at once; the time bound is
 * only a safety net for a write made elsewhere (an operator's SQL).
 */
const ACTIVE_TTL_MS = 1000;

export class ContractsRepo {
  /**
   * The active contracts, read once and reused: every partner request authenticates against them
   * (server/auth.ts), and reading them from the store per request was a large part of an online
   * prediction's cost. Expiry is applied at each call, not cached.
   */
  private activeCache: { at: number; rows: Promise<ContractRow[]> } | undefined;
  /** Bumped by every write, so that a read that raced with one is not kept. */
  private generation = 0;

  constructor(private readonly db: Kysely<Database>) {}

  private async write<T>(op: () => Promise<T>): Promise<T> {
    this.generation++;
    this.activeCache = undefined;
    try {
      return await op();
    } finally {
      this.generation++;
      this.activeCache = undefined;
    }
  }

  /** Drops the reused active contracts (after a contract write made outside this repository). */
  forget(): void {
    this.generation++;
    this.activeCache = undefined;
  }

  insert(row: Insertable<ContractsTable>): Promise<unknown> {
    return this.write(() => this.db.insertInto('contracts').values(row).execute());
  }

  get(id: string): Promise<ContractRow | undefined> {
    return this.db.selectFrom('contracts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(): Promise<ContractRow[]> {
    return this.db.selectFrom('contracts').selectAll().orderBy('created_at', 'desc').execute();
  }

  /** Contracts that are active and unexpired at `now` (a fresh array; rows are shared). */
  async active(now = new Date()): Promise<ContractRow[]> {
    const t = performance.now();
    let hit = this.activeCache;
    if (!hit || t - hit.at >= ACTIVE_TTL_MS) {
      const generation = this.generation;
      const rows = this.db
        .selectFrom('contracts')
        .selectAll()
        .where('status', '=', 'active')
        .execute();
      hit = { at: t, rows };
      this.activeCache = hit;
      const entry = hit;
      rows.then(
        () => {
          if (this.generation !== generation && this.activeCache === entry)
            this.activeCache = undefined;
        },
        () => {
          if (this.activeCache === entry) this.activeCache = undefined;
        },
      );
    }
    const at = now.getTime();
    return (await hit.rows).filter((r) => new Date(r.valid_until).getTime() > at);
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
    await this.write(() =>
      this.db
        .updateTable('contracts')
        .set({ status, status_reason: reason, updated_at: new Date() })
        .where('id', '=', id)
        .execute(),
    );
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
    const r = await this.write(() =>
      this.db
        .updateTable('contracts')
        .set({ status: to, status_reason: reason, updated_at: new Date() })
        .where('id', '=', id)
        .where('status', '=', from)
        .executeTakeFirst(),
    );
    return Number(r.numUpdatedRows) > 0;
  }

  /** Updates what we know of a partner (its card) in every live contract pinning `fingerprint`. */
  async updatePeer(
    peerNodeId: string,
    fingerprint: string,
    card: { name: string; apiUrl: string; dataAddress: string },
  ): Promise<string[]> {
    const rows = await this.write(() =>
      this.db
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
        .execute(),
    );
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
