/**
 * Server optimisers of Reddi et al. 2021: FedAvg with η = 1 is the identity on the aggregate, and
 * the first FedAdam / FedYogi / FedAdagrad steps match hand computations with the defaults;
 * state survives a JSON round trip.
 */
import { describe, expect, it } from 'vitest';
import { ServerOptimizer, createServerOptimizer } from '@fedgrid/ml';

const f64 = (xs: number[]) => Float64Array.from(xs);

describe('createServerOptimizer', () => {
  it('fedavg with η = 1 returns the aggregate exactly', () => {
    const opt = createServerOptimizer({ kind: 'fedavg' });
    const global = f64([0.1, 0.7, -3]);
    const agg = f64([0.3, 0.2, 1e-17]);
    const out = opt.step(global, agg);
    expect(Array.from(out)).toEqual(Array.from(agg));
    expect(out).not.toBe(agg);
    const half = createServerOptimizer({ kind: 'fedavg', learningRate: 0.5 });
    expect(Array.from(half.step(f64([0, 2]), f64([1, 0])))).toEqual([0.5, 1]);
  });

  // Δ = aggregated − global = [0.5, −0.5].
  const global = f64([0, 1]);
  const agg = f64([0.5, 0.5]);

  it('fedadam first step: η (1−β₁)Δ / (√((1−β₂)Δ²) + τ) with η 0.1, β 0.9 / 0.99, τ 1e-9', () => {
    const out = createServerOptimizer({ kind: 'fedadam' }).step(global, agg);
    // m = 0.05, √v = 0.05: step = 0.1 · 0.05 / (0.05 + 1e-9) = 0.099999998.
    expect(out[0]).toBeCloseTo(0.099999998, 15);
    expect(out[1]).toBeCloseTo(0.900000002, 15);
  });

  it('fedyogi first step with η 0.01, τ 1e-3 (v starts at 0, so v = (1−β₂)Δ²)', () => {
    const out = createServerOptimizer({ kind: 'fedyogi' }).step(global, agg);
    // 0.01 · 0.05 / (0.05 + 0.001) = 0.0098039215686...
    expect(out[0]).toBeCloseTo(0.0005 / 0.051, 15);
    expect(out[0]).toBeCloseTo(0.00980392156862745, 15);
    expect(out[1]).toBeCloseTo(1 - 0.00980392156862745, 15);
  });

  it('fedadagrad first step with η 0.1, β₁ 0, τ 1e-9: v = Δ²', () => {
    const out = createServerOptimizer({ kind: 'fedadagrad' }).step(global, agg);
    // 0.1 · 0.5 / (0.5 + 1e-9) = 0.0999999998.
    expect(out[0]).toBeCloseTo(0.0999999998, 15);
    expect(out[1]).toBeCloseTo(0.9000000002, 15);
  });

  it('second steps of fedadam and fedyogi differ as the v updates say', () => {
    const adam = createServerOptimizer({ kind: 'fedadam', tau: 1e-3 });
    const yogi = createServerOptimizer({ kind: 'fedyogi', learningRate: 0.1 });
    const x1a = adam.step(f64([0]), f64([1])); // Δ = 1
    const x1y = yogi.step(f64([0]), f64([1]));
    expect(x1a[0]).toBeCloseTo(0.01 / 0.101, 15); // m = 0.1, √v = 0.1
    expect(x1y[0]).toBeCloseTo(x1a[0]!, 15); // same first step
    // Second Δ = 0.2 (from x1 to x1 + 0.2): m = 0.9·0.1 + 0.1·0.2 = 0.11.
    const a2 = adam.step(x1a, f64([x1a[0]! + 0.2]));
    const y2 = yogi.step(x1y, f64([x1y[0]! + 0.2]));
    const vAdam = 0.99 * 0.01 + 0.01 * 0.04; // 0.0103
    const vYogi = 0.01 - 0.01 * 0.04 * Math.sign(0.01 - 0.04); // 0.0104
    expect(a2[0]! - x1a[0]!).toBeCloseTo((0.1 * 0.11) / (Math.sqrt(vAdam) + 1e-3), 14);
    expect(y2[0]! - x1y[0]!).toBeCloseTo((0.1 * 0.11) / (Math.sqrt(vYogi) + 1e-3), 14);
    expect(yogi.state().v![0]).toBeCloseTo(0.0104, 15);
  });

  it('state is JSON-serialisable and restore continues identically', () => {
    const a = createServerOptimizer({ kind: 'fedadam', learningRate: 0.05 });
    let x: Float64Array = f64([1, -2, 3]);
    x = a.step(x, f64([1.5, -1, 2]));
    const json = JSON.stringify(a.state());
    const b = ServerOptimizer.restore(JSON.parse(json));
    expect(b.state()).toEqual(a.state());
    const next = f64([0.2, 0.3, 0.4]);
    expect(Array.from(b.step(x, next))).toEqual(Array.from(a.step(x, next)));
    expect(a.state().rounds).toBe(2);
  });

  it('rejects bad options, lengths and states', () => {
    expect(() => createServerOptimizer({ kind: 'sgd' as 'fedavg' })).toThrow(/unknown/);
    expect(() => createServerOptimizer({ kind: 'fedadam', beta1: 1 })).toThrow(/beta1/);
    expect(() => createServerOptimizer({ kind: 'fedyogi', tau: 0 })).toThrow(/tau/);
    expect(() => createServerOptimizer({ kind: 'fedavg', learningRate: 0 })).toThrow(RangeError);
    const o = createServerOptimizer({ kind: 'fedadam' }, 2);
    expect(() => o.step(f64([1, 2]), f64([1]))).toThrow(/length/);
    expect(() => o.step(f64([1, 2, 3]), f64([1, 2, 3]))).toThrow(/state has length 2/);
    expect(() => ServerOptimizer.restore({ ...o.state(), m: [1], v: null })).toThrow(RangeError);
  });
});
