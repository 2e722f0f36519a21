/**
 * Dataset sources (issue 17 item 2): every kind registers the same table — ids, labels and
 * values equal to the CSV's — and every bad source (unreachable server, wrong login, failing
 * query, unparsable value, malformed file, group-readable secret) gives a clear error and
 * registers nothing. PostgreSQL: the server at FEDGRID_POSTGRES_URL's host (127.0.0.1:5432,
 * db test); MariaDB/MySQL: 127.0.0.1:3306 as root without password, db test
 * (FEDGRID_TEST_MYSQL=off leaves those tests out where no server runs).
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../dist/storage/db.js';
import { openTestStore } from './nodes.js';
import { DatasetService } from '../dist/datasets/datasets.service.js';
import { sourceKinds } from '../dist/datasets/sources/registry.js';

const root = mkdtempSync(join(tmpdir(), 'fedgrid-sources-test-'));
const dataDir = join(root, 'node');
let store: Store;
let datasets: DatasetService;
const suffix = `${process.pid}_${Date.now() % 100000}`;

const ROWS = 30;
/** The reference table: id, y, a (integer), b (float, one missing every 7th row). */
const ids = Array.from({ length: ROWS }, (_, i) => `u${i}`);
const ys = ids.map((_, i) => (i % 3 === 0 ? 1 : 0));
const as = ids.map((_, i) => i * 2);
const bs = ids.map((_, i) => (i % 7 === 3 ? null : i / 8));
/** The databases' text column `note` (n0…n29) as categories: ascending code-point order. */
const noteLevels = ids.map((_, i) => `n${i}`).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));

/** Registers a database table with its text column `note`: categorical, coded like the CSV's. */
async function registersWithCategories(name: string, source: Record<string, unknown>) {
  const ds = await datasets.register({
    name,
    source: source as never,
    idColumn: 'id',
    labelColumn: 'y',
  });
  expect(ds.features.map((f) => [f.name, f.type])).toEqual([
    ['a', 'integer'],
    ['b', 'float'],
    ['note', 'categorical'],
  ]);
  const frame = await datasets.load(ds.id);
  expect(frame.columnTypes?.['note']).toEqual({ type: 'categorical', levels: noteLevels });
  const codes = Array.from(frame.x.data).filter((_, k) => k % 3 === 2);
  expect(frame.ids.map((_, r) => noteLevels[codes[r] as number])).toEqual(
    frame.ids.map((id) => `n${id.slice(1)}`),
  );
}

beforeAll(async () => {
  store = await openTestStore(dataDir);
  datasets = new DatasetService(store.db, dataDir, {
    allowedDirs: [root],
    protectedPaths: [dataDir],
  });
});
afterAll(async () => {
  await store?.close();
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
function file(ext: string, content: string | Uint8Array): string {
  const path = join(root, `t${++n}.${ext}`);
  writeFileSync(path, content);
  return path;
}
const snapshots = () =>
  existsSync(join(dataDir, 'datasets')) ? readdirSync(join(dataDir, 'datasets')).length : 0;

async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    return err as Error & { code: string; details?: Record<string, unknown> };
  }
  throw new Error('expected a rejection');
}

/** Registers and checks the dataset equals the reference table. */
async function registersReference(name: string, source: Record<string, unknown>) {
  const ds = await datasets.register({
    name,
    source: source as never,
    idColumn: 'id',
    labelColumn: 'y',
  });
  expect(ds.rows).toBe(ROWS);
  expect(ds.source.kind).toBe(source['kind']);
  expect(ds.features.map((f) => f.name)).toEqual(['a', 'b']);
  expect(ds.features[1]?.missing).toBe(bs.filter((b) => b === null).length);
  const frame = await datasets.load(ds.id);
  expect(frame.ids).toEqual(ids);
  expect(Array.from(frame.labels ?? [])).toEqual(ys);
  const x = Array.from(frame.x.data);
  expect(x.filter((_, k) => k % 2 === 0)).toEqual(as);
  expect(x.filter((_, k) => k % 2 === 1).map((v) => (Number.isNaN(v) ? null : v))).toEqual(bs);
  return ds;
}

