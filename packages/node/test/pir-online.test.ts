/**
 * Online keyword PIR between in-process nodes over real mutual TLS (docs/protocols/pir.md,
 * "Online queries"): the guest looks keys up in the host's PIR-enabled dataset through
 * POST /v1/pir/query and gets exactly the host's values for the keys present; the host's audit
 * log and grant count every request without any key; the table travels as binary pages
 * matching the announced SHA-256; and hostile callers with their own certificates — a
 * contracted node without a grant (no byte of the table, even with the grantee's ticket), the
 * grantee sending a malformed point, an oversized batch or a stale table id, a node with no
 * contract — are refused.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPirQuery, decodePirTable, PIR_POINT_BYTES, pirTableBytes } from '@fedgrid/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestNodes, type TestNode } from './nodes.js';

const t = new TestNodes();
let host: TestNode;
let guest: TestNode;
let other: TestNode;
let stranger: TestNode;
let datasetId: string;
let grantId: string;
const MAX_BATCH = 4;
/** The host's rows: id → (income, score); ids u0 … u39. */
const rows = Array.from({ length: 40 }, (_, i) => ({
  id: `u${i}`,
  income: 1000 + 17 * i - (i % 3) * 0.25,
  score: i % 7 === 0 ? -(i + 1) : i * 0.5,
}));

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fedgrid-pir-'));
  const csv = join(dir, 'scores.csv');
  await writeFile(
    csv,
    'id,income,score,age\n' +
      rows.map((r, i) => `${r.id},${r.income},${r.score},${20 + i}`).join('\n') +
      '\n',
  );
  host = await t.start('host', {
    config: {
      pir: {
        datasets: { scores: { labelColumns: ['income', 'score'] } },
        maxBatch: MAX_BATCH,
        partnerRequestsPerSecond: 1000,
      },
    },
  });
  guest = await t.start('guest');
  other = await t.start('other');
  await t.contract(host, guest);
  await t.contract(host, other);
  stranger = await t.start('stranger');
  datasetId = (await host.ok<{ id: string }>('POST', '/v1/datasets', { name: 'scores', path: csv }))
    .id;
  grantId = (
    await host.ok<{ id: string }>('POST', '/v1/grants', { dataset: datasetId, grantee: 'guest' })
  ).id;
}, 120_000);
afterAll(() => t.close());

/** A partner call with `from`'s own certificate; resolves with the refusal (or undefined). */
async function asPartner(
  from: TestNode,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ ok?: unknown; err?: Record<string, unknown> }> {
  const s = from.node.services;
  const peer = await s.contracts.peerApi('host');
  return s.peers.call(peer, method, path, body).then(
    (ok) => ({ ok }),
    (e: { details?: Record<string, unknown>; message: string }) => ({
      err: { ...e.details, message: e.message },
    }),
  );
}

const points = (keys: string[]) => {
  const q = createPirQuery(keys);
  return Array.from({ length: keys.length }, (_, i) =>
    Buffer.from(q.request.subarray(i * PIR_POINT_BYTES, (i + 1) * PIR_POINT_BYTES)).toString(
      'base64',
    ),
  );
};

