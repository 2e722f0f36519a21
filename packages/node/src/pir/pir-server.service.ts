/**
 * Online keyword PIR, this node as the server (docs/protocols/pir.md, "Online queries"): for a
 * dataset its owner enabled in `pir.datasets`, a partner holding a grant of that dataset
 * downloads the encrypted table once and then asks OPRF evaluations of blinded keys. The table
 * and its OPRF key are built on first use and kept in memory (a new node process or a changed
 * dataset builds a new one, under a new `tableId`). Every request checks the grant and counts a
 * use of it; every evaluated point is charged to the disclosure ledger (kind `pir-keys`, one key
 * per table row per partner across requests and jobs); every request is audited with counts
 * only — the points are random and say nothing, and they are not recorded either.
 *
 * The table travels in binary pages (`GET …/table/bytes`, application/octet-stream, at most
 * {@link PIR_TABLE_PAGE_BYTES} each) against a download ticket that the table request issues
 * with the table's size and SHA-256: one grant use buys one download, a page is a view of the
 * table in memory (no copy, no base64), and the querier checks the digest before it keeps
 * anything. The table is built on a worker thread (`buildTable`), after the grant check.
 */
import { createHash, randomUUID } from 'node:crypto';
import { answerPirQuery, generatePirKey, PIR_POINT_BYTES } from '@fedgrid/crypto';
import {
  ComponentError,
  pirServerLabels,
  PIR_DISCLOSURE_KIND,
  PIR_KEYS_BUDGET_PER_ROW,
  type PirServerTable,
} from '@fedgrid/components';
import { z } from 'zod';
import type { AuditService } from '../audit/audit.service.js';
import type { DatasetService } from '../datasets/datasets.service.js';
import type { DisclosureService } from '../disclosures/disclosures.service.js';
import { FedGridError } from '../errors/errors.js';
import type { GrantService } from '../grants/grants.service.js';
import { parseInput } from '../server/validate.js';

/** Base64 of one 32-byte point (44 characters with padding). */
const POINT_B64 = /^[A-Za-z0-9+/]{43}=$/;

/** Body of POST /v1/interconn/pir/evaluate; `points` capped at `maxBatch`. */
export const pirEvaluateSchema = (maxBatch: number) =>
  z.object({
    /** Dataset id (as in the table answer). */
    dataset: z.string().min(1).max(200),
    /** The table the points are for; a rebuilt table answers 409. */
    tableId: z.string().min(1).max(100),
    /** Blinded keys X25519(r, H1(x)), base64 of 32 bytes each. */
    points: z
      .array(z.string().regex(POINT_B64, 'a point is the base64 of 32 bytes (44 characters)'))
      .min(1)
      .max(maxBatch, `at most ${maxBatch} points per request (pir.maxBatch of the server)`),
  });

/** Bytes of one page of the table download (the last page may be shorter). */
export const PIR_TABLE_PAGE_BYTES = 16 * 1024 * 1024;
/** How long a download ticket stays valid after it was issued, ms. */
export const PIR_TICKET_TTL_MS = 15 * 60_000;
/** Download tickets one partner may hold at once (older ones are dropped first). */
const TICKETS_PER_PARTNER = 4;

/** How to download the encrypted table (absent when the caller holds the current table). */
export interface PirTableDownload {
  /** Present this with every page request; valid for {@link PIR_TICKET_TTL_MS}, this caller only. */
  ticket: string;
  /** Size of the encoded table (encodePirTable), bytes. */
  bytes: number;
  /** SHA-256 of the encoded table, lowercase hex. */
  sha256: string;
  /** Bytes per page; page i covers [i × pageBytes, min(bytes, (i + 1) × pageBytes)). */
  pageBytes: number;
}

/** Answer of GET /v1/interconn/pir/datasets/{id}/table. */
export interface PirTableAnswer {
  dataset: string;
  tableId: string;
  rows: number;
  labelBytes: number;
  columns: string[];
  /** Most points one evaluation request may carry. */
  maxBatch: number;
  /**
   * How to fetch the encrypted table's bytes; absent when the caller said it holds this table
   * already (`since` = the current tableId).
   */
  download?: PirTableDownload;
}

/** Query of GET /v1/interconn/pir/datasets/{id}/table. */
export const pirTableQuerySchema = z.object({
  /**
   * The tableId of the copy the caller holds: when it is still the current table, the answer
   * carries everything but the table itself (a query then costs one evaluation round trip).
   */
  since: z.string().min(1).max(100).optional(),
});

