/**
 * The querier's table download (pir-client.service.ts) against a hostile or broken partner,
 * played in process by a fake peer client that serves a real encrypted table in 64 KiB pages:
 * a corrupted page (SHA-256 mismatch), a truncated page and an oversized table are refused with
 * a clear error, and none of them leaves a file in the node's table directory or a cache entry
 * (the next query downloads again, without `since`); a good download is written to disk,
 * answers the right labels and is reused by the next query; concurrent queries download once.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  answerPirQuery,
  buildPirTable,
  encodePirTable,
  generatePirKey,
  PIR_POINT_BYTES,
} from '@fedgrid/crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { FedGridError } from '../src/errors/errors.js';
import { PirClientService } from '../src/pir/pir-client.service.js';
import type { PinnedApi } from '../src/peers/peer-client.js';

const ROWS = 5000;
const PAGE = 64 * 1024;
const columns = ['a', 'b'];
const key = generatePirKey();
const ids = Array.from({ length: ROWS }, (_, i) => `id${i}`);
/** Row i's label: a = i, b = −i / 4, as little-endian float64. */
const labels = new Uint8Array(ROWS * 16);
const view = new DataView(labels.buffer);
ids.forEach((_, i) => {
  view.setFloat64(i * 16, i, true);
  view.setFloat64(i * 16 + 8, -i / 4, true);
});
let encoded: Uint8Array;
let sha256: string;

type Fault = 'none' | 'corrupt' | 'truncate';

/** A partner serving one table; records the paths asked. */
class FakePartner {
  fault: Fault = 'none';
  readonly tableId = randomUUID();
  paths: string[] = [];
  pages = 0;

  call = async (_peer: PinnedApi, method: string, path: string, body?: unknown) => {
    this.paths.push(`${method} ${path}`);
    if (method === 'GET') {
      const since = new URL(path, 'https://x').searchParams.get('since');
      return {
        dataset: 'ds1',
        tableId: this.tableId,
        rows: ROWS,
        labelBytes: 16,
        columns,
        maxBatch: 100,
        ...(since === this.tableId
          ? {}
          : {
              download: { ticket: randomUUID(), bytes: encoded.length, sha256, pageBytes: PAGE },
            }),
      } as never;
    }
    const points = (body as { points: string[] }).points;
    const request = new Uint8Array(points.length * PIR_POINT_BYTES);
    points.forEach((p, i) => request.set(Buffer.from(p, 'base64'), i * PIR_POINT_BYTES));
    const answer = answerPirQuery(key, request);
    return {
      tableId: this.tableId,
      points: points.map((_, i) =>
        Buffer.from(answer.subarray(i * PIR_POINT_BYTES, (i + 1) * PIR_POINT_BYTES)).toString(
          'base64',
        ),
      ),
    } as never;
  };

  callBytes = async (_peer: PinnedApi, _method: string, path: string) => {
    this.pages++;
    const offset = Number(new URL(path, 'https://x').searchParams.get('offset'));
    const page = Buffer.from(encoded.subarray(offset, Math.min(encoded.length, offset + PAGE)));
    const last = offset + PAGE >= encoded.length;
    if (this.fault === 'corrupt' && offset === PAGE) page[100] = (page[100] as number) ^ 1;
    if (this.fault === 'truncate' && last) return page.subarray(0, page.length - 1);
    return page;
  };
}

async function client(maxTableBytes = 1 << 30) {
  const dir = await mkdtemp(join(tmpdir(), 'fedgrid-pir-dl-'));
  const partner = new FakePartner();
  const svc = new PirClientService({
    selfNodeId: 'guest',
    contracts: {
      peerApi: async () => ({ nodeId: 'host', apiUrl: 'https://x', certPem: '', fingerprint: '' }),
    },
    peers: { call: partner.call, callBytes: partner.callBytes } as never,
    audit: { record: async () => ({}) as never },
    tablesDir: join(dir, 'pir-tables'),
    maxTableBytes,
  });
  const files = async () => readdir(join(dir, 'pir-tables')).catch(() => [] as string[]);
  return { svc, partner, files };
}