/** Expects the registration to fail with `code` and leave no record and no snapshot. */
async function refused(
  name: string,
  source: Record<string, unknown>,
  code: string,
  columnTypes?: Record<string, 'numeric' | 'categorical' | 'boolean' | 'datetime' | 'ignore'>,
) {
  const before = { list: (await datasets.list()).length, files: snapshots() };
  const err = await failure(
    datasets.register({
      name,
      source: source as never,
      idColumn: 'id',
      labelColumn: 'y',
      ...(columnTypes ? { columnTypes } : {}),
    }),
  );
  // The service's own schema check throws zod's error (the API answers it as VALIDATION_FAILED).
  expect(err.name === 'ZodError' ? 'VALIDATION_FAILED' : err.code).toBe(code);
  expect((await datasets.list()).length).toBe(before.list);
  expect(snapshots()).toBe(before.files);
  return err;
}

const delimited = (sep: string) =>
  [
    ['id', 'y', 'a', 'b'].join(sep),
    ...ids.map((id, i) => [id, ys[i], as[i], bs[i] ?? ''].join(sep)),
  ].join('\n') + '\n';

describe('dataset sources', () => {
  it('the registry discovers every kind, one file each', () => {
    expect(sourceKinds().map((k) => k.kind)).toEqual(
      expect.arrayContaining([
        'csv',
        'tsv',
        'text',
        'jsonl',
        'xml',
        'parquet',
        'postgres',
        'mysql',
      ]),
    );
  });

  it('csv, tsv and text (|) give the same table as the reference', async () => {
    await registersReference('src-csv', { kind: 'csv', path: file('csv', delimited(',')) });
    await registersReference('src-tsv', { kind: 'tsv', path: file('tsv', delimited('\t')) });
    await registersReference('src-txt', {
      kind: 'text',
      path: file('txt', delimited('|')),
      delimiter: '|',
    });
  });

  it('JSON Lines: keys are columns, null and absent keys are missing values', async () => {
    const lines = ids.map((id, i) =>
      JSON.stringify(
        bs[i] === null && i % 2 ? { id, y: ys[i], a: as[i] } : { id, y: ys[i], a: as[i], b: bs[i] },
      ),
    );
    await registersReference('src-jsonl', { kind: 'jsonl', path: file('jsonl', lines.join('\n')) });
  });

  it('JSON Lines: string and declared columns get the column types (categorical, boolean, datetime)', async () => {
    const regions = ['north', 'south', 'east'];
    const lines = ids.map((id, i) =>
      JSON.stringify({
        id,
        y: ys[i],
        region: i % 5 === 4 ? null : regions[i % 3],
        zip: i % 2 ? '02134' : '10001',
        member: i % 4 === 0,
        opened: `2024-03-${String((i % 28) + 1).padStart(2, '0')}`,
      }),
    );
    const ds = await datasets.register({
      name: 'src-jsonl-types',
      source: { kind: 'jsonl', path: file('jsonl', lines.join('\n')) } as never,
      idColumn: 'id',
      labelColumn: 'y',
      columnTypes: { zip: 'categorical' },
    });
    expect(ds.features.map((f) => [f.name, f.type, f.typeSource])).toEqual([
      ['region', 'categorical', 'detected'],
      ['zip', 'categorical', 'declared'],
      ['member', 'boolean', 'detected'],
      ['opened', 'datetime', 'detected'],
    ]);
    expect(ds.features[0]?.missing).toBe(ids.filter((_, i) => i % 5 === 4).length);
    const frame = await datasets.load(ds.id);
    expect(frame.columnTypes).toEqual({
      region: { type: 'categorical', levels: ['east', 'north', 'south'] },
      zip: { type: 'categorical', levels: ['02134', '10001'] },
      member: { type: 'boolean' },
      opened: { type: 'datetime' },
    });
    const row = (r: number) => Array.from(frame.x.data.slice(r * 4, r * 4 + 4));
    // u1: region south (code 2), zip 02134 (code 0), member false, 2024-03-02T00:00Z.
    expect(row(1)).toEqual([2, 0, 0, Date.UTC(2024, 2, 2) / 1000]);
    expect(Number.isNaN(row(4)[0])).toBe(true);
  });

  it('JSON Lines: an unknown key, a bad line and an unparsable value are refused at their line', async () => {
    const good = ids.slice(0, 3).map((id, i) => JSON.stringify({ id, y: ys[i], a: 1, b: 2 }));
    let err = await refused(
      'bad-jsonl-1',
      { kind: 'jsonl', path: file('jsonl', [...good, '{"id":"x","y":0,"a":1,"zz":3}'].join('\n')) },
      'CSV_INVALID',
    );
    expect(err.message).toMatch(/:4: key 'zz' is not a column/);
    err = await refused(
      'bad-jsonl-2',
      { kind: 'jsonl', path: file('jsonl', [...good, '{"id":"x",'].join('\n')) },
      'CSV_INVALID',
    );
    expect(err.message).toMatch(/:4(:\d+)?: not valid JSON/);
    err = await refused(
      'bad-jsonl-3',
      {
        kind: 'jsonl',
        path: file('jsonl', [...good, '{"id":"x","y":0,"a":"12kg","b":1}'].join('\n')),
      },
      'CSV_INVALID',
    );
    expect(err.message).toMatch(/:4:3: value '12kg' is not a number/);
  });

  it('XML: attributes and child elements are columns; absent elements are missing values', async () => {
    const xml = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<rows>',
      ...ids.map(
        (id, i) =>
          `  <row id="${id}"><y>${ys[i]}</y><a>${as[i]}</a>${bs[i] === null ? '' : `<b>${bs[i]}</b>`}</row>`,
      ),
      '</rows>',
    ].join('\n');
    await registersReference('src-xml', { kind: 'xml', path: file('xml', xml) });
  });

  it('XML: a DOCTYPE (entity expansion), malformed XML and unparsable values are refused', async () => {
    const head = '<rows>\n<row id="a"><y>1</y><a>1</a><b>1</b></row>\n';
    let err = await refused(
      'bad-xml-1',
      {
        kind: 'xml',
        path: file(
          'xml',
          `<!DOCTYPE rows [<!ENTITY x "xxxxxxxx">]>\n${head}<row id="b"><y>&x;</y></row></rows>`,
        ),
      },
      'CSV_INVALID',
    );
    expect(err.message).toMatch(/DOCTYPE is not accepted/);
    err = await refused(
      'bad-xml-2',
      { kind: 'xml', path: file('xml', `${head}<row id="b"><y>1</y></rows>`) },
      'CSV_INVALID',
    );
    expect(err.message).toMatch(/:3:\d+: malformed XML/);
    err = await refused(
      'bad-xml-3',
      { kind: 'xml', path: file('xml', `${head}<row id="b"><y>1</y><a>abc</a></row></rows>`) },
      'CSV_INVALID',
    );
    expect(err.message).toMatch(/:3:3: value 'abc' is not a number/);
  });

  it('Parquet (several row groups, snappy): the same table; a non-Parquet file is refused', async () => {
    const buf = parquetWriteBuffer({
      columnData: [
        { name: 'id', data: ids, type: 'STRING' },
        { name: 'y', data: Int32Array.from(ys), type: 'INT32' },
        { name: 'a', data: as.map((v) => BigInt(v)), type: 'INT64' },
        { name: 'b', data: bs, type: 'DOUBLE', nullable: true },
      ],
      rowGroupSize: 8,
    });
    await registersReference('src-parquet', {
      kind: 'parquet',
      path: file('parquet', new Uint8Array(buf)),
    });
    const err = await refused(
      'bad-parquet',
      { kind: 'parquet', path: file('parquet', delimited(',')) },
      'DATASET_SOURCE_INVALID',
    );
    expect(err.message).toMatch(/not a readable Parquet file/);
  });

  it('a file source outside the data directories is refused before it is opened', async () => {
    await refused('outside', { kind: 'jsonl', path: '/etc/passwd' }, 'DATASET_PATH_NOT_ALLOWED');
  });
});

