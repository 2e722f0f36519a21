/**
 * Client-level DP: clipping bounds, Gaussian noise statistics (seeded and node:crypto), the
 * DP-FedAvg aggregate, adaptive clipping (Andrew et al. 2021) and the RDP accountant — against
 * the closed form for q = 1, an independent numerical integration of A_α (Mironov, Talwar, Zhang
 * 2019, Eq. for A_α as an expectation), and the published TF-Privacy MNIST number (ε = 3.01).
 */
import { describe, expect, it } from 'vitest';
import {
  AdaptiveClipping,
  CryptoRandom,
  RdpAccountant,
  SeededRandom,
  addGaussianNoise,
  clipUpdate,
  dpAggregate,
  sampledGaussianRdp,
} from '@fedgrid/ml';

function moments(v: Float64Array): { mean: number; std: number } {
  let s = 0;
  for (const x of v) s += x;
  const mean = s / v.length;
  let ss = 0;
  for (const x of v) ss += (x - mean) ** 2;
  return { mean, std: Math.sqrt(ss / (v.length - 1)) };
}

const norm = (v: Float64Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('clipping and noise', () => {
  it('clipUpdate keeps every norm ≤ C', () => {
    const rng = new SeededRandom(1);
    for (let t = 0; t < 50; t++) {
      const v = Float64Array.from({ length: 30 }, () => (rng.next() - 0.5) * 10 * t);
      const c = clipUpdate(v, 1.5);
      expect(norm(c.vector)).toBeLessThanOrEqual(1.5 * (1 + 1e-12));
      expect(c.clipped).toBe(c.norm > 1.5);
      if (!c.clipped) expect(Array.from(c.vector)).toEqual(Array.from(v));
    }
  });

  it('noise has mean 0 and std σ on 100k samples (seeded and crypto)', () => {
    for (const rng of [new SeededRandom(42), new CryptoRandom()]) {
      const v = addGaussianNoise(new Float64Array(100_000), 2.5, rng);
      const { mean, std } = moments(v);
      expect(Math.abs(mean)).toBeLessThan(0.05); // SE ≈ 0.008
      expect(std).toBeGreaterThan(2.5 * 0.98); // SE of std ≈ 0.2%
      expect(std).toBeLessThan(2.5 * 1.02);
      // About 68.3% of draws within one σ.
      const inside = v.filter((x) => Math.abs(x) < 2.5).length / v.length;
      expect(inside).toBeGreaterThan(0.675);
      expect(inside).toBeLessThan(0.69);
    }
  });

  it('adds noise in place and returns the same array; σ = 0 changes nothing', () => {
    const v = Float64Array.from([1, 2, 3]);
    expect(addGaussianNoise(v, 0)).toBe(v);
    expect(Array.from(v)).toEqual([1, 2, 3]);
    const w = addGaussianNoise(v, 1);
    expect(w).toBe(v);
    expect(Array.from(v)).not.toEqual([1, 2, 3]);
    expect(() => addGaussianNoise(v, -1)).toThrow(RangeError);
  });

  it('crypto draws are uniform in [0, 1) and not repeated', () => {
    const r = new CryptoRandom();
    const xs = Array.from({ length: 5000 }, () => r.next());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(new Set(xs).size).toBe(xs.length);
    expect(Math.abs(xs.reduce((a, b) => a + b, 0) / xs.length - 0.5)).toBeLessThan(0.02);
  });
});

describe('dpAggregate (DP-FedAvg server step)', () => {
  it('without noise is the mean of the clipped deltas over the expected count', () => {
    const deltas = [
      Float64Array.from([3, 4]),
      Float64Array.from([0.3, 0.4]),
      Float64Array.from([0, -10]),
    ];
    const r = dpAggregate(deltas, { clipNorm: 1, noiseMultiplier: 0, expectedClients: 4 });
    expect(r.clippedCount).toBe(2);
    // (0.6 + 0.3 + 0, 0.8 + 0.4 − 1) / 4
    expect(r.aggregate[0]).toBeCloseTo(0.9 / 4, 15);
    expect(r.aggregate[1]).toBeCloseTo(0.2 / 4, 15);
    expect(r.noiseStd).toBe(0);
  });

  it('adds N(0, (zC)²) to the sum, i.e. std zC/m on the average', () => {
    const d = 50_000;
    const deltas = [new Float64Array(d).fill(0.001), new Float64Array(d).fill(-0.001)];
    const r = dpAggregate(deltas, { clipNorm: 2, noiseMultiplier: 1.5, rng: new SeededRandom(5) });
    expect(r.noiseStd).toBe(1.5);
    const { mean, std } = moments(r.aggregate);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(std / 1.5).toBeGreaterThan(0.98);
    expect(std / 1.5).toBeLessThan(1.02);
  });
});

describe('AdaptiveClipping', () => {
  it('one geometric step matches C·exp(−η(b̃ − γ)) without count noise', () => {
    const a = new AdaptiveClipping({
      initialClipNorm: 1,
      targetQuantile: 0.5,
      learningRate: 0.2,
      countStddev: 0,
    });
    const r = a.update({ unclippedCount: 1, clientCount: 4 });
    expect(r.noisyFraction).toBe(0.25);
    expect(r.clipNorm).toBeCloseTo(Math.exp(0.05), 15);
    expect(a.clipNorm).toBe(r.clipNorm);
  });

  it('tracks the target quantile of the update norms', () => {
    const rng = new SeededRandom(9);
    const norms = Array.from({ length: 100 }, (_, i) => 1 + i / 25); // 1 … 4.96, median ≈ 2.98
    const a = new AdaptiveClipping({ countStddev: 5 }, rng); // σ_b = m / 20
    for (let t = 0; t < 400; t++) {
      const unclipped = norms.filter((x) => x <= a.clipNorm).length;
      a.update({ unclippedCount: unclipped, clientCount: norms.length });
    }
    expect(a.clipNorm).toBeGreaterThan(2.5);
    expect(a.clipNorm).toBeLessThan(3.5);
    const b = AdaptiveClipping.restore(JSON.parse(JSON.stringify(a.state())), new SeededRandom(1));
    expect(b.state()).toEqual(a.state());
  });

  it('splits the noise budget as in Theorem 1', () => {
    const zDelta = AdaptiveClipping.updateNoiseMultiplier(1, 5);
    expect(1 / zDelta ** 2 + 1 / 10 ** 2).toBeCloseTo(1, 14);
    expect(() => AdaptiveClipping.updateNoiseMultiplier(1, 0.5)).toThrow(/exceed/);
    expect(() => new AdaptiveClipping({ countStddev: 1, targetQuantile: 1 })).toThrow(RangeError);
    const a = new AdaptiveClipping({ countStddev: 0 });
    expect(() => a.update({ unclippedCount: 5, clientCount: 4 })).toThrow(RangeError);
  });
});

/**
 * Independent A_α: A_α = E_{x∼N(0,σ²)}[(1 − q + q·exp((2x − 1)/(2σ²)))^α] (Mironov, Talwar,
 * Zhang 2019, Section 3), by the trapezoid rule in log space on a fine grid.
 */
function logAByIntegration(q: number, sigma: number, alpha: number): number {
  const s2 = sigma * sigma;
  const lo = -30 * sigma;
  const hi = alpha + 30 * sigma;
  const h = 1e-3;
  const n = Math.ceil((hi - lo) / h);
  const logf = (x: number) => {
    const e = (2 * x - 1) / (2 * s2);
    const inner =
      e > 0 ? e + Math.log(q + (1 - q) * Math.exp(-e)) : Math.log(1 - q + q * Math.exp(e));
    return -(x * x) / (2 * s2) - Math.log(sigma * Math.sqrt(2 * Math.PI)) + alpha * inner;
  };
  let max = -Infinity;
  const vals = new Float64Array(n + 1);
  for (let i = 0; i <= n; i++) {
    vals[i] = logf(lo + i * h);
    max = Math.max(max, vals[i]!);
  }
  let s = 0;
  for (let i = 0; i <= n; i++) s += (i === 0 || i === n ? 0.5 : 1) * Math.exp(vals[i]! - max);
  return max + Math.log(s * h);
}

describe('RdpAccountant', () => {
  it('q = 1 equals the Gaussian mechanism α / (2z²) · steps', () => {
    const acc = new RdpAccountant([2, 8, 32]);
    acc.step({ noiseMultiplier: 1.3, sampleRate: 1, steps: 7 });
    for (const { order, rdp } of acc.rdpValues()) {
      expect(rdp).toBeCloseTo((order / (2 * 1.3 * 1.3)) * 7, 12);
    }
    // Classic conversion by hand at the best order.
    const { epsilon, order } = acc.epsilon(1e-5, 'classic');
    const byHand = Math.min(
      ...[2, 8, 32].map((a) => (a / (2 * 1.69)) * 7 + Math.log(1e5) / (a - 1)),
    );
    expect(epsilon).toBeCloseTo(byHand, 12);
    expect(order).toBe(2); // 4.14 + 11.51 beats 16.57 + 1.64 and 80.8 + 0.37
  });

  it('log A_α for integer α agrees with a numerical integration of its definition', () => {
    for (const [q, z, alpha] of [
      [0.01, 1.1, 2],
      [0.01, 1.1, 12],
      [0.05, 0.8, 7],
      [256 / 60000, 1.1, 32],
      [0.2, 2, 20],
    ] as const) {
      const fromSum = sampledGaussianRdp(q, z, alpha) * (alpha - 1);
      const fromIntegral = logAByIntegration(q, z, alpha);
      expect(Math.abs(fromSum - fromIntegral), `q=${q} z=${z} α=${alpha}`).toBeLessThan(
        1e-9 * Math.max(1, Math.abs(fromIntegral)),
      );
    }
  });

  it('reproduces the published TF-Privacy MNIST DP-SGD number (ε = 3.01 at δ = 1e-5)', () => {
    // tensorflow/privacy tutorials README: N = 60000, batch 256, z = 1.1, 60 epochs, δ = 1e-5
    // → "eps = 3.01", from compute_dp_sgd_privacy.py (steps = ceil(60·60000/256), classic
    // conversion, orders 1.25 … 4.5, 5 … 63, 128, 256, 512; the optimum is the integer order 9).
    const acc = new RdpAccountant();
    acc.step({
      noiseMultiplier: 1.1,
      sampleRate: 256 / 60000,
      steps: Math.ceil((60 * 60000) / 256),
    });
    const classic = acc.epsilon(1e-5, 'classic');
    expect(classic.epsilon.toFixed(2)).toBe('3.01');
    expect(classic.order).toBe(9);
    const tighter = acc.epsilon(1e-5);
    expect(tighter.epsilon).toBeLessThan(classic.epsilon);
    expect(tighter.epsilon).toBeGreaterThan(2.5);
  });

  it('state round-trips through JSON and composes additively', () => {
    const a = new RdpAccountant();
    a.step({ noiseMultiplier: 1.0, sampleRate: 0.01, steps: 100 });
    const b = RdpAccountant.restore(JSON.parse(JSON.stringify(a.state())));
    b.step({ noiseMultiplier: 1.0, sampleRate: 0.01, steps: 100 });
    const c = new RdpAccountant();
    c.step({ noiseMultiplier: 1.0, sampleRate: 0.01, steps: 200 });
    b.rdpValues().forEach((r, k) => expect(r.rdp).toBeCloseTo(c.rdpValues()[k]!.rdp, 12));
    expect(new RdpAccountant().epsilon(1e-5).epsilon).toBe(0);
    expect(() => a.epsilon(0)).toThrow(RangeError);
    expect(() => a.step({ noiseMultiplier: 0, sampleRate: 0.1 })).toThrow(RangeError);
    expect(() => new RdpAccountant([1.5])).toThrow(/integer/);
  });
});
