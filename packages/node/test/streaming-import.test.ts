/**
 * Registration in bounded memory (issue 17 item 4): importTableToSnapshot streams a source into
 * a columnar snapshot (FGDS3). On the same files it must give what the in-memory import gives —
 * the same summaries, digest and problems, and a snapshot that reads back to the same frame —
 * with small batches and samples here so that rows cross many batches and the type sample ends
 * mid-file. A bad row registers nothing (no snapshot, no temp file). Old (FGDS2) snapshots stay
 * readable, columns are read by name, and sealed snapshots refuse pieces moved around.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { open, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ColumnarSnapshotWriter,
  FedGridError,
  FileSealer,
  importTable,
  importTableToSnapshot,
  openAtomicWriter,
  PLAIN_PIECES,
  readSnapshot,
  readSnapshotColumns,
  sourceKind,
  writeColumnarFrame,
  writeSnapshot,
  type PieceSealer,
} from '@fedgrid/node';
import { frameColumn } from '@fedgrid/ml';

const dir = mkdtempSync(join(tmpdir(), 'fedgrid-stream-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const EXAMPLES = fileURLToPath(new URL('../../../examples/data/', import.meta.url));

let n = 0;
function fixture(content: string): string {
  const path = join(dir, `in-${++n}.csv`);
  writeFileSync(path, content);
  return path;
}

async function reader(path: string, format = 'csv') {
  const kind = sourceKind(format);
  if (!kind) throw new Error(format);
  return kind.open({ kind: format, path } as { kind: string }, {
    openFile: async (p) => ({ handle: await open(p, 'r'), realPath: p }),
    env: {},
  });
}

type Opts = Parameters<typeof importTable>[1];

/** Streams `path` into a snapshot at `target` (batches of `batchRows`). */
async function stream(
  path: string,
  opts: Opts,
  target: string,
  batchRows = 7,
  pieces: PieceSealer = PLAIN_PIECES,
) {
  return importTableToSnapshot(await reader(path), { ...opts, batchRows }, async (names, label) =>
    ColumnarSnapshotWriter.create(await openAtomicWriter(target), pieces, names, label),
  );
}

async function caught(p: Promise<unknown>): Promise<FedGridError> {
  try {
    await p;
  } catch (err) {
    return err as FedGridError;
  }
  throw new Error('expected an error');
}

const MIXED = [
  'id,y,amount,region,member,opened,score',
  ...Array.from({ length: 40 }, (_, i) =>
    [
      `r${i}`,
      i % 3 === 0 ? '1' : '0',
      i % 7 === 0 ? '' : (i * 1.25).toFixed(2),
      ['north', 'south', 'east', 'west', 'NA'][i % 5],
      i % 2 ? 'true' : 'false',
      `2024-0${(i % 9) + 1}-1${i % 10}`,
      String(i * 3),
    ].join(','),
  ),
].join('\n');

describe('streaming registration equals the in-memory one', () => {
  const cases: [string, () => string, Opts][] = [
    [
      'breast (numeric)',
      () => join(EXAMPLES, 'fate/breast_hetero_guest.csv'),
      { idColumn: 'id', labelColumn: 'y' },
    ],
    [
      'German credit guest (categorical, label)',
      () => join(EXAMPLES, 'credit/german_credit_guest.csv'),
      { idColumn: 'id', labelColumn: 'bad' },
    ],
    [
      'German credit host (categorical, no label)',
      () => join(EXAMPLES, 'credit/german_credit_host.csv'),
      { idColumn: 'id' },
    ],
    [
      'mixed types, missing values, sample ending mid-file, a declared type',
      () => fixture(MIXED),
      { idColumn: 'id', labelColumn: 'y', sampleRows: 9, columnTypes: { score: 'categorical' } },
    ],
  ];
  for (const [name, file, opts] of cases)
    it(name, async () => {
      const path = file();
      const old = await importTable(await reader(path), opts);
      const target = join(dir, `snap-${++n}.fgds`);
      const streamed = await stream(path, opts, target);
      expect(streamed.rows).toBe(old.frame.ids.length);
      expect(streamed.features).toEqual(old.features);
      expect(streamed.label).toEqual(old.label);
      expect(streamed.sha256).toBe(old.sha256);
      expect(streamed.bytes).toBe(old.bytes);
      expect(streamed.featureNames).toEqual(old.frame.featureNames);
      // Same snapshot content: the columnar file reads back to the frame the old import built
      // and the old snapshot format stored.
      const frame = await readSnapshot(target);
      expect(frame).toEqual(old.frame);
      const v2 = join(dir, `old-${n}.fgds`);
      await writeSnapshot(v2, old.frame);
      expect(frame).toEqual(await readSnapshot(v2));
      // One batch or many: the same file content apart from the nonce.
      const whole = join(dir, `whole-${n}.fgds`);
      await stream(path, opts, whole, 1 << 15);
      expect(await readSnapshot(whole)).toEqual(frame);
    });
});

