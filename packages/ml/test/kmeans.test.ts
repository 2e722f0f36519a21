/**
 * k-means statistics and Lloyd steps against hand-computed cases: two well-separated groups end
 * at their means, an empty cluster keeps its centroid, ties go to the lower index, and the
 * moment initialisation has the pooled mean and spread.
 */
import { describe, expect, it } from 'vitest';
import {
  assignClusters,
  featureMoments,
  kmeansStats,
  lloydKmeans,
  momentCentroids,
  nextCentroids,
  type Matrix,
} from '@fedgrid/ml';

const m = (rows: number[][]): Matrix => ({
  rows: rows.length,
  cols: rows[0]!.length,
  data: Float64Array.from(rows.flat()),
});

describe('k-means', () => {
  it('statistics, a Lloyd step, empty clusters and ties', () => {
    const x = m([
      [0, 0],
      [0, 2],
      [10, 10],
      [10, 12],
    ]);
    const c = Float64Array.of(1, 1, 9, 9, 100, 100);
    const s = kmeansStats(x, c, 3);
    expect(Array.from(s.counts)).toEqual([2, 2, 0]);
    expect(Array.from(s.sums)).toEqual([0, 2, 20, 22, 0, 0]);
    // ‖(0,0)−(1,1)‖² = 2, (0,2): 2, (10,10)−(9,9): 2, (10,12): 1 + 9 = 10
    expect(s.inertia).toBe(16);
    expect(Array.from(nextCentroids(s.sums, s.counts, c, 3))).toEqual([0, 1, 10, 11, 100, 100]);
    // Equidistant from both: the lower index wins.
    expect(Array.from(assignClusters(m([[5, 5]]), Float64Array.of(4, 5, 6, 5), 2).cluster)).toEqual(
      [0],
    );
    expect(() => assignClusters(x, Float64Array.of(1, 2, 3), 2)).toThrow(RangeError);
  });

  it('the moment initialisation has the pooled mean and spread; Lloyd separates two groups', () => {
    const rows: number[][] = [];
    for (let i = 0; i < 50; i++) rows.push([i % 5, 0], [100 + (i % 5), 0]);
    const x = m(rows);
    const { mean, meanOfSquares } = featureMoments(x);
    expect(mean[0]).toBeCloseTo(52, 12);
    const init = momentCentroids(mean, meanOfSquares, 2000, 3);
    const xs = Array.from({ length: 2000 }, (_, k) => init[2 * k]!);
    const avg = xs.reduce((a, v) => a + v, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, v) => a + (v - avg) ** 2, 0) / xs.length);
    expect(Math.abs(avg - 52)).toBeLessThan(5); // σ ≈ 50: the sample mean of 2000 is within 5
    expect(Math.abs(sd - Math.sqrt(meanOfSquares[0]! - 52 * 52)) / 50).toBeLessThan(0.1);
    const r = lloydKmeans(x, 2, 10, 1);
    const centres = [r.centroids[0]!, r.centroids[2]!].sort((a, b) => a - b);
    expect(centres).toEqual([2, 102]);
    expect(r.inertia.at(-1)).toBeCloseTo(2, 12); // mean of (i % 5 − 2)² = 2
  });
});
