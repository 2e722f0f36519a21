/**
 * Column types at registration (issue 17 item 1): numeric, categorical, boolean and date/time
 * columns detected from the rows or declared per column, missing values per type, bad values
 * refused with line and column, and the snapshot keeping the types.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  detectColumnKind,
  FedGridError,
  importCsv,
  parseBoolean,
  parseDatetime,
  TableBuilder,
  type CsvProblem,
} from '@fedgrid/node';
import { readSnapshot, writeSnapshot } from '../src/datasets/snapshot.js';

const dir = mkdtempSync(join(tmpdir(), 'fedgrid-coltypes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fixture = (text: string) => {
  const p = join(dir, `t${++n}.csv`);
  writeFileSync(p, text);
  return p;
};

async function problemsOf(
  text: string,
  columnTypes?: Record<string, 'numeric' | 'categorical' | 'boolean' | 'datetime' | 'ignore'>,
): Promise<CsvProblem[]> {
  try {
    await importCsv({
      path: fixture(text),
      idColumn: 'id',
      ...(columnTypes ? { columnTypes } : {}),
    });
  } catch (e) {
    expect((e as FedGridError).code).toBe('CSV_INVALID');
    expect((e as FedGridError).message).toMatch(/nothing was registered/);
    return (e as FedGridError).details?.['problems'] as CsvProblem[];
  }
  throw new Error('importCsv accepted the table');
}

const table = [
  'id,region,amount,active,opened,y',
  'r1,north,10,true,2024-01-31,1',
  'r2,south,NA,false,2024-02-29 12:00,0',
  'r3,,7.5,TRUE,,1',
  'r4,east,2,,2024-03-01T00:00:00+08:00,0',
  'r5,north,1,False,NaT,1',
].join('\n');

describe('detected column types', () => {
  it('strings → categorical (codes of the ascending levels), true/false → boolean, ISO dates → datetime', async () => {
    const r = await importCsv({ path: fixture(table), idColumn: 'id', labelColumn: 'y' });
    expect(r.features.map((f) => [f.name, f.type])).toEqual([
      ['region', 'categorical'],
      ['amount', 'float'],
      ['active', 'boolean'],
      ['opened', 'datetime'],
    ]);
    expect(r.frame.columnTypes).toEqual({
      region: { type: 'categorical', levels: ['east', 'north', 'south'] },
      active: { type: 'boolean' },
      opened: { type: 'datetime' },
    });
    const col = (j: number) =>
      Array.from({ length: 5 }, (_, i) => r.frame.x.data[i * 4 + j] as number);
    expect(col(0)).toEqual([1, 2, NaN, 0, 1]);
    expect(col(1)).toEqual([10, NaN, 7.5, 2, 1]);
    expect(col(2)).toEqual([1, 0, 1, NaN, 0]);
    expect(col(3)).toEqual([
      Date.UTC(2024, 0, 31) / 1000,
      Date.UTC(2024, 1, 29, 12) / 1000,
      NaN,
      Date.UTC(2024, 1, 29, 16) / 1000, // +08:00 midnight is 16:00 UTC the day before
      NaN,
    ]);
    // Missing values per type: an empty category, NA number, empty boolean, NaT date.
    expect(r.features.map((f) => f.missing)).toEqual([1, 1, 1, 2]);
    expect(r.features[0]).toMatchObject({ categories: 3, typeSource: 'detected' });
  });

  it('category codes do not depend on row order', async () => {
    const a = await importCsv({ path: fixture('id,c\n1,b\n2,a\n3,c\n'), idColumn: 'id' });
    const b = await importCsv({ path: fixture('id,c\n3,c\n1,b\n2,a\n'), idColumn: 'id' });
    expect(Array.from(a.frame.x.data)).toEqual([1, 0, 2]);
    expect(Array.from(b.frame.x.data)).toEqual([2, 1, 0]);
  });

  it('detection rules: a mostly numeric column with a typo is numeric and the typo an error', () => {
    expect(detectColumnKind(['1', '2', 'x'])).toBe('numeric');
    expect(detectColumnKind(['a', 'b', '3'])).toBe('categorical');
    expect(detectColumnKind(['yes', 'no'])).toBe('categorical');
    expect(detectColumnKind(['true', 'FALSE', ''])).toBe('boolean');
    expect(detectColumnKind(['2024-01-01', '2024-01-02 10:00'])).toBe('datetime');
    expect(detectColumnKind(['', 'NA'])).toBe('numeric');
  });

  it('the typo in a numeric column names line, column, and how to fix it', async () => {
    const p = await problemsOf('id,a\n1,2\n2,3\n3,three\n');
    expect(p[0]).toMatchObject({ line: 4, column: 2, field: 'a' });
    expect(p[0]?.message).toMatch(/'three' is not a number.*declare the column 'categorical'/);
  });

  it('types decided on the first sampleRows rows; a later value of another type is an error at its line', async () => {
    const rows = [
      'id,d',
      ...Array.from(
        { length: 30 },
        (_, i) => `${i},2024-01-${String((i % 28) + 1).padStart(2, '0')}`,
      ),
      '99,soon',
    ];
    try {
      await importCsv({ path: fixture(rows.join('\n')), idColumn: 'id', sampleRows: 10 });
      throw new Error('accepted');
    } catch (e) {
      const p = (e as FedGridError).details?.['problems'] as CsvProblem[];
      expect(p[0]).toMatchObject({ line: 32, column: 2, field: 'd' });
      expect(p[0]?.message).toMatch(/is not a date\/time.*first 10 rows/);
    }
  });
});

describe('declared column types', () => {
  it('override detection: a numeric-looking code column as categorical, yes/no as boolean, a column ignored', async () => {
    const r = await importCsv({
      path: fixture('id,zip,member,note\n1,02134,yes,x\n2,10001,no,y\n3,02134,Y,z\n'),
      idColumn: 'id',
      columnTypes: { zip: 'categorical', member: 'boolean', note: 'ignore' },
    });
    expect(r.frame.featureNames).toEqual(['zip', 'member']);
    expect(r.frame.columnTypes?.['zip']).toEqual({
      type: 'categorical',
      levels: ['02134', '10001'],
    });
    expect(Array.from(r.frame.x.data)).toEqual([0, 1, 1, 0, 0, 1]);
    expect(r.features.map((f) => f.typeSource)).toEqual(['declared', 'declared']);
  });

  it('a bad boolean or date in a declared column → line and column; nothing is returned', async () => {
    const p = await problemsOf('id,b,d\n1,yes,2024-02-30\n2,maybe,2024-13-01\n', {
      b: 'boolean',
      d: 'datetime',
    });
    expect(p.map((x) => [x.line, x.column, x.field])).toEqual([
      [2, 3, 'd'],
      [3, 2, 'b'],
      [3, 3, 'd'],
    ]);
    expect(p[0]?.message).toMatch(/that day does not exist/);
    expect(p[1]?.message).toMatch(/'maybe' is not a boolean/);
  });

  it('declaring an unknown column, an unknown type, or the id/label column is refused on line 1', async () => {
    expect((await problemsOf('id,a\n1,2\n', { b: 'numeric' }))[0]?.message).toMatch(
      /'b' has a declared type but is not in the header/,
    );
    expect((await problemsOf('id,a\n1,2\n', { a: 'text' as 'numeric' }))[0]?.message).toMatch(
      /column types are numeric, categorical, boolean, datetime, ignore/,
    );
    expect((await problemsOf('id,a\n1,2\n', { id: 'categorical' }))[0]?.message).toMatch(
      /is the id column/,
    );
  });

  it('a categorical column with more distinct values than maxCategories is refused', () => {
    const b = new TableBuilder({ idColumn: 'id', maxCategories: 5 });
    b.setHeader(['id', 't'], 1);
    for (let i = 0; i < 12; i++) b.addRow([`${i}`, `w${i}`], i + 2);
    expect(b.finish()).toBeUndefined();
    expect(b.problems).toHaveLength(1);
    expect(b.problems[0]).toMatchObject({ line: 7, column: 2, field: 't' });
    expect(b.problems[0]?.message).toMatch(/more than 5 distinct values/);
  });
});

describe('cell readers', () => {
  it('booleans and dates', () => {
    expect(parseBoolean(' Yes ')).toEqual({ value: 1 });
    expect(parseBoolean('0')).toEqual({ value: 0 });
    expect(parseDatetime('1970-01-01T00:00:01.5Z')).toEqual({ value: 1.5 });
    expect(parseDatetime('2024-01-01T00:00-01:30')).toEqual({
      value: Date.UTC(2024, 0, 1, 1, 30) / 1000,
    });
    expect('problem' in parseDatetime('01/02/2024')).toBe(true);
  });
});

describe('snapshot', () => {
  it('keeps the column types and the levels', async () => {
    const r = await importCsv({ path: fixture(table), idColumn: 'id', labelColumn: 'y' });
    const p = join(dir, 'snap.fgds');
    await writeSnapshot(p, r.frame);
    const back = await readSnapshot(p);
    expect(back.columnTypes).toEqual(r.frame.columnTypes);
    expect(Array.from(back.x.data)).toEqual(Array.from(r.frame.x.data));
  });
});