/** Query of GET /v1/interconn/pir/datasets/{id}/table/bytes. */
export const pirTablePageQuerySchema = z.object({
  /** The ticket of the table answer. */
  ticket: z.string().uuid(),
  /** First byte of the page: a multiple of the ticket's `pageBytes` below its `bytes`. */
  offset: z.coerce.number().int().min(0),
});

/** Answer of POST /v1/interconn/pir/evaluate: X25519(k, point) per point, same order. */
export interface PirEvaluateAnswer {
  tableId: string;
  points: string[];
}

export interface PirServerDeps {
  selfNodeId: string;
  datasets: Pick<DatasetService, 'get' | 'load'>;
  grants: Pick<GrantService, 'consumeOnline'>;
  disclosures: Pick<DisclosureService, 'chargeOnline'>;
  audit: Pick<AuditService, 'record'>;
  /** `pir.datasets` of the node's configuration. */
  enabled: Record<string, { labelColumns: string[] }>;
  maxBatch: number;
  /**
   * Builds and encodes the table off the event loop (CryptoPool.pirTable: a worker thread);
   * the node stays responsive during the ≈ 30 s of CPU a 10^6-row table takes.
   */
  buildTable: (
    key: Uint8Array,
    keys: readonly string[],
    labels: Uint8Array,
    labelBytes: number,
  ) => Promise<Uint8Array>;
}

interface LiveTable extends PirServerTable {
  tableId: string;
  datasetId: string;
  datasetName: string;
  /** The dataset version it was built from. */
  version: string;
  /** SHA-256 of `encoded`, lowercase hex. */
  sha256: string;
}

/** A download the table request paid for (one grant use): who, which table, until when. */
interface Ticket {
  caller: string;
  datasetId: string;
  tableId: string;
  grantId: string;
  expiresAt: number;
}

export class PirServerService {
  private readonly tables = new Map<string, Promise<LiveTable>>();
  /** ticket → download; insertion order is issue order. */
  private readonly tickets = new Map<string, Ticket>();
  readonly evaluateSchema: ReturnType<typeof pirEvaluateSchema>;

  constructor(private readonly deps: PirServerDeps) {
    this.evaluateSchema = pirEvaluateSchema(deps.maxBatch);
  }

  get nodeId(): string {
    return this.deps.selfNodeId;
  }

  /**
   * The enabled dataset `ref` (id or name) and its labels' columns; NOT_FOUND (as for an unknown
   * dataset) when it does not exist or is not enabled for PIR.
   */
  private async enabled(ref: string, caller: string) {
    const notFound = () =>
      new FedGridError(
        'NOT_FOUND',
        `node '${this.deps.selfNodeId}' answers no PIR queries on dataset '${ref}' for '${caller}'`,
        { dataset: ref },
      );
    const ds = await this.deps.datasets.get(ref).catch(() => undefined);
    if (!ds) throw notFound();
    const cfg = this.deps.enabled[ds.id] ?? this.deps.enabled[ds.name];
    if (!cfg) throw notFound();
    return { ds, labelColumns: cfg.labelColumns };
  }

  private async table(ref: string, caller: string): Promise<LiveTable> {
    const { ds, labelColumns } = await this.enabled(ref, caller);
    const version = `${ds.sourceSha256}:${ds.updatedAt ?? ds.createdAt}`;
    const hit = this.tables.get(ds.id);
    if (hit) {
      const t = await hit.catch(() => undefined);
      if (t && t.version === version) return t;
    }
    const p = (async (): Promise<LiveTable> => {
      const frame = await this.deps.datasets.load(ds.id);
      let built: PirServerTable;
      try {
        const l = pirServerLabels(frame, labelColumns, `dataset ${ds.name}`);
        const key = generatePirKey();
        built = {
          key,
          encoded: await this.deps.buildTable(key, l.ids, l.labels, l.labelBytes),
          rows: l.ids.length,
          labelBytes: l.labelBytes,
          columns: l.columns,
        };
      } catch (err) {
        if (err instanceof ComponentError)
          throw new FedGridError(
            'INTERNAL',
            `node '${this.deps.selfNodeId}' cannot serve dataset ${ds.name} by PIR: ${err.message} (fix pir.datasets in its configuration)`,
          );
        throw err;
      }
      return {
        ...built,
        tableId: randomUUID(),
        datasetId: ds.id,
        datasetName: ds.name,
        version,
        sha256: createHash('sha256').update(built.encoded).digest('hex'),
      };
    })();
    this.tables.set(ds.id, p);
    p.catch(() => this.tables.delete(ds.id));
    return p;
  }

