/**
 * The MPC engine (additive sharing over Z_{2^64}, 2 and 3 parties, dealer and dealer-free):
 * every operation against the float64 plaintext on seeded random inputs including negatives,
 * zeros and range edges; the bytes each party receives pass a uniformity test; malformed,
 * missing and misaddressed messages fail with a clear MpcProtocolError.
 */
import { describe, expect, it } from 'vitest';
import {
  Dealer,
  MpcProtocolError,
  PaillierTriples,
  generatePaillierKeyPair,
  localDealerMpc,
  localMpc,
  mpcDecode,
  mpcEncode,
  runLocal,
  columnStats,
  statsFracBits,
  type LocalMpc,
  type MpcParty,
  type Proto,
  type Ring,
} from '@fedgrid/crypto';

const F = 20;
const ULP = 2 ** -F;

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

/** n reals in [−bound, bound] with zeros and the edges ±bound mixed in. */
function values(seed: number, n: number, bound: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    if (i % 11 === 0) return 0;
    if (i % 13 === 0) return bound;
    if (i % 17 === 0) return -bound;
    return (r() * 2 - 1) * bound;
  });
}

const seed = (b: number) => new Uint8Array(32).fill(b);

/** Runs `body` on every party with inputs x (party 0) and y (last party); returns party 0's revealed value. */
function run2(
  mpc: LocalMpc,
  x: number[],
  y: number[],
  body: (p: MpcParty, x: Ring, y: Ring) => Proto<Ring> | Ring,
): Float64Array {
  const P = mpc.parties.length;
  const out = runLocal(mpc, function* (p) {
    const sx = yield* p.inputFixed(0, p.id === 0 ? x : undefined, x.length);
    const sy = yield* p.inputFixed(P - 1, p.id === P - 1 ? y : undefined, y.length);
    const r = body(p, sx, sy);
    const z = r instanceof BigUint64Array ? r : yield* r;
    return yield* p.revealTo(z, 0);
  });
  expect(out.slice(1).every((o) => o === undefined)).toBe(true);
  return mpcDecode(out[0]!, F);
}

function revealInts(
  mpc: LocalMpc,
  x: number[],
  y: number[],
  body: (p: MpcParty, x: Ring, y: Ring) => Proto<Ring>,
): number[] {
  return Array.from(run2(mpc, x, y, body), (v) => Math.round(v * 2 ** F));
}

describe('fixed-point encoding', () => {
  it('round-trips within half a unit and rejects values outside the range', () => {
    const xs = [0, 1, -1, 0.5, -123.456, 2 ** 41, -(2 ** 41)];
    const d = mpcDecode(mpcEncode(xs, F), F);
    xs.forEach((x, i) => expect(Math.abs(d[i]! - x)).toBeLessThanOrEqual(ULP / 2));
    expect(() => mpcEncode([2 ** 42], F)).toThrow(/index 0 is outside the fixed-point range/);
    expect(() => mpcEncode([Number.NaN], F)).toThrow(RangeError);
  });
});

