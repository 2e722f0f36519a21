/**
 * Online keyword PIR, this node as the querier (docs/protocols/pir.md, "Online queries"):
 * downloads the partner's encrypted table of a dataset, sends its keys blinded (fresh blinds per
 * request, `maxBatch` of the partner per request), unblinds the answers and decrypts the labels
 * of the keys present. The keys never leave this node; its audit event records their number only.
 *
 * The table arrives in binary pages written one after the other to `tablesDir` (one page in
 * memory at a time, each checked for its exact length), is checked against the SHA-256 the
 * partner announced before anything is kept, and is refused before the first byte when it is
 * larger than `maxTableBytes`. A truncated or altered download leaves no file and no cache entry.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createPirQuery,
  decodePirAnswer,
  decodePirTable,
  PIR_POINT_BYTES,
  pirTableBytes,
  type PirTable,
} from '@fedgrid/crypto';
import { decodePirLabel } from '@fedgrid/components';
import { z } from 'zod';
import type { AuditService } from '../audit/audit.service.js';
import type { ContractService } from '../contracts/contracts.service.js';
import { FedGridError } from '../errors/errors.js';
import type { PeerClient, PinnedApi } from '../peers/peer-client.js';
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
  /** The download, when there was one: table size (bytes) and wall time (seconds). */
  download?: { bytes: number; seconds: number };
}

/** Partner tables kept on disk per node process (least recently used dropped first). */
const TABLE_CACHE_ENTRIES = 4;
/** Page sizes a partner may announce (bytes): the bound on one page held in memory. */
const MIN_PAGE_BYTES = 64 * 1024;
const MAX_PAGE_BYTES = 64 * 1024 * 1024;
/** Room for the gm suite's envelope around a page (bytes). */
const PAGE_ENVELOPE_BYTES = 64 * 1024;
/** Whole-page deadline: a partner dripping bytes cannot hold a query longer (ms). */
const PAGE_DEADLINE_MS = 5 * 60_000;
/**
 * Silence allowed on the table request (ms): the partner builds the table on the first request
 * for a dataset (≈ 30 s of CPU at 10^6 rows, minutes on a loaded machine).
 */
const TABLE_REQUEST_IDLE_MS = 15 * 60_000;
/** Retries of a page refused RATE_LIMITED (pir.partnerRequestsPerSecond of the partner). */
const PAGE_RATE_RETRIES = 5;

export interface PirClientDeps {
  selfNodeId: string;
  contracts: Pick<ContractService, 'peerApi'>;
  peers: Pick<PeerClient, 'call' | 'callBytes'>;
  audit: Pick<AuditService, 'record'>;
  /**
   * Directory of downloaded tables, this node's storage (`<dataDir>/pir-tables`). Emptied on
   * first use: table ids do not outlive the partner's process, so older copies are not reused.
   */
  tablesDir: string;
  /** Largest table downloaded, bytes (`pir.maxTableBytes`); also the memory held by decoded tables. */
  maxTableBytes: number;
}

interface HeldTable {
  tableId: string;
  file: string;
  bytes: number;
  /** Decoded in memory, or only on disk (read again on use). */
  table?: PirTable;
}

