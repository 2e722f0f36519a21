/**
 * Hot loops of the MPC protocols as small plain functions over `BigUint64Array`s, each a single
 * typed-array store per element, called with the same array types every time, so that V8
 * optimises them once and reuses the code (64-bit BigInt arithmetic whose result feeds a
 * `BigUint64Array` store runs as machine-word arithmetic only in optimised code). Keeping them
 * out of the protocol generators also keeps the generators short.
 */
import type { Ring } from './ring.js';

/** out[off + i] = x[i] − a[i]. */
export function subAt(out: Ring, off: number, x: Ring, a: Ring): void {
  const n = x.length;
  for (let i = 0; i < n; i++) out[off + i] = x[i]! - a[i]!;
}

/** out[off + i] = x[i] ⊕ a[i]. */
export function xorAt(out: Ring, off: number, x: Ring, a: Ring): void {
  const n = x.length;
  for (let i = 0; i < n; i++) out[off + i] = x[i]! ^ a[i]!;
}

/** s[i] += v[i]. */
export function addAcc(s: Ring, v: Ring): void {
  const n = s.length;
  for (let i = 0; i < n; i++) s[i] = s[i]! + v[i]!;
}

/** s[i] −= v[i]. */
export function subAcc(s: Ring, v: Ring): void {
  const n = s.length;
  for (let i = 0; i < n; i++) s[i] = s[i]! - v[i]!;
}

/** s[i] ^= v[i]. */
export function xorAcc(s: Ring, v: Ring): void {
  const n = s.length;
  for (let i = 0; i < n; i++) s[i] = s[i]! ^ v[i]!;
}

/** z = c + d·b + e·a (Beaver). */
export function beaver(z: Ring, c: Ring, d: Ring, e: Ring, a: Ring, b: Ring): void {
  const n = z.length;
  for (let i = 0; i < n; i++) z[i] = c[i]! + d[i]! * b[i]! + e[i]! * a[i]!;
}

/** z += d·e. */
export function addProd(z: Ring, d: Ring, e: Ring): void {
  const n = z.length;
  for (let i = 0; i < n; i++) z[i] = z[i]! + d[i]! * e[i]!;
}

/** z = c ⊕ (d ∧ b) ⊕ (e ∧ a) (Beaver AND). */
export function beaverAnd(z: Ring, c: Ring, d: Ring, e: Ring, a: Ring, b: Ring): void {
  const n = z.length;
  for (let i = 0; i < n; i++) z[i] = c[i]! ^ (d[i]! & b[i]!) ^ (e[i]! & a[i]!);
}

/** z ^= d ∧ e. */
export function xorAnd(z: Ring, d: Ring, e: Ring): void {
  const n = z.length;
  for (let i = 0; i < n; i++) z[i] = z[i]! ^ (d[i]! & e[i]!);
}

/**
 * out[off + i] = x[i] << k (0 ≤ k < 64), computed as x[i] · 2^k mod 2^64: V8 lowers a 64-bit
 * BigInt product stored into a `BigUint64Array` to one machine multiply, but not a shift by a
 * variable amount (measured on Node 20: 2^16 words × 1000 shifts 2.9 s as `<<`, 0.16 s as `·`).
 */
export function shlAt(out: Ring, off: number, x: Ring, k: bigint): void {
  const n = x.length;
  const m = BigInt.asUintN(64, 1n << k);
  for (let i = 0; i < n; i++) out[off + i] = x[i]! * m;
}

/** out[i] = x[i] >> k. */
export function shr(out: Ring, x: Ring, k: bigint): void {
  const n = x.length;
  for (let i = 0; i < n; i++) out[i] = x[i]! >> k;
}

/** out[off + i] = x[i] + c (c public). */
export function addConstAt(out: Ring, off: number, x: Ring, c: bigint): void {
  const n = x.length;
  for (let i = 0; i < n; i++) out[off + i] = x[i]! + c;
}

/** out[i] = x[i] · k. */
export function scaleInto(out: Ring, x: Ring, k: bigint): void {
  const n = x.length;
  for (let i = 0; i < n; i++) out[i] = x[i]! * k;
}

/**
 * Truncation, every party: out = [r_msb]·(1 − 2·c_msb)·2^{63−f} − [hi] (the share of
 * (r mod 2^63) >> f subtracted, the share of the carry bit b = c_msb ⊕ r_msb scaled).
 */