describe('a bad row registers nothing', () => {
  it('names line and column of a value that does not parse; no snapshot, no temp file', async () => {
    const rows = MIXED.split('\n');
    rows[25] = rows[25]!.replace(/,(\d+)$/, ',x$1'); // line 26, column 7 (score)
    const path = fixture(rows.join('\n'));
    const sub = mkdtempSync(join(dir, 'bad-'));
    const opts = { idColumn: 'id', labelColumn: 'y', sampleRows: 9 };
    const err = await caught(stream(path, opts, join(sub, 'x.fgds')));
    expect(err.code).toBe('CSV_INVALID');
    const problems = err.details?.['problems'] as { line: number; column?: number }[];
    expect(problems[0]).toMatchObject({ line: 26, column: 7 });
    expect(err.message).toContain(`${path}:26:7`);
    expect(readdirSync(sub)).toEqual([]);
    // The in-memory import reports the same.
    const old = await caught(importTable(await reader(path), opts));
    expect(old.details?.['problems']).toEqual(err.details?.['problems']);
  });

  it('a duplicate id in a later batch is found, with the line of the first', async () => {
    const rows = MIXED.split('\n');
    rows[33] = rows[33]!.replace(/^r\d+/, 'r2'); // r2 is first on line 4
    const path = fixture(rows.join('\n'));
    const sub = mkdtempSync(join(dir, 'dup-'));
    const opts = { idColumn: 'id', labelColumn: 'y' };
    const err = await caught(stream(path, opts, join(sub, 'x.fgds'), 5));
    const problems = err.details?.['problems'] as { line: number; message: string }[];
    expect(problems).toEqual([
      { line: 34, column: 1, field: 'id', message: "duplicate id 'r2' (first on line 4)" },
    ]);
    expect(readdirSync(sub)).toEqual([]);
    const old = await caught(importTable(await reader(path), opts));
    expect(old.details?.['problems']).toEqual(problems);
  });

  it('a malformed CSV line (unterminated quote) is reported at its line', async () => {
    const path = fixture(`${MIXED}\nr99,1,"3.5,north,true,2024-01-01,3\n`);
    const sub = mkdtempSync(join(dir, 'quote-'));
    const err = await caught(stream(path, { idColumn: 'id', labelColumn: 'y' }, join(sub, 'x')));
    expect(err.code).toBe('CSV_INVALID');
    expect((err.details?.['problems'] as { line: number }[])[0]?.line).toBe(42);
    expect(readdirSync(sub)).toEqual([]);
  });
});