  /**
   * A partner asks for the encrypted table of an enabled dataset (message 1). Checks and counts
   * a grant use; audited (rows only). Unless `since` is the current tableId (the partner holds
   * this table: 80 MB at 10^6 rows × 64 B are not sent again for every query), the answer
   * carries a download ticket, the table's size and SHA-256 for {@link page}.
   * @throws FedGridError NOT_FOUND (not enabled or unknown), GRANT_* (no usable grant).
   */
  async download(ref: string, caller: string, since?: string): Promise<PirTableAnswer> {
    return this.audited('pir.table', caller, ref, async (note) => {
      // The grant first: a partner without one does not get the table built (≈ 30 s of CPU at
      // 10^6 rows) either.
      const { ds } = await this.enabled(ref, caller);
      note.dataset = ds.id;
      const grant = await this.deps.grants.consumeOnline(ds.id, caller, {
        event: 'pir-query',
        ref: `pir-table:${randomUUID()}`,
        rows: ds.rows,
      });
      const t = await this.table(ref, caller);
      note.rows = t.rows;
      let download: PirTableDownload | undefined;
      if (since !== t.tableId) {
        const ticket = randomUUID();
        this.issue(ticket, {
          caller,
          datasetId: t.datasetId,
          tableId: t.tableId,
          grantId: grant.id,
          expiresAt: Date.now() + PIR_TICKET_TTL_MS,
        });
        download = {
          ticket,
          bytes: t.encoded.length,
          sha256: t.sha256,
          pageBytes: PIR_TABLE_PAGE_BYTES,
        };
        note.bytes = t.encoded.length;
      }
      return {
        dataset: t.datasetId,
        tableId: t.tableId,
        rows: t.rows,
        labelBytes: t.labelBytes,
        columns: t.columns,
        maxBatch: this.deps.maxBatch,
        ...(download ? { download } : {}),
      };
    });
  }

  private issue(id: string, ticket: Ticket): void {
    const now = Date.now();
    for (const [k, v] of this.tickets) if (v.expiresAt <= now) this.tickets.delete(k);
    const own = [...this.tickets].filter(([, v]) => v.caller === ticket.caller);
    for (const [k] of own.slice(0, Math.max(0, own.length - TICKETS_PER_PARTNER + 1)))
      this.tickets.delete(k);
    this.tickets.set(id, ticket);
  }

  /** Drops the download tickets a revoked grant paid for: their pages are refused from now on. */
  forgetGrant(grantId: string): void {
    for (const [k, v] of this.tickets) if (v.grantId === grantId) this.tickets.delete(k);
  }

  /**
   * One page of the table a ticket paid for (message 1, binary): bytes [offset, offset +
   * pageBytes) of the encoded table, a view of it (no copy). Only the partner the ticket was
   * issued to, only while the ticket is valid and the table current; audited with the offset
   * and byte count. Counts no grant use (the table request did).
   * @throws FedGridError VALIDATION_FAILED (malformed query, an offset not on a page boundary or
   *   past the end), NOT_FOUND (dataset not enabled, or no such ticket for this caller: unknown,
   *   expired, dropped by a revocation, or another partner's), CONFLICT (the table was rebuilt).
   */
  async page(ref: string, caller: string, query: unknown): Promise<Uint8Array> {
    return this.audited('pir.table.page', caller, ref, async (note) => {
      const q = parseInput(pirTablePageQuerySchema, query, 'query');
      note.offset = q.offset;
      const tk = this.tickets.get(q.ticket);
      if (!tk || tk.caller !== caller || tk.expiresAt <= Date.now())
        throw new FedGridError(
          'NOT_FOUND',
          `node '${this.deps.selfNodeId}' holds no valid PIR download ticket ${q.ticket} for '${caller}'; ask for the table again (GET /v1/interconn/pir/datasets/${ref}/table)`,
          { field: 'ticket' },
        );
      const t = await this.table(ref, caller);
      note.dataset = t.datasetId;
      if (t.datasetId !== tk.datasetId)
        throw new FedGridError(
          'NOT_FOUND',
          `PIR download ticket ${q.ticket} is for another dataset than '${ref}'`,
          { field: 'ticket' },
        );
      if (t.tableId !== tk.tableId)
        throw new FedGridError(
          'CONFLICT',
          `the PIR table of dataset ${t.datasetName} on node '${this.deps.selfNodeId}' was rebuilt during the download; ask for the table again`,
          { field: 'ticket' },
        );
      if (q.offset % PIR_TABLE_PAGE_BYTES !== 0 || q.offset >= t.encoded.length)
        throw new FedGridError(
          'VALIDATION_FAILED',
          `offset ${q.offset} is not the start of a page: a multiple of ${PIR_TABLE_PAGE_BYTES} below ${t.encoded.length}`,
          { field: 'offset' },
        );
      const end = Math.min(t.encoded.length, q.offset + PIR_TABLE_PAGE_BYTES);
      note.bytes = end - q.offset;
      return t.encoded.subarray(q.offset, end);
    });
  }

