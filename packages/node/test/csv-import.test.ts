/**
 * importCsv: a valid table is parsed with the right types and summaries; every bad case is
 * rejected as a whole with CSV_INVALID (or DATASET_FILE_UNREADABLE) naming line (1-based, header
 * = line 1), column (1-based) and field of the first problem.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FedGridError, importCsv, type CsvProblem } from '@fedgrid/node';

const dir = mkdtempSync(join(tmpdir(), 'fedgrid-csv-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
/** Writes a fixture file and returns its path. */
function fixture(content: string | Buffer): string {
  const path = join(dir, `f${++fileNo}.csv`);
  writeFileSync(path, content);
  return path;
}

/** Expects importCsv to reject with `code` and returns the error. */
async function rejects(p: Promise<unknown>, code: string): Promise<FedGridError> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  expect(caught, 'importCsv should have thrown').toBeInstanceOf(Error);
  expect((caught as FedGridError).name).toBe('FedGridError');
  expect((caught as FedGridError).code).toBe(code);
  return caught as FedGridError;
}

async function problemsOf(
  content: string,
  opts: {
    idColumn?: string;
    labelColumn?: string;
    maxErrors?: number;
    columnTypes?: Record<string, 'numeric' | 'categorical' | 'boolean' | 'datetime' | 'ignore'>;
  } = {},
): Promise<{ err: FedGridError; problems: CsvProblem[] }> {
  const path = fixture(content);
  const err = await rejects(
    importCsv({
      path,
      idColumn: opts.idColumn ?? 'id',
      ...(opts.labelColumn !== undefined ? { labelColumn: opts.labelColumn } : {}),
      ...(opts.maxErrors !== undefined ? { maxErrors: opts.maxErrors } : {}),
      ...(opts.columnTypes !== undefined ? { columnTypes: opts.columnTypes } : {}),
    }),
    'CSV_INVALID',
  );
  const problems = err.details?.['problems'] as CsvProblem[];
  expect(Array.isArray(problems)).toBe(true);
  expect(problems.length).toBeGreaterThan(0);
  expect(err.details?.['file']).toBe(path);
  // The message starts with file:line(:column) of the first problem.
  const first = problems[0] as CsvProblem;
  expect(err.message.startsWith(`${path}:${first.line}`)).toBe(true);
  return { err, problems };
}

