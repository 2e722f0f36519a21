/**
 * Histogram GBDT (the SecureBoost twin) against known answers: quantile split points, a
 * regression stump worked out by hand, the best first split found by brute force over every
 * threshold, histogram subtraction, sampling, softmax probabilities and early stopping.
 */
import { describe, expect, it } from 'vitest';
import {
  EarlyStopping,
  SeededRandom,
  binCode,
  binMatrix,
  binOffsets,
  buildHistogram,
  predictGbdt,
  quantileSplitPoints,
  resolveGbdtParams,
  sampleColumns,
  sampleRows,
  subtractHistogram,
  trainGbdt,
  type Matrix,
} from '@fedgrid/ml';

function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const r = new SeededRandom(seed);
  return { rows, cols, data: Float64Array.from({ length: rows * cols }, () => r.next() * 2 - 1) };
}

describe('quantile binning', () => {
  it('takes lower quantiles as split points and drops the maximum', () => {
    const v = Float64Array.from({ length: 10 }, (_, i) => 10 - i); // 10 … 1, unsorted input
    // ranks ⌈k·10/4⌉ − 1 = 2, 4, 7 of 1…10
    expect(Array.from(quantileSplitPoints(v, 4))).toEqual([3, 5, 8]);
    expect(Array.from(quantileSplitPoints([1, 1, 2, 3, 3], 32))).toEqual([1, 2]);
    expect(Array.from(quantileSplitPoints([7, 7, 7], 32))).toEqual([]);
    expect(Array.from(quantileSplitPoints([1, NaN, 2], 4))).toEqual([1]); // NaN: missing, ignored
    expect(() => quantileSplitPoints([1, Infinity], 4)).toThrow(RangeError);
    expect(() => quantileSplitPoints([1, 2], 1)).toThrow(RangeError);
  });

  it('codes satisfy code ≤ b ⇔ x ≤ t_b', () => {
    const x = randomMatrix(500, 3, 1);
    const b = binMatrix(x, 16);
    for (let j = 0; j < 3; j++) {
      const t = b.splitPoints[j]!;
      expect(t.length).toBeLessThanOrEqual(15);
      for (let i = 0; i < 500; i++) {
        const v = x.data[i * 3 + j]!;
        const code = b.codes[j * 500 + i]!;
        expect(code).toBe(binCode(v, t));
        for (let k = 0; k < t.length; k++) expect(code <= k).toBe(v <= t[k]!);
      }
    }
  });
});

