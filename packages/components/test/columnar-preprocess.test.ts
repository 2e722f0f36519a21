/**
 * The preprocessing components that declare `columnar` (missing-values, outliers, scale, encode)
 * run on column-backed frames without ever reading `frame.x` — no row-major copy of the whole
 * table, in or out — and give exactly what they give on the row-major twin of the same rows:
 * the same models, summaries, output columns, values and column types (categorical levels
 * included). Their dataset outputs stay column-backed, sharing the columns they leave alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '@fedgrid/crypto';
import {
  encode,
  missingValues,
  outliers,
  scale,
  type ComponentSpec,
  type PortValue,
  type ProgramResult,
} from '@fedgrid/components';
import { columnFrame, type Frame } from '@fedgrid/ml';
import { importCsv } from '@fedgrid/node';
import { runComponent } from './harness.js';
import { BREAST, column, dataset, head, loadAligned } from './feature-fixtures.js';

let pool: CryptoPool;
/** Breast rows with gaps: column 0 missing every 7th row, column 2 every 11th. */
let breast: { guest: Frame; host: Frame };
/** German credit: string columns typed categorical (levels), numbers, the guest's label. */
let credit: { guest: Frame; host: Frame };

function withGaps(f: Frame): Frame {
  const data = f.x.data.slice();
  const { rows, cols } = f.x;
  for (let i = 0; i < rows; i++) {
    if (i % 7 === 3) data[i * cols] = NaN;
    if (i % 11 === 5) data[i * cols + 2] = NaN;
  }
  return { ...f, x: { rows, cols, data } };
}

beforeAll(async () => {
  pool = new CryptoPool({ threads: 1 });
  const all = await loadAligned(BREAST);
  breast = { guest: withGaps(head(all.guest, 200)), host: withGaps(head(all.host, 200)) };
  const path = 'examples/data/credit/german_credit_';
  credit = {
    guest: (await importCsv({ path: `${path}guest.csv`, idColumn: 'id', labelColumn: 'bad' }))
      .frame,
    host: (await importCsv({ path: `${path}host.csv`, idColumn: 'id' })).frame,
  };
});
afterAll(async () => {
  await pool?.close();
});

/** The frame column-backed, with an `x` that throws when read (a whole-table row-major copy). */
function columnsOnly(f: Frame): Frame {
  const out = columnFrame({
    ids: f.ids,
    columns: f.featureNames.map((_, j) => column(f, j)),
    featureNames: f.featureNames,
    ...(f.labels ? { labels: f.labels, labelName: f.labelName } : {}),
    ...(f.columnTypes ? { columnTypes: f.columnTypes } : {}),
  });
  Object.defineProperty(out, 'x', {
    enumerable: true,
    get() {
      throw new Error('x read: a row-major copy of the whole table');
    },
  });
  return out;
}

const frameOut = (r: ProgramResult | undefined): Frame =>
  (r?.outputs['data'] as Extract<PortValue, { kind: 'dataset' }>).frame;

/** Every column of a column-backed frame (its own arrays: `x` is never read). */
const columnsOf = (f: Frame): number[][] => (f.columns ?? []).map((c) => Array.from(c));

/** The row-major run and the columns-only run of `spec` on the same rows. */
async function both(
  spec: unknown,
  params: Record<string, unknown>,
  frames: { guest: Frame; host: Frame },
): Promise<[Record<string, ProgramResult>, Record<string, ProgramResult>]> {
  const run = (wrap: (f: Frame) => Frame) =>
    runComponent(
      spec as ComponentSpec<unknown>,
      params,
      {
        guest: { data: dataset(wrap(frames.guest)) },
        'host-0': { data: dataset(wrap(frames.host)) },
      },
      { pool },
    );
  return [await run((f) => f), await run(columnsOnly)];
}

/** Same model, summary (but its time), names, types, ids, labels and values on every party. */
function expectSame(rows: Record<string, ProgramResult>, cols: Record<string, ProgramResult>) {
  for (const p of ['guest', 'host-0']) {
    const a = frameOut(rows[p]);
    const b = frameOut(cols[p]);
    expect(a.columns).toBeUndefined();
    expect(b.columns).toBeDefined();
    expect(b.featureNames).toEqual(a.featureNames);
    expect(b.columnTypes).toEqual(a.columnTypes);
    expect(b.ids).toEqual(a.ids);
    expect(b.labels).toEqual(a.labels);
    // Row-major values of the first run, column by column, against the second run's columns.
    const byColumn = a.featureNames.map((_, j) => Array.from(column(a, j)));
    expect(columnsOf(b)).toEqual(byColumn);
    expect(cols[p]!.outputs['model']).toEqual(rows[p]!.outputs['model']);
    // The summaries but their timings.
    const untimed = (r: ProgramResult | undefined) => ({ ...r?.summary, seconds: 0 });
    expect(untimed(cols[p])).toEqual(untimed(rows[p]));
  }
}

describe('columnar preprocessing components', () => {
  it('declare it', () => {
    for (const c of [missingValues, outliers, scale, encode])
      expect((c as ComponentSpec<unknown>).columnar).toBe(true);
  });

  it('missing-values, fill: the same fill values and filled columns', async () => {
    const [rows, cols] = await both(missingValues, { strategy: 'median' }, breast);
    expectSame(rows, cols);
    const out = frameOut(cols['guest']);
    // Rows 3, 10, … (29 of 200) of column 0 and 5, 16, … (18) of column 2.
    expect((cols['guest']!.summary as { filled: number }).filled).toBe(29 + 18);
    expect(columnsOf(out).flat().some(Number.isNaN)).toBe(false);
  });

  it('missing-values, drop: the same rows dropped on both parties, the same columns dropped', async () => {
    const params = { rows: 'drop', dropColumnThreshold: 0.1 };
    const [rows, cols] = await both(missingValues, params, breast);
    expectSame(rows, cols);
    // Column 0 (1 in 7 missing) is over 0.1 and goes; rows with a gap in column 2 go everywhere.
    const g = frameOut(cols['guest']);
    expect(g.featureNames).not.toContain(breast.guest.featureNames[0]);
    expect(g.ids.length).toBe(200 - 18);
    expect(frameOut(cols['host-0']).ids).toEqual(g.ids);
  });

  it('outliers: the same fences and clipped values', async () => {
    const [rows, cols] = await both(outliers, { method: 'iqr', k: 1, action: 'clip' }, breast);
    expectSame(rows, cols);
    expect((cols['guest']!.summary as { changed: number }).changed).toBeGreaterThan(0);
  });

  it('scale: the same fitted centres and scaled values', async () => {
    const [rows, cols] = await both(scale, { method: 'minmax' }, breast);
    expectSame(rows, cols);
  });

  it('encode, one-hot and ordinal: the same columns, codes and categorical levels', async () => {
    const [oneHot, oneHotCols] = await both(encode, {}, credit);
    expectSame(oneHot, oneHotCols);
    expect(frameOut(oneHotCols['guest']).featureNames.length).toBeGreaterThan(
      credit.guest.featureNames.length,
    );
    const [ordinal, ordinalCols] = await both(encode, { method: 'ordinal' }, credit);
    expectSame(ordinal, ordinalCols);
    // Ordinal codes stay categorical, with their levels.
    const types = frameOut(ordinalCols['host-0']).columnTypes ?? {};
    expect(Object.values(types).some((t) => t.type === 'categorical' && t.levels.length > 1)).toBe(
      true,
    );
  });
});
