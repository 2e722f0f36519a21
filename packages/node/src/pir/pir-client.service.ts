/**
 * Online keyword PIR, this node as the querier (docs/protocols/pir.md, "Online queries"):
 * downloads the partner's encrypted table of a dataset, sends its keys blinded (fresh blinds per
 * request, `maxBatch` of the partner per request), unblinds the answers and decrypts the labels
 * of the keys present. The keys never leave this node; its audit event records their number only.
 */
import {
  createPirQuery,
  decodePirAnswer,
  decodePirTable,
  PIR_POINT_BYTES,
  type PirTable,
} from '@fedgrid/crypto';
import { decodePirLabel } from '@fedgrid/components';
import { z } from 'zod';
import type { AuditService } from '../audit/audit.service.js';
import type { ContractService } from '../contracts/contracts.service.js';
import { FedGridError } from '../errors/errors.js';
import type { PeerClient } from '../peers/peer-client.js';
import type { PirEvaluateAnswer, PirTableAnswer } from './pir-server.service.js';

/** Most keys in one owner query (the partner's own bound per request is smaller or equal). */
export const PIR_MAX_QUERY_KEYS = 100_000;

export const pirQuerySchema = z.object({
  /** The contracted partner node serving the dataset. */
  partner: z.string().min(1).max(200),
  /** The partner's dataset id or name. */
  dataset: z.string().min(1).max(200),
  /** Keys to look up (ids of the partner's id column). */
  keys: z
    .array(z.string().min(1).max(1000))
    .min(1)
    .max(PIR_MAX_QUERY_KEYS, `at most ${PIR_MAX_QUERY_KEYS} keys per query`),
});
export type PirQueryInput = z.infer<typeof pirQuerySchema>;

export interface PirQueryResult {
  partner: string;
  dataset: string;
  columns: string[];
  /** Rows in the partner's table. */
  serverRows: number;
  /** One per distinct key, in order of first appearance. */
  results: { key: string; found: boolean; values?: Record<string, number> }[];
  /** Whether the partner's table was downloaded for this query or its cached copy was used. */
  table: 'downloaded' | 'cached';
}

/** Decoded partner tables kept per node process (each up to rows × (16 + label) bytes). */
const TABLE_CACHE_ENTRIES = 4;

export interface PirClientDeps {
  selfNodeId: string;
  contracts: Pick<ContractService, 'peerApi'>;
  peers: Pick<PeerClient, 'call'>;
  audit: Pick<AuditService, 'record'>;
}

export class PirClientService {
  /** partner + dataset → the last table downloaded (least recently used first). */
  readonly #tables = new Map<string, { tableId: string; table: PirTable }>();

  constructor(private readonly deps: PirClientDeps) {}

