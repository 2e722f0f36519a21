/**
 * Signed audit checkpoints exchanged with partners (issue 13 item 3; docs/protocols/
 * audit-checkpoints.md). A checkpoint says "my audit chain had `seq` events and its head hash was
 * `head` at time `at`", signed with the node's identity key (the key of the certificate every
 * contract pins). Each partner verifies it against the certificate its contract pins and keeps the
 * newest few. Because a head hash covers every event before it, one checkpoint held by a partner
 * is enough to expose any later rewrite of that history: recomputing the hashes after an edit
 * changes the hash at `seq`, which no longer matches what the partner holds.
 */
import { createPublicKey, sign, verify, X509Certificate, type KeyObject } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { TlsIdentity } from '@fedgrid/federation';
import type { ContractService } from '../contracts/contracts.service.js';
import { FedGridError } from '../errors/errors.js';
import type { PeerClient } from '../peers/peer-client.js';
import { canonicalJson } from '../storage/canonical-json.js';
import type { Database } from '../storage/schema.js';
import { AUDIT_HASH_ALGS, GENESIS_HASH } from './audit-hash.js';
import type { AuditService } from './audit.service.js';
import { hashAt } from './audit-verify.js';
import { archiveDigest, exportAuditArchive } from './audit-archive.js';

/** What a checkpoint states (signed as its canonical JSON). */
export interface CheckpointBody {
  type: 'fedgrid.audit-checkpoint';
  v: 1;
  /** The signer. */
  node: string;
  /** The partner it is meant for (a checkpoint cannot be passed on to another partner). */
  to: string;
  alg: string;
  /** Events in the chain (the head's seq). */
  seq: number;
  /** Hash of the event at `seq` (the genesis hash for 0). */
  head: string;
  /** When it was signed, ISO 8601. */
  at: string;
}

/** On the wire: the exact signed text and its signature (base64). */
export interface SignedCheckpoint {
  checkpoint: string;
  signature: string;
}

const hex64 = /^[0-9a-f]{64}$/;
const bodySchema = z
  .object({
    type: z.literal('fedgrid.audit-checkpoint'),
    v: z.literal(1),
    node: z.string().min(1).max(64),
    to: z.string().min(1).max(64),
    alg: z.enum(AUDIT_HASH_ALGS as [string, ...string[]]),
    seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    head: z.string().regex(hex64, 'a 64-digit lowercase hex hash'),
    at: z.string().datetime(),
  })
  .strict();

/** The wire form: the signed text at most 1 KiB, the signature at most 512 base64 characters. */
export const signedCheckpointSchema = z
  .object({
    checkpoint: z.string().min(2).max(1024),
    signature: z
      .string()
      .min(1)
      .max(512)
      .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'base64'),
  })
  .strict();

/** Width of the recent buckets of {@link checkpointsToKeep} (the default checkpoint interval). */
export const CHECKPOINT_BUCKET_MS = 10 * 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Which of a partner's checkpoints to keep (ids). Keeping only the newest `kept` would let a
 * partner that rewrote its history flush the evidence held about it by sending `kept` fresh
 * checkpoints in a row; so, besides the newest `kept`, the first checkpoint received in each
 * 10-minute bucket of the last 24 hours and the first of each UTC day within `retentionDays` stay,
 * whatever the partner sends later. Buckets go by this node's receipt time, which the partner does
 * not choose. At most `kept` + 145 + `retentionDays` + 1 rows per partner.
 * @param rows the partner's checkpoints, any order; `receivedAt` in ms since the epoch.
 * @param now ms since the epoch.
 */
