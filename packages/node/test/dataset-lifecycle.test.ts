/**
 * The dataset lifecycle (issue 17 item 3) on two in-process nodes with real mutual TLS between
 * them: `own` owns the data, `par` is a contracted partner that turns hostile — with its own
 * certificate it tries every owner-only route (preview, download, upload, refresh, update).
 *
 * Covered: upload (streamed, size-limited, checksummed, validated before it is recorded — a bad
 * upload leaves no record and no file), preview and download of the owner's rows, the data
 * dictionary in the owner's and the partner's schema views (no rows in either partner view),
 * disable/enable (a disabled dataset refuses a partner's job before its grant is charged), refresh
 * as a new version with the job keeping the version it recorded.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePgliteTemplate } from '@fedgrid/node';
import { TestNodes, type TestNode } from './nodes.js';

const t = new TestNodes();
let own: TestNode;
let par: TestNode;
const files = mkdtempSync(join(tmpdir(), 'fedgrid-lifecycle-data-'));
const MAX_UPLOAD = 4096;
const enc = encodeURIComponent;
const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');

interface Dataset {
  id: string;
  name: string;
  rows: number;
  version: number;
  enabled: boolean;
  sourceSha256: string;
  source: { kind: string };
  dictionary: Record<string, { description?: string; unit?: string; values?: string[] }>;
  features: { name: string; type: string; description?: string; unit?: string }[];
}

const table = (rows: number, shift = 0) =>
  [
    'id,y,age,income',
    ...Array.from({ length: rows }, (_, i) => `c${i},${i % 2},${20 + i + shift},${1000 * i}`),
  ].join('\n') + '\n';

function upload(
  node: TestNode,
  query: Record<string, string> | [string, string][],
  body: string | Buffer | Readable,
): Promise<{ status: number; body: { code?: string; message?: string } & Partial<Dataset> }> {
  const url = `/v1/datasets/upload?${new URLSearchParams(query).toString()}`;
  return node.node.app
    .inject({
      method: 'POST',
      url,
      headers: {
        authorization: `Bearer ${node.token as string}`,
        'content-type': 'application/octet-stream',
      },
      payload: body,
    })
    .then((r) => ({ status: r.statusCode, body: r.json() }));
}

/** Files left in the owner's upload directory (none after any upload, good or bad). */
const leftovers = () => {
  const dir = join(own.node.services.config.paths.dataDir, 'uploads');
  return existsSync(dir) ? readdirSync(dir) : [];
};

let jobSeq = 0;
const jobId = () => `job-20250101000000-${(++jobSeq).toString(16).padStart(8, '0')}`;

beforeAll(async () => {
  await ensurePgliteTemplate();
  [own, par] = await Promise.all([
    t.start('own', { config: { datasets: { maxUploadBytes: MAX_UPLOAD } } }),
    t.start('par'),
  ]);
  await t.contractAll();
  await t.permitAdhoc(own, 'par', ['psi-ecdh']);
});
afterAll(async () => {
  await t.close();
  rmSync(files, { recursive: true, force: true });
});