describe('trees', () => {
  it('grows the hand-computed regression stump', () => {
    // base 3, g = 3 − y = (2, 2, 2, −2, −2, −2), h = 1: the split x ≤ 3 has gain
    // ½·(6²/3 + 6²/3 − 0²/6) = 12 and leaves −6/3·(−1) … i.e. −2 and +2.
    const x: Matrix = { rows: 6, cols: 1, data: Float64Array.of(1, 2, 3, 4, 5, 6) };
    const y = Float64Array.of(1, 1, 1, 5, 5, 5);
    const r = trainGbdt(x, y, {
      objective: 'regression',
      trees: 1,
      maxDepth: 1,
      lambda: 0,
      learningRate: 1,
      minChildWeight: 0,
    });
    const t = r.model.trees[0]!;
    expect(t.nodes[0]).toMatchObject({ kind: 'split', feature: 0, threshold: 3, gain: 12 });
    expect(t.nodes.slice(1)).toEqual([
      { kind: 'leaf', value: -2, count: 3 },
      { kind: 'leaf', value: 2, count: 3 },
    ]);
    expect(Array.from(predictGbdt(r.model, x).scores)).toEqual([1, 1, 1, 5, 5, 5]);
    expect(r.importance.splits[0]).toBe(1);
  });

  it('missing values: their own bin, sent to the side with the larger gain, followed at prediction', () => {
    // Present: 1 2 3 4 with y 0 0 10 10; missing rows have y 0, so "x ≤ 2 or missing" is the
    // best split: gain ½·(20²/4 + 20²/2 − 20²/6)… written out below.
    const x: Matrix = { rows: 6, cols: 1, data: Float64Array.of(1, 2, 3, 4, NaN, NaN) };
    const y = Float64Array.of(0, 0, 10, 10, 0, 0);
    const b = binMatrix(x, 8);
    expect(Array.from(b.splitPoints[0]!)).toEqual([1, 2, 3]);
    expect(Array.from(b.codes)).toEqual([0, 1, 2, 3, 4, 4]);
    expect(Array.from(b.missing)).toEqual([1]);
    const params = {
      objective: 'regression' as const,
      trees: 1,
      maxDepth: 1,
      lambda: 0,
      learningRate: 1,
      minChildWeight: 0,
    };
    const r = trainGbdt(x, y, params);
    const t = r.model.trees[0]!;
    // g = base − y with base = mean 10/3, h = 1. Left {1, 2, NaN, NaN}: G = 4·10/3, H = 4;
    // right {3, 4}: G = 2·(10/3 − 10); parent G = 0.
    const gl = (4 * 10) / 3;
    const gr = 2 * (10 / 3 - 10);
    expect(t.nodes[0]).toMatchObject({ kind: 'split', threshold: 2, missingLeft: true });
    expect((t.nodes[0] as { gain: number }).gain).toBeCloseTo(0.5 * (gl ** 2 / 4 + gr ** 2 / 2), 9);
    const scores = Array.from(predictGbdt(r.model, x).scores);
    expect(scores.map((v) => Math.round(v * 1e9) / 1e9)).toEqual([0, 0, 10, 10, 0, 0]);
    // When the missing rows look like the large ones, they go right (no flag: the default).
    const y2 = Float64Array.of(0, 0, 10, 10, 10, 10);
    const t2 = trainGbdt(x, y2, params).model.trees[0]!;
    expect(t2.nodes[0]).toMatchObject({ kind: 'split', threshold: 2 });
    expect('missingLeft' in t2.nodes[0]!).toBe(false);
    expect(
      Array.from(predictGbdt(trainGbdt(x, y2, params).model, x).scores).map(Math.round),
    ).toEqual([0, 0, 10, 10, 10, 10]);
  });

  it('picks the first split with the largest gain over all bins, as brute force does', () => {
    const x = randomMatrix(400, 4, 2);
    const rnd = new SeededRandom(3);
    const y = Float64Array.from({ length: 400 }, (_, i) =>
      x.data[i * 4 + 1]! + 0.5 * x.data[i * 4 + 3]! + 0.3 * (rnd.next() - 0.5) > 0 ? 1 : 0,
    );
    const p = { trees: 1, maxDepth: 1, lambda: 0.7, minChildWeight: 0.5, bins: 16 };
    const r = trainGbdt(x, y, p);
    const b = binMatrix(x, 16);
    const mean = y.reduce((a, v) => a + v, 0) / 400;
    const g = Array.from(y, (v) => mean - v);
    const h = mean * (1 - mean);
    const score = (G: number, H: number) => (G * G) / (H + 0.7);
    const G = g.reduce((a, v) => a + v, 0);
    let best = { gain: 0, feature: -1, threshold: NaN };
    for (let j = 0; j < 4; j++)
      for (const t of b.splitPoints[j]!) {
        let gl = 0;
        let nl = 0;
        for (let i = 0; i < 400; i++)
          if (x.data[i * 4 + j]! <= t) {
            gl += g[i]!;
            nl++;
          }
        const hl = nl * h;
        const hr = (400 - nl) * h;
        if (hl < 0.5 || hr < 0.5) continue;
        const gain = 0.5 * (score(gl, hl) + score(G - gl, hr) - score(G, 400 * h));
        if (gain > best.gain + 1e-9) best = { gain, feature: j, threshold: t };
      }
    const root = r.model.trees[0]!.nodes[0]!;
    expect(root.kind).toBe('split');
    if (root.kind !== 'split') return;
    expect(root.feature).toBe(best.feature);
    expect(root.threshold).toBe(best.threshold);
    expect(Math.abs(root.gain - best.gain)).toBeLessThan(1e-9 * best.gain);
  });

  it('histogram subtraction gives the sibling’s histogram', () => {
    const x = randomMatrix(300, 3, 4);
    const b = binMatrix(x, 8);
    const off = binOffsets(b);
    const g = Float64Array.from({ length: 300 }, (_, i) => Math.sin(i));
    const h = Float64Array.from({ length: 300 }, (_, i) => 1 + Math.cos(i) ** 2);
    const all = Uint32Array.from({ length: 300 }, (_, i) => i);
    const left = all.filter((i) => i % 3 === 0);
    const right = all.filter((i) => i % 3 !== 0);
    const feats = [0, 1, 2];
    const d = subtractHistogram(
      buildHistogram(b, off, all, g, h, feats),
      buildHistogram(b, off, left, g, h, feats),
    );
    const direct = buildHistogram(b, off, right, g, h, feats);
    for (let k = 0; k < d.G.length; k++) {
      expect(d.G[k]).toBeCloseTo(direct.G[k]!, 12);
      expect(d.H[k]).toBeCloseTo(direct.H[k]!, 12);
    }
  });

  it('multiclass: K trees per round, probabilities that sum to 1, classes kept', () => {
    const x = randomMatrix(300, 2, 5);
    const y = Float64Array.from({ length: 300 }, (_, i) =>
      x.data[i * 2]! > 0.3 ? 7 : x.data[i * 2 + 1]! > 0 ? 3 : 1,
    );
    const r = trainGbdt(x, y, { objective: 'multiclass', trees: 4 });
    expect(r.model.classes).toEqual([1, 3, 7]);
    expect(r.model.trees.map((t) => t.cls)).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]);
    const p = predictGbdt(r.model, x);
    for (let i = 0; i < 300; i++) {
      const row = p.probabilities!.subarray(i * 3, i * 3 + 3);
      expect(row[0]! + row[1]! + row[2]!).toBeCloseTo(1, 12);
    }
    const correct = Array.from(p.scores).filter((k, i) => r.model.classes[k] === y[i]).length;
    expect(correct / 300).toBeGreaterThan(0.9);
    expect(r.history.train[3]!).toBeLessThan(r.history.train[0]!);
  });
});