  /**
   * Looks keys up in a partner's PIR-enabled dataset.
   * @throws FedGridError NOT_FOUND (no contract with the partner), PEER_REFUSED (the partner
   *   refused: no grant, not enabled, limits — its code in details.peerCode), VALIDATION_FAILED
   *   (a malformed key: not well-formed Unicode), PEER_REFUSED for an answer that does not fit
   *   the query.
   */
  async query(input: PirQueryInput, actor: string): Promise<PirQueryResult> {
    const keys = [...new Set(input.keys)];
    let outcome: 'success' | 'failure' = 'failure';
    let found = 0;
    let code: string | undefined;
    try {
      const peer = await this.deps.contracts.peerApi(input.partner);
      const cacheKey = `${input.partner}\u0000${input.dataset}`;
      const held = this.#tables.get(cacheKey);
      const t = await this.deps.peers.call<PirTableAnswer>(
        peer,
        'GET',
        `/v1/interconn/pir/datasets/${encodeURIComponent(input.dataset)}/table` +
          (held ? `?since=${encodeURIComponent(held.tableId)}` : ''),
      );
      const table = this.decodeTable(input.partner, t, held);
      const source = t.table === undefined ? 'cached' : 'downloaded';
      this.#tables.delete(cacheKey);
      this.#tables.set(cacheKey, { tableId: t.tableId, table });
      while (this.#tables.size > TABLE_CACHE_ENTRIES)
        this.#tables.delete(this.#tables.keys().next().value!);
      const batch = Math.max(1, Math.min(t.maxBatch, keys.length));
      const results: PirQueryResult['results'] = [];
      for (let at = 0; at < keys.length; at += batch) {
        const slice = keys.slice(at, at + batch);
        let query;
        try {
          query = createPirQuery(slice);
        } catch (err) {
          throw new FedGridError('VALIDATION_FAILED', `keys: ${(err as Error).message}`, {
            field: 'keys',
          });
        }
        const points = Array.from({ length: slice.length }, (_, i) =>
          Buffer.from(
            query.request.subarray(i * PIR_POINT_BYTES, (i + 1) * PIR_POINT_BYTES),
          ).toString('base64'),
        );
        const a = await this.deps.peers.call<PirEvaluateAnswer>(
          peer,
          'POST',
          '/v1/interconn/pir/evaluate',
          { dataset: t.dataset, tableId: t.tableId, points },
        );
        const labels = this.decodeAnswer(input.partner, query, a, slice.length, table);
        labels.forEach((label, i) => {
          const key = slice[i] as string;
          if (!label) return results.push({ key, found: false });
          found++;
          const v = decodePirLabel(label, t.columns.length);
          results.push({
            key,
            found: true,
            values: Object.fromEntries(t.columns.map((c, j) => [c, v[j] as number])),
          });
        });
      }
      outcome = 'success';
      return {
        partner: input.partner,
        dataset: t.dataset,
        columns: t.columns,
        serverRows: t.rows,
        results,
        table: source,
      };
    } catch (err) {
      code = err instanceof FedGridError ? err.code : 'INTERNAL';
      throw err;
    } finally {
      await this.deps.audit
        .record({
          actorKind: actor === 'admin' ? 'admin' : 'user',
          actorId: actor,
          action: 'pir.query',
          objectType: 'dataset',
          objectId: `${input.partner}/${input.dataset}`.slice(0, 400),
          outcome,
          details: { partner: input.partner, keys: keys.length, found, ...(code ? { code } : {}) },
        })
        .catch((err: Error) => {
          throw new FedGridError(
            'AUDIT_WRITE_FAILED',
            `node '${this.deps.selfNodeId}' could not record this PIR query in its audit log (${err.message})`,
          );
        });
    }
  }

  /**
   * The partner's table from its answer, or the cached copy when the answer leaves the table
   * out for the tableId this node holds.
   * @throws FedGridError PEER_REFUSED for a malformed answer, or one without a table for a
   *   table this node does not hold.
   */
  private decodeTable(
    partner: string,
    t: PirTableAnswer,
    held?: { tableId: string; table: PirTable },
  ): PirTable {
    const bad = (why: string) =>
      new FedGridError('PEER_REFUSED', `partner '${partner}' sent a malformed PIR table: ${why}`, {
        peer: partner,
      });
    if (
      !t ||
      (t.table !== undefined && typeof t.table !== 'string') ||
      typeof t.tableId !== 'string' ||
      typeof t.dataset !== 'string' ||
      !Array.isArray(t.columns) ||
      !t.columns.every((c) => typeof c === 'string') ||
      !Number.isInteger(t.maxBatch) ||
      t.maxBatch < 1
    )
      throw bad('fields missing or of the wrong type');
    let table: PirTable;
    if (t.table === undefined) {
      if (!held || held.tableId !== t.tableId)
        throw bad(`no table sent, and this node holds no copy of table ${t.tableId}`);
      table = held.table;
    } else {
      try {
        table = decodePirTable(Buffer.from(t.table, 'base64'));
      } catch (err) {
        throw bad((err as Error).message);
      }
    }
    if (table.labelBytes !== 8 * t.columns.length || table.rows !== t.rows)
      throw bad('its shape does not match its announcement');
    return table;
  }

  private decodeAnswer(
    partner: string,
    query: ReturnType<typeof createPirQuery>,
    a: PirEvaluateAnswer,
    n: number,
    table: PirTable,
  ): (Uint8Array | null)[] {
    if (!a || !Array.isArray(a.points) || a.points.length !== n)
      throw new FedGridError(
        'PEER_REFUSED',
        `partner '${partner}' answered ${Array.isArray(a?.points) ? a.points.length : 0} points for ${n}`,
        { peer: partner },
      );
    const answer = new Uint8Array(n * PIR_POINT_BYTES);
    a.points.forEach((p, i) => {
      const b = typeof p === 'string' ? Buffer.from(p, 'base64') : Buffer.alloc(0);
      if (b.length !== PIR_POINT_BYTES)
        throw new FedGridError('PEER_REFUSED', `partner '${partner}' answered a malformed point`, {
          peer: partner,
        });
      answer.set(b, i * PIR_POINT_BYTES);
    });
    try {
      return decodePirAnswer(query, answer, table);
    } catch (err) {
      throw new FedGridError(
        'PEER_REFUSED',
        `partner '${partner}' sent a PIR answer that does not fit the query: ${(err as Error).message}`,
        { peer: partner },
      );
    }
  }
}