describe('upload', () => {
  it('streams, checks the checksum, validates, records; preview and download give the rows back', async () => {
    const content = table(12);
    const r = await upload(
      own,
      { name: 'up-ok', sha256: sha(content), idColumn: 'id', labelColumn: 'y' },
      Readable.from([content.slice(0, 50), content.slice(50)]),
    );
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ name: 'up-ok', rows: 12, version: 1, enabled: true });
    expect(r.body.sourceSha256).toBe(sha(content));
    expect(r.body.source).toMatchObject({ kind: 'csv', uploaded: true });
    expect(leftovers()).toEqual([]);

    const p = await own.ok<{ columns: string[]; rows: unknown[][]; total: number }>(
      'GET',
      '/v1/datasets/up-ok/preview?rows=3',
    );
    expect(p).toEqual({
      columns: ['id', 'y', 'age', 'income'],
      rows: [
        ['c0', 0, 20, 0],
        ['c1', 1, 21, 1000],
        ['c2', 0, 22, 2000],
      ],
      total: 12,
    });
    const d = await own.node.app.inject({
      method: 'GET',
      url: '/v1/datasets/up-ok/download',
      headers: { authorization: `Bearer ${own.token as string}` },
    });
    expect(d.statusCode).toBe(200);
    expect(d.headers['content-type']).toMatch(/^text\/csv/);
    expect(d.body).toBe(content);
  });

  it('a wrong checksum, an oversized body (declared or streamed) and invalid content record nothing', async () => {
    const before = (await own.ok<{ total: number }>('GET', '/v1/datasets')).total;
    const content = table(5);
    let r = await upload(own, { name: 'up-bad-1', sha256: sha('something else') }, content);
    expect(r.body.code).toBe('CHECKSUM_MISMATCH');
    expect(r.status).toBe(400);
    const big = table(400);
    expect(big.length).toBeGreaterThan(MAX_UPLOAD);
    r = await upload(own, { name: 'up-bad-2', sha256: sha(big) }, big);
    expect([r.status, r.body.code]).toEqual([413, 'UPLOAD_TOO_LARGE']);
    // Without a length: stopped while streaming.
    r = await upload(
      own,
      { name: 'up-bad-3', sha256: sha(big) },
      Readable.from([big.slice(0, 3000), big.slice(3000)]),
    );
    expect([r.status, r.body.code]).toEqual([413, 'UPLOAD_TOO_LARGE']);
    const bad = 'id,y,age\nc1,0,12\nc2,1,twelve\n';
    r = await upload(own, { name: 'up-bad-4', sha256: sha(bad), labelColumn: 'y' }, bad);
    expect(r.body.code).toBe('CSV_INVALID');
    expect(r.body.message).toMatch(/:3:3: value 'twelve' is not a number/);
    expect(r.body.message).not.toMatch(/uploads\/upload-/);
    expect((await own.ok<{ total: number }>('GET', '/v1/datasets')).total).toBe(before);
    expect(leftovers()).toEqual([]);
  });
});

