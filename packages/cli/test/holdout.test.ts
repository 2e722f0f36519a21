/**
 * `fedgrid demo --holdout`: every party splits its own file by the same public rule on the id,
 * so the held-out ids line up across parties; records are copied byte for byte.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { isHeldOut, splitCsv } from 'fedgrid';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function tempDir() {
  const d = await mkdtemp(join(tmpdir(), 'fedgrid-holdout-test-'));
  dirs.push(d);
  return d;
}

describe('isHeldOut', () => {
  test('is the first 32 bits of SHA-256(id) against fraction · 2^32', () => {
    for (const id of ['1', 'c42', 'customer-ü', '']) {
      const top = createHash('sha256').update(id, 'utf8').digest().readUInt32BE(0);
      expect(isHeldOut(id, 0.2)).toBe(top < 0.2 * 2 ** 32);
      expect(isHeldOut(id, top / 2 ** 32)).toBe(false);
      expect(isHeldOut(id, (top + 1) / 2 ** 32)).toBe(true);
    }
  });

  test('holds out about the asked share of 10,000 ids', () => {
    const n = Array.from({ length: 10_000 }, (_, i) => `id${i}`).filter((id) =>
      isHeldOut(id, 0.2),
    ).length;
    // Binomial(10000, 0.2): sd 40; 5 sd either side.
    expect(n).toBeGreaterThan(1800);
    expect(n).toBeLessThan(2200);
  });
});

describe('splitCsv', () => {
  test('the same ids go to the test file of every party; quoted records survive byte for byte', async () => {
    const dir = await tempDir();
    const ids = Array.from({ length: 300 }, (_, i) => `u${i}`);
    const guest = ['y,uid,x', ...ids.map((id, i) => `${i % 2},${id},"${i},5"`)];
    const host = ['uid,z', ...[...ids].reverse().map((id, i) => `${id},${i * 0.5}`)];
    await writeFile(join(dir, 'g.csv'), guest.join('\n') + '\n');
    await writeFile(join(dir, 'h.csv'), host.join('\r\n') + '\r\n');
    const g = await splitCsv(join(dir, 'g.csv'), 'uid', 0.25, join(dir, 'guest'));
    const h = await splitCsv(join(dir, 'h.csv'), 'uid', 0.25, join(dir, 'host'));
    const lines = async (f: string) => (await readFile(f, 'utf8')).trim().split('\n');
    const gTest = await lines(g.test);
    const gTrain = await lines(g.train);
    expect(gTest[0]).toBe('y,uid,x');
    expect(gTrain[0]).toBe('y,uid,x');
    expect(new Set([...gTest.slice(1), ...gTrain.slice(1)])).toEqual(new Set(guest.slice(1)));
    const heldIds = ids.filter((id) => isHeldOut(id, 0.25));
    expect(g.testRows).toBe(heldIds.length);
    expect(g.trainRows).toBe(300 - heldIds.length);
    expect(gTest.slice(1).map((r) => r.split(',')[1])).toEqual(heldIds);
    const hTest = (await lines(h.test)).slice(1).map((r) => r.split(',')[0]);
    expect(new Set(hTest)).toEqual(new Set(heldIds));
    expect(h.trainRows + h.testRows).toBe(300);
  });

  test('a file without the id column, or a fraction outside (0, 1), is refused clearly', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'g.csv'), 'a,b\n1,2\n');
    await expect(splitCsv(join(dir, 'g.csv'), 'id', 0.2, join(dir, 'o'))).rejects.toThrow(
      /no 'id' column in the header; say --id COLUMN/,
    );
    await expect(splitCsv(join(dir, 'g.csv'), 'a', 1, join(dir, 'o'))).rejects.toThrow(
      /--holdout 1: give a fraction between 0 and 1/,
    );
  });
});
