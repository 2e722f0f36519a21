/**
 * Oblivious shuffle, shuffle-then-quicksort and quickselect (`shuffle.ts`, `quicksort.ts`) for 2
 * and 3 parties with a dealer: results against plaintext on seeded random inputs with negatives,
 * zeros, duplicates and the edges of the key range; what each party receives and its output
 * shares look uniform (chi-square on bytes); ties do not change the shape of the opened
 * comparisons (the appended index makes keys distinct); bad sizes fail with clear errors.
 */
import { describe, expect, it } from 'vitest';
import {
  Dealer,
  MpcProtocolError,
  RingPrg,
  columnsStats,
  localDealerMpc,
  mpcDecode,
  mpcEncode,
  orderStatistics,
  prgPermutation,
  quickSort,
  runLocal,
  shuffle,
  type Ring,
} from '@fedgrid/crypto';

/** mulberry32: a small seeded generator for reproducible inputs. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** n signed integers |v| < 2^bits with zeros, the edges ±(2^bits − 1) and duplicates mixed in. */
function ints(seed: number, n: number, bits: number): bigint[] {
  const r = rng(seed);
  const edge = (1n << BigInt(bits)) - 1n;
  const out: bigint[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 11 === 0) out.push(0n);
    else if (i % 13 === 0) out.push(edge);
    else if (i % 17 === 0) out.push(-edge);
    else if (i % 5 === 0 && i > 0)
      out.push(out[i - 1]!); // a duplicate
    else out.push(BigInt(Math.floor((r() * 2 - 1) * 2 ** Math.min(bits, 52))));
  }
  return out;
}

const ring = (xs: readonly bigint[]): Ring => BigUint64Array.from(xs, (v) => BigInt.asUintN(64, v));
const signed = (r: Ring): bigint[] => Array.from(r, (v) => BigInt.asIntN(64, v));
const seed = (b: number) => new Uint8Array(32).fill(b);

function chi(bytes: Uint8Array[]): number {
  const c = new Float64Array(256);
  let total = 0;
  for (const b of bytes)
    for (const v of b) {
      c[v]!++;
      total++;
    }
  const e = total / 256;
  return c.reduce((s, v) => s + (v - e) ** 2 / e, 0);
}

