/**
 * DatasetService on a real embedded store (PGlite in a temp directory): registration validates
 * the whole file, writes a snapshot and records the dataset — or leaves nothing behind.
 *
 * openStore and DatasetService are not exported from '@fedgrid/node', so they are imported from
 * the built package files (dist) directly.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CsvProblem } from '@fedgrid/node';
import type { Store } from '../dist/storage/db.js';
import { openTestStore } from './nodes.js';
import { DatasetService } from '../dist/datasets/datasets.service.js';

const root = mkdtempSync(join(tmpdir(), 'fedgrid-datasets-test-'));
const dataDir = join(root, 'node');
let store: Store;
let datasets: DatasetService;

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
function csv(content: string): string {
  const path = join(root, `f${++n}.csv`);
  writeFileSync(path, content);
  return path;
}

/** Files in the node's snapshot directory (none if it does not exist yet). */
function snapshotFiles(): string[] {
  const dir = join(dataDir, 'datasets');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

async function codeOf(
  p: Promise<unknown>,
): Promise<{ code: string; error: Error & { code?: string; details?: Record<string, unknown> } }> {
  try {
    await p;
  } catch (err) {
    return { code: (err as { code?: string }).code ?? '(none)', error: err as Error };
  }
  throw new Error('expected a rejection');
}

/** A deterministic table: id, label, three features that are simple functions of the row. */
function table(
  rows: number,
  prefix = 'c',
): { content: string; ids: string[]; labels: number[]; x: number[] } {
  const ids: string[] = [];
  const labels: number[] = [];
  const x: number[] = [];
  const lines = ['id,y,f1,f2,f3'];
  for (let i = 0; i < rows; i++) {
    const id = `${prefix}${i}`;
    const y = i % 3 === 0 ? 1 : 0;
    const f = [i, i / 4, -1.5 * i + 2];
    ids.push(id);
    labels.push(y);
    x.push(...f);
    lines.push([id, y, ...f].join(','));
  }
  return { content: lines.join('\n') + '\n', ids, labels, x };
}

describe('DatasetService', () => {
  it('registers a valid CSV: listed with its summary; load() returns the same ids, labels and values', async () => {
    const t = table(40);
    const path = csv(t.content);
    const before = snapshotFiles();
    const ds = await datasets.register({
      name: 'loans',
      path,
      idColumn: 'id',
      labelColumn: 'y',
      description: 'test table',
    });
    expect(ds.id).toMatch(/^ds-/);
    expect(ds.name).toBe('loans');
    expect(ds.description).toBe('test table');
    expect(ds.sourcePath).toBe(path);
    expect(ds.sourceSha256).toBe(createHash('sha256').update(t.content).digest('hex'));
    expect(ds.idColumn).toBe('id');
    expect(ds.labelColumn).toBe('y');
    expect(ds.rows).toBe(40);
    expect(ds.visibility).toBe('private');
    expect(ds.features.map((f) => f.name)).toEqual(['f1', 'f2', 'f3']);
    expect(ds.features[0]).toMatchObject({ type: 'integer', min: 0, max: 39, missing: 0 });
    expect(ds.features[1]).toMatchObject({ type: 'float', min: 0, max: 39 / 4 });
    expect(ds.label).toMatchObject({ name: 'y', distinct: 2, counts: { '0': 26, '1': 14 } });
    expect(Number.isNaN(Date.parse(ds.createdAt))).toBe(false);

    const list = await datasets.list();
    expect(list.filter((d) => d.id === ds.id)).toEqual([ds]);
    expect(await datasets.get(ds.id)).toEqual(ds);
    expect(await datasets.get('loans')).toEqual(ds);
    // Exactly one new snapshot file, named after the dataset.
    expect(snapshotFiles()).toEqual([...before, `${ds.id}.fgds`].sort());

    const frame = await datasets.load(ds.id);
    expect(frame.ids).toEqual(t.ids);
    expect(frame.featureNames).toEqual(['f1', 'f2', 'f3']);
    expect(frame.x.rows).toBe(40);
    expect(frame.x.cols).toBe(3);
    expect(Array.from(frame.x.data)).toEqual(t.x);
    expect(Array.from(frame.labels ?? [])).toEqual(t.labels);
    expect(frame.labelName).toBe('y');

    // Columns by name, without the whole frame: the same values.
    const cols = await datasets.loadColumns('loans', ['f3', 'f1'], { ids: true, labels: true });
    expect(cols.rows).toBe(40);
    expect(cols.ids).toEqual(t.ids);
    expect(Array.from(cols.labels ?? [])).toEqual(t.labels);
    expect([...cols.columns.keys()]).toEqual(['f3', 'f1']);
    expect(Array.from(cols.columns.get('f3')!)).toEqual(t.x.filter((_, i) => i % 3 === 2));
    expect(Array.from(cols.columns.get('f1')!)).toEqual(t.x.filter((_, i) => i % 3 === 0));
    const bad = await codeOf(datasets.loadColumns('loans', ['f1', 'y', 'nope']));
    expect(bad.code).toBe('VALIDATION_FAILED');
    expect(bad.error.message).toContain("no feature column(s) 'y', 'nope'");
  });

  it('load() reads the snapshot taken at registration, even after the source CSV changed or was deleted', async () => {
    const t = table(12, 's');
    const path = csv(t.content);
    const ds = await datasets.register({ name: 'snap', path, idColumn: 'id' });
    writeFileSync(path, 'id,other\nzzz,1\n');
    const fresh = new DatasetService(store.db, dataDir); // no in-process cache
    const frame = await fresh.load('snap');
    expect(frame.ids).toEqual(t.ids);
    expect(frame.featureNames).toEqual(['y', 'f1', 'f2', 'f3']);
    expect(frame.labels).toBeUndefined();
    unlinkSync(path);
    const again = await new DatasetService(store.db, dataDir).load(ds.id);
    expect(again.ids).toEqual(t.ids);
    expect(again.x.data.length).toBe(12 * 4);
  });

  it('ids with commas, quotes, unicode and line breaks survive the snapshot', async () => {
    const content = 'id,y,a\n"a,b",1,1\n"say ""hi""",0,2\n名字,1,3\n"line\nbreak",0,4\nplain,1,5\n';
    const ds = await datasets.register({
      name: 'odd-ids',
      path: csv(content),
      idColumn: 'id',
      labelColumn: 'y',
    });
    expect(ds.rows).toBe(5);
    const frame = await new DatasetService(store.db, dataDir).load(ds.id);
    // One id per row: otherwise every id after the broken one is shifted against its features.
    expect(frame.ids.length).toBe(frame.x.rows);
    expect(frame.ids).toEqual(['a,b', 'say "hi"', '名字', 'line\nbreak', 'plain']);
    expect(Array.from(frame.x.data)).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(frame.labels ?? [])).toEqual([1, 0, 1, 0, 1]);
  });

  it('a malformed CSV throws CSV_INVALID and registers nothing: list unchanged, no snapshot left', async () => {
    const listBefore = await datasets.list();
    const filesBefore = snapshotFiles();
    const bad = csv('id,y,a\n1,0,2\n2,1,oops\n3,1,4\n');
    const { code, error } = await codeOf(
      datasets.register({ name: 'bad', path: bad, idColumn: 'id', labelColumn: 'y' }),
    );
    expect(code).toBe('CSV_INVALID');
    const problems = error.details?.['problems'] as CsvProblem[];
    expect(problems[0]).toMatchObject({ line: 3, column: 3, field: 'a' });
    expect(await datasets.list()).toEqual(listBefore);
    expect(snapshotFiles()).toEqual(filesBefore);
    expect(snapshotFiles().some((f) => f.includes('.tmp'))).toBe(false);
    await expect(datasets.get('bad')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a path that does not exist → DATASET_FILE_UNREADABLE, nothing registered', async () => {
    const listBefore = await datasets.list();
    const filesBefore = snapshotFiles();
    const { code } = await codeOf(
      datasets.register({ name: 'ghost', path: join(root, 'nope.csv') }),
    );
    expect(code).toBe('DATASET_FILE_UNREADABLE');
    expect(await datasets.list()).toEqual(listBefore);
    expect(snapshotFiles()).toEqual(filesBefore);
  });

  it('a duplicate name → CONFLICT; the first dataset is intact', async () => {
    const first = table(8, 'first');
    const ds = await datasets.register({ name: 'dup', path: csv(first.content), labelColumn: 'y' });
    const filesBefore = snapshotFiles();
    const other = table(5, 'second');
    const { code, error } = await codeOf(
      datasets.register({ name: 'dup', path: csv(other.content), labelColumn: 'y' }),
    );
    expect(code).toBe('CONFLICT');
    expect(error.message).toContain('dup');
    expect(snapshotFiles()).toEqual(filesBefore);
    const same = (await datasets.list()).filter((d) => d.name === 'dup');
    expect(same).toEqual([ds]);
    const frame = await new DatasetService(store.db, dataDir).load('dup');
    expect(frame.ids).toEqual(first.ids);
    expect(Array.from(frame.x.data)).toEqual(first.x);
  });

  it('two concurrent registrations under one name: one wins, the other is CONFLICT and leaves no snapshot', async () => {
    const filesBefore = snapshotFiles();
    const a = table(30, 'ra');
    const b = table(30, 'rb');
    const settled = await Promise.allSettled([
      datasets.register({ name: 'race', path: csv(a.content) }),
      datasets.register({ name: 'race', path: csv(b.content) }),
    ]);
    const ok = settled.filter((s) => s.status === 'fulfilled');
    const failed = settled.filter((s) => s.status === 'rejected');
    expect(ok.length).toBe(1);
    expect(failed.length).toBe(1);
    expect(((failed[0] as PromiseRejectedResult).reason as { code?: string }).code).toBe(
      'CONFLICT',
    );
    const winner = (ok[0] as PromiseFulfilledResult<{ id: string }>).value;
    expect(snapshotFiles()).toEqual([...filesBefore, `${winner.id}.fgds`].sort());
    expect((await datasets.list()).filter((d) => d.name === 'race').length).toBe(1);
  });

  it('an invalid name is rejected and registers nothing', async () => {
    const listBefore = await datasets.list();
    const filesBefore = snapshotFiles();
    await expect(
      datasets.register({ name: 'has space', path: csv(table(3).content) }),
    ).rejects.toThrow();
    expect(await datasets.list()).toEqual(listBefore);
    expect(snapshotFiles()).toEqual(filesBefore);
  });

  it('get/load of an unknown dataset → NOT_FOUND', async () => {
    await expect(datasets.get('no-such-dataset')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(datasets.load('no-such-dataset')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('which files registration may read (datasets.allowedDirs)', () => {
  const outside = mkdtempSync(join(tmpdir(), 'fedgrid-datasets-outside-'));
  const allowed = join(root, 'allowed');
  let policed: DatasetService;
  beforeAll(() => {
    mkdirSync(allowed);
    writeFileSync(join(outside, 'secret.csv'), 'id,x\nTOPSECRET,1\n');
    policed = new DatasetService(store.db, dataDir, {
      allowedDirs: [allowed],
      protectedPaths: [join(allowed, 'identity')],
    });
  });
  afterAll(() => rmSync(outside, { recursive: true, force: true }));

  it.each([
    ['/etc/passwd'],
    ['/proc/self/environ'],
    ['a file outside that exists', 'secret.csv'],
    ['a file outside that does not exist (no existence oracle)', 'nope.csv'],
  ])('%s → DATASET_PATH_NOT_ALLOWED, nothing read', async (what, name?: string) => {
    const path = name ? join(outside, name) : what;
    const { code, error } = await codeOf(policed.register({ name: 'x', path }));
    expect(code).toBe('DATASET_PATH_NOT_ALLOWED');
    expect(error.message).toContain(allowed);
    expect(error.message).toContain('--data-dir');
    expect(error.message).not.toMatch(/TOPSECRET|root:|no such file/);
  });

  it('.. escaping an allowed directory is refused', async () => {
    const sibling = csv(table(3).content); // in root, next to the allowed folder
    for (const path of [
      `${allowed}/../${sibling.split('/').pop()}`,
      `${allowed}/../../${outside.split('/').pop()}/secret.csv`,
    ])
      expect((await codeOf(policed.register({ name: 'x', path }))).code).toBe(
        'DATASET_PATH_NOT_ALLOWED',
      );
  });

  it('a symlink inside pointing outside is refused; one pointing inside is read (its real path recorded)', async () => {
    symlinkSync(join(outside, 'secret.csv'), join(allowed, 'link-out.csv'));
    const { code } = await codeOf(
      policed.register({ name: 'x', path: join(allowed, 'link-out.csv') }),
    );
    expect(code).toBe('DATASET_PATH_NOT_ALLOWED');
    symlinkSync(outside, join(allowed, 'dir-out'));
    expect(
      (await codeOf(policed.register({ name: 'x', path: join(allowed, 'dir-out', 'secret.csv') })))
        .code,
    ).toBe('DATASET_PATH_NOT_ALLOWED');

    writeFileSync(join(allowed, 'real.csv'), table(5, 'in').content);
    symlinkSync(join(allowed, 'real.csv'), join(allowed, 'link-in.csv'));
    const ds = await policed.register({ name: 'via-link', path: join(allowed, 'link-in.csv') });
    expect(ds.rows).toBe(5);
    expect(ds.sourcePath).toBe(join(allowed, 'real.csv'));
  });

  it('an allowed directory reached through a symlink works', async () => {
    const alias = join(root, 'alias');
    symlinkSync(allowed, alias);
    const aliased = new DatasetService(store.db, dataDir, { allowedDirs: [alias] });
    writeFileSync(join(allowed, 'a.csv'), table(4, 'al').content);
    expect((await aliased.register({ name: 'aliased', path: join(alias, 'a.csv') })).rows).toBe(4);
  });

  it("the node's own files are refused even inside an allowed directory", async () => {
    mkdirSync(join(allowed, 'identity'));
    writeFileSync(join(allowed, 'identity', 'admin-token'), 'id,x\n1,2\n');
    const { code } = await codeOf(
      policed.register({ name: 'x', path: join(allowed, 'identity', 'admin-token') }),
    );
    expect(code).toBe('DATASET_PATH_NOT_ALLOWED');
  });

  it('a directory inside an allowed one → DATASET_FILE_UNREADABLE', async () => {
    const { code } = await codeOf(policed.register({ name: 'x', path: allowed }));
    expect(code).toBe('DATASET_FILE_UNREADABLE');
  });

  it('without configured directories nothing can be registered', async () => {
    const none = new DatasetService(store.db, dataDir);
    const { code, error } = await codeOf(none.register({ name: 'x', path: csv(table(3).content) }));
    expect(code).toBe('DATASET_PATH_NOT_ALLOWED');
    expect(error.message).toContain('none configured');
  });
});