export class PirClientService {
  /** partner + dataset → the last table downloaded (least recently used first). */
  readonly #tables = new Map<string, HeldTable>();
  /** partner + dataset → the table lookup under way: one download at a time per table. */
  readonly #pending = new Map<string, Promise<unknown>>();
  #dirReady: Promise<void> | undefined;

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
      const { t, table, download } = await this.serialized(
        `${input.partner}\u0000${input.dataset}`,
        () => this.currentTable(peer, input.partner, input.dataset),
      );
      const source = download ? 'downloaded' : 'cached';
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
        ...(download ? { download } : {}),
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
   * Runs `fn` after the previous lookup of the same table has settled: concurrent queries of a
   * table this node does not hold yet download it once, the later ones then find it held.
   */
  private async serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#pending.get(key) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const settled = run.catch(() => undefined);
    this.#pending.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.#pending.get(key) === settled) this.#pending.delete(key);
    }
  }

  /**
   * The partner's current table of `dataset`: the copy this node holds when the partner says it
   * is still current (`since`), else a fresh download.
   */
  private async currentTable(
    peer: PinnedApi,
    partner: string,
    dataset: string,
  ): Promise<{
    t: PirTableAnswer;
    table: PirTable;
    download?: { bytes: number; seconds: number };
  }> {
    const cacheKey = `${partner}\u0000${dataset}`;
    const held = this.#tables.get(cacheKey);
    const t = await this.deps.peers.call<PirTableAnswer>(
      peer,
      'GET',
      `/v1/interconn/pir/datasets/${encodeURIComponent(dataset)}/table` +
        (held ? `?since=${encodeURIComponent(held.tableId)}` : ''),
      undefined,
      { idleMs: TABLE_REQUEST_IDLE_MS },
    );
    this.checkAnnouncement(partner, t);
    const shapeFits = (table: PirTable) =>
      table.labelBytes === 8 * t.columns.length && table.rows === t.rows;
    let table: PirTable;
    let download: { bytes: number; seconds: number } | undefined;
    if (t.download === undefined) {
      if (!held || held.tableId !== t.tableId)
        throw this.malformed(
          partner,
          `no table offered, and this node holds no copy of table ${t.tableId}`,
        );
      if (!held.table) {
        const read = await this.readHeld(held);
        if (!read) {
          // The file is gone (removed by hand, disk trouble): download it again.
          this.#tables.delete(cacheKey);
          return this.currentTable(peer, partner, dataset);
        }
        held.table = read;
      }
      table = held.table;
      if (!shapeFits(table))
        throw this.malformed(partner, 'its shape does not match its announcement');
      this.#tables.delete(cacheKey);
      this.#tables.set(cacheKey, held);
    } else {
      const started = performance.now();
      const got = await this.fetchTable(peer, partner, t);
      table = got.table;
      if (!shapeFits(table)) {
        await rm(got.file, { force: true });
        throw this.malformed(partner, 'its shape does not match its announcement');
      }
      download = { bytes: got.bytes, seconds: (performance.now() - started) / 1000 };
      if (held && held.file !== got.file) await rm(held.file, { force: true });
      this.#tables.delete(cacheKey);
      this.#tables.set(cacheKey, { tableId: t.tableId, file: got.file, bytes: got.bytes, table });
    }
    await this.trimCache();
    return { t, table, ...(download ? { download } : {}) };
  }

  /** Drops tables past {@link TABLE_CACHE_ENTRIES} (and their files), and decoded copies past the memory bound. */
  private async trimCache(): Promise<void> {
    while (this.#tables.size > TABLE_CACHE_ENTRIES) {
      const [k, v] = this.#tables.entries().next().value!;
      this.#tables.delete(k);
      await rm(v.file, { force: true });
    }
    // Newest first: the table just used stays decoded.
    let resident = 0;
    for (const v of [...this.#tables.values()].reverse()) {
      if (!v.table) continue;
      resident += v.bytes;
      if (resident > this.deps.maxTableBytes) {
        v.table = undefined;
        resident -= v.bytes;
      }
    }
  }

  /** The held table read back from its file, or undefined when the file is unusable. */
  private async readHeld(held: HeldTable): Promise<PirTable | undefined> {
    try {
      return decodePirTable(await readFile(held.file));
    } catch {
      return undefined;
    }
  }

  private malformed(partner: string, why: string): FedGridError {
    return new FedGridError(
      'PEER_REFUSED',
      `partner '${partner}' sent a malformed PIR table: ${why}`,
      { peer: partner },
    );
  }

  /**
   * Checks the table answer's fields and, when a download is offered, that its size is the
   * size of a table of that shape and within `maxTableBytes`.
   * @throws FedGridError PEER_REFUSED (malformed), LIMIT_EXCEEDED (too large for this node).
   */
  private checkAnnouncement(partner: string, t: PirTableAnswer): void {
    if (
      !t ||
      typeof t.tableId !== 'string' ||
      typeof t.dataset !== 'string' ||
      !Number.isInteger(t.rows) ||
      t.rows < 1 ||
      !Array.isArray(t.columns) ||
      !t.columns.every((c) => typeof c === 'string') ||
      !Number.isInteger(t.maxBatch) ||
      t.maxBatch < 1
    )
      throw this.malformed(partner, 'fields missing or of the wrong type');
    const d = t.download;
    if (d === undefined) return;
    if (
      typeof d !== 'object' ||
      d === null ||
      typeof d.ticket !== 'string' ||
      !/^[0-9a-f]{64}$/.test(String(d.sha256)) ||
      !Number.isInteger(d.pageBytes) ||
      d.pageBytes < MIN_PAGE_BYTES ||
      d.pageBytes > MAX_PAGE_BYTES ||
      !Number.isSafeInteger(d.bytes)
    )
      throw this.malformed(partner, 'its download offer has fields missing or of the wrong type');
    const expected = pirTableBytes(t.rows, 8 * t.columns.length);
    if (d.bytes !== expected)
      throw this.malformed(
        partner,
        `${d.bytes} bytes offered, but ${t.rows} rows × ${t.columns.length} columns make ${expected}`,
      );
    if (d.bytes > this.deps.maxTableBytes)
      throw new FedGridError(
        'LIMIT_EXCEEDED',
        `partner '${partner}' serves dataset ${t.dataset} as a PIR table of ${d.bytes} bytes (${t.rows} rows × ${t.columns.length} columns); node '${this.deps.selfNodeId}' downloads at most ${this.deps.maxTableBytes} (pir.maxTableBytes): raise pir.maxTableBytes in its fedgrid.yaml (the table is kept on disk and in memory while queried)`,
        { peer: partner, bytes: d.bytes, maxTableBytes: this.deps.maxTableBytes },
      );
  }

  /**
   * Downloads the offered table page by page into a new file of `tablesDir`, hashing as it
   * goes; keeps it only when every page had its exact length and the SHA-256 matches.
   * @throws FedGridError PEER_REFUSED (short, long or altered download: the file is removed),
   *   or the partner's refusal of a page.
   */
  private async fetchTable(
    peer: PinnedApi,
    partner: string,
    t: PirTableAnswer,
  ): Promise<{ file: string; bytes: number; table: PirTable }> {
    const d = t.download!;
    this.#dirReady ??= rm(this.deps.tablesDir, { recursive: true, force: true }).then(async () => {
      await mkdir(this.deps.tablesDir, { recursive: true, mode: 0o700 });
    });
    await this.#dirReady;
    const name = createHash('sha256').update(`${partner}\u0000${t.dataset}\u0000${t.tableId}`);
    const file = join(this.deps.tablesDir, `${name.digest('hex')}.fgpir`);
    const part = `${file}.${randomUUID()}.part`;
    const hash = createHash('sha256');
    const fh = await open(part, 'wx', 0o600);
    let kept = false;
    try {
      for (let offset = 0; offset < d.bytes; offset += d.pageBytes) {
        const want = Math.min(d.pageBytes, d.bytes - offset);
        const page = await this.fetchPage(peer, partner, t, offset, want);
        if (page.length !== want)
          throw this.malformed(
            partner,
            `the page at byte ${offset} has ${page.length} bytes, ${want} expected; the download is dropped`,
          );
        hash.update(page);
        await fh.write(page, 0, page.length, offset);
      }
      await fh.sync();
      const got = hash.digest('hex');
      if (got !== d.sha256)
        throw this.malformed(
          partner,
          `the downloaded table's SHA-256 is ${got}, not the ${d.sha256} announced; the download is dropped`,
        );
      await fh.close();
      await rename(part, file);
      kept = true;
      let table: PirTable;
      try {
        table = decodePirTable(await readFile(file));
      } catch (err) {
        kept = false;
        await rm(file, { force: true });
        throw this.malformed(partner, (err as Error).message);
      }
      return { file, bytes: d.bytes, table };
    } finally {
      if (!kept) {
        await fh.close().catch(() => undefined);
        await rm(part, { force: true });
      }
    }
  }

  private async fetchPage(
    peer: PinnedApi,
    partner: string,
    t: PirTableAnswer,
    offset: number,
    want: number,
  ): Promise<Buffer> {
    const path =
      `/v1/interconn/pir/datasets/${encodeURIComponent(t.dataset)}/table/bytes` +
      `?ticket=${encodeURIComponent(t.download!.ticket)}&offset=${offset}`;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.deps.peers.callBytes(peer, 'GET', path, {
          maxAnswerBytes: want + PAGE_ENVELOPE_BYTES,
          deadlineMs: PAGE_DEADLINE_MS,
        });
      } catch (err) {
        const details = err instanceof FedGridError ? err.details : undefined;
        if (details?.['peerCode'] !== 'RATE_LIMITED' || attempt >= PAGE_RATE_RETRIES) throw err;
        const after = (details['peerDetails'] as { retryAfterSeconds?: unknown } | undefined)
          ?.retryAfterSeconds;
        const seconds = typeof after === 'number' ? Math.min(5, Math.max(1, after)) : 1;
        await new Promise((r) => setTimeout(r, seconds * 1000));
      }
    }
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