describe('importCsv: a valid file', () => {
  const content = [
    'id,y,age,score,flag',
    'a1,1,30,0.5,1',
    'a2,0,41,-1.25,0',
    'a3,1,25,2,',
    'a4,0,52,NA,1',
    'a5,1,33,3.75,0',
  ].join('\n');

  it('ids, feature values (row-major), labels, featureNames', async () => {
    const r = await importCsv({ path: fixture(content + '\n'), idColumn: 'id', labelColumn: 'y' });
    const f = r.frame;
    expect(f.ids).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    expect(f.featureNames).toEqual(['age', 'score', 'flag']);
    expect(f.x.rows).toBe(5);
    expect(f.x.cols).toBe(3);
    expect(Array.from(f.x.data)).toEqual([
      30,
      0.5,
      1,
      41,
      -1.25,
      0,
      25,
      2,
      NaN,
      52,
      NaN,
      1,
      33,
      3.75,
      0,
    ]);
    expect(Array.from(f.labels ?? [])).toEqual([1, 0, 1, 0, 1]);
    expect(f.labelName).toBe('y');
  });

  it('column types, min/max/mean/missing, label counts', async () => {
    const r = await importCsv({ path: fixture(content), idColumn: 'id', labelColumn: 'y' });
    const [age, score, flag] = r.features;
    expect(age).toEqual({
      name: 'age',
      type: 'integer',
      min: 25,
      max: 52,
      mean: (30 + 41 + 25 + 52 + 33) / 5,
      missing: 0,
      typeSource: 'detected',
    });
    expect(score?.name).toBe('score');
    expect(score?.type).toBe('float');
    expect(score?.min).toBe(-1.25);
    expect(score?.max).toBe(3.75);
    expect(score?.mean).toBeCloseTo((0.5 - 1.25 + 2 + 3.75) / 4, 12);
    expect(score?.missing).toBe(1);
    expect(flag).toEqual({
      name: 'flag',
      type: 'integer',
      min: 0,
      max: 1,
      mean: 2 / 4,
      missing: 1,
      typeSource: 'detected',
    });
    expect(r.label).toEqual({
      name: 'y',
      type: 'integer',
      distinct: 2,
      counts: { '0': 2, '1': 3 },
    });
  });

  it('sha256 and bytes are those of the file', async () => {
    const bytes = Buffer.from(content + '\r\n', 'utf8');
    const r = await importCsv({ path: fixture(bytes), idColumn: 'id', labelColumn: 'y' });
    expect(r.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(r.bytes).toBe(bytes.length);
  });

  it('a UTF-8 BOM is skipped (the first column name is still "id") but hashed', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(content, 'utf8')]);
    const r = await importCsv({ path: fixture(bytes), idColumn: 'id', labelColumn: 'y' });
    expect(r.frame.ids).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    expect(r.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(r.bytes).toBe(bytes.length);
  });

  it('without a label column: every non-id column is a feature, no labels', async () => {
    const r = await importCsv({ path: fixture(content), idColumn: 'id' });
    expect(r.frame.featureNames).toEqual(['y', 'age', 'score', 'flag']);
    expect(r.frame.labels).toBeUndefined();
    expect(r.label).toBeUndefined();
  });

  it('the id column need not be first; CRLF line endings; quoted fields with commas', async () => {
    const r = await importCsv({
      path: fixture('x1,"key, quoted",lbl\r\n1.5,"k,1",0\r\n-2,"k""2",1\r\n'),
      idColumn: 'key, quoted',
      labelColumn: 'lbl',
    });
    expect(r.frame.ids).toEqual(['k,1', 'k"2']);
    expect(r.frame.featureNames).toEqual(['x1']);
    expect(Array.from(r.frame.x.data)).toEqual([1.5, -2]);
    expect(Array.from(r.frame.labels ?? [])).toEqual([0, 1]);
  });

  it('missing feature values (empty, NA, NaN, null, n/a in any case) are allowed and counted', async () => {
    const r = await importCsv({
      path: fixture(
        ['id,f,g', '1,,1', '2,NA,2', '3,na,3', '4,NaN,4', '5,null,5', '6,N/A,6', '7,10,7'].join(
          '\n',
        ),
      ),
      idColumn: 'id',
    });
    expect(r.features[0]).toEqual({
      name: 'f',
      type: 'integer',
      min: 10,
      max: 10,
      mean: 10,
      missing: 6,
      typeSource: 'detected',
    });
    expect(r.features[1]?.missing).toBe(0);
    expect(
      Array.from(r.frame.x.data.filter((_, i) => i % 2 === 0)).map((v) => Number.isNaN(v)),
    ).toEqual([true, true, true, true, true, true, false]);
  });

  it('float labels and more than 20 distinct label values: type float, no counts', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => `r${i},${i / 2},${i}`);
    const r = await importCsv({
      path: fixture(['id,y,x', ...rows].join('\n')),
      idColumn: 'id',
      labelColumn: 'y',
    });
    expect(r.label?.type).toBe('float');
    expect(r.label?.distinct).toBe(25);
    expect(r.label?.counts).toBeUndefined();
  });

  it('more rows than the initial buffer (2000 rows × 3 features) keep every value', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => `id${i},${i},${i * 2},${-i}`);
    const r = await importCsv({ path: fixture(['id,a,b,c', ...rows].join('\n')), idColumn: 'id' });
    expect(r.frame.x.rows).toBe(2000);
    for (const i of [0, 1023, 1024, 1999]) {
      expect(Array.from(r.frame.x.data.subarray(i * 3, i * 3 + 3))).toEqual([i, i * 2, -i || 0]);
    }
    expect(r.features[1]?.mean).toBe(1999);
  });
});

