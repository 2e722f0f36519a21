/**
 * Signed export archives of the audit chain (issue 13 item 3; standard 001 §9.2 d: evidence kept
 * with integrity protection). An archive is a JSON Lines file: line 1 the manifest, then one line
 * per event in seq order with every hashed field and its hash. The manifest names the range
 * (`fromSeq`–`toSeq`), the hash the range links to (`prevHash`, the event before it), the hash of
 * its last event (`headHash`), and is signed with the node's identity key; it carries the node's
 * certificate, so that {@link verifyAuditArchive} checks a file offline, with no node running:
 * signature, every event's hash, the links, the count and the head.
 *
 * At rest (issue 13 item 4), an archive may be sealed whole ({@link sealAuditArchive}): the
 * suite's cipher (AES-256-GCM for `international`, SM4-CTR + HMAC-SM3 for `gm`; crypto/seal/
 * at-rest.ts) under a passphrase or a 32-byte key, bound to the purpose "fedgrid.audit-archive".
 * {@link openAuditArchive} gives back the exact text that was signed, so verification after
 * opening is the same offline check as for a clear archive.
 */
import { createHash, sign, verify, X509Certificate, createPublicKey } from 'node:crypto';
import type { Kysely } from 'kysely';
import { openAtRest, sealAtRest, type CryptoSuite, type SealSecret } from '@fedgrid/crypto';
import { FedGridError } from '../errors/errors.js';
import { canonicalJson } from '../storage/canonical-json.js';
import type { Database } from '../storage/schema.js';
import {
  AUDIT_HASH_ALGS,
  auditEventHash,
  chainedFields,
  type AuditHashAlg,
  type ChainedEventFields,
} from './audit-hash.js';
import { readHead } from './audit-head.js';

/** The signed part of an archive's first line. */
export interface ArchiveManifest {
  type: 'fedgrid.audit-archive';
  v: 1;
  node: string;
  alg: AuditHashAlg;
  fromSeq: number;
  toSeq: number;
  count: number;
  /** Hash of event `fromSeq - 1` (the anchor's hash for the chain's first event). */
  prevHash: string;
  /** Hash of event `toSeq`. */
  headHash: string;
  exportedAt: string;
}

/** Line 1 of an archive. */
export interface ArchiveHeader {
  manifest: ArchiveManifest;
  /** Base64 signature of canonicalJson(manifest) by the node's identity key. */
  signature: string;
  /** The node's certificate (PEM); compare its fingerprint with the one your contract pins. */
  certPem: string;
}

/** One archived event: the hashed fields, its database id and its hash. */
export type ArchivedEvent = ChainedEventFields & { id: number; hash: string };

/** Most events one export holds. */
export const MAX_ARCHIVE_EVENTS = 200_000;

function digestFor(pem: string): string | null {
  const key = createPublicKey(pem);
  const t = String(key.asymmetricKeyType);
  if (t === 'ed25519' || t === 'ed448') return null;
  if (key.asymmetricKeyDetails?.namedCurve?.toLowerCase() === 'sm2') return 'sm3';
  return 'sha256';
}

/**
 * Builds the archive text of events `from`–`to` (inclusive; default the whole chain).
 * @throws FedGridError-like Error with `code` VALIDATION_FAILED for an empty or too large range.
 */