for (const P of [2, 3]) {
  describe(`${P} parties with a dealer`, () => {
    const mpc = () => localDealerMpc(P, { fracBits: F, seed: seed(P) });

    it('add, sub and public scaling are exact on the encodings, up to the range edge', () => {
      const big = 2 ** 40;
      const x = values(1, 200, big);
      const y = values(2, 200, big);
      const s = run2(mpc(), x, y, (p, a, b) => p.add(a, b));
      const d = run2(mpc(), x, y, (p, a, b) => p.sub(a, b));
      x.forEach((xi, i) => {
        expect(Math.abs(s[i]! - (xi + y[i]!))).toBeLessThanOrEqual(ULP);
        expect(Math.abs(d[i]! - (xi - y[i]!))).toBeLessThanOrEqual(ULP);
      });
    });

    it('element-wise, public, dot and matrix products match float64 within the fixed-point bound', () => {
      const x = values(3, 240, 2000);
      const y = values(4, 240, 2000);
      const tol = (a: number, b: number) => (Math.abs(a) + Math.abs(b) + 4) * ULP;
      const m = run2(mpc(), x, y, function* (p, a, b) {
        return yield* p.mul(a, b);
      });
      x.forEach((xi, i) =>
        expect(Math.abs(m[i]! - xi * y[i]!)).toBeLessThanOrEqual(tol(xi, y[i]!)),
      );
      const pub = run2(mpc(), x, y, function* (p, a) {
        return yield* p.mulPublic(a, -3.25);
      });
      x.forEach((xi, i) =>
        expect(Math.abs(pub[i]! - xi * -3.25)).toBeLessThanOrEqual(4 * ULP + Math.abs(xi) * ULP),
      );
      // dot products of 12 segments of 20, values in [−10, 10].
      const xs = values(5, 240, 10);
      const ys = values(6, 240, 10);
      const dots = run2(mpc(), xs, ys, function* (p, a, b) {
        return yield* p.dot(a, b, 20);
      });
      for (let j = 0; j < 12; j++) {
        let want = 0;
        for (let i = j * 20; i < (j + 1) * 20; i++) want += xs[i]! * ys[i]!;
        expect(Math.abs(dots[j]! - want)).toBeLessThanOrEqual(20 * 22 * ULP);
      }
      // (6×8)·(8×5)
      const A = values(7, 48, 30);
      const B = values(8, 40, 30);
      const C = run2(mpc(), A, B, function* (p, a, b) {
        return yield* p.matmul(a, b, 6, 8, 5);
      });
      for (let i = 0; i < 6; i++)
        for (let j = 0; j < 5; j++) {
          let want = 0;
          for (let t = 0; t < 8; t++) want += A[i * 8 + t]! * B[t * 5 + j]!;
          expect(Math.abs(C[i * 5 + j]! - want)).toBeLessThanOrEqual(8 * 62 * ULP);
        }
    });

    it('truncation never wraps: products near the top of the range stay correct', () => {
      // |x·y|·2^{2f} close to 2^62: x·y ≈ ±2^21.99.
      const x = [2 ** 11, -(2 ** 11), 2 ** 10.99, -(2 ** 10.99), 0, 2 ** -10];
      const y = [2 ** 10.99, 2 ** 10.99, -(2 ** 11), 2 ** 11, 2 ** 11, -(2 ** 11)];
      const m = run2(mpc(), x, y, function* (p, a, b) {
        return yield* p.mul(a, b);
      });
      x.forEach((xi, i) =>
        expect(Math.abs(m[i]! - xi * y[i]!)).toBeLessThanOrEqual(
          (Math.abs(xi) + Math.abs(y[i]!) + 4) * ULP,
        ),
      );
    });

    it('comparison, equality, max and min match plaintext, including ties and the range edges', () => {
      const edge = 2 ** 41;
      const x = values(9, 300, edge).concat([0, 0, -edge, edge, ULP, -ULP, 5, -5]);
      const y = values(10, 300, edge).concat([0, -ULP, edge, -edge, 0, 0, 5, -5]);
      for (let i = 0; i < 300; i += 7) y[i] = x[i]!; // ties
      const enc = (v: number[]) => Array.from(mpcDecode(mpcEncode(v, F), F));
      const ex = enc(x);
      const ey = enc(y);
      const lt = revealInts(mpc(), x, y, function* (p, a, b) {
        return yield* p.lt(a, b);
      });
      const eq = revealInts(mpc(), x, y, function* (p, a, b) {
        return yield* p.eq(a, b);
      });
      expect(lt).toEqual(ex.map((xi, i) => (xi < ey[i]! ? 1 : 0)));
      expect(eq).toEqual(ex.map((xi, i) => (xi === ey[i]! ? 1 : 0)));
      const mx = run2(mpc(), x, y, function* (p, a, b) {
        return yield* p.max(a, b);
      });
      const mn = run2(mpc(), x, y, function* (p, a, b) {
        return yield* p.min(a, b);
      });
      expect(Array.from(mx)).toEqual(ex.map((xi, i) => Math.max(xi, ey[i]!)));
      expect(Array.from(mn)).toEqual(ex.map((xi, i) => Math.min(xi, ey[i]!)));
      const whole = run2(mpc(), x, y, function* (p, a) {
        return yield* p.extreme(a, 'max');
      });
      expect(whole[0]).toBe(Math.max(...ex));
    });

    it('the MSB of a shared word is exact over the whole ring: ±2^k at every bit, the edges, odd lengths', () => {
      // The carry-out tree compacts bits level by level; every bit position and the carries
      // across the 32-bit halves must come out right, whatever the random shares.
      const vals: bigint[] = [0n, 1n, -1n, (1n << 63n) - 1n, -(1n << 63n)];
      for (let k = 0n; k < 63n; k++) vals.push(1n << k, -(1n << k), (1n << k) - 1n, 1n - (1n << k));
      const r = rng(77);
      for (let i = 0; i < 101; i++)
        vals.push(
          BigInt(Math.floor(r() * 2 ** 32)) *
            BigInt(Math.floor(r() * 2 ** 31)) *
            (r() < 0.5 ? -1n : 1n),
        );
      const x = BigUint64Array.from(vals, (v) => BigInt.asUintN(64, v));
      const out = runLocal(mpc(), function* (p) {
        const s = yield* p.input(0, p.id === 0 ? x : undefined, x.length);
        return yield* p.openXor(yield* p.msb(s));
      });
      expect(Array.from(out[0]!, (b) => b & 1n)).toEqual(Array.from(x, (v) => v >> 63n));
    });

    it('reciprocal, division and square root are within the documented error', () => {
      const enc = (v: number[]) => Array.from(mpcDecode(mpcEncode(v, F), F));
      const r = rng(11);
      const ys = Array.from(
        { length: 60 },
        (_, i) => (i % 2 ? 1 : -1) * 2 ** (r() * 26 - 9),
      ).concat([1, -1, 2 ** -10, 2 ** 19.9]);
      const xs = values(12, ys.length, 100);
      const rec = run2(mpc(), ys, ys, function* (p, a) {
        return yield* p.reciprocal(a);
      });
      // Against the float64 result on the encoded inputs (the encoding error is the caller's).
      const ey = enc(ys);
      ey.forEach((y, i) =>
        expect(Math.abs(rec[i]! - 1 / y)).toBeLessThanOrEqual(
          2 ** -14 * Math.max(1, Math.abs(1 / y)) + 16 * ULP,
        ),
      );
      const div = run2(mpc(), xs, ys, function* (p, a, b) {
        return yield* p.div(a, b);
      });
      enc(xs).forEach((x, i) =>
        expect(Math.abs(div[i]! - x / ey[i]!)).toBeLessThanOrEqual(
          2 ** -14 * Math.max(1, Math.abs(x / ey[i]!)) + Math.abs(x) * 16 * ULP,
        ),
      );
      const sq = ys.map(Math.abs).concat([0, 1, 4, 2 ** 19]);
      const s = run2(mpc(), sq, sq, function* (p, a) {
        return yield* p.sqrt(a);
      });
      enc(sq).forEach((v, i) =>
        expect(Math.abs(s[i]! - Math.sqrt(v))).toBeLessThanOrEqual(
          2 ** -16 * Math.max(1, Math.sqrt(v)) + 8 * ULP,
        ),
      );
    });

    it('oblivious sort, ranks revealed to one party, and quantiles', () => {
      const x = values(13, 77, 1000);
      x[5] = x[6]!; // a duplicate
      const enc = Array.from(mpcDecode(mpcEncode(x, F), F));
      const sorted = run2(mpc(), x, x, function* (p, a) {
        return (yield* p.sort(a)).keys;
      });
      expect(Array.from(sorted)).toEqual([...enc].sort((a, b) => a - b));
      const ranks = runLocal(mpc(), function* (p) {
        const a = yield* p.inputFixed(P - 1, p.id === P - 1 ? x : undefined, x.length);
        return yield* p.rankTo(a, 1);
      });
      expect(ranks[0]).toBeUndefined();
      const rk = ranks[1]!;
      const order = Array.from(rk.keys()).sort((i, j) => rk[i]! - rk[j]!);
      expect(order.map((i) => enc[i])).toEqual([...enc].sort((a, b) => a - b));
      const qs = [0, 0.1, 0.25, 0.5, 0.9, 1];
      const q = run2(mpc(), x, x, function* (p, a) {
        return yield* p.quantiles(a, qs);
      });
      const s = [...enc].sort((a, b) => a - b);
      qs.forEach((qq, j) => {
        const pos = qq * (s.length - 1);
        const l = Math.floor(pos);
        const h = Math.min(l + 1, s.length - 1);
        const want = s[l]! + (pos - l) * (s[h]! - s[l]!);
        expect(Math.abs(q[j]! - want)).toBeLessThanOrEqual(2 * ULP + 2000 * ULP);
      });
    });

    it('group-by sums with public keys and with keys held by one party', () => {
      const x = values(14, 90, 500);
      const keys = x.map((_, i) => (i * 7) % 4);
      const want = [0, 0, 0, 0];
      const cnt = [0, 0, 0, 0];
      x.forEach((v, i) => {
        want[keys[i]!]! += v;
        cnt[keys[i]!]!++;
      });
      const pub = run2(mpc(), x, x, (p, a) => p.groupSumPublic(a, keys, 4));
      const owned = runLocal(mpc(), function* (p) {
        const a = yield* p.inputFixed(0, p.id === 0 ? x : undefined, x.length);
        const [s, c] = yield* p.groupSumOwned(a, P - 1, p.id === P - 1 ? keys : undefined, 4);
        const r = yield* p.revealTo(s, 0);
        const rc = yield* p.revealTo(c, 0);
        return [r, rc] as const;
      });
      const [os, oc] = owned[0]!;
      const got = mpcDecode(os!, F);
      want.forEach((w, g) => {
        expect(Math.abs(pub[g]! - w)).toBeLessThanOrEqual(90 * ULP);
        expect(Math.abs(got[g]! - w)).toBeLessThanOrEqual(90 * ULP);
        expect(Number(oc![g])).toBe(cnt[g]);
      });
      expect(() =>
        runLocal(mpc(), function* (p) {
          const a = yield* p.inputFixed(0, p.id === 0 ? x : undefined, x.length);
          return yield* p.groupSumOwned(a, 0, p.id === 0 ? keys.map(() => 9) : undefined, 4);
        }),
      ).toThrow(/group key 9 at row 0 is not in 0..3/);
    });

    it('every byte a party receives is uniform (chi-square on byte values), even for all-zero inputs', () => {
      const n = 4096;
      const zeros = new Array<number>(n).fill(0);
      const received: number[][] = Array.from({ length: P + 1 }, () => []);
      const counts = Array.from({ length: P + 1 }, () => new Float64Array(256));
      const m = mpc();
      runLocal(
        m,
        function* (p) {
          const a = yield* p.inputFixed(0, p.id === 0 ? zeros : undefined, n);
          const b = yield* p.inputFixed(P - 1, p.id === P - 1 ? zeros : undefined, n);
          const z = yield* p.mul(a, b);
          const c = yield* p.lt(a, z);
          return yield* p.revealTo(c, 0);
        },
        (from, to, _round, bytes) => {
          // Reveals to the result party are its output, not its view of others' inputs; the
          // party-to-party traffic before them is what must look uniform.
          if (to < P) for (const byte of bytes) counts[to]![byte]!++;
          received[to]!.push(bytes.length);
          void from;
          return bytes;
        },
      );
      const chi = (c: Float64Array) => {
        const total = c.reduce((s, v) => s + v, 0);
        const e = total / 256;
        return c.reduce((s, v) => s + (v - e) ** 2 / e, 0);
      };
      // 255 degrees of freedom: the 99.99th percentile is ≈ 341.
      for (let to = 0; to < P; to++) expect(chi(counts[to]!)).toBeLessThan(341);
      // The test has power: the plaintext encodings of small values are far from uniform.
      const plain = new Float64Array(256);
      for (const b of new Uint8Array(mpcEncode(values(15, n, 100), F).buffer)) plain[b]!++;
      expect(chi(plain)).toBeGreaterThan(10_000);
    });

    it('a missing, short, or misaddressed message fails with a clear protocol error', () => {
      const prog = function* (p: MpcParty) {
        const a = yield* p.inputFixed(0, p.id === 0 ? [1, 2, 3] : undefined, 3);
        return yield* p.mul(a, a);
      };
      expect(() =>
        runLocal(mpc(), prog, (_f, _t, round, b) => (round === 3 ? b.subarray(8) : b)),
      ).toThrow(
        /party \d: message from party \d in round 3 \(beaver multiplication\) has 40 bytes, expected 48/,
      );
      expect(() =>
        runLocal(mpc(), prog, (f, _t, round, b) => (round === 3 && f === 0 ? undefined : b)),
      ).toThrow(/no message from party 0 in round 3 \(beaver multiplication\); expected 48 bytes/);
      expect(() =>
        runLocal(mpc(), prog, (f, _t, round, b) => (round === 2 && f === P ? b.subarray(0, 8) : b)),
      ).toThrow(/message from the dealer in round 2 .* has 8 bytes, expected 24/);
      const d = new Dealer([seed(1), seed(2)]);
      expect(() => d.respond(new Uint8Array(5))).toThrow(/dealer request must be 32 bytes, got 5/);
      const bad = new BigUint64Array([9n, 1n, 0n, 0n]);
      expect(() => d.respond(new Uint8Array(bad.buffer))).toThrow(/unknown kind 9/);
      const huge = new BigUint64Array([1n, 1n << 40n, 0n, 0n]);
      expect(() => d.respond(new Uint8Array(huge.buffer))).toThrow(/out of range/);
      // Parties running different programs fall out of step.
      expect(() =>
        runLocal(mpc(), function* (p) {
          const a = yield* p.inputFixed(0, p.id === 0 ? [1] : undefined, 1);
          if (p.id === 0) return a;
          return yield* p.mul(a, a);
        }),
      ).toThrow(MpcProtocolError);
    });
  });
}

