/**
 * The hash chain of the audit log (issue 13 item 3): every event carries `seq` (1, 2, 3, … with
 * no gaps), the hash of the event before it (`prevHash`; the chain's anchor hash for the first
 * one) and its own hash, `H(canonical JSON of the event including seq and prevHash)`. Editing,
 * deleting, inserting or reordering any event changes a hash that every later event depends on.
 * H follows the node's crypto suite: SHA-256 (`international`) or SM3 (`gm`, GB/T 32905); the
 * algorithm is recorded once per chain and is itself part of every hashed event.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../storage/canonical-json.js';

/** Hash algorithms a chain may use (node:crypto names). */
export type AuditHashAlg = 'sha256' | 'sm3';

export const AUDIT_HASH_ALGS: readonly AuditHashAlg[] = ['sha256', 'sm3'];

/** The anchor of a new chain: 32 zero bytes, hex (both algorithms give 32-byte digests). */
export const GENESIS_HASH = '0'.repeat(64);

/** The hash algorithm of a crypto suite: SM3 for `gm`, SHA-256 otherwise. */
export function auditHashAlgForSuite(suite: string | undefined): AuditHashAlg {
  return suite === 'gm' ? 'sm3' : 'sha256';
}

/** What is hashed of one event: every stored field except the database id and the hash itself. */
export interface ChainedEventFields {
  seq: number;
  prevHash: string;
  /** ISO 8601, millisecond precision (as stored). */
  at: string;
  nodeId: string;
  actorKind: string;
  actorId: string;
  action: string;
  objectType: string | null;
  objectId: string | null;
  outcome: string;
  status: number | null;
  details: unknown;
}

/**
 * The hash of one event, lowercase hex.
 * @throws Error if `alg` is not available in this Node build.
 */
export function auditEventHash(alg: AuditHashAlg, e: ChainedEventFields): string {
  const body = canonicalJson({
    v: 1,
    alg,
    seq: e.seq,
    prev: e.prevHash,
    at: e.at,
    node: e.nodeId,
    actorKind: e.actorKind,
    actorId: e.actorId,
    action: e.action,
    objectType: e.objectType,
    objectId: e.objectId,
    outcome: e.outcome,
    status: e.status,
    details: e.details ?? null,
  });
  return createHash(alg).update(body, 'utf8').digest('hex');
}

/** An audit row as the store returns it, to the hashed fields. */
export function chainedFields(r: {
  seq: number | string | bigint;
  prev_hash: string | null;
  at: Date | string;
  node_id: string;
  actor_kind: string;
  actor_id: string;
  action: string;
  object_type: string | null;
  object_id: string | null;
  outcome: string;
  status: number | null;
  details: unknown;
}): ChainedEventFields {
  return {
    seq: Number(r.seq),
    prevHash: r.prev_hash ?? '',
    at: new Date(r.at).toISOString(),
    nodeId: r.node_id,
    actorKind: r.actor_kind,
    actorId: r.actor_id,
    action: r.action,
    objectType: r.object_type,
    objectId: r.object_id,
    outcome: r.outcome,
    status: r.status === null ? null : Number(r.status),
    details: r.details,
  };
}
