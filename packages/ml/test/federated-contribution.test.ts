/**
 * Contribution evaluation: leave-one-out and exact Shapley on hand-checkable games, GTG-Shapley
 * recovering the weights of an additive game, a null player getting 0, and agreement with the
 * exact values on a non-additive (saturating) game.
 */
import { describe, expect, it } from 'vitest';
import { SeededRandom, exactShapley, gtgShapley, gtgShapleyAsync, leaveOneOut } from '@fedgrid/ml';

const weights = new Map([
  [10, 0.1],
  [20, 0.2],
  [30, 0.3],
  [40, 0.05],
]);
const additive = (subset: number[]) => 0.4 + subset.reduce((s, id) => s + weights.get(id)!, 0);
const ids = [...weights.keys()];

/** Saturating accuracy-like game; client 99 never helps (a null player). */
const satWeights = new Map([
  [1, 0.9],
  [2, 0.6],
  [3, 0.3],
  [4, 0.15],
  [99, 0],
]);
const saturating = (subset: number[]) =>
  0.5 + 0.45 * (1 - Math.exp(-subset.reduce((s, id) => s + satWeights.get(id)!, 0)));

describe('contribution evaluation', () => {
  it('leave-one-out on the additive game returns each weight', () => {
    const loo = leaveOneOut(ids, additive);
    for (const id of ids) expect(loo.get(id)).toBeCloseTo(weights.get(id)!, 12);
  });

  it('exact Shapley: additive weights, efficiency and a hand-computed 2-player game', () => {
    const phi = exactShapley(ids, additive);
    for (const id of ids) expect(phi.get(id)).toBeCloseTo(weights.get(id)!, 12);
    // v(∅)=0, v{a}=1, v{b}=2, v{a,b}=5: φa = (1 + 3)/2 = 2, φb = (2 + 4)/2 = 3.
    const game = (s: number[]) => (s.length === 2 ? 5 : s.length === 0 ? 0 : s[0] === 1 ? 1 : 2);
    const two = exactShapley([1, 2], game);
    expect(two.get(1)).toBeCloseTo(2, 15);
    expect(two.get(2)).toBeCloseTo(3, 15);
    expect(() =>
      exactShapley(
        Array.from({ length: 11 }, (_, i) => i),
        additive,
      ),
    ).toThrow(/gtgShapley/);
  });

  it('GTG-Shapley recovers an additive game exactly', () => {
    const r = gtgShapley(ids, additive, { rng: new SeededRandom(3) });
    for (const id of ids) expect(r.values.get(id)).toBeCloseTo(weights.get(id)!, 12);
    expect(r.converged).toBe(true);
    expect(r.truncated).toBe(false);
    expect(r.evaluations).toBeLessThanOrEqual(16); // cached: at most 2⁴ distinct subsets
  });

  it('GTG-Shapley gives a null player ≈ 0 and matches exact Shapley on a saturating game', () => {
    const clients = [...satWeights.keys()];
    const exact = exactShapley(clients, saturating);
    expect(exact.get(99)).toBeCloseTo(0, 12);
    const r = gtgShapley(clients, saturating, {
      permutations: 200,
      tolerance: 1e-4,
      convergenceTolerance: 0.002,
      rng: new SeededRandom(11),
    });
    expect(Math.abs(r.values.get(99)!)).toBeLessThan(1e-3);
    for (const id of clients) {
      expect(Math.abs(r.values.get(id)! - exact.get(id)!), `client ${id}`).toBeLessThan(0.01);
    }
    const total = [...r.values.values()].reduce((a, b) => a + b, 0);
    expect(Math.abs(total - (saturating(clients) - saturating([])))).toBeLessThan(1e-3);
  });

  it('GTG-Shapley with an async scorer samples and estimates exactly as the sync one', async () => {
    const clients = [...satWeights.keys()];
    const opts = { permutations: 60, tolerance: 1e-4 };
    const sync = gtgShapley(clients, saturating, { ...opts, rng: new SeededRandom(5) });
    const seen: number[][] = [];
    const async = await gtgShapleyAsync(
      clients,
      async (subset) => {
        seen.push(subset);
        await Promise.resolve();
        return saturating(subset);
      },
      { ...opts, rng: new SeededRandom(5) },
    );
    expect([...async.values]).toEqual([...sync.values]);
    expect(async.permutations).toBe(sync.permutations);
    expect(async.evaluations).toBe(sync.evaluations);
    expect(seen.length).toBe(sync.evaluations); // each distinct subset scored once
    await expect(gtgShapleyAsync(clients, async () => NaN)).rejects.toThrow(/finite/);
  });

  it('between-round truncation: no improvement → all zeros without sampling', () => {
    const r = gtgShapley(ids, () => 0.7);
    expect(r.truncated).toBe(true);
    expect([...r.values.values()]).toEqual([0, 0, 0, 0]);
    expect(r.evaluations).toBe(2);
  });

  it('rejects bad input', () => {
    expect(() => gtgShapley([], additive)).toThrow(RangeError);
    expect(() => gtgShapley([1, 1], additive)).toThrow(/distinct/);
    expect(() => gtgShapley(ids, () => NaN)).toThrow(/finite/);
    expect(() => gtgShapley(ids, additive, { permutations: 0 })).toThrow(RangeError);
  });
});