describe('snapshot formats', () => {
  it('an old FGDS2 snapshot reads as before, and by column name', async () => {
    const old = await importTable(await reader(join(EXAMPLES, 'credit/german_credit_guest.csv')), {
      idColumn: 'id',
      labelColumn: 'bad',
    });
    const v2 = join(dir, 'legacy.fgds');
    await writeSnapshot(v2, old.frame);
    expect((await readFile(v2)).subarray(0, 6).toString()).toBe('FGDS2\n');
    expect(await readSnapshot(v2)).toEqual(old.frame);
    const cols = await readSnapshotColumns(v2, ['purpose', 'credit_amount'], { labels: true });
    const k = old.frame.featureNames.indexOf('purpose');
    expect(cols.columns.get('purpose')?.[3]).toBe(old.frame.x.data[3 * old.frame.x.cols + k]);
    expect(cols.labels).toEqual(old.frame.labels);
    expect(cols.columnTypes['purpose']?.type).toBe('categorical');
  });

  it('columns by name from a columnar snapshot equal the frame’s columns', async () => {
    const path = join(EXAMPLES, 'credit/german_credit_guest.csv');
    const opts = { idColumn: 'id', labelColumn: 'bad' };
    const target = join(dir, 'cols.fgds');
    await stream(path, opts, target, 64);
    const frame = await readSnapshot(target);
    const names = ['savings', 'credit_amount'];
    const cols = await readSnapshotColumns(target, names, { ids: true });
    expect(cols.rows).toBe(frame.ids.length);
    expect(cols.ids).toEqual(frame.ids);
    for (const name of names) {
      const k = frame.featureNames.indexOf(name);
      const want = Array.from(
        { length: frame.x.rows },
        (_, i) => frame.x.data[i * frame.x.cols + k],
      );
      expect(Array.from(cols.columns.get(name)!)).toEqual(want);
    }
    expect(cols.columnTypes['savings']).toEqual(frame.columnTypes?.['savings']);
    await expect(readSnapshotColumns(target, ['nope'])).rejects.toThrow(/no column 'nope'/);
  });

  it('column layout: a column-backed frame equal to the row-major read, from FGDS3 and FGDS2', async () => {
    const path = join(EXAMPLES, 'credit/german_credit_guest.csv');
    const opts = { idColumn: 'id', labelColumn: 'bad' };
    const target = join(dir, 'layout.fgds');
    await stream(path, opts, target, 64);
    const rows = await readSnapshot(target);
    const cols = await readSnapshot(target, undefined, undefined, 'columns');
    expect(rows.columns).toBeUndefined();
    expect(cols.columns).toHaveLength(rows.featureNames.length);
    expect({ ...cols }).toEqual(rows);
    const v2 = join(dir, 'layout-v2.fgds');
    await writeSnapshot(v2, rows);
    const cols2 = await readSnapshot(v2, undefined, undefined, 'columns');
    expect(cols2.columns).toBeDefined();
    expect({ ...cols2 }).toEqual(rows);
  });

  it('writeColumnarFrame: a column-backed frame written as columns (sealed) reads back equal', async () => {
    const sealer = new FileSealer('gm', randomBytes(32));
    const pieces: PieceSealer = {
      seal: (d) => sealer.seal(d),
      open: (d, p) => sealer.open(d, p),
    };
    const path = join(EXAMPLES, 'credit/german_credit_guest.csv');
    const src = join(dir, 'wcf-src.fgds');
    await stream(path, { idColumn: 'id', labelColumn: 'bad' }, src, 64);
    const frame = await readSnapshot(src, undefined, undefined, 'columns');
    const out = join(dir, 'wcf-out.fgds');
    const names = frame.featureNames;
    await writeColumnarFrame(
      await ColumnarSnapshotWriter.create(await openAtomicWriter(out), pieces, names, 'bad'),
      frame,
      100,
    );
    const back = await readSnapshot(out, undefined, pieces, 'columns');
    expect(back.ids).toEqual(frame.ids);
    expect(back.labels).toEqual(frame.labels);
    expect(back.columnTypes).toEqual(frame.columnTypes);
    names.forEach((n) => expect(frameColumn(back, n)).toEqual(frameColumn(frame, n)));
    await expect(readSnapshot(out)).rejects.toThrow();
  });

  it('sealed pieces: read back with the key; reordered, foreign or unsealed pieces refused', async () => {
    const sealer = new FileSealer('gm', randomBytes(32));
    const pieces: PieceSealer = {
      seal: (d) => sealer.seal(d),
      open: (d, p) => {
        if (!d.subarray(0, 7).equals(Buffer.from('FGSEAL1'))) throw new Error(`${p}: not sealed`);
        return sealer.open(d, p);
      },
    };
    const path = join(EXAMPLES, 'credit/german_credit_host.csv');
    const target = join(dir, 'sealed.fgds');
    await stream(path, { idColumn: 'id' }, target, 300, pieces);
    const bytes = await readFile(target);
    expect(bytes.includes(Buffer.from('c0001'))).toBe(false);
    const plain = await importTable(await reader(path), { idColumn: 'id' });
    expect(await readSnapshot(target, undefined, pieces)).toEqual(plain.frame);
    // Swap batches 0 and 1 (the pieces after the magic).
    const at = (off: number) => 4 + bytes.readUInt32LE(off);
    const p0 = bytes.subarray(6, 6 + at(6));
    const p1 = bytes.subarray(6 + p0.length, 6 + p0.length + at(6 + p0.length));
    const swapped = Buffer.concat([
      bytes.subarray(0, 6),
      p1,
      p0,
      bytes.subarray(6 + p0.length + p1.length),
    ]);
    expect(swapped.length).toBe(bytes.length);
    const bad = join(dir, 'swapped.fgds');
    await writeFile(bad, swapped);
    await expect(readSnapshot(bad, undefined, pieces)).rejects.toThrow(/out of place/);
    // The same rows written unsealed are refused by a reader that requires sealing.
    const unsealed = join(dir, 'unsealed.fgds');
    await stream(path, { idColumn: 'id' }, unsealed, 300);
    await expect(readSnapshot(unsealed, undefined, pieces)).rejects.toThrow(/not sealed/);
  });
});
