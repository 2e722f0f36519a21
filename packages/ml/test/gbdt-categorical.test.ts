/**
 * Category-set splits of the histogram GBDT (LightGBM-style, split.ts scanCategorical) against
 * known answers: with catSmooth = 0 and λ = 0 the best prefix of the G/H order is the best of all
 * 2^(k−1) − 1 partitions (Fisher 1958) — checked by brute force; a non-contiguous category set
 * that no code threshold can cut is found at the root; unknown codes go the missing direction;
 * codes outside the column's categories are refused by name.
 */
import { describe, expect, it } from 'vitest';
import {
  SeededRandom,
  auc,
  binMatrix,
  goesLeftCategory,
  nodeScore,
  predictGbdt,
  trainGbdt,
  type GbdtSplit,
} from '@fedgrid/ml';

/** One categorical column of `k` categories, `rows` rows; y from a per-category mean + noise. */
function data(rows: number, k: number, seed: number) {
  const r = new SeededRandom(seed);
  const mean = Array.from({ length: k }, () => r.next() * 4 - 2);
  const x = new Float64Array(rows);
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const c = Math.floor(r.next() * k);
    x[i] = c;
    y[i] = (mean[c] as number) + r.next() - 0.5;
  }
  return { x: { rows, cols: 1, data: x }, y };
}

describe('category-set splits', () => {
  it('the root split is the best of all partitions (regression, λ = 0, catSmooth = 0)', () => {
    const k = 7;
    for (const seed of [1, 2, 3]) {
      const { x, y } = data(300, k, seed);
      const res = trainGbdt(
        x,
        y,
        {
          objective: 'regression',
          trees: 1,
          maxDepth: 1,
          lambda: 0,
          learningRate: 1,
          catSmooth: 0,
          maxCatToOnehot: 1,
        },
        { categories: [k] },
      );
      const root = res.model.trees[0]!.nodes[0] as GbdtSplit;
      expect(root.kind).toBe('split');
      // Brute force: g = F0 − y (F0 the mean), h = 1, so G_c = Σ g over category c, H_c = count.
      const base = res.model.baseScores[0]!;
      const G = new Float64Array(k);
      const H = new Float64Array(k);
      for (let i = 0; i < x.rows; i++) {
        const c = x.data[i] as number;
        G[c]! += base - (y[i] as number);
        H[c]! += 1;
      }
      const totG = G.reduce((a, b) => a + b, 0);
      const totH = H.reduce((a, b) => a + b, 0);
      let best = -Infinity;
      for (let mask = 1; mask < 2 ** k - 1; mask++) {
        let gl = 0;
        let hl = 0;
        for (let c = 0; c < k; c++)
          if (mask & (1 << c)) {
            gl += G[c] as number;
            hl += H[c] as number;
          }
        if (hl < 1 || totH - hl < 1) continue;
        const gain =
          0.5 *
          (nodeScore(gl, hl, 0) + nodeScore(totG - gl, totH - hl, 0) - nodeScore(totG, totH, 0));
        best = Math.max(best, gain);
      }
      expect(root.gain).toBeCloseTo(best, 9);
      expect(root.categories!.length).toBeGreaterThan(0);
      expect(root.categoryCount).toBe(k);
    }
  });

  it('finds a non-contiguous set that no threshold over codes can cut', () => {
    const k = 6;
    const inSet = new Set([0, 3, 5]);
    const rows = 240;
    const x = { rows, cols: 1, data: Float64Array.from({ length: rows }, (_, i) => i % k) };
    const y = Float64Array.from(x.data, (c) => (inSet.has(c) ? 1 : 0));
    const params = { objective: 'binary' as const, trees: 1, maxDepth: 1, minChildWeight: 0 };
    const set = trainGbdt(x, y, params, { categories: [k] }).model.trees[0]!;
    const root = set.nodes[0] as GbdtSplit;
    const left = new Set(root.categories);
    // {0, 3, 5} or its complement goes left: the leaves separate the classes exactly.
    expect(left.size === 3 && [...left].every((c) => inSet.has(c) === left.has(0))).toBe(true);
    const leaves = [set.nodes[root.left], set.nodes[root.right]] as { value: number }[];
    expect(Math.sign(leaves[0]!.value)).not.toBe(Math.sign(leaves[1]!.value));
    // A threshold stump over the same codes leaves both classes in one child.
    const thr = trainGbdt(x, y, params).model;
    expect((thr.trees[0]!.nodes[0] as GbdtSplit).categories).toBeUndefined();
    const setModel = trainGbdt(x, y, params, { categories: [k] }).model;
    expect(auc(y, predictGbdt(setModel, x).scores)).toBe(1);
    expect(auc(y, predictGbdt(thr, x).scores)).toBeLessThan(0.9);
  });

  it('routes NaN and codes outside the categories the missing direction', () => {
    expect(goesLeftCategory(2, [0, 2], 4, false)).toBe(true);
    expect(goesLeftCategory(1, [0, 2], 4, true)).toBe(false);
    expect(goesLeftCategory(NaN, [0, 2], 4, true)).toBe(true);
    expect(goesLeftCategory(7, [0, 2], 4, true)).toBe(true);
    expect(goesLeftCategory(7, [0, 2], 4, false)).toBe(false);
  });

  it('refuses a code outside the column’s categories, naming the feature and row', () => {
    const x = { rows: 3, cols: 2, data: Float64Array.from([0, 1, 5, 2, 1, 3]) };
    expect(() => binMatrix(x, 32, [undefined, 3])).toThrow(/feature 1: row 2 has 3/);
    expect(() => binMatrix(x, 32, [undefined, 300])).toThrow(/at most|1 to 254/);
  });
});
