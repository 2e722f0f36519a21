/**
 * Held-out rows for `fedgrid demo --holdout F`: every party's file is split on the id column by
 * the same public rule, so the parties' train and test files hold the same ids without any party
 * seeing another's file. The model is trained on the train files; a batch-prediction job (PSI →
 * predict → evaluation, as `fedgrid predict batch` submits it) then scores the test files with the
 * published model, and the plaintext twin is scored on the same test rows.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parse } from 'csv-parse/sync';

/**
 * Whether `id` is a held-out row: the first 32 bits of SHA-256(id as UTF-8), read as an unsigned
 * big-endian integer, below `fraction` · 2^32. Deterministic and the same for every party;
 * `packages/bench/scripts/sklearn_reference.py` uses the same rule so scikit-learn's held-out
 * column scores the same rows.
 */
export function isHeldOut(id: string, fraction: number): boolean {
  const h = createHash('sha256').update(id, 'utf8').digest();
  return h.readUInt32BE(0) < fraction * 2 ** 32;
}

export interface SplitFiles {
  train: string;
  test: string;
  trainRows: number;
  testRows: number;
}

/**
 * Writes `<dir>/<name>` (train rows) and `<dir>/test-<name>` (held-out rows) of a CSV file with a
 * header, split on `idColumn` by {@link isHeldOut}. Records are copied byte for byte (line ends become \n).
 * @param fraction share of held-out rows, in (0, 1).
 * @throws Error naming the file when it has no `idColumn` header or cannot be parsed as CSV.
 */
export async function splitCsv(
  path: string,
  idColumn: string,
  fraction: number,
  dir: string,
): Promise<SplitFiles> {
  if (!(fraction > 0 && fraction < 1))
    throw new Error(`--holdout ${fraction}: give a fraction between 0 and 1, e.g. 0.2`);
  const text = await readFile(path, 'utf8');
  let records: { record: string[]; raw: string }[];
  try {
    records = parse(text, { raw: true, skip_empty_lines: true, bom: true }) as unknown as {
      record: string[];
      raw: string;
    }[];
  } catch (e) {
    throw new Error(`${path}: not a CSV file this demo can split (${(e as Error).message})`);
  }
  const [header, ...rows] = records;
  const col = header?.record.indexOf(idColumn) ?? -1;
  if (!header || col < 0)
    throw new Error(`${path}: no '${idColumn}' column in the header; say --id COLUMN`);
  // A record's raw text ends with its record delimiter (\n or \r\n); lines are joined with \n.
  const line = (r: { raw: string }) => r.raw.replace(/\r?\n$/, '');
  const train = [line(header)];
  const test = [line(header)];
  for (const r of rows) (isHeldOut(r.record[col] ?? '', fraction) ? test : train).push(line(r));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const name = basename(path);
  const out = { train: join(dir, name), test: join(dir, `test-${name}`) };
  await writeFile(out.train, train.join('\n') + '\n', { mode: 0o600 });
  await writeFile(out.test, test.join('\n') + '\n', { mode: 0o600 });
  return { ...out, trainRows: train.length - 1, testRows: test.length - 1 };
}
