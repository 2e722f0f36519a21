/**
 * Server aggregation: FedAvg's weighted mean against a hand computation, and the robust rules
 * (median, trimmed mean, Krum) plus the admission check with one of five clients attacking by
 * scaling its update ×10 or flipping its sign.
 */
import { describe, expect, it } from 'vitest';
import {
  SeededRandom,
  clipToNorm,
  coordinateMedian,
  flagOutliers,
  krum,
  trimmedMean,
  weightedMean,
} from '@fedgrid/ml';

const f64 = (xs: number[]) => Float64Array.from(xs);

function norm(v: Float64Array): number {
  return Math.sqrt(v.reduce((s, x) => s + x * x, 0));
}

function sub(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((x, j) => x - (b[j] as number));
}

function mean(vs: Float64Array[]): Float64Array {
  const out = new Float64Array(vs[0]!.length);
  for (const v of vs) v.forEach((x, j) => (out[j] = out[j]! + x / vs.length));
  return out;
}

/** Five honest deltas: a shared direction plus small per-client noise (d = 20). */
function honestDeltas(seed: number): Float64Array[] {
  const rng = new SeededRandom(seed);
  const base = Float64Array.from({ length: 20 }, (_, j) => Math.sin(j + 1));
  return Array.from({ length: 5 }, () => base.map((b) => b + 0.05 * (rng.next() * 2 - 1)));
}

describe('weightedMean (FedAvg)', () => {
  it('matches a hand computation and ignores zero weights', () => {
    const out = weightedMean([f64([1, 2]), f64([3, 6]), f64([100, 100])], [1, 3, 0]);
    expect(Array.from(out)).toEqual([2.5, 5]);
  });

  it('rejects bad input with RangeErrors', () => {
    expect(() => weightedMean([], [])).toThrow(RangeError);
    expect(() => weightedMean([f64([1]), f64([1, 2])], [1, 1])).toThrow(/length/);
    expect(() => weightedMean([f64([1])], [-1])).toThrow(/≥ 0/);
    expect(() => weightedMean([f64([1]), f64([2])], [0, 0])).toThrow(/sum to 0/);
    expect(() => weightedMean([f64([1])], [1, 2])).toThrow(/one weight/);
    expect(() => weightedMean([f64([NaN])], [1])).toThrow(/NaN/);
  });
});

describe('robust aggregation', () => {
  it('median and trimmed mean match hand computations', () => {
    const vs = [f64([1, 10]), f64([2, 20]), f64([3, 30]), f64([4, 40]), f64([100, -100])];
    expect(Array.from(coordinateMedian(vs))).toEqual([3, 20]);
    expect(Array.from(coordinateMedian(vs.slice(0, 4)))).toEqual([2.5, 25]);
    // β = 0.2 of 5 trims one value at each end.
    expect(Array.from(trimmedMean(vs, 0.2))).toEqual([3, 20]);
    expect(Array.from(trimmedMean(vs, 0))).toEqual(Array.from(mean(vs)));
    expect(() => trimmedMean(vs, 0.5)).toThrow(RangeError);
    expect(() => trimmedMean(vs, -0.1)).toThrow(RangeError);
  });

  it('Krum scores are sums of squared distances to the n − f − 2 nearest', () => {
    const vs = [f64([0]), f64([1]), f64([2]), f64([3]), f64([50])];
    const r = krum(vs, 1);
    // n − f − 2 = 2 neighbours: 0 → {1, 4} = 5, 1 → {1, 1} = 2, 2 → 2, 3 → {1, 4} = 5, 50 → 47² + 48².
    expect(r.scores).toEqual([5, 2, 2, 5, 47 * 47 + 48 * 48]);
    expect(r.selected).toEqual([1]);
    expect(Array.from(r.aggregate)).toEqual([1]);
    const multi = krum(vs, 1, 3);
    expect(multi.selected).toEqual([1, 2, 0]);
    expect(Array.from(multi.aggregate)).toEqual([1]);
    expect(() => krum(vs.slice(0, 4), 1)).toThrow(/more than 2f \+ 2/);
    expect(() => krum(vs, 1, 6)).toThrow(RangeError);
    expect(() => krum(vs, 0.5)).toThrow(RangeError);
  });

  for (const attack of ['scaled ×10', 'sign-flipped'] as const) {
    it(`stays close to the clean mean when one of 5 clients sends a ${attack} update`, () => {
      const clean = honestDeltas(7);
      const cleanMean = mean(clean);
      const bad = clean.map((v) => Float64Array.from(v));
      bad[2] = clean[2]!.map((x) => (attack === 'scaled ×10' ? 10 * x : -x));
      const scale = norm(cleanMean);
      const naiveErr = norm(sub(mean(bad), cleanMean)) / scale;
      expect(naiveErr).toBeGreaterThan(0.35); // the attack really moves the plain mean
      for (const [name, agg] of [
        ['median', coordinateMedian(bad)],
        ['trimmed mean', trimmedMean(bad, 0.2)],
        ['krum', krum(bad, 1).aggregate],
        ['multi-krum', krum(bad, 1, 3).aggregate],
      ] as const) {
        const err = norm(sub(agg, cleanMean)) / scale;
        expect(err, name).toBeLessThan(0.05);
      }
      expect(krum(bad, 1, 4).selected).not.toContain(2);

      const flags = flagOutliers(bad, {});
      expect(flags.flagged).toEqual([2]);
      expect(flags.reasons).toHaveLength(1);
      expect(flags.reasons[0]).toMatch(attack === 'scaled ×10' ? /z-score/ : /cosine/);
      expect(flags.norms[2]).toBeCloseTo(norm(bad[2]!), 12);
      // The clean round flags nobody.
      expect(flagOutliers(clean).flagged).toEqual([]);
    });
  }

  it('flags norms above maxNorm', () => {
    const clean = honestDeltas(3);
    const n0 = norm(clean[0]!);
    const r = flagOutliers(clean, { maxNorm: 0.5 * n0 });
    expect(r.flagged).toEqual([0, 1, 2, 3, 4]);
    expect(r.reasons[0]).toMatch(/exceeds maxNorm/);
    expect(() => flagOutliers(clean, { zScore: 0 })).toThrow(RangeError);
    expect(() => flagOutliers(clean, { maxNorm: -1 })).toThrow(RangeError);
  });

  it('clipToNorm bounds the norm and reports whether it clipped', () => {
    const v = f64([3, 4]);
    const c = clipToNorm(v, 1);
    expect(c.norm).toBe(5);
    expect(c.clipped).toBe(true);
    expect(c.vector[0]).toBeCloseTo(0.6, 15);
    expect(c.vector[1]).toBeCloseTo(0.8, 15);
    expect(Array.from(v)).toEqual([3, 4]); // input untouched
    const u = clipToNorm(v, 5);
    expect(u.clipped).toBe(false);
    expect(Array.from(u.vector)).toEqual([3, 4]);
    expect(u.vector).not.toBe(v);
    expect(() => clipToNorm(v, 0)).toThrow(RangeError);
  });
});
