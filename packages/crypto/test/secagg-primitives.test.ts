/**
 * Building blocks of secure aggregation: Shamir sharing over GF(2^256 + 297), the ChaCha20
 * mask PRG, the SecAgg+ Harary graph, and quantisation into Z_{2^32}.
 */
import { checkPrimeSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  SHAMIR_PRIME,
  addMask,
  dequantizeSum,
  expandSeed,
  quantizationErrorBound,
  quantize,
  secAggGraph,
  shamirCombine,
  shamirSplit,
} from '@fedgrid/crypto';

/** Positions where two word vectors differ (cheaper than a deep equality on big arrays). */
function differences(a: Uint32Array, b: Uint32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) d++;
  return d;
}

function subsets<T>(xs: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (xs.length < k) return [];
  const [h, ...rest] = xs;
  return [...subsets(rest, k - 1).map((s) => [h as T, ...s]), ...subsets(rest, k)];
}

describe('Shamir secret sharing', () => {
  it('uses a prime just above 2^256', () => {
    expect(SHAMIR_PRIME).toBe((1n << 256n) + 297n);
    expect(checkPrimeSync(SHAMIR_PRIME, { checks: 32 })).toBe(true);
  });

  it('any t of n shares reconstruct the secret; t − 1 do not', () => {
    const secret = new Uint8Array(randomBytes(32));
    const ids = [0, 3, 7, 10, 4_000_000_000];
    const shares = shamirSplit(secret, ids, 3);
    expect(shares.map((s) => s.id)).toEqual(ids);
    for (const sub of subsets(shares, 3)) expect(shamirCombine(sub)).toEqual(secret);
    expect(shamirCombine([...shares].reverse())).toEqual(secret);
    for (const sub of subsets(shares, 2)) {
      expect(() => shamirCombine(sub)).toThrow(RangeError);
      // Interpolating the t − 1 shares anyway gives an unrelated value (or no 32-byte value).
      const forged = sub.map((s) => ({ ...s, threshold: 2 }));
      let got: Uint8Array | undefined;
      try {
        got = shamirCombine(forged);
      } catch {
        got = undefined;
      }
      expect(got).not.toEqual(secret);
    }
  });

  it('handles the all-ones secret and threshold 1', () => {
    const secret = new Uint8Array(32).fill(0xff);
    const shares = shamirSplit(secret, [5, 6, 9], 1);
    for (const s of shares) expect(shamirCombine([s])).toEqual(secret);
  });

  it('rejects bad arguments', () => {
    const secret = new Uint8Array(32);
    expect(() => shamirSplit(secret, [1, 2], 3)).toThrow(RangeError);
    expect(() => shamirSplit(secret, [1, 1, 2], 2)).toThrow(/twice/);
    expect(() => shamirSplit(new Uint8Array(31), [1, 2], 2)).toThrow(RangeError);
    expect(() => shamirSplit(secret, [-1, 2], 2)).toThrow(RangeError);
    const shares = shamirSplit(secret, [1, 2, 3], 2);
    expect(() => shamirCombine([shares[0]!, shares[0]!])).toThrow(/twice/);
    expect(() => shamirCombine([])).toThrow(RangeError);
  });
});

describe('mask PRG (ChaCha20)', () => {
  it('matches the RFC 8439 keystream (all-zero key and nonce, counter 0)', () => {
    // RFC 8439 §A.1 test vector 1: 76 b8 e0 ad a0 f1 3d 90 …, read as little-endian words.
    expect([...expandSeed(new Uint8Array(32), 2)]).toEqual([0xade0b876, 0x903df1a0]);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = new Uint8Array(randomBytes(32));
    const b = a.slice();
    b[0]! ^= 1;
    const x = expandSeed(a, 10_000);
    expect(differences(expandSeed(a, 10_000), x)).toBe(0);
    expect(differences(expandSeed(a, 17), x.subarray(0, 17))).toBe(0);
    expect(differences(expandSeed(b, 10_000), x)).toBeGreaterThan(9_997);
    let mean = 0;
    for (const w of x) mean += w / 2 ** 32 / x.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
  });

  it('addMask adds and subtracts PRG(seed) mod 2^32, also across chunks', () => {
    const seed = new Uint8Array(randomBytes(32));
    const L = 300_000; // more than one keystream chunk
    const base = new Uint32Array(L);
    for (let i = 0; i < L; i++) base[i] = (i * 2654435761) >>> 0;
    const mask = expandSeed(seed, L);
    const t = base.slice();
    addMask(t, seed, 1);
    for (const i of [0, 1, 262_143, 262_144, L - 1]) expect(t[i]).toBe((base[i]! + mask[i]!) >>> 0);
    addMask(t, seed, -1);
    expect(differences(t, base)).toBe(0);
    expect(() => expandSeed(new Uint8Array(16), 4)).toThrow(RangeError);
  });
});