describe('the grantee', () => {
  it('gets the labels of its keys present in the table and "not found" for the others', async () => {
    // 9 distinct keys (one repeated) over 3 requests of at most MAX_BATCH points.
    const keys = ['u3', 'u0', 'nobody', 'u39', 'u3', 'u14', 'U3', 'u21', 'u7', 'x'];
    const out = await guest.ok<{
      columns: string[];
      serverRows: number;
      results: { key: string; found: boolean; values?: Record<string, number> }[];
      table: string;
    }>('POST', '/v1/pir/query', { partner: 'host', dataset: 'scores', keys });
    expect(out.table).toBe('downloaded');
    expect(out.columns).toEqual(['income', 'score']);
    expect(out.serverRows).toBe(40);
    expect(out.results.map((r) => r.key)).toEqual([...new Set(keys)]);
    for (const r of out.results) {
      const row = rows.find((x) => x.id === r.key);
      if (!row) expect(r, r.key).toEqual({ key: r.key, found: false });
      else expect(r.values, r.key).toEqual({ income: row.income, score: row.score });
    }
  });

  it('is counted and audited on both sides with counts only, never a key', async () => {
    const before = (await host.ok<{ uses: number }>('GET', `/v1/grants/${grantId}`)).uses;
    await guest.ok('POST', '/v1/pir/query', {
      partner: 'host',
      dataset: 'scores',
      keys: ['u11', 'zz-secret-key'],
    });
    // One table download and one evaluation request: two uses.
    expect((await host.ok<{ uses: number }>('GET', `/v1/grants/${grantId}`)).uses).toBe(before + 2);
    type Ev = {
      action: string;
      actorId: string;
      outcome: string;
      details: Record<string, unknown>;
    };
    const hostLog = await host.ok<{ items: Ev[] }>(
      'GET',
      '/v1/audit?action=pir.evaluate&pageSize=100',
    );
    const last = hostLog.items.find((e) => e.details['points'] === 2);
    expect(last).toMatchObject({ actor: { kind: 'peer', id: 'guest' }, outcome: 'success' });
    const guestLog = await guest.ok<{ items: Ev[] }>(
      'GET',
      '/v1/audit?action=pir.query&pageSize=100',
    );
    expect(guestLog.items.some((e) => e.details['keys'] === 2 && e.details['found'] === 1)).toBe(
      true,
    );
    const all = JSON.stringify([hostLog, guestLog, await host.ok('GET', '/v1/audit?pageSize=500')]);
    expect(all).not.toContain('zz-secret-key');
    expect(all).not.toContain('u11');
  });

  it('later queries use the cached table: the host leaves the table out for the id the guest holds', async () => {
    const again = await guest.ok<{
      table: string;
      results: { key: string; found: boolean; values?: Record<string, number> }[];
    }>('POST', '/v1/pir/query', { partner: 'host', dataset: 'scores', keys: ['u5', 'nope'] });
    expect(again.table).toBe('cached');
    expect(again.results).toEqual([
      { key: 'u5', found: true, values: { income: rows[5]!.income, score: rows[5]!.score } },
      { key: 'nope', found: false },
    ]);
    const full = await asPartner(guest, 'GET', `/v1/interconn/pir/datasets/scores/table`);
    const id = (full.ok as { tableId: string }).tableId;
    expect((full.ok as { download?: unknown }).download).toMatchObject({
      bytes: pirTableBytes(40, 16),
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const light = await asPartner(
      guest,
      'GET',
      `/v1/interconn/pir/datasets/scores/table?since=${encodeURIComponent(id)}`,
    );
    expect(light.ok).toMatchObject({ tableId: id, rows: 40 });
    expect((light.ok as { download?: unknown }).download).toBeUndefined();
    // A stale or unknown id gets a download offer.
    const stale = await asPartner(
      guest,
      'GET',
      `/v1/interconn/pir/datasets/scores/table?since=old`,
    );
    expect((stale.ok as { download?: unknown }).download).toBeDefined();
    // The guest's node keeps one file per table it holds, in its own storage.
    const files = await readdir(join(guest.node.services.config.paths.dataDir, 'pir-tables'));
    expect(files.filter((f) => f.endsWith('.fgpir'))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith('.part'))).toHaveLength(0);
  });

  it('downloads the table as binary pages whose bytes match the announced size and SHA-256', async () => {
    const offer = (await asPartner(guest, 'GET', `/v1/interconn/pir/datasets/${datasetId}/table`))
      .ok as { download: { ticket: string; bytes: number; sha256: string; pageBytes: number } };
    const d = offer.download;
    expect(d.bytes).toBeLessThan(d.pageBytes);
    const s = guest.node.services;
    const page = await s.peers.callBytes(
      await s.contracts.peerApi('host'),
      'GET',
      `/v1/interconn/pir/datasets/${datasetId}/table/bytes?ticket=${d.ticket}&offset=0`,
    );
    expect(page.length).toBe(d.bytes);
    expect(createHash('sha256').update(page).digest('hex')).toBe(d.sha256);
    expect(decodePirTable(page).rows).toBe(40);
    // An offset that is not the start of a page is refused naming the field.
    const odd = await s.peers
      .callBytes(
        await s.contracts.peerApi('host'),
        'GET',
        `/v1/interconn/pir/datasets/${datasetId}/table/bytes?ticket=${d.ticket}&offset=7`,
      )
      .then(
        () => undefined,
        (e: { details?: Record<string, unknown> }) => e.details,
      );
    expect(odd).toMatchObject({ status: 400, peerCode: 'VALIDATION_FAILED' });
  });

  it('sends the same request shape whatever the key (present, absent, long)', () => {
    for (const k of ['u1', 'absent', 'a'.repeat(900)]) {
      const [p] = points([k]);
      expect(p).toHaveLength(44);
      expect(Buffer.from(p!, 'base64')).toHaveLength(32);
    }
  });
});

describe('hostile partners with their own certificates', () => {
  it('a contracted node without a grant is refused the table and evaluations', async () => {
    const table = await asPartner(other, 'GET', `/v1/interconn/pir/datasets/${datasetId}/table`);
    expect(table.err).toMatchObject({ status: 403, peerCode: 'GRANT_MISSING' });
    const ev = await asPartner(other, 'POST', '/v1/interconn/pir/evaluate', {
      dataset: datasetId,
      tableId: 'any',
      points: points(['u1']),
    });
    expect(ev.err).toMatchObject({ status: 403, peerCode: 'GRANT_MISSING' });
    // Through its own node as well.
    const r = await other.call('POST', '/v1/pir/query', {
      partner: 'host',
      dataset: 'scores',
      keys: ['u1'],
    });
    expect(r.status).toBe(502);
    expect(r.body).toMatchObject({ details: { peerCode: 'GRANT_MISSING' } });
  });

  it('a contracted node without a grant gets no byte of the table, not even with the grantee’s ticket', async () => {
    const offer = (await asPartner(guest, 'GET', `/v1/interconn/pir/datasets/${datasetId}/table`))
      .ok as { download: { ticket: string } };
    const s = other.node.services;
    const peer = await s.contracts.peerApi('host');
    for (const ticket of [offer.download.ticket, '00000000-0000-4000-8000-000000000000']) {
      const got = await s.peers
        .callBytes(
          peer,
          'GET',
          `/v1/interconn/pir/datasets/${datasetId}/table/bytes?ticket=${ticket}&offset=0`,
        )
        .then(
          (bytes) => ({ bytes }),
          (e: { details?: Record<string, unknown> }) => ({ err: e.details }),
        );
      expect(got).toMatchObject({ err: { status: 404, peerCode: 'NOT_FOUND' } });
    }
  });

  it('a dataset not enabled for PIR answers 404 like an unknown one', async () => {
    const unknown = await asPartner(guest, 'GET', '/v1/interconn/pir/datasets/nope/table');
    expect(unknown.err).toMatchObject({ status: 404, peerCode: 'NOT_FOUND' });
  });

  it('malformed points, an oversized batch and a stale table id are refused naming the field', async () => {
    const table = (await asPartner(guest, 'GET', `/v1/interconn/pir/datasets/${datasetId}/table`))
      .ok as { tableId: string; maxBatch: number };
    expect(table.maxBatch).toBe(MAX_BATCH);
    const send = (body: unknown) => asPartner(guest, 'POST', '/v1/interconn/pir/evaluate', body);
    const base = { dataset: datasetId, tableId: table.tableId };
    const short = await send({ ...base, points: [Buffer.alloc(31).toString('base64')] });
    expect(short.err).toMatchObject({ status: 400, peerCode: 'VALIDATION_FAILED' });
    expect(String(short.err!['message'])).toContain('points');
    // The zero point (low order) is well-formed base64 but refused.
    const zero = await send({ ...base, points: [Buffer.alloc(32).toString('base64')] });
    expect(zero.err).toMatchObject({ status: 400, peerCode: 'VALIDATION_FAILED' });
    expect(String(zero.err!['message'])).toContain('points');
    const many = await send({ ...base, points: points(['a', 'b', 'c', 'd', 'e']) });
    expect(many.err).toMatchObject({ status: 400 });
    expect(String(many.err!['message'])).toContain(`at most ${MAX_BATCH}`);
    const stale = await send({ ...base, tableId: 'stale', points: points(['u1']) });
    expect(stale.err).toMatchObject({ status: 409, peerCode: 'CONFLICT' });
    const ok = await send({ ...base, points: points(['u1', 'u2']) });
    expect((ok.ok as { points: string[] }).points).toHaveLength(2);
  });

  it('a node with no contract is refused at the TLS pin', async () => {
    for (const [method, path] of [
      ['GET', `/v1/interconn/pir/datasets/${datasetId}/table`],
      ['POST', '/v1/interconn/pir/evaluate'],
    ] as const) {
      const e = await stranger.node.services.peers
        .firstContact(host.node.apiUrl, method, path, method === 'POST' ? {} : undefined)
        .then(
          () => undefined,
          (err: { details?: Record<string, unknown> }) => err.details,
        );
      expect(e, path).toMatchObject({ status: 403, peerCode: 'PEER_NOT_PINNED' });
    }
  });

  it('the grantee is refused past its disclosure budget (one key per row), nothing answered', async () => {
    const table = (await asPartner(guest, 'GET', `/v1/interconn/pir/datasets/${datasetId}/table`))
      .ok as { tableId: string };
    let refusal: Record<string, unknown> | undefined;
    // 40 rows allow 40 keys in all; each request asks MAX_BATCH more.
    for (let i = 0; i <= 40 / MAX_BATCH && !refusal; i++) {
      const r = await asPartner(guest, 'POST', '/v1/interconn/pir/evaluate', {
        dataset: datasetId,
        tableId: table.tableId,
        points: points(['a', 'b', 'c', 'd']),
      });
      refusal = r.err;
    }
    expect(refusal).toMatchObject({ status: 429, peerCode: 'LIMIT_EXCEEDED' });
    expect(String(refusal!['message'])).toContain('pir-keys');
  });
});

describe('revocation', () => {
  it('a ticket issued before the grant was revoked fetches nothing after it', async () => {
    const offer = (await asPartner(guest, 'GET', `/v1/interconn/pir/datasets/${datasetId}/table`))
      .ok as { download: { ticket: string } };
    await host.ok('POST', `/v1/grants/${grantId}/revoke`, { reason: 'test' });
    const s = guest.node.services;
    const got = await s.peers
      .callBytes(
        await s.contracts.peerApi('host'),
        'GET',
        `/v1/interconn/pir/datasets/${datasetId}/table/bytes?ticket=${offer.download.ticket}&offset=0`,
      )
      .then(
        () => undefined,
        (e: { details?: Record<string, unknown> }) => e.details,
      );
    expect(got).toMatchObject({ status: 404, peerCode: 'NOT_FOUND' });
  });
});