describe('dealer-free two-party mode (Paillier triples)', () => {
  it('multiplies correctly and refuses comparison with a clear error', async () => {
    const { publicKey, privateKey } = await generatePaillierKeyPair(2048);
    // Seeded shares: local truncation fails with probability ≈ |x·y|·2^{2f−63} per element
    // (2^-23 here), so the run is fixed rather than left to chance.
    const mpc = () =>
      localMpc(
        [
          new PaillierTriples(publicKey, privateKey, seed(31)),
          new PaillierTriples(publicKey, undefined, seed(32)),
        ],
        { fracBits: F, seeds: [seed(33), seed(34)] },
      );
    const x = values(21, 24, 1);
    const y = values(22, 24, 1);
    const m = run2(mpc(), x, y, function* (p, a, b) {
      return yield* p.mul(a, b);
    });
    x.forEach((xi, i) =>
      expect(Math.abs(m[i]! - xi * y[i]!)).toBeLessThanOrEqual(
        (Math.abs(xi) + Math.abs(y[i]!) + 4) * ULP,
      ),
    );
    const ring = runLocal(mpc(), function* (p) {
      const a = yield* p.input(
        0,
        p.id === 0 ? new BigUint64Array([3n, (1n << 64n) - 5n]) : undefined,
        2,
      );
      const b = yield* p.input(1, p.id === 1 ? new BigUint64Array([1n << 40n, 7n]) : undefined, 2);
      return yield* p.revealTo(yield* p.mulRing(a, b), 1);
    });
    expect(Array.from(ring[1]!)).toEqual([3n << 40n, BigInt.asUintN(64, -35n)]);
    expect(() => run2(mpc(), x, y, (p, a, b) => p.lt(a, b))).toThrow(
      /comparison \(AND triples\) needs dealer material/,
    );
  }, 120_000);
});