describe('SecAgg+ masking graph', () => {
  const seed = new Uint8Array(32).fill(7);
  const check = (g: Map<number, number[]>): void => {
    for (const [u, nb] of g) {
      expect(nb).not.toContain(u);
      expect(new Set(nb).size).toBe(nb.length);
      for (const v of nb) expect(g.get(v)).toContain(u);
    }
  };

  it('is k-regular and symmetric (Harary graph), deterministic for the seed', () => {
    const ids = Array.from({ length: 12 }, (_, i) => 100 + i);
    for (const k of [2, 3, 4, 7]) {
      const g = secAggGraph(ids, k, seed);
      check(g);
      for (const nb of g.values()) expect(nb.length).toBe(k);
      expect(secAggGraph([...ids].reverse(), k, seed)).toEqual(g);
    }
    const other = secAggGraph(ids, 4, new Uint8Array(32).fill(8));
    expect(other).not.toEqual(secAggGraph(ids, 4, seed));
  });

  it('gives one client k + 1 neighbours when k and n are odd; complete graph for k ≥ n − 1', () => {
    const ids = Array.from({ length: 9 }, (_, i) => i);
    const g = secAggGraph(ids, 3, seed);
    check(g);
    const degrees = [...g.values()].map((nb) => nb.length).sort();
    expect(degrees).toEqual([3, 3, 3, 3, 3, 3, 3, 3, 4]);
    for (const k of [undefined, 0, 8, 20]) {
      const full = secAggGraph(ids, k, seed);
      for (const [u, nb] of full) expect(nb).toEqual(ids.filter((v) => v !== u));
    }
  });
});

describe('quantize / dequantizeSum', () => {
  function uniform(n: number, clip: number): Float64Array {
    const x = new Float64Array(n);
    const r = new Uint32Array(randomBytes(4 * n).buffer);
    for (let i = 0; i < n; i++) x[i] = (r[i]! / 2 ** 32) * 2 * clip - clip;
    return x;
  }

  it('decodes the sum within the documented bound, without bias', () => {
    for (const bits of [8, 16, 24]) {
      const opts = { clip: 2.5, bits };
      const count = 20;
      const L = 2000;
      const xs = Array.from({ length: count }, () => uniform(L, opts.clip));
      xs[0]![0] = opts.clip;
      xs[0]![1] = -opts.clip;
      const sum = new Uint32Array(L);
      let tooBig = 0;
      for (const x of xs) {
        const q = quantize(x, opts);
        for (let i = 0; i < L; i++) {
          if (q[i]! >= 2 ** bits) tooBig++;
          sum[i] = sum[i]! + q[i]!;
        }
      }
      expect(tooBig).toBe(0);
      const dec = dequantizeSum(sum, count, opts);
      const bound = quantizationErrorBound(count, opts);
      expect(bound).toBeCloseTo((count * 2 * opts.clip) / (2 ** bits - 1), 12);
      let meanErr = 0;
      let maxErr = 0;
      for (let i = 0; i < L; i++) {
        let exact = 0;
        for (const x of xs) exact += x[i]!;
        const err = dec[i]! - exact;
        maxErr = Math.max(maxErr, Math.abs(err));
        meanErr += err / L;
      }
      expect(maxErr).toBeLessThan(bound);
      // Unbiased: the mean error is ~ N(0, σ²/L) with σ ≤ √count/(2s) = bound/(2√count).
      expect(Math.abs(meanErr)).toBeLessThan((6 * bound) / (2 * Math.sqrt(count) * Math.sqrt(L)));
    }
  });

  it('clips out-of-range values and rejects NaN and bad options', () => {
    const opts = { clip: 1 };
    const q = quantize(new Float64Array([10, -Infinity, 0]), opts);
    const dec = dequantizeSum(q, 1, opts);
    expect(dec[0]).toBeCloseTo(1, 6);
    expect(dec[1]).toBeCloseTo(-1, 6);
    expect(Math.abs(dec[2]!)).toBeLessThanOrEqual(quantizationErrorBound(1, opts));
    expect(() => quantize(new Float64Array([NaN]), opts)).toThrow(/values\[0\] is NaN/);
    expect(() => quantize(new Float64Array(1), { clip: 0 })).toThrow(RangeError);
    expect(() => quantize(new Float64Array(1), { clip: 1, bits: 32 })).toThrow(RangeError);
  });

  it('throws when count·2^bits ≥ 2^32 and says how many bits fit', () => {
    const opts = { clip: 1, bits: 24 };
    expect(() => dequantizeSum(new Uint32Array(1), 255, opts)).not.toThrow();
    expect(() => dequantizeSum(new Uint32Array(1), 256, opts)).toThrow(/lower bits to at most 23/);
    expect(() => dequantizeSum(new Uint32Array(1), 1000, opts)).toThrow(/at most 22/);
  });
});
