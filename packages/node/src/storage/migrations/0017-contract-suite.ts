/**
 * 0017: the crypto suite of a contract (issue 13 item 4). `suite` is what the two nodes agreed
 * (`international`, or `gm` when both run the national suite); `peer_sm2_cert_pem` pins the
 * partner's SM2 certificate (signed SM2-with-SM3) whose key verifies its SM2 signatures on
 * control-plane requests. Existing contracts are `international`.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export const m0017: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('contracts')
      .addColumn('suite', 'text', (c) => c.notNull().defaultTo(sql`'international'`))
      .execute();
    await db.schema.alterTable('contracts').addColumn('peer_sm2_cert_pem', 'text').execute();
  },
};