describe('joint column statistics', () => {
  it('count, sum, mean, variance, min, max and quantiles match float64 on the encoded column', () => {
    const rows = 500;
    const bound = 1000;
    const f = statsFracBits(rows, bound);
    expect(f).toBe(16);
    expect(() => statsFracBits(2 ** 40, 2 ** 20)).toThrow(/do not fit the 64-bit ring/);
    const x = values(40, rows, bound);
    const enc = Array.from(mpcDecode(mpcEncode(x, f), f));
    const qs = [0.05, 0.5, 0.95];
    const out = runLocal(localDealerMpc(2, { fracBits: f, seed: seed(41) }), function* (p) {
      const a = yield* p.inputFixed(1, p.id === 1 ? x : undefined, rows);
      return yield* columnStats(p, a, qs, 0);
    });
    expect(out[1]).toBeUndefined();
    const st = out[0]!;
    const mean = enc.reduce((s, v) => s + v, 0) / rows;
    const variance = enc.reduce((s, v) => s + (v - mean) ** 2, 0) / rows;
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));
    expect(st.count).toBe(rows);
    expect(rel(st.mean, mean)).toBeLessThanOrEqual(2 ** -32);
    expect(rel(st.variance, variance)).toBeLessThanOrEqual(2 ** -32);
    expect(rel(st.std, Math.sqrt(variance))).toBeLessThanOrEqual(2 ** -32);
    // Against the raw floats: the encoding error ≤ 2^-(f+1) per value.
    const rawMean = x.reduce((s, v) => s + v, 0) / rows;
    expect(Math.abs(st.mean - rawMean)).toBeLessThanOrEqual(2 ** -(f + 1));
    const sorted = [...enc].sort((a, b) => a - b);
    expect(st.min).toBe(sorted[0]);
    expect(st.max).toBe(sorted[rows - 1]);
    qs.forEach((q, j) => {
      const pos = q * (rows - 1);
      const l = Math.floor(pos);
      const want = sorted[l]! + (pos - l) * (sorted[l + 1]! - sorted[l]!);
      // One truncation plus the encoding of the interpolation weight.
      const gap = sorted[l + 1]! - sorted[l]!;
      expect(Math.abs(st.quantiles[j]! - want)).toBeLessThanOrEqual((2 + gap) * 2 ** -f);
    });
  });
});