describe('importCsv: bad files', () => {
  it('a file that does not exist → DATASET_FILE_UNREADABLE', async () => {
    const path = join(dir, 'does-not-exist.csv');
    const err = await rejects(importCsv({ path, idColumn: 'id' }), 'DATASET_FILE_UNREADABLE');
    expect(err.details?.['file']).toBe(path);
    expect(err.message).toContain(path);
  });

  it('a directory → DATASET_FILE_UNREADABLE', async () => {
    await rejects(importCsv({ path: dir, idColumn: 'id' }), 'DATASET_FILE_UNREADABLE');
  });

  it('id column missing from the header → line 1, field = the id column', async () => {
    const { problems } = await problemsOf('key,x\n1,2\n', { idColumn: 'id' });
    expect(problems[0]).toMatchObject({ line: 1, field: 'id' });
    expect(problems[0]?.message).toMatch(/id column 'id' is not in the header/);
    // The header is file content: it is counted, not echoed.
    expect(problems[0]?.message).toContain('2 column names');
    expect(problems[0]?.message).not.toContain('key');
  });

  it('label column missing from the header → line 1, field = the label column', async () => {
    const { problems } = await problemsOf('id,x\n1,2\n', { labelColumn: 'y' });
    expect(problems[0]).toMatchObject({ line: 1, field: 'y' });
    expect(problems[0]?.message).toMatch(/label column 'y' is not in the header/);
  });

  it('duplicate column names → line 1, column of the repeat, field, and the first column', async () => {
    const { problems } = await problemsOf('id,a,b,a\n1,2,3,4\n');
    expect(problems[0]).toMatchObject({ line: 1, column: 4, field: 'a' });
    expect(problems[0]?.message).toMatch(/repeats column 2/);
  });

  it('an empty column name → line 1 and its column', async () => {
    const { problems } = await problemsOf('id,a,,b\n1,2,3,4\n');
    expect(problems[0]).toMatchObject({ line: 1, column: 3 });
    expect(problems[0]?.message).toMatch(/empty name/);
  });

  it('a row with too many fields → its line, and the counts', async () => {
    const { problems } = await problemsOf('id,a,b\n1,2,3\n2,3,4,5\n3,4,5\n');
    expect(problems[0]?.line).toBe(3);
    expect(problems[0]?.message).toMatch(/4 fields.*header has 3/);
  });

  it('a row with too few fields → its line', async () => {
    const { problems } = await problemsOf('id,a,b\n1,2,3\n2,3,4\n3,4\n');
    expect(problems[0]?.line).toBe(4);
    expect(problems[0]?.message).toMatch(/2 fields.*header has 3/);
  });

  it('an empty id → line, column and field of the id', async () => {
    const { problems } = await problemsOf('x,id,y\n1,a,0\n2,,1\n', { labelColumn: 'y' });
    expect(problems[0]).toMatchObject({ line: 3, column: 2, field: 'id' });
    expect(problems[0]?.message).toMatch(/missing id/);
  });

  it('a duplicate id → the line of the repeat, and the message names the first line', async () => {
    const { problems } = await problemsOf('id,a\nu1,1\nu2,2\nu3,3\nu2,4\n');
    expect(problems[0]).toMatchObject({ line: 5, column: 1, field: 'id' });
    expect(problems[0]?.message).toMatch(/duplicate id 'u2'/);
    expect(problems[0]?.message).toMatch(/first on line 3/);
  });

  it('a non-numeric feature value → line, column, field, and the value', async () => {
    const { problems } = await problemsOf('id,a,b,c\n1,2,3,4\n2,3,abc,5\n');
    expect(problems[0]).toMatchObject({ line: 3, column: 3, field: 'b' });
    expect(problems[0]?.message).toMatch(/'abc' is not a number/);
  });

  it('a non-numeric label → line, column and field of the label', async () => {
    const { problems } = await problemsOf('id,a,y\n1,2,0\n2,3,yes\n', { labelColumn: 'y' });
    expect(problems[0]).toMatchObject({ line: 3, column: 3, field: 'y' });
    expect(problems[0]?.message).toMatch(/label 'yes' is not a number/);
  });

  it.each(['', 'NA', 'null'])(
    'a missing label (%j) → line, column and field of the label',
    async (v) => {
      const { problems } = await problemsOf(`id,y,a\n1,0,2\n2,1,3\n3,${v},4\n`, {
        labelColumn: 'y',
      });
      expect(problems[0]).toMatchObject({ line: 4, column: 2, field: 'y' });
      expect(problems[0]?.message).toMatch(/missing label/);
    },
  );

  it('an empty file → line 1, "empty"', async () => {
    const { problems } = await problemsOf('');
    expect(problems[0]?.line).toBe(1);
    expect(problems[0]?.message).toMatch(/empty/);
  });

  it('a header only → line 2, "no data rows"', async () => {
    const { problems } = await problemsOf('id,a,b\n');
    expect(problems[0]?.line).toBe(2);
    expect(problems[0]?.message).toMatch(/no data rows/);
  });

  it('only an id and a label column → no feature columns', async () => {
    const { problems } = await problemsOf('id,y\n1,0\n', { labelColumn: 'y' });
    expect(problems[0]?.line).toBe(1);
    expect(problems[0]?.message).toMatch(/no feature columns/);
  });

  it('an unterminated quote on the last line → CSV_INVALID naming that line', async () => {
    const { problems } = await problemsOf('id,a\n1,2\n2,"3\n');
    expect(problems[0]?.line).toBe(3);
    expect(problems[0]?.message.toLowerCase()).toMatch(/unterminated quote/);
  });

  it('an unterminated quote followed by more lines → names the line where the quote opens, not the end of the file', async () => {
    // The quote opens on line 4; everything after it is swallowed into one field up to the end
    // of the file (line 9). The user has to look at line 4.
    const { problems } = await problemsOf('id,a\n1,2\n2,3\n3,"4\n4,5\n5,6\n6,7\n7,8\n8,9\n');
    expect(problems[0]?.message.toLowerCase()).toMatch(/quote/);
    expect(problems[0]?.line).toBe(4);
  });

  it('a stray character after a closing quote → the line of that field', async () => {
    const { problems } = await problemsOf('id,a\n1,2\n2,"3"x\n3,4\n');
    expect(problems[0]?.line).toBe(3);
    expect(problems[0]?.message).toMatch(/malformed CSV/);
  });

  it('several problems are reported together, in file order', async () => {
    const { err, problems } = await problemsOf(
      ['id,a,b', '1,2,3', '2,x,3', ',4,5', '1,6,7', '4,8', '5,9,zz'].join('\n'),
    );
    expect(problems.map((p) => [p.line, p.column, p.field])).toEqual([
      [3, 2, 'a'],
      [4, 1, 'id'],
      [5, 1, 'id'],
      [6, undefined, undefined],
      [7, 3, 'b'],
    ]);
    expect(err.message).toContain('and 4 more problems');
  });

  it('at most maxErrors problems are reported', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i},bad${i}`);
    const { err, problems } = await problemsOf(['id,a', ...rows].join('\n'), {
      maxErrors: 5,
      columnTypes: { a: 'numeric' },
    });
    expect(problems.length).toBe(5);
    expect(problems.map((p) => p.line)).toEqual([2, 3, 4, 5, 6]);
    expect(err.message).toContain('4+ more problems');
  });

  it('the default maxErrors is 20', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i},bad${i}`);
    const { problems } = await problemsOf(['id,a', ...rows].join('\n'), {
      columnTypes: { a: 'numeric' },
    });
    expect(problems.length).toBe(20);
  });

  it('blank lines are skipped but still counted in line numbers', async () => {
    const { problems } = await problemsOf('id,a\n1,2\n\n2,oops\n');
    expect(problems[0]).toMatchObject({ line: 4, column: 2, field: 'a' });
  });
});