const pgUrl = process.env['FEDGRID_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const pgConf = new URL(pgUrl);
const pgSpec = {
  kind: 'postgres',
  host: pgConf.hostname,
  port: Number(pgConf.port || 5432),
  database: pgConf.pathname.slice(1),
  user: decodeURIComponent(pgConf.username || 'postgres'),
};

describe('PostgreSQL source', () => {
  const table = `fg_src_${suffix}`;
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    await client.query(
      `CREATE TABLE ${table} (id text primary key, y integer, a bigint, b double precision, note text)`,
    );
    for (let i = 0; i < ROWS; i++)
      await client.query(`INSERT INTO ${table} VALUES ($1,$2,$3,$4,$5)`, [
        ids[i],
        ys[i],
        as[i],
        bs[i],
        `n${i}`,
      ]);
  });
  afterAll(async () => {
    await client?.query(`DROP TABLE IF EXISTS ${table}`);
    await client?.end();
  });

  it('a query registers the reference table', async () => {
    await registersReference('pg-query', {
      ...pgSpec,
      query: `SELECT id, y, a, b FROM ${table} ORDER BY a`,
    });
  });

  it('a table registers with its text column as categorical; declared numeric, that column is refused at line and column', async () => {
    await registersWithCategories('pg-table', { ...pgSpec, table });
    const err = await refused('pg-table-num', { ...pgSpec, table }, 'CSV_INVALID', {
      note: 'numeric',
    });
    expect(err.message).toMatch(/:2:5: value 'n0' is not a number/);
  });

  it('a failing query, a write attempt, an unreachable server and an unknown user give their own errors', async () => {
    let err = await refused(
      'pg-bad-1',
      { ...pgSpec, query: 'SELECT * FROM fg_no_such_table_xyz' },
      'DATASET_SOURCE_QUERY_FAILED',
    );
    expect(err.message).toMatch(/SQLSTATE 42P01/);
    err = await refused(
      'pg-bad-2',
      { ...pgSpec, query: `WITH d AS (DELETE FROM ${table} RETURNING *) SELECT * FROM d` },
      'DATASET_SOURCE_QUERY_FAILED',
    );
    expect(err.message).toMatch(/SQLSTATE 25006/); // read_only_sql_transaction
    expect((await client.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n).toBe(ROWS);
    err = await refused(
      'pg-bad-3',
      { ...pgSpec, port: 1, table, connectTimeoutSeconds: 5 },
      'DATASET_SOURCE_UNREACHABLE',
    );
    err = await refused(
      'pg-bad-4',
      { ...pgSpec, user: 'fg_no_such_user', table },
      'DATASET_SOURCE_AUTH_FAILED',
    );
    expect(err.message).not.toMatch(/fg_no_such_user/);
  });

  it('credentials: an unset or non-FEDGRID_SOURCE_ variable and a group-readable file are refused', async () => {
    await refused(
      'pg-cred-1',
      { ...pgSpec, table, passwordEnv: 'FEDGRID_SOURCE_NOT_SET_XYZ' },
      'DATASET_SOURCE_SECRET',
    );
    await refused(
      'pg-cred-2',
      { ...pgSpec, table, passwordEnv: 'FEDGRID_ADMIN_TOKEN' },
      'VALIDATION_FAILED',
    );
    const secret = file('secret', 'hunter2-secret\n');
    chmodSync(secret, 0o640);
    const err = await refused(
      'pg-cred-3',
      { ...pgSpec, table, passwordFile: secret },
      'DATASET_SOURCE_SECRET',
    );
    expect(err.message).toMatch(/chmod 600/);
    expect(err.message).not.toMatch(/hunter2/);
    await refused('pg-cred-4', { ...pgSpec, table, password: 'inline' }, 'VALIDATION_FAILED');
  });
});

