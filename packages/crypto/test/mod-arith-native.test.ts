/**
 * Native modular-arithmetic kernels (native/modarith.c, native/modarith_ifma.c) against the
 * BigInt reference (PortableModArith / modPow / modInverse), for both native backends:
 * AVX-512 IFMA and OpenSSL BN. The backend is chosen when a context is created, from
 * FEDGRID_NATIVE_IFMA (read by modCreate), so both run in one process.
 */
import { describe, expect, it } from 'vitest';
import {
  NativeModArith,
  PortableModArith,
  modInverse,
  modPow,
  nativeBinding,
  nativeLoadError,
  packBigUints,
  unpackBigUints,
  type NativeBinding,
} from '@fedgrid/crypto';

const native = nativeBinding();

/** Deterministic random numbers (mulberry32), so that a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function randBits(next: () => number, bits: number): bigint {
  let x = 0n;
  for (let i = 0; i < bits; i += 32) x = (x << 32n) | BigInt(next());
  return x & ((1n << BigInt(bits)) - 1n);
}

function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a;
}

function unit(next: () => number, m: bigint): bigint {
  for (;;) {
    const x = randBits(next, m.toString(2).length) % m;
    if (x > 1n && gcd(x, m) === 1n) return x;
  }
}

function leBytes(x: bigint, width: number): Uint8Array {
  return packBigUints([x], width);
}

type Backend = 'ifma' | 'openssl';

/** A native context on the requested backend (FEDGRID_NATIVE_IFMA is read at modCreate). */
function nativeFor(m: bigint, backend: Backend): NativeModArith {
  const prev = process.env.FEDGRID_NATIVE_IFMA;
  process.env.FEDGRID_NATIVE_IFMA = backend === 'ifma' ? '1' : '0';
  try {
    return new NativeModArith(native as NativeBinding, m);
  } finally {
    if (prev === undefined) delete process.env.FEDGRID_NATIVE_IFMA;
    else process.env.FEDGRID_NATIVE_IFMA = prev;
  }
}

const ifmaAvailable = native !== null && nativeFor(1000003n, 'ifma').backend === 'native-ifma';

const SIZES = [521, 1024, 2048, 3072, 4096, 6144];
/** (window, expBits): expBits not a multiple of 8 nor of the window. */
const TABLES: [number, number][] = [
  [1, 61],
  [5, 133],
  [8, 100],
  [12, 37],
];

interface Case {
  m: bigint;
  width: number;
  portable: PortableModArith;
  a: bigint[];
  b: bigint[];
  powBases: bigint[];
  powExps: bigint[];
  powWant: bigint[][]; // [exponent][base]
  fbBase: bigint;
  msm: { bases: bigint[]; exps: Int32Array; columns: number; want: bigint[] }[];
}

const cases = new Map<number, Case>();

/** Inputs and BigInt reference results for one modulus size, shared by both backends. */
function caseFor(bits: number): Case {
  const hit = cases.get(bits);
  if (hit) return hit;
  const next = prng(bits * 7919);
  const m = randBits(next, bits) | 1n | (1n << BigInt(bits - 1));
  const portable = new PortableModArith(m);
  const width = portable.width;
  const a = Array.from({ length: 11 }, () => randBits(next, bits) % m);
  const b = Array.from({ length: 11 }, () => randBits(next, bits) % m);
  a[0] = 0n;
  a[1] = 1n;
  a[2] = m - 1n;
  b[2] = m - 1n;
  const powBases = Array.from({ length: 10 }, () => randBits(next, bits) % m);
  powBases[9] = 0n;
  const powExps = [0n, 1n, randBits(next, 1024) | (1n << 1023n)];
  const powWant = powExps.map((e) =>
    unpackBigUints(portable.pow(packBigUints(powBases, width), e), width),
  );

  const msm: Case['msm'] = [];
  const special = [0, 2147483647, -2147483647, -2147483648, 1, -1];
  const addMsm = (n: number, columns: number) => {
    const bases = Array.from({ length: n }, () => unit(next, m));
    const exps = new Int32Array(n * columns);
    for (let i = 0; i < exps.length; i++) {
      const r = next() / 2 ** 32;
      exps[i] =
        r < 0.3
          ? (special[next() % special.length] as number)
          : ((next() >>> (next() % 31)) * (next() & 1 ? 1 : -1)) | 0;
    }
    if (columns > 1) for (let i = 0; i < n; i++) exps[i * columns + 3] = 0; // all-zero column
    const want = unpackBigUints(
      portable.multiExp(packBigUints(bases, width), exps, columns),
      width,
    );
    msm.push({ bases, exps, columns, want });
  };
  addMsm(1, 1);
  addMsm(1, 7);
  addMsm(300, 1);
  addMsm(bits <= 2048 ? 300 : 48, 7); // the BigInt reference is the slow part above 2048 bits
  const c: Case = {
    m,
    width,
    portable,
    a,
    b,
    powBases,
    powExps,
    powWant,
    fbBase: unit(next, m),
    msm,
  };
  cases.set(bits, c);
  return c;
}

