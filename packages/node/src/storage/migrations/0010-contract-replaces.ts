/**
 * 0010: a contract may name the contract it replaces (a partner's new certificate, or a renewal),
 * so that a second contract for a node id never pins a second certificate beside the first: the
 * partner's user sees both fingerprints before confirming, and the confirmation ends the replaced
 * contract (issue 10, defect 3). The index serves the per-client and total limits on pending
 * incoming proposals.
 */
import type { Kysely, Migration } from 'kysely';

export const m0010: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('contracts').addColumn('replaces', 'text').execute();
    await db.schema
      .createIndex('contracts_status_direction_fp')
      .on('contracts')
      .columns(['status', 'direction', 'peer_fingerprint'])
      .execute();
  },
};
