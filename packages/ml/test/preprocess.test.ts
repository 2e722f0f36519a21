/**
 * Preprocessing math against hand-computed answers: fill values (mean, median, mode, constant),
 * column drops over a missing threshold, IQR and z-score fences and their treatment, min-max
 * and standard scaling parameters, one-hot and label encodings, and the row choices of
 * sampling and splitting (sizes, class ratios, alignment-relevant properties, reproducibility).
 */
import { describe, expect, it } from 'vitest';
import {
  apportion,
  applyEncoding,
  applyFillValues,
  applyOutlierBounds,
  applyScale,
  columnsOverMissingThreshold,
  complementRows,
  dropColumns,
  fitCategories,
  fitFillValues,
  fitOutlierBounds,
  fitScale,
  missingFractions,
  PreprocessError,
  rowsOfPart,
  rowsWithMissing,
  sampleBalanced,
  sampleByClass,
  sampleRandom,
  sampleStratified,
  SeededRandom,
  splitRows,
  unionRows,
  type Frame,
} from '@fedgrid/ml';

/** A frame from columns (name → values), ids r0, r1, … */
function frameOf(columns: Record<string, number[]>, labels?: number[]): Frame {
  const names = Object.keys(columns);
  const rows = (columns[names[0]!] ?? []).length;
  const data = new Float64Array(rows * names.length);
  names.forEach((n, j) => columns[n]!.forEach((v, i) => (data[i * names.length + j] = v)));
  return {
    ids: Array.from({ length: rows }, (_, i) => `r${i}`),
    x: { rows, cols: names.length, data },
    featureNames: names,
    ...(labels ? { labels: Float64Array.from(labels), labelName: 'y' } : {}),
  };
}

function column(frame: Frame, name: string): number[] {
  const j = frame.featureNames.indexOf(name);
  expect(j, `column ${name}`).toBeGreaterThanOrEqual(0);
  return Array.from({ length: frame.x.rows }, (_, i) => frame.x.data[i * frame.x.cols + j]!);
}

function expectPreprocessError(fn: () => unknown, code: string): PreprocessError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PreprocessError);
    expect((err as PreprocessError).code).toBe(code);
    return err as PreprocessError;
  }
  throw new Error(`expected PreprocessError ${code}`);
}