export function truncShares(out: Ring, c: Ring, msb: Ring, hi: Ring, top: bigint): void {
  const n = out.length;
  for (let i = 0; i < n; i++) out[i] = msb[i]! * (1n - 2n * (c[i]! >> 63n)) * top - hi[i]!;
}

/** Truncation, party 0's public part: out += c_msb·2^{63−f} + ((c mod 2^63) >> f) − 2^{62−f}. */
export function truncPublic(out: Ring, c: Ring, f: bigint, top: bigint, off: bigint): void {
  const n = out.length;
  const low = (1n << 63n) - 1n;
  for (let i = 0; i < n; i++) out[i] = out[i]! + (c[i]! >> 63n) * top + ((c[i]! & low) >> f) - off;
}

/** Gathers out[off + t] = x[hi[t]] − x[lo[t]]. */
export function gatherDiff(out: Ring, off: number, x: Ring, lo: Int32Array, hi: Int32Array): void {
  const n = lo.length;
  for (let t = 0; t < n; t++) out[off + t] = x[hi[t]!]! - x[lo[t]!]!;
}

/** x[lo[t]] += s[off + t]; x[hi[t]] −= s[off + t]. */
export function scatterSwap(x: Ring, s: Ring, off: number, lo: Int32Array, hi: Int32Array): void {
  const n = lo.length;
  for (let t = 0; t < n; t++) {
    x[lo[t]!] = x[lo[t]!]! + s[off + t]!;
    x[hi[t]!] = x[hi[t]!]! - s[off + t]!;
  }
}

const LITTLE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Packs bit 0 of (bits[i] ⊕ r[i]) into bit (i mod 64) of word ⌊i/64⌋ of `out` (zeroed,
 * ⌈n/64⌉ words). Reads the low 32-bit halves through a `Uint32Array` view so the loop does
 * no BigInt work per element (a variable BigInt shift per element was the cost before).
 */
export function packBits(out: Ring, bits: Ring, r: Ring): void {
  const n = bits.length;
  const words = out.length;
  const acc = new Uint32Array(2 * words);
  if (LITTLE && bits.byteOffset % 4 === 0 && r.byteOffset % 4 === 0) {
    const b32 = new Uint32Array(bits.buffer, bits.byteOffset, 2 * n);
    const r32 = new Uint32Array(r.buffer, r.byteOffset, 2 * n);
    for (let i = 0; i < n; i++)
      acc[i >>> 5] = acc[i >>> 5]! | (((b32[2 * i]! ^ r32[2 * i]!) & 1) << (i & 31));
  } else {
    for (let i = 0; i < n; i++)
      acc[i >>> 5] = acc[i >>> 5]! | (Number((bits[i]! ^ r[i]!) & 1n) << (i & 31));
  }
  for (let w = 0; w < words; w++) out[w] = BigInt(acc[2 * w]!) | (BigInt(acc[2 * w + 1]!) << 32n);
}

/**
 * daBit conversion, every party: out[i] = e_i ? c − ra[i] : ra[i], where e_i is bit (i mod 64)
 * of word ⌊i/64⌋ of the opened `e`, and c = 1 for party 0, 0 elsewhere (= ra·(1 − 2e) + c·e).
 */
export function unpackDaBits(out: Ring, e: Ring, ra: Ring, c: bigint): void {
  const n = out.length;
  const acc = new Uint32Array(2 * e.length);
  for (let w = 0; w < e.length; w++) {
    acc[2 * w] = Number(e[w]! & 0xffffffffn);
    acc[2 * w + 1] = Number(e[w]! >> 32n);
  }
  for (let i = 0; i < n; i++) out[i] = (acc[i >>> 5]! >>> (i & 31)) & 1 ? c - ra[i]! : ra[i]!;
}

/** The even bits 0, 2, 4, … of a 32-bit value, compacted into the low 16 bits. */
function evenBits(x: number): number {
  x &= 0x55555555;
  x = (x | (x >>> 1)) & 0x33333333;
  x = (x | (x >>> 2)) & 0x0f0f0f0f;
  x = (x | (x >>> 4)) & 0x00ff00ff;
  return (x | (x >>> 8)) & 0x0000ffff;
}

/** Whether `Uint32Array` views of 64-bit words put the low half first. */
export const LITTLE_ENDIAN = LITTLE;