describe('importCsv: what counts as a number (decimal notation only, as pandas reads it)', () => {
  it.each([
    ['0x10', /hexadecimal, binary and octal/],
    ['0X1f', /hexadecimal, binary and octal/],
    ['0b101', /hexadecimal, binary and octal/],
    ['0o17', /hexadecimal, binary and octal/],
    ['-0x10', /hexadecimal, binary and octal/],
    ['Infinity', /infinite values are not allowed/],
    ['-Infinity', /infinite values are not allowed/],
    ['inf', /infinite values are not allowed/],
    ['1e400', /out of range/],
    ['1_000', /is not a number/],
    ['1 000', /is not a number/],
    ['1,5', /is not a number/],
    ['--1', /is not a number/],
    ['.', /is not a number/],
    ['e5', /is not a number/],
  ])('a feature cell %j is refused with its line and column', async (v, why) => {
    const { problems } = await problemsOf(`id,a,b\n1,2,3\n2,4,"${v}"\n`);
    expect(problems[0]).toMatchObject({ line: 3, column: 3, field: 'b' });
    expect(problems[0]?.message).toMatch(why);
  });

  it('a label in hexadecimal is refused too', async () => {
    const { problems } = await problemsOf('id,a,y\n1,2,0x1\n', { labelColumn: 'y' });
    expect(problems[0]).toMatchObject({ line: 2, column: 3, field: 'y' });
    expect(problems[0]?.message).toMatch(/label '0x1' is not a number: hexadecimal/);
  });

  it('decimal forms are read: sign, leading +, leading zeros, bare fraction, exponent, surrounding spaces', async () => {
    const cells = ['+1', '-2', '007', '.5', '5.', '1e3', '-1.5E-2', ' 3 ', '" 4 "', '-0'];
    const r = await importCsv({
      path: fixture(['id,a', ...cells.map((c, i) => `r${i},${c}`)].join('\n')),
      idColumn: 'id',
    });
    expect(Array.from(r.frame.x.data)).toEqual([1, -2, 7, 0.5, 5, 1000, -0.015, 3, 4, -0]);
  });

  it('missing markers (empty, NA, NaN, null, n/a in any case, with spaces) are NaN; other words are refused', async () => {
    const r = await importCsv({
      path: fixture(['id,a', 'r1,nan', 'r2, NA ', 'r3,NULL', 'r4,n/A', 'r5,""', 'r6,1'].join('\n')),
      idColumn: 'id',
    });
    expect(r.features[0]?.missing).toBe(5);
    for (const word of ['None', '-nan', '#N/A', 'missing'])
      expect(
        (await problemsOf(`id,a\n1,${word}\n`, { columnTypes: { a: 'numeric' } })).problems[0]
          ?.message,
      ).toMatch(/is not a number/);
  });
});

