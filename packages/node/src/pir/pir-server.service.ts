/**
 * Online keyword PIR, this node as the server (docs/protocols/pir.md, "Online queries"): for a
 * dataset its owner enabled in `pir.datasets`, a partner holding a grant of that dataset
 * downloads the encrypted table once and then asks OPRF evaluations of blinded keys. The table
 * and its OPRF key are built on first use and kept in memory (a new node process or a changed
 * dataset builds a new one, under a new `tableId`). Every request checks the grant and counts a
 * use of it; every evaluated point is charged to the disclosure ledger (kind `pir-keys`, one key
 * per table row per partner across requests and jobs); every request is audited with counts
 * only — the points are random and say nothing, and they are not recorded either.
 */
import { randomUUID } from 'node:crypto';
import { answerPirQuery, PIR_POINT_BYTES } from '@fedgrid/crypto';
import {
  buildPirServerTable,
  ComponentError,
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
   * The encrypted table (encodePirTable), base64; absent when the caller said it holds this
   * table already (`since` = the current tableId).
   */
  table?: string;
}

/** Query of GET /v1/interconn/pir/datasets/{id}/table. */
export const pirTableQuerySchema = z.object({
  /**
   * The tableId of the copy the caller holds: when it is still the current table, the answer
   * carries everything but the table itself (a query then costs one evaluation round trip).
   */
  since: z.string().min(1).max(100).optional(),
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
}

interface LiveTable extends PirServerTable {
  tableId: string;
  datasetId: string;
  datasetName: string;
  /** The dataset version it was built from. */
  version: string;
}

export class PirServerService {
  private readonly tables = new Map<string, Promise<LiveTable>>();
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
        built = buildPirServerTable(frame, labelColumns, `dataset ${ds.name}`);
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
      };
    })();
    this.tables.set(ds.id, p);
    p.catch(() => this.tables.delete(ds.id));
    return p;
  }

  /**
   * A partner downloads the encrypted table of an enabled dataset (message 1). Checks and
   * counts a grant use; audited (rows only). With `since` equal to the current tableId the
   * table bytes are left out: the partner queries its cached copy (80 MB at 10^6 rows × 64 B
   * are not sent again for every query).
   * @throws FedGridError NOT_FOUND (not enabled or unknown), GRANT_* (no usable grant).
   */
  async download(ref: string, caller: string, since?: string): Promise<PirTableAnswer> {
    return this.audited('pir.table', caller, ref, async (note) => {
      const t = await this.table(ref, caller);
      note.dataset = t.datasetId;
      await this.deps.grants.consumeOnline(t.datasetId, caller, {
        event: 'pir-query',
        ref: `pir-table:${randomUUID()}`,
        rows: t.rows,
      });
      note.rows = t.rows;
      return {
        dataset: t.datasetId,
        tableId: t.tableId,
        rows: t.rows,
        labelBytes: t.labelBytes,
        columns: t.columns,
        maxBatch: this.deps.maxBatch,
        ...(since === t.tableId ? {} : { table: Buffer.from(t.encoded).toString('base64') }),
      };
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
        const t = await this.table(req.dataset, caller);
        note.dataset = t.datasetId;
        note.points = req.points.length;
        const requestRef = `pir-evaluate:${randomUUID()}`;
        await this.deps.grants.consumeOnline(t.datasetId, caller, {
          event: 'pir-query',
          ref: requestRef,
          rows: req.points.length,
        });
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