  /**
   * A partner's blinded keys (message 3) → their OPRF evaluations (message 4). Checks and counts
   * a grant use, charges one `pir-keys` disclosure per point; audited (number of points only).
   * @throws FedGridError VALIDATION_FAILED naming the field (malformed body or point, a point of
   *   low order), NOT_FOUND, GRANT_*, CONFLICT (the table was rebuilt: download it again),
   *   LIMIT_EXCEEDED (disclosure budget).
   */
  async evaluate(body: unknown, caller: string): Promise<PirEvaluateAnswer> {
    const ref = (body as { dataset?: unknown } | null)?.dataset;
    return this.audited(
      'pir.evaluate',
      caller,
      typeof ref === 'string' ? ref : '?',
      async (note) => {
        const req = parseInput(this.evaluateSchema, body);
        const { ds } = await this.enabled(req.dataset, caller);
        note.dataset = ds.id;
        note.points = req.points.length;
        const requestRef = `pir-evaluate:${randomUUID()}`;
        await this.deps.grants.consumeOnline(ds.id, caller, {
          event: 'pir-query',
          ref: requestRef,
          rows: req.points.length,
        });
        const t = await this.table(req.dataset, caller);
        if (req.tableId !== t.tableId)
          throw new FedGridError(
            'CONFLICT',
            `the PIR table of dataset ${t.datasetName} on node '${this.deps.selfNodeId}' was rebuilt; download it again`,
            { field: 'tableId' },
          );
        const request = new Uint8Array(req.points.length * PIR_POINT_BYTES);
        req.points.forEach((p, i) => request.set(Buffer.from(p, 'base64'), i * PIR_POINT_BYTES));
        let answer: Uint8Array;
        try {
          answer = answerPirQuery(t.key, request, this.deps.maxBatch);
        } catch (err) {
          throw new FedGridError('VALIDATION_FAILED', `points: ${(err as Error).message}`, {
            field: 'points',
          });
        }
        // Charged only for points that were answered; refused atomically (nothing sent) past the budget.
        await this.deps.disclosures.chargeOnline({
          ref: requestRef,
          partnerNodeId: caller,
          datasetId: t.datasetId,
          datasetName: t.datasetName,
          kind: PIR_DISCLOSURE_KIND,
          amount: req.points.length,
          rows: t.rows,
          budgetPerRow: PIR_KEYS_BUDGET_PER_ROW,
        });
        const points = Array.from({ length: req.points.length }, (_, i) =>
          Buffer.from(answer.subarray(i * PIR_POINT_BYTES, (i + 1) * PIR_POINT_BYTES)).toString(
            'base64',
          ),
        );
        return { tableId: t.tableId, points };
      },
    );
  }

  /** Runs `fn` and records one audit event (counts only) whatever the outcome. */
  private async audited<T>(
    action: string,
    caller: string,
    ref: string,
    fn: (note: Record<string, string | number>) => Promise<T>,
  ): Promise<T> {
    const note: Record<string, string | number> = {};
    let outcome: 'success' | 'failure' = 'failure';
    let code: string | undefined;
    try {
      const out = await fn(note);
      outcome = 'success';
      return out;
    } catch (err) {
      code = err instanceof FedGridError ? err.code : 'INTERNAL';
      throw err;
    } finally {
      await this.deps.audit
        .record({
          actorKind: 'peer',
          actorId: caller,
          action,
          objectType: 'dataset',
          objectId: String(note.dataset ?? ref).slice(0, 200),
          outcome,
          details: { ...note, ...(code ? { code } : {}) },
        })
        .catch((err: Error) => {
          throw new FedGridError(
            'AUDIT_WRITE_FAILED',
            `node '${this.deps.selfNodeId}' could not record this PIR request in its audit log (${err.message}); no answer is given`,
          );
        });
    }
  }
}