describe('importCsv: errors carry line and column, not the file', () => {
  it('huge cells, ids and column names appear as escaped excerpts of at most 40 characters', async () => {
    const big = 'A'.repeat(5 * 2 ** 20); // a 5 MiB cell once made a 10 MiB error body
    const mid = 'B'.repeat(100_000);
    const rows = Array.from({ length: 25 }, (_, i) => `${mid}${i % 3},${mid}`); // repeats ids
    const { err, problems } = await problemsOf(
      [`id,${'H'.repeat(100_000)}`, `${big},${big}`, ...rows].join('\n'),
      { columnTypes: { ['H'.repeat(100_000)]: 'numeric' } },
    );
    expect(problems).toHaveLength(20);
    const body = JSON.stringify({ message: err.message, details: err.details });
    expect(body.length).toBeLessThan(10_000);
    for (const p of problems) {
      expect(p.message.length).toBeLessThan(200);
      expect((p.field ?? '').length).toBeLessThanOrEqual(40);
    }
    expect(problems[0]).toMatchObject({ line: 2, column: 2, field: `${'H'.repeat(39)}…` });
    expect(problems[0]?.message).toMatch(/^value 'A{39}…' is not a number/);
    expect(
      problems.some((p) => /^duplicate id 'B{39}…' \(first on line 3\)$/.test(p.message)),
    ).toBe(true);
  });

  it('a repeated huge column name is excerpted', async () => {
    const h = 'H'.repeat(100_000);
    const { problems } = await problemsOf(`id,${h},${h}\n1,2,3\n`);
    expect(problems[0]).toMatchObject({ line: 1, column: 3, field: `${'H'.repeat(39)}…` });
    expect(problems[0]?.message).toBe(`column name '${'H'.repeat(39)}…' repeats column 2`);
  });

  it('control, bidirectional and quote characters are escaped', async () => {
    const { problems } = await problemsOf("id,a\n1,\u001b[31m\u202eab'c\\\n", {
      columnTypes: { a: 'numeric' },
    });
    expect(problems[0]?.message).toBe(
      "value '\\u001b[31m\\u202eab\\'c\\\\' is not a number (expected a decimal such as 12, -3.5 or 1e-3)",
    );
  });

  it("csv-parse's messages (which quote the field) are replaced by a description", async () => {
    const { problems } = await problemsOf('id,a\n1,2\n2,secret-value"x"\n');
    expect(problems[0]?.line).toBe(3);
    expect(problems[0]?.message).toMatch(/^malformed CSV: /);
    expect(problems[0]?.message).not.toContain('secret');
  });
});