describe('typed upload', () => {
  const content =
    'id,y,zip,age,note\n' +
    Array.from({ length: 8 }, (_, i) => `c${i},${i % 2},0${1000 + (i % 3)},${30 + i},n${i}`).join(
      '\n',
    ) +
    '\n';
  const q = (name: string, types: string[], body = content): [string, string][] => [
    ['name', name],
    ['sha256', sha(body)],
    ['labelColumn', 'y'],
    ...types.map((t): [string, string] => ['type', t]),
  ];

  it('declared types are applied and kept (zip stays a category, note is left out)', async () => {
    const r = await upload(own, q('up-typed', ['zip=categorical', 'note=ignore']), content);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const byName = Object.fromEntries((r.body.features ?? []).map((f) => [f.name, f]));
    expect(Object.keys(byName)).toEqual(['zip', 'age']);
    expect(byName['zip']).toMatchObject({ type: 'categorical', typeSource: 'declared' });
    expect(byName['age']).toMatchObject({ type: 'integer', typeSource: 'detected' });
    // Without the declaration zip is read as a number (the leading zero lost).
    const plain = await upload(own, q('up-untyped', ['note=ignore']), content);
    expect(plain.body.features?.find((f) => f.name === 'zip')?.type).toBe('integer');
  });

  it('a bad declaration is refused before anything is recorded, naming the parameter or the cell', async () => {
    const before = (await own.ok<{ total: number }>('GET', '/v1/datasets')).total;
    let r = await upload(own, q('up-t1', ['zip=text']), content);
    expect([r.status, r.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(r.body.message).toMatch(/type\[0\] 'zip=text': the type 'text' is not one of numeric/);
    r = await upload(own, q('up-t2', ['age=numeric', 'zip']), content);
    expect(r.body.message).toMatch(/type\[1\] 'zip': write COLUMN=TYPE/);
    r = await upload(own, q('up-t3', ['zip=numeric', 'zip=categorical']), content);
    expect(r.body.message).toMatch(/column 'zip' is given a type twice/);
    r = await upload(own, q('up-t4', ['postcode=categorical']), content);
    expect(r.body.code).toBe('CSV_INVALID');
    expect(r.body.message).toMatch(/'postcode' has a declared type but is not in the header/);
    const bad = content.replace('c5,1,01002', 'c5,1,A1002');
    r = await upload(own, q('up-t5', ['zip=numeric', 'note=ignore'], bad), bad);
    expect(r.body.code).toBe('CSV_INVALID');
    expect(r.body.message).toMatch(/:7:3: value 'A1002' is not a number/);
    expect((await own.ok<{ total: number }>('GET', '/v1/datasets')).total).toBe(before);
    expect(leftovers()).toEqual([]);
  });
});

describe('dictionary, enable/disable, refresh', () => {
  let csv: string;
  let ds: Dataset;
  beforeAll(async () => {
    csv = join(files, 'loans.csv');
    writeFileSync(csv, table(10));
    ds = await own.ok<Dataset>('POST', '/v1/datasets', {
      name: 'loans',
      path: csv,
      labelColumn: 'y',
      visibility: 'partners',
    });
    await own.ok('POST', '/v1/grants', { dataset: ds.id, grantee: 'par' });
  });

  it('the dictionary shows in the owner’s view and the partner’s schema view; unknown columns are refused', async () => {
    const dictionary = {
      id: { description: 'customer number' },
      age: { description: 'age at application', unit: 'years' },
      income: { description: 'monthly income', unit: 'CNY' },
      y: { description: 'defaulted within 12 months', values: ['0', '1'] },
    };
    const v = await own.ok<Dataset>('PATCH', `/v1/datasets/${ds.id}`, { dictionary });
    expect(v.dictionary).toEqual(dictionary);
    const bad = await own.call<{ code: string }>('PATCH', `/v1/datasets/${ds.id}`, {
      dictionary: { agee: { unit: 'years' } },
    });
    expect([bad.status, bad.body.code]).toEqual([400, 'VALIDATION_FAILED']);

    const seen = await par.ok<Record<string, unknown> & Dataset>(
      'GET',
      `/v1/partner-datasets/own/${ds.id}`,
    );
    expect(seen.features).toEqual([
      { name: 'age', type: 'integer', description: 'age at application', unit: 'years' },
      { name: 'income', type: 'integer', description: 'monthly income', unit: 'CNY' },
    ]);
    expect(seen.dictionary).toEqual({ id: dictionary.id, y: dictionary.y });
    // Schema only: no rows, no statistics, no paths, no digest.
    const text = JSON.stringify(seen);
    expect(text).not.toMatch(/"c0"|"c1"|sourcePath|sourceSha256|"min"|"mean"/);
  });

  it('a disabled dataset refuses a partner’s job before its grant is charged; enabled again, the job records version 1', async () => {
    const grantUses = async () =>
      (await own.ok<{ items: { datasetId: string; uses: number }[] }>('GET', '/v1/grants')).items
        .filter((g) => g.datasetId === ds.id)
        .reduce((a, g) => a + g.uses, 0);
    const s = par.node.services;
    const push = async (id: string) =>
      s.peers.call(await s.contracts.peerApi('own'), 'POST', '/v1/interconn/jobs', {
        id,
        initiator: 'par',
        createdAt: new Date().toISOString(),
        name: 'lifecycle test',
        parties: { guest: { node: 'par' }, hosts: [{ node: 'own' }] },
        datasets: { guest: 'theirs', 'host-0': ds.id },
        tasks: [{ name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } }],
      });
    const off = await own.ok<Dataset>('PATCH', `/v1/datasets/${ds.id}`, { enabled: false });
    expect(off.enabled).toBe(false);
    const uses = await grantUses();
    const err = await push(jobId()).then(
      () => undefined,
      (e: { details?: { peerCode?: string }; message: string }) => e,
    );
    expect(err?.details?.peerCode).toBe('DATASET_DISABLED');
    expect(err?.message).toMatch(/disabled/);
    expect(await grantUses()).toBe(uses);

    await own.ok('PATCH', `/v1/datasets/${ds.id}`, { enabled: true });
    const id = jobId();
    await push(id);
    expect(await grantUses()).toBe(uses + 1);
    const datasets = own.node.services.datasets;
    expect(await datasets.versionForJob(id, ds.id)).toBe(1);

    // Refresh: the source grew; the dataset becomes version 2, the job still reads version 1.
    writeFileSync(csv, table(14, 1));
    const r = await own.ok<Dataset>('POST', `/v1/datasets/${ds.id}/refresh`);
    expect(r).toMatchObject({ version: 2, rows: 14 });
    expect(r.sourceSha256).toBe(sha(table(14, 1)));
    expect((await datasets.loadForJob(id, ds.id)).x.rows).toBe(10);
    expect((await datasets.load(ds.id)).x.rows).toBe(14);
    // A new job records version 2.
    const id2 = jobId();
    await push(id2);
    expect(await datasets.versionForJob(id2, ds.id)).toBe(2);
  });

  it('a refresh whose columns changed is refused and changes nothing', async () => {
    writeFileSync(csv, 'id,y,age\nc1,0,3\n');
    const r = await own.call<{ code: string }>('POST', `/v1/datasets/${ds.id}/refresh`);
    expect([r.status, r.body.code]).toEqual([409, 'CONFLICT']);
    expect((await own.ok<Dataset>('GET', `/v1/datasets/${ds.id}`)).version).toBe(2);
  });
});

describe('refresh keeps the column types', () => {
  const typed = (rows: string[]) =>
    ['id,y,zip,region,note', ...rows.map((r, i) => `k${i},${i % 2},${r}`)].join('\n') + '\n';
  it('declared (categorical, ignore) and detected types are read again in the same types; a value that no longer fits is refused at line and column and changes nothing', async () => {
    const csv = join(files, 'typed.csv');
    writeFileSync(csv, typed(['02134,north,a', '10001,south,b', '02134,east,c']));
    const ds = await own.ok<Dataset>('POST', '/v1/datasets', {
      name: 'typed',
      path: csv,
      labelColumn: 'y',
      columnTypes: { zip: 'categorical', note: 'ignore' },
    });
    expect(ds.features.map((f) => [f.name, f.type])).toEqual([
      ['zip', 'categorical'],
      ['region', 'categorical'],
    ]);
    // Every zip now looks like a number and the ignored note column is still there: without
    // the registered types the refresh would read zip as numeric and note as a new feature.
    writeFileSync(csv, typed(['02134,north,x', '10001,south,y', '02134,east,z', '60601,west,w']));
    const r = await own.ok<Dataset>('POST', `/v1/datasets/${ds.id}/refresh`);
    expect(r).toMatchObject({ version: 2, rows: 4 });
    expect(r.features.map((f) => [f.name, f.type])).toEqual([
      ['zip', 'categorical'],
      ['region', 'categorical'],
    ]);
    const frame = await own.node.services.datasets.load(ds.id);
    expect(frame.columnTypes?.['zip']).toEqual({
      type: 'categorical',
      levels: ['02134', '10001', '60601'],
    });
    // A numeric column stays numeric: a stray text value is an error, not a new category.
    const num = join(files, 'typed-num.csv');
    writeFileSync(num, table(4));
    const n = await own.ok<Dataset>('POST', '/v1/datasets', {
      name: 'typed-num',
      path: num,
      labelColumn: 'y',
    });
    writeFileSync(num, table(4).replace('c2,0,22,', 'c2,0,unknown,'));
    const bad = await own.call<{ code: string; message: string }>(
      'POST',
      `/v1/datasets/${n.id}/refresh`,
    );
    expect([bad.status, bad.body.code]).toEqual([400, 'CSV_INVALID']);
    expect(bad.body.message).toMatch(/:4:3: value 'unknown' is not a number/);
    expect((await own.ok<Dataset>('GET', `/v1/datasets/${n.id}`)).version).toBe(1);
  });
});

describe('a hostile partner', () => {
  it('gets no rows and changes nothing through the owner’s routes, with its own certificate', async () => {
    const s = par.node.services;
    const api = await s.contracts.peerApi('own');
    const content = table(3);
    for (const [method, path, body] of [
      ['GET', '/v1/datasets/loans/preview', undefined],
      ['GET', '/v1/datasets/loans/download', undefined],
      ['GET', '/v1/datasets/loans', undefined],
      ['POST', '/v1/datasets/loans/refresh', undefined],
      ['PATCH', '/v1/datasets/loans', { enabled: false }],
      ['PATCH', '/v1/datasets/loans', { dictionary: { age: { unit: 'hostile' } } }],
      ['POST', `/v1/datasets/upload?name=evil&sha256=${sha(content)}`, content],
    ] as const) {
      const err = await s.peers.call(api, method, path, body).then(
        (ok) => ({ ok }),
        (e: { details?: { status?: number; peerCode?: string } }) => e,
      );
      expect('ok' in err, `${method} ${path}`).toBe(false);
      expect([401, 403], `${method} ${path} → ${JSON.stringify(err)}`).toContain(
        (err as { details?: { status?: number } }).details?.status,
      );
    }
    const v = await own.ok<Dataset>('GET', '/v1/datasets/loans');
    expect(v.enabled).toBe(true);
    expect(v.dictionary['age']?.unit).toBe('years');
    expect((await own.call('GET', '/v1/datasets/evil')).status).toBe(404);
    // The partner's own schema view of the dataset carries no rows either.
    const seen = await s.peers.call(api, 'GET', `/v1/interconn/datasets/${enc('loans')}`);
    expect(JSON.stringify(seen)).not.toMatch(/"c0"|"c1"/);
  });
});