describe('missing values', () => {
  // a: observed 1, 3, 4, 10 (mean 4.5, median 3.5, all distinct → mode 1); b: mode 2 (tie 2/5).
  const f = frameOf({
    a: [1, NaN, 3, 4, NaN, 10],
    b: [2, 2, 5, 5, 7, NaN],
    c: [0, 0, 0, 0, 0, 0],
  });

  it('fits mean, median, mode and constant fills over the observed values', () => {
    const fills = fitFillValues(f, [
      { column: 'a', rule: { strategy: 'mean' } },
      { column: 'b', rule: { strategy: 'mode' } },
    ]);
    expect(fills).toEqual([
      { column: 'a', strategy: 'mean', value: 4.5 },
      { column: 'b', strategy: 'mode', value: 2 },
    ]);
    expect(fitFillValues(f, [{ column: 'a', rule: { strategy: 'median' } }])[0]!.value).toBe(3.5);
    expect(fitFillValues(f, [{ column: 'a', rule: { strategy: 'mode' } }])[0]!.value).toBe(1);
    expect(
      fitFillValues(f, [{ column: 'b', rule: { strategy: 'constant', value: -1 } }])[0]!.value,
    ).toBe(-1);
    // Odd count: the middle value.
    expect(fitFillValues(f, [{ column: 'b', rule: { strategy: 'median' } }])[0]!.value).toBe(5);
  });

  it('fills only the gaps of the fitted columns', () => {
    const fills = fitFillValues(f, [{ column: 'a', rule: { strategy: 'mean' } }]);
    const { frame, filled } = applyFillValues(f, fills);
    expect(column(frame, 'a')).toEqual([1, 4.5, 3, 4, 4.5, 10]);
    expect(column(frame, 'b').map((v) => (Number.isNaN(v) ? 'nan' : v))).toEqual([
      2,
      2,
      5,
      5,
      7,
      'nan',
    ]);
    expect(filled).toEqual([2]);
    // The input is not changed.
    expect(Number.isNaN(column(f, 'a')[1]!)).toBe(true);
  });

  it('finds rows with gaps, fractions, and columns over a threshold', () => {
    expect(Array.from(rowsWithMissing(f, ['a']))).toEqual([1, 4]);
    expect(Array.from(rowsWithMissing(f, ['a', 'b']))).toEqual([1, 4, 5]);
    expect(Array.from(rowsWithMissing(f, ['c']))).toEqual([]);
    expect(missingFractions(f, ['a', 'b', 'c'])).toEqual([2 / 6, 1 / 6, 0]);
    expect(columnsOverMissingThreshold(f, ['a', 'b', 'c'], () => 0.3)).toEqual(['a']);
    expect(columnsOverMissingThreshold(f, ['a', 'b', 'c'], () => 0)).toEqual(['a', 'b']);
    expect(columnsOverMissingThreshold(f, ['a', 'b', 'c'], () => undefined)).toEqual([]);
    const d = dropColumns(f, ['b']);
    expect(d.featureNames).toEqual(['a', 'c']);
    expect(column(d, 'c')).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('refuses columns it cannot fill', () => {
    const empty = frameOf({ e: [NaN, NaN] });
    expectPreprocessError(
      () => fitFillValues(empty, [{ column: 'e', rule: { strategy: 'mean' } }]),
      'COLUMN_EMPTY',
    );
    expectPreprocessError(
      () => fitFillValues(f, [{ column: 'zz', rule: { strategy: 'mean' } }]),
      'COLUMN_UNKNOWN',
    );
    expectPreprocessError(
      () => fitFillValues(f, [{ column: 'a', rule: { strategy: 'constant' } }]),
      'VALUE_NOT_FINITE',
    );
  });

  it('unites and complements row sets', () => {
    expect(Array.from(unionRows([[5, 1], [1, 3], []]))).toEqual([1, 3, 5]);
    expect(Array.from(complementRows(6, [1, 3, 5]))).toEqual([0, 2, 4]);
    expect(Array.from(complementRows(3, []))).toEqual([0, 1, 2]);
  });
});

describe('outliers', () => {
  // Sorted v = 0 1 1 2 3 5 8 13 100 (n = 9): Q1 = v[2] = 1, Q3 = v[6] = 8, IQR = 7,
  // fences 1 − 10.5 = −9.5 and 8 + 10.5 = 18.5; inliers 0 1 1 2 3 5 8 13 (median 2.5, mean 4.125).
  const iqr = frameOf({ v: [13, 0, 100, 1, NaN, 2, 8, 1, 3, 5] });
  // w = 2 4 4 4 5 5 7 9: mean 5, population σ 2.
  const z = frameOf({ w: [2, 4, 4, 4, 5, 5, 7, 9] });

  it('fits Tukey fences from type-7 quartiles and clips to them', () => {
    const [b] = fitOutlierBounds(iqr, ['v'], { method: 'iqr', k: 1.5, action: 'clip' });
    expect(b).toMatchObject({ q1: 1, q3: 8, lower: -9.5, upper: 18.5 });
    const { frame, changed } = applyOutlierBounds(iqr, [b!]);
    expect(changed).toEqual([1]);
    expect(column(frame, 'v').map((x) => (Number.isNaN(x) ? 'nan' : x))).toEqual([
      13,
      0,
      18.5,
      1,
      'nan',
      2,
      8,
      1,
      3,
      5,
    ]);
  });

  it('replaces outliers by the inliers’ median, mean or a constant', () => {
    const at2 = (action: 'median' | 'mean' | 'constant') => {
      const b = fitOutlierBounds(iqr, ['v'], { method: 'iqr', action, value: -7 });
      return column(applyOutlierBounds(iqr, b).frame, 'v')[2];
    };
    expect(at2('median')).toBe(2.5);
    expect(at2('mean')).toBe(4.125);
    expect(at2('constant')).toBe(-7);
    // k = 0.5: fences 1 − 3.5 = −2.5 and 8 + 3.5 = 11.5; 13 and 100 are out.
    const [b] = fitOutlierBounds(iqr, ['v'], { method: 'iqr', k: 0.5, action: 'clip' });
    expect(applyOutlierBounds(iqr, [b!]).changed).toEqual([2]);
  });

  it('fits z-score fences μ ± t·σ with the population σ', () => {
    const [b15] = fitOutlierBounds(z, ['w'], { method: 'zscore', t: 1.5, action: 'clip' });
    expect(b15).toMatchObject({ mean: 5, std: 2, lower: 2, upper: 8 });
    // |z| > 1.5: only 9 (z = 2); 2 has z = −1.5, on the fence.
    expect(column(applyOutlierBounds(z, [b15!]).frame, 'w')).toEqual([2, 4, 4, 4, 5, 5, 7, 8]);
    const [b1] = fitOutlierBounds(z, ['w'], { method: 'zscore', t: 1, action: 'clip' });
    expect(column(applyOutlierBounds(z, [b1!]).frame, 'w')).toEqual([3, 4, 4, 4, 5, 5, 7, 7]);
  });
});

describe('scaling', () => {
  const f = frameOf({ a: [2, 4, 6, 10], b: [3, 3, 3, 3], c: [1, NaN, 3, 5] });

  it('min-max: center min, divisor max − min; fitted data in [0, 1]', () => {
    const fit = fitScale(f, ['a', 'b'], 'minmax');
    expect(fit[0]).toMatchObject({ column: 'a', center: 2, divisor: 8, min: 2, max: 10 });
    // A constant column maps to 0.
    expect(fit[1]).toMatchObject({ column: 'b', center: 3, divisor: 1 });
    const out = applyScale(f, fit);
    expect(column(out, 'a')).toEqual([0, 0.25, 0.5, 1]);
    expect(column(out, 'b')).toEqual([0, 0, 0, 0]);
    expect(column(out, 'c').map((x) => (Number.isNaN(x) ? 'nan' : x))).toEqual([1, 'nan', 3, 5]);
  });

  it('standard: mean and population σ; NaN ignored and kept', () => {
    const w = frameOf({ w: [2, 4, 4, 4, 5, 5, 7, 9] });
    const [fw] = fitScale(w, ['w'], 'standard');
    expect(fw).toMatchObject({ center: 5, divisor: 2, mean: 5, std: 2 });
    expect(column(applyScale(w, [fw!]), 'w')).toEqual([-1.5, -0.5, -0.5, -0.5, 0, 0, 1, 2]);
    // c: observed 1, 3, 5 → mean 3, σ = √(8/3).
    const [fc] = fitScale(f, ['c'], 'standard');
    expect(fc!.center).toBe(3);
    expect(fc!.divisor).toBeCloseTo(Math.sqrt(8 / 3), 14);
    const c = column(applyScale(f, [fc!]), 'c');
    expect(Number.isNaN(c[1]!)).toBe(true);
    expect(c[2]).toBe(0);
  });

  it('applies fitted parameters to other data unchanged', () => {
    const fit = fitScale(f, ['a'], 'minmax');
    const other = frameOf({ a: [0, 18] });
    expect(column(applyScale(other, fit), 'a')).toEqual([-0.25, 2]);
  });
});

describe('encoding', () => {
  const f = frameOf({ a: [1, 2, 3, 4, 5], c: [3, 1, 3, 2, NaN], b: [9, 9, 9, 9, 9] });

  it('one-hot: name=value columns in category order at the column’s place', () => {
    const fit = fitCategories(f, ['c'], 10);
    expect(fit).toEqual([{ column: 'c', categories: [1, 2, 3] }]);
    const out = applyEncoding(f, fit, 'one-hot', 'error');
    expect(out.featureNames).toEqual(['a', 'c=1', 'c=2', 'c=3', 'b']);
    expect(column(out, 'c=1')).toEqual([0, 1, 0, 0, NaN]);
    expect(column(out, 'c=2')).toEqual([0, 0, 0, 1, NaN]);
    expect(column(out, 'c=3')).toEqual([1, 0, 1, 0, NaN]);
    expect(column(out, 'a')).toEqual([1, 2, 3, 4, 5]);
    expect(column(out, 'b')).toEqual([9, 9, 9, 9, 9]);
  });

  it('label: each code becomes its index among the sorted categories', () => {
    const fit = fitCategories(f, ['c'], 10);
    const out = applyEncoding(f, fit, 'label', 'error');
    expect(out.featureNames).toEqual(['a', 'c', 'b']);
    expect(column(out, 'c')).toEqual([2, 0, 2, 1, NaN]);
  });

  it('unseen categories: an all-zero row (or NaN label) with ignore, an error otherwise', () => {
    const fit = fitCategories(f, ['c'], 10);
    const test = frameOf({ a: [0, 0], c: [4, 2], b: [0, 0] });
    const hot = applyEncoding(test, fit, 'one-hot', 'ignore');
    expect([column(hot, 'c=1'), column(hot, 'c=2'), column(hot, 'c=3')]).toEqual([
      [0, 0],
      [0, 1],
      [0, 0],
    ]);
    expect(column(applyEncoding(test, fit, 'label', 'ignore'), 'c')).toEqual([NaN, 1]);
    const e = expectPreprocessError(
      () => applyEncoding(test, fit, 'one-hot', 'error'),
      'UNSEEN_CATEGORY',
    );
    expect(e.details).toMatchObject({ column: 'c', row: 0, value: 4 });
  });

  it('refuses non-integer codes, too many categories and name collisions', () => {
    expect(
      expectPreprocessError(() => fitCategories(frameOf({ c: [1, 1.5] }), ['c'], 10), 'NOT_INTEGER')
        .details,
    ).toMatchObject({ column: 'c', value: 1.5 });
    expectPreprocessError(() => fitCategories(f, ['a'], 4), 'TOO_MANY_CATEGORIES');
    const clash = frameOf({ c: [1, 2], 'c=1': [0, 0] });
    expectPreprocessError(
      () => applyEncoding(clash, fitCategories(clash, ['c'], 10), 'one-hot', 'error'),
      'NAME_COLLISION',
    );
  });
});

describe('sampling', () => {
  // 30 rows of class 0, 10 of class 1 (interleaved), 5 of class 2.
  const labels = Float64Array.from({ length: 45 }, (_, i) => (i >= 40 ? 2 : i % 4 === 3 ? 1 : 0));
  const counts = (pos: Uint32Array) => {
    const m = new Map<number, number>();
    for (const p of pos) m.set(labels[p]!, (m.get(labels[p]!) ?? 0) + 1);
    return m;
  };
  const ascending = (pos: Uint32Array) => pos.every((p, i) => i === 0 || pos[i - 1]! <= p);

  it('apportions within one of the exact shares (largest remainder)', () => {
    expect(apportion(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(apportion(7, [0.8, 0, 0.2])).toEqual([6, 0, 1]);
    expect(apportion(0, [1, 2])).toEqual([0, 0]);
  });

  it('random: distinct rows without replacement, repeats with it, ascending', () => {
    const s = sampleRandom(45, 20, false, new SeededRandom(1));
    expect(s.length).toBe(20);
    expect(new Set(s).size).toBe(20);
    expect(ascending(s)).toBe(true);
    expect(s.every((p) => p < 45)).toBe(true);
    const r = sampleRandom(45, 200, true, new SeededRandom(2));
    expect(r.length).toBe(200);
    expect(r.every((p) => p < 45)).toBe(true);
    expect(ascending(r)).toBe(true);
    // s > n without replacement: every row ⌊100/45⌋ = 2 or 3 times.
    const up = sampleRandom(45, 100, false, new SeededRandom(3));
    const times = new Map<number, number>();
    for (const p of up) times.set(p, (times.get(p) ?? 0) + 1);
    expect(times.size).toBe(45);
    expect([...times.values()].every((t) => t === 2 || t === 3)).toBe(true);
    // Reproducible with a seed, different with another.
    expect(sampleRandom(45, 20, false, new SeededRandom(1))).toEqual(s);
    expect(sampleRandom(45, 20, false, new SeededRandom(9))).not.toEqual(s);
  });

  it('stratified: each class within one row of its share', () => {
    const s = sampleStratified(labels, 18, false, new SeededRandom(4));
    expect(s.length).toBe(18);
    const c = counts(s);
    for (const [y, n] of [
      [0, 30],
      [1, 10],
      [2, 5],
    ] as const)
      expect(Math.abs((c.get(y) ?? 0) - (18 * n) / 45)).toBeLessThanOrEqual(1);
  });

  it('by class, upsample and downsample give the class sizes asked for', () => {
    const byClass = sampleByClass(
      labels,
      new Map([
        [0, 7],
        [2, 9],
      ]),
      false,
      new SeededRandom(5),
    );
    expect(counts(byClass)).toEqual(
      new Map([
        [0, 7],
        [1, 10],
        [2, 9],
      ]),
    );
    const up = sampleBalanced(labels, 'up', new SeededRandom(6));
    expect(counts(up)).toEqual(
      new Map([
        [0, 30],
        [1, 30],
        [2, 30],
      ]),
    );
    // Up-sampling without replacement keeps every row.
    expect(new Set(up).size).toBe(45);
    const down = sampleBalanced(labels, 'down', new SeededRandom(7));
    expect(counts(down)).toEqual(
      new Map([
        [0, 5],
        [1, 5],
        [2, 5],
      ]),
    );
    expect(new Set(down).size).toBe(15);
    expectPreprocessError(
      () => sampleByClass(labels, new Map([[7, 1]]), false, new SeededRandom(1)),
      'CLASS_UNKNOWN',
    );
  });
});

describe('split', () => {
  const labels = Float64Array.from({ length: 101 }, (_, i) => (i % 3 === 0 ? 1 : 0)); // 34 / 67

  it('random: part sizes within one row of fraction·n, a partition of the rows', () => {
    const parts = splitRows(101, { train: 0.7, validate: 0.1, test: 0.2 }, new SeededRandom(1));
    const sizes = [0, 1, 2].map((k) => rowsOfPart(parts, k).length);
    expect(sizes.reduce((a, b) => a + b)).toBe(101);
    [0.7, 0.1, 0.2].forEach((f, k) => expect(Math.abs(sizes[k]! - f * 101)).toBeLessThan(1));
    expect(splitRows(101, { train: 0.7, validate: 0.1, test: 0.2 }, new SeededRandom(1))).toEqual(
      parts,
    );
  });

  it('stratified: every class within one row of fraction·n_c in every part', () => {
    const f = { train: 0.6, validate: 0.15, test: 0.25 };
    const parts = splitRows(101, f, new SeededRandom(2), { labels });
    for (const y of [0, 1]) {
      const nc = labels.filter((l) => l === y).length;
      [f.train, f.validate, f.test].forEach((fr, k) => {
        const got = Array.from(rowsOfPart(parts, k)).filter((p) => labels[p] === y).length;
        expect(Math.abs(got - fr * nc)).toBeLessThan(1);
      });
    }
  });

  it('without shuffle: consecutive runs in row order; validate 0 is empty', () => {
    const parts = splitRows(10, { train: 0.8, validate: 0, test: 0.2 }, new SeededRandom(3), {
      shuffle: false,
    });
    expect(Array.from(parts)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 2, 2]);
    expect(rowsOfPart(parts, 1).length).toBe(0);
  });
});