describe('sampling, early stopping, parameters', () => {
  it('samples reproducibly from the seed', () => {
    expect(Array.from(sampleRows(10, 1, 0, 0))).toEqual([...Array(10).keys()]);
    const a = sampleRows(1000, 0.3, 42, 5);
    expect(a.length).toBe(300);
    expect(Array.from(a)).toEqual(Array.from(sampleRows(1000, 0.3, 42, 5)));
    expect(Array.from(a)).not.toEqual(Array.from(sampleRows(1000, 0.3, 42, 6)));
    expect(Array.from(a)).toEqual(Array.from(a).sort((u, v) => u - v));
    expect(sampleColumns(20, 0.01, 1, 0, 0).length).toBe(1);
  });

  it('stops after `patience` rounds without a new best and keeps the best rounds', () => {
    const s = new EarlyStopping(2);
    expect([5, 4, 4.5, 3, 3.1, 3.2].map((l) => s.update(l))).toEqual([
      false,
      false,
      false,
      false,
      false,
      true,
    ]);
    expect(s.bestRounds).toBe(4);
  });

  it('rejects bad parameters by name', () => {
    expect(() => resolveGbdtParams({ maxDepth: 0 })).toThrow(/maxDepth/);
    expect(() => resolveGbdtParams({ subsample: 0 })).toThrow(/subsample/);
    expect(() => trainGbdt(randomMatrix(4, 1, 1), [0, 1, 2, 1])).toThrow(/binary labels/);
  });
});