export async function exportAuditArchive(
  db: Kysely<Database>,
  opts: { nodeId: string; keyPem: string; certPem: string; from?: number; to?: number },
): Promise<{ text: string; manifest: ArchiveManifest }> {
  const head = await readHead(db);
  const anchor = Number(head.anchor_seq);
  const from = Math.max(opts.from ?? anchor + 1, anchor + 1);
  const to = Math.min(opts.to ?? Number(head.head_seq), Number(head.head_seq));
  if (to < from)
    throw rangeError(`nothing to export: the chain holds seq ${anchor + 1}–${head.head_seq}`);
  if (to - from + 1 > MAX_ARCHIVE_EVENTS)
    throw rangeError(
      `${to - from + 1} events: export at most ${MAX_ARCHIVE_EVENTS} at a time (--from/--to)`,
    );
  const rows = await db
    .selectFrom('audit_events')
    .selectAll()
    .where('seq', '>=', String(from))
    .where('seq', '<=', String(to))
    .orderBy('seq')
    .execute();
  const events: ArchivedEvent[] = rows.map((r) => ({
    ...chainedFields(r),
    id: Number(r.id),
    hash: r.hash,
  }));
  const prevHash =
    from === anchor + 1 ? head.anchor_hash : (rows[0]?.prev_hash ?? head.anchor_hash);
  const manifest: ArchiveManifest = {
    type: 'fedgrid.audit-archive',
    v: 1,
    node: opts.nodeId,
    alg: head.alg as AuditHashAlg,
    fromSeq: from,
    toSeq: to,
    count: to - from + 1,
    prevHash,
    headHash: events.at(-1)?.hash ?? prevHash,
    exportedAt: new Date().toISOString(),
  };
  const signature = sign(
    digestFor(opts.keyPem),
    Buffer.from(canonicalJson(manifest), 'utf8'),
    opts.keyPem,
  ).toString('base64');
  const header: ArchiveHeader = { manifest, signature, certPem: opts.certPem };
  const lines = [JSON.stringify(header), ...events.map((e) => JSON.stringify(e))];
  return { text: lines.join('\n') + '\n', manifest };
}

function rangeError(message: string): Error {
  return Object.assign(new Error(message), { code: 'VALIDATION_FAILED' });
}

/** The result of checking an archive offline. */
export interface ArchiveVerification {
  ok: boolean;
  node?: string;
  /** SHA-256 fingerprint of the certificate in the archive (compare it with the pinned one). */
  fingerprint?: string;
  fromSeq?: number;
  toSeq?: number;
  checked: number;
  /** The first problem, by line and seq. */
  problem?: string;
}

/**
 * Verifies an archive's text offline: manifest signature against the certificate it carries (and
 * `expectFingerprint`, if given), every event's hash, the links from `prevHash`, seqs without gaps
 * from `fromSeq` to `toSeq`, and `headHash`. Never throws on bad input; the answer names the first
 * problem (line and seq) without echoing the file's content.
 */
export function verifyAuditArchive(text: string, expectFingerprint?: string): ArchiveVerification {
  const lines = text.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1);
  const fail = (checked: number, problem: string, extra: Partial<ArchiveVerification> = {}) => ({
    ok: false,
    checked,
    problem,
    ...extra,
  });
  let header: ArchiveHeader;
  try {
    header = JSON.parse(lines[0] ?? '') as ArchiveHeader;
  } catch {
    return fail(0, 'line 1: not JSON (an audit archive starts with its manifest)');
  }
  const m = header?.manifest;
  if (
    !m ||
    m.type !== 'fedgrid.audit-archive' ||
    m.v !== 1 ||
    !AUDIT_HASH_ALGS.includes(m.alg) ||
    !Number.isSafeInteger(m.fromSeq) ||
    !Number.isSafeInteger(m.toSeq) ||
    typeof header.signature !== 'string' ||
    typeof header.certPem !== 'string'
  )
    return fail(0, 'line 1: not an audit archive manifest (fedgrid.audit-archive v1)');
  let fingerprint: string;
  let sigOk = false;
  try {
    const cert = new X509Certificate(header.certPem);
    fingerprint = cert.fingerprint256;
    sigOk = verify(
      digestFor(header.certPem),
      Buffer.from(canonicalJson(m), 'utf8'),
      cert.publicKey,
      Buffer.from(header.signature, 'base64'),
    );
  } catch {
    return fail(0, 'line 1: the certificate in the manifest cannot be read');
  }
  const base = { node: m.node, fingerprint, fromSeq: m.fromSeq, toSeq: m.toSeq };
  if (!sigOk)
    return fail(0, 'line 1: the manifest signature does not verify with its certificate', base);
  if (expectFingerprint && expectFingerprint.toUpperCase() !== fingerprint.toUpperCase())
    return fail(
      0,
      `line 1: signed by certificate ${fingerprint}, not the expected ${expectFingerprint}`,
      base,
    );
  let prev = m.prevHash;
  let seq = m.fromSeq;
  let checked = 0;
  for (let i = 1; i < lines.length; i++) {
    let e: ArchivedEvent;
    try {
      e = JSON.parse(lines[i]!) as ArchivedEvent;
    } catch {
      return fail(checked, `line ${i + 1}: not JSON`, base);
    }
    if (e?.seq !== seq)
      return fail(
        checked,
        `line ${i + 1}: expected event seq ${seq}, found seq ${String(e?.seq)} (events missing, added or reordered)`,
        base,
      );
    if (e.prevHash !== prev)
      return fail(
        checked,
        `line ${i + 1}: event seq ${seq} does not link to the event before it`,
        base,
      );
    let h: string;
    try {
      h = auditEventHash(m.alg, e);
    } catch {
      return fail(checked, `line ${i + 1}: event seq ${seq} cannot be hashed`, base);
    }
    if (h !== e.hash)
      return fail(
        checked,
        `line ${i + 1}: event seq ${seq} (id ${e.id}) does not match its hash: edited`,
        base,
      );
    prev = e.hash;
    seq++;
    checked++;
  }
  if (seq - 1 !== m.toSeq || checked !== m.count)
    return fail(
      checked,
      `the archive ends at seq ${seq - 1}, its manifest says ${m.toSeq}: events cut off`,
      base,
    );
  if (prev !== m.headHash) return fail(checked, 'the last event is not the manifest head', base);
  return { ok: true, checked, ...base };
}