const mysqlOff = process.env['FEDGRID_TEST_MYSQL'] === 'off';
const myHost = process.env['FEDGRID_TEST_MYSQL_HOST'] ?? '127.0.0.1';
const mySpec = { kind: 'mysql', host: myHost, port: 3306, database: 'test', user: 'root' };

describe.skipIf(mysqlOff)('MySQL/MariaDB source', () => {
  const table = `fg_src_${suffix}`;
  const user = `fg_u_${suffix}`.slice(0, 32);
  const password = `pw-${suffix}-Secret`;
  let conn: mysql.Connection;
  beforeAll(async () => {
    conn = await mysql.createConnection({ host: myHost, user: 'root', database: 'test' });
    await conn.query(
      `CREATE TABLE ${table} (id varchar(20) primary key, y int, a bigint, b double, note varchar(20))`,
    );
    for (let i = 0; i < ROWS; i++)
      await conn.query(`INSERT INTO ${table} VALUES (?,?,?,?,?)`, [
        ids[i],
        ys[i],
        as[i],
        bs[i],
        `n${i}`,
      ]);
    await conn.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    await conn.query(`GRANT SELECT ON test.${table} TO '${user}'@'%'`);
  });
  afterAll(async () => {
    await conn?.query(`DROP TABLE IF EXISTS ${table}`);
    await conn?.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await conn?.end();
  });

  it('a query registers the reference table, with the password from a 0600 file and from the environment', async () => {
    const secret = file('secret', `${password}\n`);
    chmodSync(secret, 0o600);
    await registersReference('my-query', {
      ...mySpec,
      user,
      passwordFile: secret,
      query: `SELECT id, y, a, b FROM ${table} ORDER BY a`,
    });
    process.env['FEDGRID_SOURCE_TEST_PW'] = password;
    try {
      await registersReference('my-query-env', {
        ...mySpec,
        user,
        passwordEnv: 'FEDGRID_SOURCE_TEST_PW',
        query: `SELECT id, y, a, b FROM ${table} ORDER BY a`,
      });
    } finally {
      delete process.env['FEDGRID_SOURCE_TEST_PW'];
    }
  });

  it('a wrong password, a failing query, an unreachable server and a bad value register nothing', async () => {
    process.env['FEDGRID_SOURCE_WRONG_PW'] = 'not-the-Password-123';
    try {
      const err = await refused(
        'my-bad-1',
        { ...mySpec, user, passwordEnv: 'FEDGRID_SOURCE_WRONG_PW', table },
        'DATASET_SOURCE_AUTH_FAILED',
      );
      expect(err.message).not.toMatch(/not-the-Password-123/);
      expect(err.message).not.toMatch(new RegExp(user));
      expect(JSON.stringify(err.details)).not.toMatch(/not-the-Password-123/);
    } finally {
      delete process.env['FEDGRID_SOURCE_WRONG_PW'];
    }
    let err = await refused(
      'my-bad-2',
      { ...mySpec, query: 'SELECT * FROM fg_no_such_table_xyz' },
      'DATASET_SOURCE_QUERY_FAILED',
    );
    expect(err.message).toMatch(/ER_NO_SUCH_TABLE/);
    err = await refused(
      'my-bad-3',
      { ...mySpec, port: 1, table, connectTimeoutSeconds: 5 },
      'DATASET_SOURCE_UNREACHABLE',
    );
    await registersWithCategories('my-table', { ...mySpec, table });
    err = await refused('my-bad-4', { ...mySpec, table }, 'CSV_INVALID', { note: 'numeric' });
    expect(err.message).toMatch(/:2:5: value 'n0' is not a number/);
  });
});