describe('native binding', () => {
  it('is built and loads', () => {
    expect(native, `native addon not loaded: ${nativeLoadError() ?? ''}`).not.toBeNull();
  });
});

const BACKENDS: ReadonlyArray<{ backend: Backend; title: string; run: boolean }> = [
  {
    backend: 'ifma',
    title: ifmaAvailable
      ? 'native backend ifma'
      : 'native backend ifma (SKIPPED: this CPU lacks AVX-512 IFMA, or FEDGRID_NATIVE=0)',
    run: ifmaAvailable,
  },
  { backend: 'openssl', title: 'native backend openssl', run: native !== null },
];

for (const { backend, title, run } of BACKENDS) {
  describe.skipIf(!run)(title, () => {
    describe.each(SIZES)('%i-bit modulus', (bits) => {
      it('reports its backend and shape', () => {
        const c = caseFor(bits);
        const nm = nativeFor(c.m, backend);
        expect(nm.backend).toBe(backend === 'ifma' ? 'native-ifma' : 'native-openssl');
        expect(nm.bits).toBe(bits);
        expect(nm.width).toBe(Math.ceil(bits / 8));
      });

      it('mul: batch and broadcast', () => {
        const c = caseFor(bits);
        const nm = nativeFor(c.m, backend);
        const A = packBigUints(c.a, c.width);
        const got = unpackBigUints(nm.mul(A, packBigUints(c.b, c.width)), c.width);
        expect(got).toEqual(c.a.map((x, i) => (x * (c.b[i] as bigint)) % c.m));
        const y = c.b[5] as bigint;
        const bc = unpackBigUints(nm.mul(A, leBytes(y, c.width)), c.width);
        expect(bc).toEqual(c.a.map((x) => (x * y) % c.m));
        const one = unpackBigUints(
          nm.mul(leBytes(c.a[3] as bigint, c.width), leBytes(y, c.width)),
          c.width,
        );
        expect(one).toEqual([((c.a[3] as bigint) * y) % c.m]);
      });

      it('pow: exponents 0, 1 and a random 1024-bit one, batch and single base', () => {
        const c = caseFor(bits);
        const nm = nativeFor(c.m, backend);
        const B = packBigUints(c.powBases, c.width);
        c.powExps.forEach((e, k) => {
          const want = c.powWant[k] as bigint[];
          expect(unpackBigUints(nm.pow(B, e), c.width)).toEqual(want);
          // a lone base (the IFMA backend hands it to OpenSSL) and a 2-base tail
          expect(unpackBigUints(nm.pow(B.subarray(0, c.width), e), c.width)).toEqual(
            want.slice(0, 1),
          );
          expect(unpackBigUints(nm.pow(B.subarray(0, 2 * c.width), e), c.width)).toEqual(
            want.slice(0, 2),
          );
        });
      });

      it.each(TABLES)('fixed-base: window %i, expBits %i', (window, expBits) => {
        const c = caseFor(bits);
        const nm = nativeFor(c.m, backend);
        const table = nm.fixedBaseTable(c.fbBase, expBits, window);
        expect(table.data.length).toBe(nm.fixedBaseTableSize(expBits, window));
        const next = prng(bits + window * 131 + expBits);
        const exps = [
          0n,
          (1n << BigInt(expBits)) - 1n,
          1n,
          ...Array.from({ length: 10 }, () => randBits(next, expBits)),
        ];
        const eb = Math.ceil(expBits / 8);
        const want = exps.map((e) => modPow(c.fbBase, e, c.m));
        // 13 = one 8-lane batch + a tail of 5; 1 and 3 exercise the lane-splitting tails
        for (const n of [13, 1, 3]) {
          const got = unpackBigUints(
            nm.fixedBasePow(table, packBigUints(exps.slice(0, n), eb)),
            c.width,
          );
          expect(got).toEqual(want.slice(0, n));
        }
      });

      it('multiExp: N=1 and N=300, columns 1 and 7, mixed signs, zeros, +-(2^31-1)', () => {
        const c = caseFor(bits);
        const nm = nativeFor(c.m, backend);
        for (const { bases, exps, columns, want } of c.msm) {
          const got = unpackBigUints(
            nm.multiExp(packBigUints(bases, c.width), exps, columns),
            c.width,
          );
          expect(got).toEqual(want);
          if (columns > 1) expect(got[3]).toBe(1n); // the all-zero column
        }
      });
    });

    describe('argument checking', () => {
      const bin = native as NativeBinding;
      const m = caseFor(521).m;
      const w = Math.ceil(521 / 8);
      /** A raw context of this backend. */
      const ctx = (mod = m) => {
        const prev = process.env.FEDGRID_NATIVE_IFMA;
        process.env.FEDGRID_NATIVE_IFMA = backend === 'ifma' ? '1' : '0';
        try {
          return bin.modCreate(leBytes(mod, Math.ceil(mod.toString(2).length / 8)));
        } finally {
          if (prev === undefined) delete process.env.FEDGRID_NATIVE_IFMA;
          else process.env.FEDGRID_NATIVE_IFMA = prev;
        }
      };

      it('modCreate rejects even, too small, zero-padded and non-byte moduli', () => {
        expect(() => bin.modCreate(leBytes(m + 1n, w))).toThrow(RangeError);
        expect(() => bin.modCreate(new Uint8Array([1]))).toThrow(RangeError);
        expect(() => bin.modCreate(new Uint8Array([0x0d, 0]))).toThrow(/last byte/);
        expect(() => bin.modCreate(new Uint8Array(0))).toThrow(RangeError);
        expect(() => bin.modCreate([1, 2] as unknown as Uint8Array)).toThrow(TypeError);
        expect(() => bin.modInfo({} as never)).toThrow(TypeError);
      });

      it('modMul / modPow reject wrong lengths and unreduced inputs', () => {
        const k = ctx();
        const two = new Uint8Array(2 * w);
        expect(() =>
          bin.modMul(k, new Uint8Array(w + 1), new Uint8Array(w + 1), new Uint8Array(w + 1)),
        ).toThrow(/a must be/);
        expect(() => bin.modMul(k, two, new Uint8Array(3 * w), two)).toThrow(/b must hold/);
        expect(() => bin.modMul(k, two, two, new Uint8Array(w))).toThrow(/out must be/);
        expect(() => bin.modMul(k, leBytes(m, w), leBytes(1n, w), new Uint8Array(w))).toThrow(
          /a\[0\] is not reduced/,
        );
        expect(() => bin.modPow(k, two, new Uint8Array([3]), new Uint8Array(w))).toThrow(
          /out must be/,
        );
        expect(() =>
          bin.modPow(k, new Uint8Array(w - 1), new Uint8Array([3]), new Uint8Array(w - 1)),
        ).toThrow(/bases must be/);
        expect(() => bin.modPow(k, two, 3 as unknown as Uint8Array, two)).toThrow(TypeError);
      });

      it('fixed-base calls reject bad shapes and mismatched tables', () => {
        const k = ctx();
        expect(() => bin.modFixedBaseTableSize(k, 0, 4)).toThrow(/expBits/);
        expect(() => bin.modFixedBaseTableSize(k, 16385, 4)).toThrow(/expBits/);
        expect(() => bin.modFixedBaseTableSize(k, 64, 17)).toThrow(/window/);
        expect(() => bin.modFixedBaseTableSize(k, 64, 2.5)).toThrow(RangeError);
        const size = bin.modFixedBaseTableSize(k, 20, 4);
        const table = new Uint8Array(size);
        expect(() =>
          bin.modFixedBaseTableInit(k, leBytes(5n, w), 20, 4, new Uint8Array(size - 1)),
        ).toThrow(/table must be/);
        expect(() => bin.modFixedBaseTableInit(k, leBytes(m, w), 20, 4, table)).toThrow(
          /not reduced/,
        );
        const out = new Uint8Array(w);
        // never initialised
        expect(() => bin.modFixedBasePow(k, table, 20, 4, new Uint8Array(3), out)).toThrow(
          /not an initialised/,
        );
        bin.modFixedBaseTableInit(k, leBytes(5n, w), 20, 4, table);
        bin.modFixedBasePow(k, table, 20, 4, new Uint8Array([1, 0, 0]), out);
        expect(unpackBigUints(out, w)).toEqual([5n]);
        expect(() => bin.modFixedBasePow(k, table, 20, 5, new Uint8Array(3), out)).toThrow(
          /expBits=20 window=4/,
        );
        expect(() => bin.modFixedBasePow(k, table, 20, 4, new Uint8Array(4), out)).toThrow(
          /exps must be/,
        );
        expect(() =>
          bin.modFixedBasePow(k, table, 20, 4, new Uint8Array([0, 0, 0x10]), out),
        ).toThrow(/more than 20 bits/);
        expect(() =>
          bin.modFixedBasePow(k, table.subarray(0, size - 8), 20, 4, new Uint8Array(3), out),
        ).toThrow(RangeError);
        // a table of another modulus of the same size
        const other = ctx(m - 2n);
        expect(() => bin.modFixedBasePow(other, table, 20, 4, new Uint8Array(3), out)).toThrow(
          /different modulus/,
        );
        // a copy on a SharedArrayBuffer works from another context of the same modulus
        const shared = new Uint8Array(new SharedArrayBuffer(size));
        shared.set(table);
        bin.modFixedBasePow(ctx(), shared, 20, 4, new Uint8Array([2, 0, 0]), out);
        expect(unpackBigUints(out, w)).toEqual([25n]);
      });

      it('modMultiExp rejects bad shapes; non-invertible bases throw only with negative exponents', () => {
        const k = ctx();
        const out = new Uint8Array(w);
        expect(() => bin.modMultiExp(k, new Uint8Array(2 * w), new Int32Array(3), 1, out)).toThrow(
          /exps must hold/,
        );
        expect(() => bin.modMultiExp(k, new Uint8Array(w), new Int32Array(1), 0, out)).toThrow(
          /columns/,
        );
        expect(() => bin.modMultiExp(k, new Uint8Array(w), new Int32Array(2), 2, out)).toThrow(
          /out must be/,
        );
        expect(() =>
          bin.modMultiExp(k, new Uint8Array(w), new Uint32Array(1) as never, 1, out),
        ).toThrow(TypeError);
        // modulus 3 * q with gcd(q, 3 * 7 * 11) = 1: base 3 is not a unit, 7 and 11 are
        let q = (m >> 2n) | 1n;
        while (gcd(q, 231n) !== 1n) q += 2n;
        const m3 = 3n * q;
        const w3 = Math.ceil(m3.toString(2).length / 8);
        const k3 = ctx(m3);
        const bases = packBigUints([3n, 7n, 11n], w3);
        const o3 = new Uint8Array(2 * w3);
        bin.modMultiExp(k3, bases, new Int32Array([5, 1, -2, 0, 1, -9]), 2, o3);
        const inv = (x: bigint) => modInverse(x, m3);
        expect(unpackBigUints(o3, w3)).toEqual([
          (((243n * inv(49n)) % m3) * 11n) % m3,
          (3n * inv(modPow(11n, 9n, m3))) % m3,
        ]);
        expect(() =>
          bin.modMultiExp(k3, bases, new Int32Array([-1, 1, 1, 1, 1, 1]), 2, o3),
        ).toThrow(/column 0: .* not invertible/);
      });
    });
  });
}

describe.skipIf(!ifmaAvailable)('native backends together', () => {
  it("reject each other's fixed-base tables", () => {
    const c = caseFor(1024);
    const fast = nativeFor(c.m, 'ifma');
    const slow = nativeFor(c.m, 'openssl');
    const t = slow.fixedBaseTable(c.fbBase, 64, 4);
    expect(() => fast.fixedBasePow(t, new Uint8Array(8))).toThrow(/openssl backend/);
    const u = fast.fixedBaseTable(c.fbBase, 64, 4);
    expect(() => slow.fixedBasePow(u, new Uint8Array(8))).toThrow(/ifma backend/);
  });
});