for (const P of [2, 3]) {
  describe(`${P} parties: shuffle, quicksort, quickselect`, () => {
    const mpc = (s = P) => localDealerMpc(P, { fracBits: 16, seed: seed(s) });

    it('the shuffle permutes whole rows, by a permutation none of the inputs fixes', () => {
      const n = 200;
      const a = ring(ints(1, n, 40));
      const idx = ring(Array.from({ length: n }, (_, i) => BigInt(i)));
      const out = runLocal(mpc(), function* (p) {
        const sa = yield* p.input(0, p.id === 0 ? a : undefined, n);
        const si = yield* p.input(P - 1, p.id === P - 1 ? idx : undefined, n);
        const [ya, yi] = yield* shuffle(p, [sa, si]);
        return [yield* p.revealTo(ya!, 0), yield* p.revealTo(yi!, 0)];
      })[0]!;
      const perm = Array.from(out[1]!, Number);
      expect([...perm].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(perm.filter((v, i) => v === i).length).toBeLessThan(10); // ≈ 1 fixed point expected
      perm.forEach((src, i) => expect(out[0]![i]).toBe(a[src]));
      expect(() => runLocal(mpc(), (p) => shuffle(p, []))).toThrow(/shuffle: no columns/);
    });

    it('what each party receives in the shuffle, and its output shares, are uniform bytes (all-zero input)', () => {
      const n = 8192;
      const received: Uint8Array[][] = Array.from({ length: P }, () => []);
      const outs = runLocal(
        mpc(),
        function* (p) {
          const z = yield* p.input(0, p.id === 0 ? new BigUint64Array(n) : undefined, n);
          return (yield* shuffle(p, [z]))[0]!;
        },
        (_from, to, _round, bytes) => {
          if (to < P) received[to]!.push(bytes);
          return bytes;
        },
      );
      // 255 degrees of freedom: the 99.99th percentile is ≈ 341.
      for (let to = 0; to < P; to++) expect(chi(received[to]!)).toBeLessThan(341);
      for (const o of outs) expect(chi([new Uint8Array(o.buffer)])).toBeLessThan(341);
      // The test has power: a column of small integers is far from uniform.
      expect(chi([new Uint8Array(ring(ints(3, n, 20)).buffer)])).toBeGreaterThan(10_000);
    });

    it('quicksort matches the plaintext sort (negatives, zeros, duplicates, range edges) and is stable', () => {
      for (const [n, bits] of [
        [1, 40],
        [2, 40],
        [300, 40],
        [257, 61 - 9],
        // Wider than the packed index allows: lexicographic (key, index) comparisons.
        [257, 61 - 8],
        [300, 60],
      ] as const) {
        const x = ints(10 + n, n, bits);
        const idx = ring(Array.from({ length: n }, (_, i) => BigInt(i)));
        const out = runLocal(mpc(), function* (p) {
          const a = yield* p.input(0, p.id === 0 ? ring(x) : undefined, n);
          const b = yield* p.input(P - 1, p.id === P - 1 ? idx : undefined, n);
          const s = yield* quickSort(p, a, [b], bits);
          return [yield* p.revealTo(s.keys, 0), yield* p.revealTo(s.payloads[0]!, 0)];
        })[0]!;
        const want = x
          .map((v, i) => [v, i] as const)
          .sort((u, v) => (u[0] < v[0] ? -1 : u[0] > v[0] ? 1 : u[1] - v[1]));
        expect(signed(out[0]!)).toEqual(want.map((w) => w[0]));
        expect(Array.from(out[1]!, Number)).toEqual(want.map((w) => w[1]));
      }
      const empty = runLocal(mpc(), (p) => quickSort(p, new BigUint64Array(0)));
      expect(empty[0]!.keys.length).toBe(0);
    });

    it('equal keys do not show in the opened comparisons: all-equal and distinct inputs give the same level counts', () => {
      // n = 3: the first pivot is the middle value with probability 1/3 (one level), else two
      // levels. Without the appended index, equal keys would always give two levels.
      const levels = (x: bigint[], runs: number, bits = 40) => {
        let one = 0;
        const counts = new Map<number, number>();
        for (let r = 0; r < runs; r++) {
          const m = localDealerMpc(P, { seed: seed(r + 1) });
          const rounds = runLocal(m, function* (p) {
            const a = yield* p.input(0, p.id === 0 ? ring(x) : undefined, 3);
            const before = p.rounds;
            yield* quickSort(p, a, [], bits);
            return p.rounds - before;
          })[0]!;
          counts.set(rounds, (counts.get(rounds) ?? 0) + 1);
        }
        const min = Math.min(...counts.keys());
        one = counts.get(min) ?? 0;
        return { one, shapes: counts.size };
      };
      const equal = levels([7n, 7n, 7n], 240);
      const distinct = levels([1n, 2n, 3n], 240);
      expect(equal.shapes).toBe(2);
      expect(distinct.shapes).toBe(2);
      // 240 runs, p = 1/3: mean 80, sd ≈ 7.3; ±30 is four standard deviations.
      expect(Math.abs(equal.one - 80)).toBeLessThanOrEqual(30);
      expect(Math.abs(distinct.one - 80)).toBeLessThanOrEqual(30);
      // The same with 60-bit keys, where the index is compared lexicographically after the key.
      const equal60 = levels([7n, 7n, 7n], 240, 60);
      expect(equal60.shapes).toBe(2);
      expect(Math.abs(equal60.one - 80)).toBeLessThanOrEqual(30);
    });

    it('quickselect returns the order statistics of several columns at once', () => {
      const cols = [ints(20, 500, 30), ints(21, 77, 30), ints(22, 1, 30)];
      const ranks = [[0, 499, 250, 124, 125, 1], [76, 0, 38], [0]];
      const got = runLocal(mpc(), function* (p) {
        const shared: Ring[] = [];
        for (const c of cols)
          shared.push(yield* p.input(P - 1, p.id === P - 1 ? ring(c) : undefined, c.length));
        const v = yield* orderStatistics(p, shared, ranks, 30);
        const all: (Ring | undefined)[] = [];
        for (const r of v) all.push(yield* p.revealTo(r, 0));
        return all;
      })[0]!;
      cols.forEach((c, i) => {
        const s = [...c].sort((u, v) => (u < v ? -1 : u > v ? 1 : 0));
        expect(signed(got[i]!)).toEqual(ranks[i]!.map((r) => s[r]));
      });
      expect(() =>
        runLocal(mpc(), (p) => orderStatistics(p, [new BigUint64Array(3)], [[3]], 30)),
      ).toThrow(/rank 3 of a column of 3 rows/);
    });

    it('statistics of several columns in one batch match float64 on the encodings', () => {
      const f = 16;
      const r = rng(30 + P);
      const cols = [
        Array.from({ length: 400 }, (_, i) => (i % 7 === 0 ? 0 : (r() * 2 - 1) * 1000)),
        Array.from({ length: 150 }, (_, i) => (i % 3 === 0 ? -1000 : 1000)), // duplicates, edges
      ];
      const qs = [0, 0.25, 0.5, 0.99];
      const out = runLocal(mpc(), function* (p) {
        const shared: Ring[] = [];
        for (const c of cols)
          shared.push(yield* p.inputFixed(0, p.id === 0 ? c : undefined, c.length));
        return yield* columnsStats(p, shared, qs, 0);
      });
      expect(out.slice(1).every((o) => o.every((s) => s === undefined))).toBe(true);
      cols.forEach((c, i) => {
        const enc = Array.from(mpcDecode(mpcEncode(c, f), f));
        const st = out[0]![i]!;
        const n = enc.length;
        const mean = enc.reduce((s, v) => s + v, 0) / n;
        const variance = enc.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
        expect(st.count).toBe(n);
        expect(Math.abs(st.mean - mean)).toBeLessThanOrEqual(
          2 ** -32 * Math.max(1, Math.abs(mean)),
        );
        expect(Math.abs(st.variance - variance)).toBeLessThanOrEqual(2 ** -32 * variance);
        const s = [...enc].sort((a, b) => a - b);
        expect(st.min).toBe(s[0]);
        expect(st.max).toBe(s[n - 1]);
        qs.forEach((q, j) => {
          const pos = q * (n - 1);
          const l = Math.floor(pos);
          const h = Math.min(l + 1, n - 1);
          const want = s[l]! + (pos - l) * (s[h]! - s[l]!);
          expect(Math.abs(st.quantiles[j]! - want)).toBeLessThanOrEqual(
            (2 + (s[h]! - s[l]!) * 2 ** f) * 2 ** -f,
          );
        });
      });
    });

    it('refuses a key bound above 60 bits', () => {
      expect(() => runLocal(mpc(), (p) => quickSort(p, new BigUint64Array(1024), [], 61))).toThrow(
        /keys of 61 bits for 1024 rows; the bound must be an integer in \[0, 60\]/,
      );
    });

    it('quickselect on 60-bit keys (lexicographic ties) matches plaintext with many duplicates', () => {
      const dup = ints(40, 200, 60).map((v, i) => (i % 4 === 0 ? v : 5n - (BigInt(i) % 3n)));
      const cols = [dup, ints(41, 90, 60)];
      const ranks = [
        [0, 199, 100, 150, 49],
        [0, 89, 45],
      ];
      const got = runLocal(mpc(), function* (p) {
        const shared: Ring[] = [];
        for (const c of cols)
          shared.push(yield* p.input(0, p.id === 0 ? ring(c) : undefined, c.length));
        const v = yield* orderStatistics(p, shared, ranks, 60);
        const all: (Ring | undefined)[] = [];
        for (const r of v) all.push(yield* p.revealTo(r, 0));
        return all;
      })[0]!;
      cols.forEach((c, i) => {
        const s = [...c].sort((u, v) => (u < v ? -1 : u > v ? 1 : 0));
        expect(signed(got[i]!)).toEqual(ranks[i]!.map((r) => s[r]));
      });
    });
  });
}

describe('permutation material', () => {
  it('the PRG permutation is uniform over the 6 orders of 3 elements', () => {
    const prg = new RingPrg(seed(9));
    const counts = new Map<string, number>();
    for (let i = 0; i < 6000; i++) {
      const k = prgPermutation(prg, 3).join();
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    // 5 degrees of freedom: the 99.99th percentile is ≈ 25.7.
    const x2 = [...counts.values()].reduce((s, c) => s + (c - 1000) ** 2 / 1000, 0);
    expect(x2).toBeLessThan(25.7);
  });

  it('the dealer refuses a permutation request for a party that does not exist', () => {
    const d = new Dealer([seed(1), seed(2)]);
    const req = new BigUint64Array([6n, 10n, 2n, 1n]);
    expect(() => d.respond(new Uint8Array(req.buffer))).toThrow(MpcProtocolError);
    expect(() => d.respond(new Uint8Array(new BigUint64Array([6n, 10n, 0n, 0n]).buffer))).toThrow(
      /out of range/,
    );
  });
});