export function checkpointsToKeep(
  rows: ReadonlyArray<{ id: string; seq: number; receivedAt: number }>,
  opts: { kept: number; retentionDays: number; now: number },
): Set<string> {
  const newestFirst = [...rows].sort((x, y) => y.seq - x.seq || y.receivedAt - x.receivedAt);
  const keep = new Set(newestFirst.slice(0, opts.kept).map((r) => r.id));
  const firstOf = new Map<string, { id: string; receivedAt: number }>();
  for (const r of rows) {
    const age = opts.now - r.receivedAt;
    const key =
      age <= DAY_MS
        ? `b${Math.floor(r.receivedAt / CHECKPOINT_BUCKET_MS)}`
        : age <= opts.retentionDays * DAY_MS
          ? `d${Math.floor(r.receivedAt / DAY_MS)}`
          : undefined;
    if (key === undefined) continue;
    const f = firstOf.get(key);
    if (!f || r.receivedAt < f.receivedAt || (r.receivedAt === f.receivedAt && r.id < f.id))
      firstOf.set(key, r);
  }
  for (const { id } of firstOf.values()) keep.add(id);
  return keep;
}

/** The digest a key signs with: none for Ed25519/Ed448 (built in), SM3 for SM2, else SHA-256. */
function digestFor(key: KeyObject): string | null {
  const t = String(key.asymmetricKeyType);
  if (t === 'ed25519' || t === 'ed448') return null;
  if (t === 'sm2' || key.asymmetricKeyDetails?.namedCurve?.toLowerCase() === 'sm2') return 'sm3';
  return 'sha256';
}

/** Signs `body` with the node's identity key. */
export function signCheckpoint(keyPem: string, body: CheckpointBody): SignedCheckpoint {
  const checkpoint = canonicalJson(body);
  const pub = createPublicKey(keyPem);
  const signature = sign(digestFor(pub), Buffer.from(checkpoint, 'utf8'), keyPem).toString(
    'base64',
  );
  return { checkpoint, signature };
}

/**
 * Parses a signed checkpoint and checks its signature against `certPem`.
 * @throws FedGridError VALIDATION_FAILED naming what is wrong (malformed text, bad signature).
 */
export function openCheckpoint(certPem: string, signed: SignedCheckpoint): CheckpointBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(signed.checkpoint);
  } catch {
    throw new FedGridError('VALIDATION_FAILED', 'checkpoint: not JSON');
  }
  const r = bodySchema.safeParse(parsed);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new FedGridError(
      'VALIDATION_FAILED',
      `checkpoint.${i.path.join('.') || '(body)'}: ${i.message}`,
    );
  }
  const body = r.data as CheckpointBody;
  if (canonicalJson(body) !== signed.checkpoint) {
    throw new FedGridError('VALIDATION_FAILED', 'checkpoint: not in canonical JSON form');
  }
  const key = new X509Certificate(certPem).publicKey;
  const ok = verify(
    digestFor(key),
    Buffer.from(signed.checkpoint, 'utf8'),
    key,
    Buffer.from(signed.signature, 'base64'),
  );
  if (!ok) {
    throw new FedGridError(
      'VALIDATION_FAILED',
      `checkpoint of '${body.node}': the signature does not verify with the certificate pinned for it`,
    );
  }
  return body;
}

/** How one partner's checkpoints about us compare with our chain. */
export interface PartnerCheckpointReport {
  partner: string;
  /** ok: all agree; disagree: at least one names history we no longer have; unreachable / invalid. */
  status: 'ok' | 'disagree' | 'unreachable' | 'invalid';
  checked: number;
  /** Checkpoints that disagree with our chain (at most 10). */
  disagreements: Array<{
    seq: number;
    head: string;
    ours: string | null;
    at: string;
    message: string;
  }>;
  /** Checkpoints before the pruning anchor: not comparable any more. */
  pruned: number;
  error?: string;
}

/** Most checkpoints {@link AuditCheckpointService.checkPartners} reads from one partner. */
const MAX_HELD_READ = 1000;
/**
 * Bounds on a partner's answer with the checkpoints it holds: room for {@link MAX_HELD_READ} of
 * the largest accepted size (1 KiB + 512 characters), twice over for gm sealing; and one minute,
 * so that a partner dripping its answer cannot stall `audit verify`.
 */
