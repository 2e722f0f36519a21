/**
 * Verifying the audit hash chain (issue 13 item 3): walks the stored events in `seq` order from
 * the chain's anchor and names the first event that was edited, deleted, reordered or added
 * outside the chain, and a tail cut off after the last event. The check is by hashes only —
 * disabling triggers or editing the database files does not help: a changed event no longer
 * matches its hash, and recomputing the hashes changes the head that partners hold checkpoints of.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { readHead } from './audit-head.js';
import { auditEventHash, chainedFields, type AuditHashAlg } from './audit-hash.js';

/** One thing wrong with the chain. */
export interface ChainProblem {
  /**
   * edited: the event's fields no longer give its hash; reordered: its seq was changed (seq and
   * insertion order disagree); missing: seqs absent (events deleted); broken-link: its prev_hash
   * is not the previous event's hash (an event before it replaced); truncated: the newest events
   * are gone (the head names a later seq); head-mismatch: the head's hash is not the newest event's.
   */
  kind: 'edited' | 'reordered' | 'missing' | 'broken-link' | 'truncated' | 'head-mismatch';
  /** The seq the problem is at (for `missing`/`truncated`: the first absent seq). */
  seq: number;
  /** Database id of the event at that seq, when one is there. */
  id?: number;
  message: string;
}

export interface ChainVerification {
  ok: boolean;
  alg: AuditHashAlg;
  /** Events checked. */
  checked: number;
  anchorSeq: number;
  headSeq: number;
  headHash: string;
  /** The first problem (in seq order), and at most 20 in all. */
  firstProblem?: ChainProblem;
  problems: ChainProblem[];
}

const PAGE = 1000;
const MAX_PROBLEMS = 20;

/**
 * Walks the whole chain.
 * @throws the store's error.
 */
export async function verifyChain(db: Kysely<Database>): Promise<ChainVerification> {
  const head = await readHead(db);
  const alg = head.alg as AuditHashAlg;
  const anchorSeq = Number(head.anchor_seq);
  const headSeq = Number(head.head_seq);
  const problems: ChainProblem[] = [];
  const add = (p: ChainProblem) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  let expected = anchorSeq + 1;
  let prevHash = head.anchor_hash;
  let prevId = -Infinity;
  let checked = 0;
  let lastSeq = anchorSeq;
  let lastHash = head.anchor_hash;
  // From the lowest seq there is: rows at or before the anchor are reported too.
  let after = -Number.MAX_SAFE_INTEGER;
  for (;;) {
    const rows = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '>', String(after))
      .orderBy('seq')
      .limit(PAGE)
      .execute();
    if (rows.length === 0) break;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const seq = Number(r.seq);
      const id = Number(r.id);
      after = seq;
      checked++;
      if (seq <= anchorSeq) {
        add({
          kind: 'reordered',
          seq,
          id,
          message: `event id ${id} has seq ${seq}, at or before the chain's anchor (seq ${anchorSeq})`,
        });
        continue;
      }
      if (seq > expected) {
        add({
          kind: 'missing',
          seq: expected,
          message:
            seq - 1 === expected
              ? `event seq ${expected} is missing (deleted): the next stored event is seq ${seq} (id ${id})`
              : `events seq ${expected}–${seq - 1} are missing (deleted): the next stored event is seq ${seq} (id ${id})`,
        });
      }
      // Ids grow with seq on every honest append: a row whose id is larger than its successor's, or
      // smaller than one before it, was moved.
      const next = rows[i + 1];
      const outOfOrder = id < prevId || (next !== undefined && id > Number(next.id));
      const recomputed = auditEventHash(alg, chainedFields(r));
      if (recomputed !== r.hash) {
        add(
          outOfOrder
            ? {
                kind: 'reordered',
                seq,
                id,
                message: `event seq ${seq} (id ${id}) does not match its hash and is out of its written order: it was moved (its seq changed)`,
              }
            : {
                kind: 'edited',
                seq,
                id,
                message: `event seq ${seq} (id ${id}) does not match its hash: its content was changed after it was written, or it was inserted`,
              },
        );
      } else if (r.prev_hash !== prevHash && seq === expected) {
        add({
          kind: 'broken-link',
          seq,
          id,
          message: `event seq ${seq} (id ${id}) does not link to event seq ${seq - 1}: the event before it was replaced or moved`,
        });
      }
      prevHash = r.hash;
      prevId = Math.max(prevId, id);
      expected = seq + 1;
      lastSeq = seq;
      lastHash = r.hash;
    }
    if (rows.length < PAGE) break;
  }
  if (lastSeq < headSeq) {
    add({
      kind: 'truncated',
      seq: lastSeq + 1,
      message: `events seq ${lastSeq + 1}–${headSeq} are missing: the chain's head says ${headSeq} events, the newest stored is seq ${lastSeq} (the tail was cut off)`,
    });
  } else if (lastSeq > headSeq || lastHash !== head.head_hash) {
    add({
      kind: 'head-mismatch',
      seq: lastSeq,
      message: `the chain's head (seq ${headSeq}, ${head.head_hash.slice(0, 16)}…) is not the newest event (seq ${lastSeq}, ${lastHash.slice(0, 16)}…)`,
    });
  }
  problems.sort((a, b) => a.seq - b.seq);
  return {
    ok: problems.length === 0,
    alg,
    checked,
    anchorSeq,
    headSeq,
    headHash: head.head_hash,
    ...(problems[0] ? { firstProblem: problems[0] } : {}),
    problems,
  };
}

/**
 * The stored hash of the event at `seq` (undefined when there is none).
 * @throws the store's error.
 */
export async function hashAt(db: Kysely<Database>, seq: number): Promise<string | undefined> {
  const r = await db
    .selectFrom('audit_events')
    .select('hash')
    .where('seq', '=', String(seq))
    .executeTakeFirst();
  return r?.hash;
}