/**
 * First level of the carry tree (little-endian views, 2 words of 32 bits per element): from
 * XOR shares of the generate bits g and propagate bits p (64 per element), writes the inputs of
 * the level's two ANDs, x = (p_odd, p_odd) and y = (g_even, p_even), and keeps g_odd in `godd`.
 */
export function treeFirst(
  x: Uint32Array,
  y: Uint32Array,
  godd: Uint32Array,
  g: Uint32Array,
  p: Uint32Array,
): void {
  const n = godd.length;
  for (let i = 0; i < n; i++) {
    const glo = g[2 * i]!;
    const ghi = g[2 * i + 1]!;
    const plo = p[2 * i]!;
    const phi = p[2 * i + 1]!;
    const po = evenBits(plo >>> 1) | (evenBits(phi >>> 1) << 16);
    x[2 * i] = po;
    x[2 * i + 1] = po;
    y[2 * i] = evenBits(glo) | (evenBits(ghi) << 16);
    y[2 * i + 1] = evenBits(plo) | (evenBits(phi) << 16);
    godd[i] = evenBits(glo >>> 1) | (evenBits(ghi >>> 1) << 16);
  }
}

/**
 * Combines the first level's AND result r (2 words per element: p_odd∧g_even, p_odd∧p_even)
 * into the next level's group generate and propagate bits (32 per element).
 */
export function treeFirstCombine(
  g: Uint32Array,
  p: Uint32Array,
  godd: Uint32Array,
  r: Uint32Array,
): void {
  const n = g.length;
  for (let i = 0; i < n; i++) {
    g[i] = godd[i]! ^ r[2 * i]!;
    p[i] = r[2 * i + 1]!;
  }
}

/**
 * A later level of the carry tree on `w`-bit groups (w ≤ 32, one word per element): writes
 * x = p_odd ⊕ p_odd << h and y = g_even ⊕ p_even << h (h = w/2) and keeps g_odd in `godd`.
 * XOR, not OR: a share has arbitrary bits above w (only the secret is zero there), and OR of
 * shares is not linear.
 */
export function treeLevel(
  x: Uint32Array,
  y: Uint32Array,
  godd: Uint32Array,
  g: Uint32Array,
  p: Uint32Array,
  h: number,
): void {
  const n = g.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i]!;
    const pi = p[i]!;
    const po = evenBits(pi >>> 1);
    x[i] = po ^ (po << h);
    y[i] = evenBits(gi) ^ (evenBits(pi) << h);
    godd[i] = evenBits(gi >>> 1);
  }
}

/** Combines a later level's AND result r into g = g_odd ⊕ (r mod 2^h), p = r >> h. */
export function treeCombine(
  g: Uint32Array,
  p: Uint32Array,
  godd: Uint32Array,
  r: Uint32Array,
  h: number,
): void {
  const n = g.length;
  const mask = h === 32 ? -1 : (1 << h) - 1;
  for (let i = 0; i < n; i++) {
    const ri = r[i]!;
    g[i] = godd[i]! ^ (ri & mask);
    p[i] = ri >>> h;
  }
}

/**
 * Packs `w`-bit values (w ∈ {2, 4, 8, 16, 32}) densely, 32/w to a 32-bit lane: value i goes to
 * bits [(i mod 32/w)·w, …+w) of lane ⌊i·w/32⌋. Each value is masked to w bits first (masking a
 * share with a public constant is linear; the bits above w of a share are arbitrary).
 */
export function packLanes(out: Uint32Array, src: Uint32Array, w: number): void {
  out.fill(0);
  const n = src.length;
  if (w === 32) {
    out.set(src);
    return;
  }
  const per = 32 / w;
  const mask = (1 << w) - 1;
  for (let i = 0; i < n; i++) {
    const lane = (i / per) | 0;
    out[lane] = out[lane]! ^ ((src[i]! & mask) << ((i % per) * w));
  }
}

/** The inverse of {@link packLanes}: dst[i] = the i-th w-bit value of the lanes. */
export function unpackLanes(dst: Uint32Array, lanes: Uint32Array, w: number): void {
  const n = dst.length;
  if (w === 32) {
    dst.set(lanes.subarray(0, n));
    return;
  }
  const per = 32 / w;
  const mask = (1 << w) - 1;
  for (let i = 0; i < n; i++) dst[i] = (lanes[(i / per) | 0]! >>> ((i % per) * w)) & mask;
}
