/** Reading the audit chain's head row (issue 13 item 3). */
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { GENESIS_HASH, type AuditHashAlg } from './audit-hash.js';

/** The head row, or a new chain's (no event written yet) when there is none. */
export async function readHead(
  db: Kysely<Database>,
  alg: AuditHashAlg = 'sha256',
): Promise<{
  alg: string;
  head_seq: string;
  head_hash: string;
  anchor_seq: string;
  anchor_hash: string;
}> {
  const h = await db.selectFrom('audit_chain').selectAll().where('id', '=', 1).executeTakeFirst();
  return (
    h ?? {
      alg,
      head_seq: '0',
      head_hash: GENESIS_HASH,
      anchor_seq: '0',
      anchor_hash: GENESIS_HASH,
    }
  );
}