export const HELD_ANSWER_LIMITS = { maxAnswerBytes: 8 * 2 ** 20, deadlineMs: 60_000 };

export class AuditCheckpointService {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      nodeId: string;
      identity: TlsIdentity;
      audit: AuditService;
      contracts: ContractService;
      peers: PeerClient;
      /** Newest checkpoints kept per partner (older ones thinned: {@link checkpointsToKeep}). */
      kept: number;
      /** Days the thinned older checkpoints are kept. @default 183 */
      retentionDays?: number;
      /** Largest clock difference tolerated on a partner's `at` (ms). @default 300000 */
      maxSkewMs?: number;
      log?: { warn(obj: object, msg: string): void };
    },
  ) {}

  /** A signed checkpoint of our chain's head, for partner `to`. */
  async make(to: string): Promise<SignedCheckpoint> {
    const h = await this.deps.audit.head();
    return signCheckpoint(this.deps.identity.keyPem, {
      type: 'fedgrid.audit-checkpoint',
      v: 1,
      node: this.deps.nodeId,
      to,
      alg: h.alg,
      seq: h.seq,
      head: h.hash,
      at: new Date().toISOString(),
    });
  }

  /**
   * A signed export archive of events `from`–`to` (see audit-archive.ts), recorded in
   * `audit_archives`.
   */
  async exportArchive(from?: number, to?: number): Promise<string> {
    const { text, manifest } = await exportAuditArchive(this.deps.db, {
      nodeId: this.deps.nodeId,
      keyPem: this.deps.identity.keyPem,
      certPem: this.deps.identity.certPem,
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
    }).catch((err: Error & { code?: string }) => {
      throw err.code === 'VALIDATION_FAILED'
        ? new FedGridError('VALIDATION_FAILED', err.message)
        : err;
    });
    await this.deps.db
      .insertInto('audit_archives')
      .values({
        id: archiveDigest(text),
        from_seq: manifest.fromSeq,
        to_seq: manifest.toSeq,
        head_hash: manifest.headHash,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    return text;
  }

  /** Live contracted partners' node ids. */
  private async partnerIds(): Promise<string[]> {
    const ps = await this.deps.contracts.partners();
    const ids: string[] = [];
    for (const { nodeId } of ps) {
      const live = await this.deps.contracts.activeWith(nodeId).then(
        () => true,
        () => false,
      );
      if (live) ids.push(nodeId);
    }
    return ids;
  }

  /** Sends a fresh checkpoint to every live contracted partner; one partner failing stops none. */
  async sendAll(): Promise<Array<{ partner: string; ok: boolean; seq?: number; error?: string }>> {
    const ids = await this.partnerIds();
    return Promise.all(
      ids.map(async (partner) => {
        try {
          const signed = await this.make(partner);
          const api = await this.deps.contracts.peerApi(partner);
          const r = await this.deps.peers.call<{ seq: number }>(
            api,
            'POST',
            '/v1/interconn/audit/checkpoints',
            signed,
          );
          return { partner, ok: true, seq: r.seq };
        } catch (err) {
          return { partner, ok: false, error: (err as Error).message };
        }
      }),
    );
  }

  /** Sends checkpoints every `seconds` (0: never) until {@link stop}. */
  start(seconds: number): void {
    if (seconds <= 0) return;
    this.timer = setInterval(() => {
      void this.sendAll().then(
        (rs) => {
          const failed = rs.filter((r) => !r.ok);
          if (failed.length) this.deps.log?.warn({ failed }, 'audit checkpoints not delivered');
        },
        (err: unknown) => this.deps.log?.warn({ err }, 'audit checkpoints failed'),
      );
    }, seconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * A partner's checkpoint (partner route): verified against the certificate of its contract and
   * stored; the oldest beyond `kept` are dropped.
   * @throws FedGridError VALIDATION_FAILED (malformed, bad signature, signed by or for another
   *   node, wrong algorithm, future-dated, older than or contradicting one already held).
   */
  async receive(peerNodeId: string, input: unknown): Promise<{ seq: number; at: string }> {
    const w = signedCheckpointSchema.safeParse(input);
    if (!w.success) {
      const i = w.error.issues[0]!;
      throw new FedGridError(
        'VALIDATION_FAILED',
        `body.${i.path.join('.') || '(body)'}: ${i.message} (send {checkpoint, signature})`,
      );
    }
    const contract = await this.deps.contracts.activeWith(peerNodeId);
    const body = openCheckpoint(contract.peer_cert_pem, w.data);
    if (body.node !== peerNodeId) {
      throw new FedGridError(
        'VALIDATION_FAILED',
        `checkpoint.node is '${body.node}', but the caller is '${peerNodeId}': a node sends only its own checkpoints`,
      );
    }
    if (body.to !== this.deps.nodeId) {
      throw new FedGridError(
        'VALIDATION_FAILED',
        `checkpoint.to is '${body.to}', not this node ('${this.deps.nodeId}')`,
      );
    }
    const at = new Date(body.at);
    const skew = this.deps.maxSkewMs ?? 300_000;
    if (at.getTime() > Date.now() + skew) {
      throw new FedGridError(
        'VALIDATION_FAILED',
        `checkpoint.at ${body.at} lies in the future (more than ${skew / 1000} s ahead of this node's clock)`,
      );
    }
    if (body.seq === 0 && body.head !== GENESIS_HASH) {
      throw new FedGridError(
        'VALIDATION_FAILED',
        'checkpoint.head of an empty chain must be the genesis hash',
      );
    }
    const db = this.deps.db;
    return db.transaction().execute(async (t) => {
      const latest = await t
        .selectFrom('audit_partner_checkpoints')
        .select(['seq', 'head_hash', 'signed_at'])
        .where('partner_node_id', '=', peerNodeId)
        .orderBy('seq', 'desc')
        .orderBy('signed_at', 'desc')
        .limit(1)
        .forUpdate()
        .executeTakeFirst();
      if (latest) {
        const lseq = Number(latest.seq);
        const lat = new Date(latest.signed_at).getTime();
        if (body.seq < lseq || at.getTime() <= lat) {
          throw new FedGridError(
            'VALIDATION_FAILED',
            `checkpoint (seq ${body.seq}, at ${body.at}) is older than the one held (seq ${lseq}, at ${new Date(lat).toISOString()}): replays are refused`,
          );
        }
        if (body.seq === lseq && body.head !== latest.head_hash) {
          throw new FedGridError(
            'VALIDATION_FAILED',
            `checkpoint at seq ${body.seq} names head ${body.head.slice(0, 16)}…, but this node holds ${latest.head_hash.slice(0, 16)}… for that seq from '${peerNodeId}': its history was rewritten; the earlier checkpoint is kept`,
          );
        }
      }
      await t
        .insertInto('audit_partner_checkpoints')
        .values({
          partner_node_id: peerNodeId,
          seq: body.seq,
          head_hash: body.head,
          alg: body.alg,
          signed_at: at,
          body: w.data.checkpoint,
          signature: w.data.signature,
        })
        .execute();
      // Thinned, not cut to the newest `kept`: a partner cannot flush what is held about it.
      const held = await t
        .selectFrom('audit_partner_checkpoints')
        .select(['id', 'seq', 'received_at'])
        .where('partner_node_id', '=', peerNodeId)
        .execute();
      const keep = checkpointsToKeep(
        held.map((h) => ({
          id: String(h.id),
          seq: Number(h.seq),
          receivedAt: new Date(h.received_at).getTime(),
        })),
        { kept: this.deps.kept, retentionDays: this.retentionDays, now: Date.now() },
      );
      const drop = held.map((h) => String(h.id)).filter((id) => !keep.has(id));
      if (drop.length)
        await t
          .deleteFrom('audit_partner_checkpoints')
          .where('partner_node_id', '=', peerNodeId)
          .where('id', 'in', drop)
          .execute();
      return { seq: body.seq, at: body.at };
    });
  }

  private get retentionDays(): number {
    return this.deps.retentionDays ?? 183;
  }

  /**
   * Most checkpoints {@link heldAbout} answers: everything {@link checkpointsToKeep} can keep, and
   * never more than {@link checkPartners} reads.
   */
  private get maxHeld(): number {
    return Math.min(this.deps.kept + 146 + this.retentionDays + 1, MAX_HELD_READ);
  }

  /** The checkpoints this node holds about `peerNodeId`, newest first, as signed. */
  async heldAbout(peerNodeId: string): Promise<{ items: SignedCheckpoint[] }> {
    const rows = await this.deps.db
      .selectFrom('audit_partner_checkpoints')
      .select(['body', 'signature'])
      .where('partner_node_id', '=', peerNodeId)
      .orderBy('seq', 'desc')
      .orderBy('signed_at', 'desc')
      .limit(this.maxHeld)
      .execute();
    return { items: rows.map((r) => ({ checkpoint: r.body, signature: r.signature })) };
  }

  /**
   * Asks every live partner for the checkpoints it holds about us and compares each with our
   * chain: a checkpoint whose head differs from our event at that seq, or whose seq lies beyond
   * our head, means our history was rewritten or cut after it was certified. Checkpoints that do
   * not carry our valid signature are reported as `invalid` (a partner cannot frame us).
   */
  async checkPartners(): Promise<PartnerCheckpointReport[]> {
    const ids = await this.partnerIds();
    const head = await this.deps.audit.head();
    return Promise.all(
      ids.map(async (partner): Promise<PartnerCheckpointReport> => {
        const report: PartnerCheckpointReport = {
          partner,
          status: 'ok',
          checked: 0,
          disagreements: [],
          pruned: 0,
        };
        let items: SignedCheckpoint[];
        try {
          const api = await this.deps.contracts.peerApi(partner);
          items = (
            await this.deps.peers.call<{ items: SignedCheckpoint[] }>(
              api,
              'GET',
              '/v1/interconn/audit/checkpoints',
              undefined,
              HELD_ANSWER_LIMITS,
            )
          ).items;
          if (!Array.isArray(items)) throw new Error('answer without items');
        } catch (err) {
          return { ...report, status: 'unreachable', error: (err as Error).message };
        }
        for (const signed of items.slice(0, MAX_HELD_READ)) {
          let body: CheckpointBody;
          try {
            body = openCheckpoint(this.deps.identity.certPem, signedCheckpointSchema.parse(signed));
            if (body.node !== this.deps.nodeId || body.to !== partner)
              throw new Error(`signed by '${body.node}' for '${body.to}'`);
          } catch (err) {
            report.status = 'invalid';
            report.error = `a checkpoint '${partner}' returned is not ours: ${(err as Error).message}`;
            continue;
          }
          report.checked++;
          let ours: string | null;
          if (body.seq < head.anchorSeq) {
            report.pruned++;
            continue;
          } else if (body.seq === head.anchorSeq) ours = head.anchorHash;
          else if (body.seq > head.seq) ours = null;
          else ours = (await hashAt(this.deps.db, body.seq)) ?? null;
          if (ours !== body.head || body.alg !== head.alg) {
            if (report.status === 'ok') report.status = 'disagree';
            if (report.disagreements.length < 10)
              report.disagreements.push({
                seq: body.seq,
                head: body.head,
                ours,
                at: body.at,
                message:
                  ours === null
                    ? `'${partner}' holds our checkpoint of ${body.seq} events (signed ${body.at}), but our chain has only ${head.seq}: events were removed`
                    : `'${partner}' holds our checkpoint at seq ${body.seq} (signed ${body.at}) with head ${body.head.slice(0, 16)}…, our chain has ${ours.slice(0, 16)}… there: history up to seq ${body.seq} was rewritten`,
              });
          }
        }
        return report;
      }),
    );
  }
}