/** SHA-256 of an archive's text, hex (recorded with the export). */
export function archiveDigest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The purpose a sealed archive is bound to (its AAD): a sealed key file cannot pass for one. */
const ARCHIVE_AAD = Buffer.from('fedgrid.audit-archive');
const SEAL_MAGIC = Buffer.from('FGSEAL1\0');

/**
 * Seals an archive's text for storage or hand-over (issue 13 item 4).
 * @param suite the node's crypto suite: `international` → AES-256-GCM, `gm` → SM4-CTR + HMAC-SM3.
 * @param secret a non-empty passphrase (scrypt / PBKDF2-HMAC-SM3 with a fresh salt; ≈ 0.1–1 s)
 *   or a 32-byte key.
 * @returns the sealed bytes ("FGSEAL1" header, then the authenticated ciphertext).
 * @throws RangeError for an empty passphrase or a key that is not 32 bytes.
 */
export function sealAuditArchive(text: string, suite: CryptoSuite, secret: SealSecret): Uint8Array {
  return sealAtRest(suite, secret, Buffer.from(text, 'utf8'), ARCHIVE_AAD);
}

/** Whether `bytes` is a sealed blob (starts with the "FGSEAL1" header) rather than clear text. */
export function isSealedArchive(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, SEAL_MAGIC.length)).equals(SEAL_MAGIC);
}

/**
 * Opens a {@link sealAuditArchive} output, giving back the archive's text. Nothing of the content
 * is returned or echoed unless authentication succeeds.
 * @param where how to name the archive in errors (e.g. its file name).
 * @throws FedGridError UNAUTHORIZED when no secret is given, or the secret does not open it
 *   (wrong passphrase or key, or altered bytes: authenticated encryption cannot tell these apart);
 *   VALIDATION_FAILED when it is not a sealed blob.
 */
export function openAuditArchive(
  bytes: Uint8Array,
  secret: SealSecret | undefined,
  where = 'the archive',
): string {
  if (!isSealedArchive(bytes))
    throw new FedGridError('VALIDATION_FAILED', `${where} is not sealed (no FGSEAL1 header)`);
  if (!secret)
    throw new FedGridError(
      'UNAUTHORIZED',
      `${where} is sealed: give the passphrase with --passphrase-file <file>, or set FEDGRID_SEAL_PASSPHRASE (or FEDGRID_SEAL_KEY) to the secret it was sealed with`,
    );
  try {
    return Buffer.from(openAtRest(secret, bytes, ARCHIVE_AAD)).toString('utf8');
  } catch (err) {
    throw new FedGridError(
      'UNAUTHORIZED',
      `cannot open the sealed audit archive ${where}: ${(err as Error).message}`,
    );
  }
}