const ask = (svc: PirClientService, keys: string[]) =>
  svc.query({ partner: 'host', dataset: 'ds1', keys }, 'admin');

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as FedGridError,
  );

beforeAll(() => {
  encoded = encodePirTable(buildPirTable(key, ids, labels, 16));
  sha256 = createHash('sha256').update(encoded).digest('hex');
  // Several pages, the last one partial.
  expect(encoded.length).toBeGreaterThan(2 * PAGE);
  expect(encoded.length % PAGE).not.toBe(0);
}, 60_000);

describe('the querier’s table download', () => {
  it('refuses a corrupted table (SHA-256 mismatch), keeps nothing, and downloads afresh next time', async () => {
    const { svc, partner, files } = await client();
    partner.fault = 'corrupt';
    const e = await refusal(ask(svc, ['id1']));
    expect(e).toBeInstanceOf(FedGridError);
    expect(e!.code).toBe('PEER_REFUSED');
    expect(e!.message).toContain('SHA-256');
    expect(await files()).toEqual([]);
    partner.fault = 'none';
    partner.paths = [];
    const ok = await ask(svc, ['id1', 'id4999', 'nobody']);
    // Not cached: the table request did not claim to hold a table.
    expect(partner.paths[0]).not.toContain('since=');
    expect(ok.table).toBe('downloaded');
    expect(ok.download?.bytes).toBe(encoded.length);
    expect(ok.results).toEqual([
      { key: 'id1', found: true, values: { a: 1, b: -0.25 } },
      { key: 'id4999', found: true, values: { a: 4999, b: -4999 / 4 } },
      { key: 'nobody', found: false },
    ]);
    expect((await files()).filter((f) => f.endsWith('.fgpir'))).toHaveLength(1);
  });

  it('refuses a truncated table, keeps nothing, and downloads afresh next time', async () => {
    const { svc, partner, files } = await client();
    partner.fault = 'truncate';
    const e = await refusal(ask(svc, ['id2']));
    expect(e!.code).toBe('PEER_REFUSED');
    expect(e!.message).toMatch(/page at byte \d+ has \d+ bytes/);
    expect(await files()).toEqual([]);
    partner.fault = 'none';
    partner.paths = [];
    const ok = await ask(svc, ['id2']);
    expect(partner.paths[0]).not.toContain('since=');
    expect(ok.table).toBe('downloaded');
  });

  it('refuses a table larger than pir.maxTableBytes before fetching any page', async () => {
    const { svc, partner, files } = await client(encoded.length - 1);
    const e = await refusal(ask(svc, ['id3']));
    expect(e!.code).toBe('LIMIT_EXCEEDED');
    expect(e!.message).toContain('pir.maxTableBytes');
    expect(e!.details).toMatchObject({ bytes: encoded.length, maxTableBytes: encoded.length - 1 });
    expect(partner.pages).toBe(0);
    expect(await files()).toEqual([]);
  });

  it('reuses a good download from its file: the next query asks with since and fetches no page', async () => {
    const { svc, partner } = await client();
    await ask(svc, ['id5']);
    const pages = partner.pages;
    expect(pages).toBe(Math.ceil(encoded.length / PAGE));
    partner.paths = [];
    const again = await ask(svc, ['id6', randomBytes(4).toString('hex')]);
    expect(partner.paths[0]).toContain(`since=${partner.tableId}`);
    expect(partner.pages).toBe(pages);
    expect(again.table).toBe('cached');
    expect(again.results[0]).toEqual({ key: 'id6', found: true, values: { a: 6, b: -1.5 } });
    expect(again.results[1]!.found).toBe(false);
  });

  it('downloads a table once for concurrent queries', async () => {
    const { svc, partner, files } = await client();
    const answers = await Promise.all([ask(svc, ['id7']), ask(svc, ['id8']), ask(svc, ['id9'])]);
    expect(answers.map((a) => a.table).sort()).toEqual(['cached', 'cached', 'downloaded']);
    expect(answers.map((a) => a.results[0]!.values!['a'])).toEqual([7, 8, 9]);
    expect(partner.pages).toBe(Math.ceil(encoded.length / PAGE));
    expect((await files()).filter((f) => f.endsWith('.fgpir'))).toHaveLength(1);
  });
});
