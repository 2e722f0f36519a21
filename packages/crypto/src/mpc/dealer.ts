/**
 * The trusted dealer of the offline phase (SPU's "trusted first party", CrypTen's TTP): it
 * generates correlated randomness — Beaver triples (Beaver, CRYPTO 1991), boolean AND triples,
 * matrix triples, truncation masks and daBits — and hands every party its share. Traffic
 * reduction as in SPU/CrypTen: each party i < P−1 shares a 32-byte seed with the dealer and
 * expands all its shares from it; only the last party receives explicit words (the correction
 * that makes the shares sum to the correlated value), one message per request.
 *
 * Trust: the dealer learns nothing about the inputs (it never receives a data-dependent
 * message), but a dealer that colludes with a party learns that party's peers' masked values'
 * masks, i.e. everything; a dishonest dealer can also break correctness. See
 * docs/protocols/mpc.md.
 */
import { MpcProtocolError, bytesRing, ringBytes } from './messages.js';
import { addAcc, addProd, subAcc, xorAcc, xorAnd } from './kernels.js';
import { RingPrg } from './prg.js';
import { LOW63, type Ring } from './ring.js';

/** Kinds of correlated randomness (the first word of a dealer request). */
export enum MaterialKind {
  Triple = 1,
  And = 2,
  Trunc = 3,
  DaBit = 4,
  MatMul = 5,
  /** Permutation correlation of the oblivious shuffle (`shuffle.ts`): [n, permuter, columns]. */
  Perm = 6,
}

/** Words of the request a party sends to the dealer: [kind, a, b, c]. */
export const DEALER_REQUEST_WORDS = 4;

/** Largest number of elements one request may ask for (bounds the dealer's memory). */
export const MAX_MATERIAL = 1 << 26;

/**
 * The shares a party draws from its seed for one request, in a fixed order that the dealer
 * replays. `last` parties draw only the parts that are not sent explicitly.
 */
export function drawShares(
  prg: RingPrg,
  kind: MaterialKind,
  d: readonly number[],
  last: boolean,
): Ring[] {
  const [n, k, m] = d as [number, number, number];
  switch (kind) {
    case MaterialKind.Triple:
    case MaterialKind.And:
      return last ? [prg.next(n), prg.next(n)] : [prg.next(n), prg.next(n), prg.next(n)];
    case MaterialKind.Trunc:
      return last ? [prg.next(n)] : [prg.next(n), prg.next(n), prg.next(n)];
    case MaterialKind.DaBit: {
      const b = prg.next(n);
      for (let i = 0; i < n; i++) b[i] = b[i]! & 1n;
      return last ? [b] : [b, prg.next(n)];
    }
    case MaterialKind.MatMul:
      // U is n×k, V is k×m, W is n×m.
      return last
        ? [prg.next(n * k), prg.next(k * m)]
        : [prg.next(n * k), prg.next(k * m), prg.next(n * m)];
    case MaterialKind.Perm:
      throw new RangeError('permutation material is drawn by drawPerm');
  }
}

/**
 * One party's share of a permutation correlation for `n` rows × `w` columns permuted by party
 * `j` (the shuffle of `shuffle.ts`): the permuter holds π and Δ, every other party k holds masks
 * a_k and b_k with Δ + Σ_k b_k = π(Σ_k a_k) (π applied to each column: out[i] = in[π[i]]). The
 * last party's Δ or b is the dealer's correction and is not drawn here.
 */
export interface PermShare {
  /** π, at the permuter only. */
  perm?: Int32Array;
  /** a_k (n·w words, column after column), at the other parties only. */
  mask?: Ring;
  /** Δ at the permuter, b_k at the others; absent at the last party (the dealer sends it). */
  out?: Ring;
}

/** Draws party `id`'s share of a permutation correlation, in the order the dealer replays. */
export function drawPerm(
  prg: RingPrg,
  n: number,
  j: number,
  w: number,
  id: number,
  last: boolean,
): PermShare {
  if (id === j) {
    const perm = prgPermutation(prg, n);
    return last ? { perm } : { perm, out: prg.next(n * w) };
  }
  const mask = prg.next(n * w);
  return last ? { mask } : { mask, out: prg.next(n * w) };
}

/**
 * A uniform permutation of 0..n−1 from the PRG: Fisher–Yates (Knuth, TAOCP vol. 2 §3.4.2,
 * algorithm P) with unbiased indices by rejection sampling of 32-bit words, so it is exactly
 * uniform given a uniform stream. Deterministic in the stream: the dealer replays it.
 * @throws RangeError for n ≥ 2^31.
 */
export function prgPermutation(prg: RingPrg, n: number): Int32Array {
  if (!Number.isSafeInteger(n) || n < 0 || n >= 2 ** 31)
    throw new RangeError(`permutation length ${n} is out of range`);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  let buf: Uint32Array = new Uint32Array(0);
  let at = 0;
  for (let i = n - 1; i > 0; i--) {
    const s = i + 1;
    const limit = 2 ** 32 - (2 ** 32 % s);
    let u: number;
    do {
      if (at === buf.length) {
        buf = words32(prg.next(Math.min(1 << 16, (i >> 1) + 64)));
        at = 0;
      }
      u = buf[at++]!;
    } while (u >= limit);
    const j = u % s;
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  return perm;
}

/** The 32-bit halves of each word, low half first (host-independent). */
function words32(r: Ring): Uint32Array {
  const out = new Uint32Array(2 * r.length);
  for (let i = 0; i < r.length; i++) {
    const w = r[i]!;
    out[2 * i] = Number(w & 0xffffffffn);
    out[2 * i + 1] = Number(w >> 32n);
  }
  return out;
}

/** Applies π to each of the w columns of `x` (n·w words): out[c·n + i] = x[c·n + π[i]]. */
export function permuteColumns(x: Ring, perm: Int32Array): Ring {
  const n = perm.length;
  const out = new BigUint64Array(x.length);
  for (let off = 0; off < x.length; off += n)
    for (let i = 0; i < n; i++) out[off + i] = x[off + perm[i]!]!;
  return out;
}

/** The dealer's side of a permutation correlation: the last party's Δ (if it permutes) or b. */
function permCorrection(prgs: RingPrg[], n: number, j: number, w: number): Ring {
  const P = prgs.length;
  const shares = prgs.map((prg, i) => drawPerm(prg, n, j, w, i, i === P - 1));
  const a = new BigUint64Array(n * w);
  shares.forEach((s) => s.mask && addAcc(a, s.mask));
  const corr = permuteColumns(a, shares[j]!.perm!);
  shares.forEach((s, i) => i !== P - 1 && subAcc(corr, s.out!));
  return corr;
}

/** Words the last party receives from the dealer for a request. */
export function correctionWords(kind: MaterialKind, d: readonly number[]): number {
  const [n, , m] = d as [number, number, number];
  if (kind === MaterialKind.Trunc) return 2 * n;
  if (kind === MaterialKind.MatMul) return n * m;
  if (kind === MaterialKind.Perm) return n * m;
  return n;
}

/**
 * Validates a request's dimensions.
 * @throws MpcProtocolError for an unknown kind or sizes out of range.
 */
export function checkRequest(kind: number, d: readonly number[]): void {
  if (kind < MaterialKind.Triple || kind > MaterialKind.Perm)
    throw new MpcProtocolError(`dealer request of unknown kind ${kind}`);
  const [n, k, m] = d as [number, number, number];
  const total =
    kind === MaterialKind.MatMul
      ? Math.max(n * k, k * m, n * m)
      : kind === MaterialKind.Perm
        ? n * m
        : n;
  const dimsOk = d.every((x) => Number.isSafeInteger(x) && x >= 0);
  if (
    !dimsOk ||
    total > MAX_MATERIAL ||
    (kind === MaterialKind.Trunc && (k < 0 || k > 62)) ||
    (kind === MaterialKind.Perm && (k > 2 || m < 1))
  )
    throw new MpcProtocolError(
      `dealer request kind ${kind} with sizes [${d.join(', ')}] is out of range (at most ${MAX_MATERIAL} elements, truncation by 0..62 bits)`,
    );
  void m;
}

/**
 * The dealer. I/O-free: {@link Dealer.respond} turns the last party's request bytes into the
 * correction bytes. Requests must arrive in the order the parties consume material (they do:
 * every party runs the same oblivious program).
 */
export class Dealer {
  readonly #prgs: RingPrg[];
  /** Requests served. */
  requests = 0;

  /**
   * @param seeds one 32-byte seed per party (party i holds seeds[i]).
   * @throws RangeError for fewer than 2 or more than 3 parties, or a malformed seed.
   */
  constructor(seeds: readonly Uint8Array[]) {
    if (seeds.length < 2 || seeds.length > 3)
      throw new RangeError(`the dealer serves 2 or 3 parties, got ${seeds.length} seeds`);
    this.#prgs = seeds.map((s) => new RingPrg(s));
  }

  /**
   * Serves one request from the last party.
   * @param request {@link DEALER_REQUEST_WORDS} words: kind and dimensions.
   * @returns the last party's correction words.
   * @throws MpcProtocolError for a malformed request.
   */
  respond(request: Uint8Array): Uint8Array {
    if (request.length !== DEALER_REQUEST_WORDS * 8)
      throw new MpcProtocolError(
        `dealer request must be ${DEALER_REQUEST_WORDS * 8} bytes, got ${request.length}`,
      );
    const w = bytesRing(request);
    const kind = Number(w[0]!) as MaterialKind;
    const d = [Number(w[1]!), Number(w[2]!), Number(w[3]!)];
    checkRequest(kind, d);
    this.requests++;
    const P = this.#prgs.length;
    if (kind === MaterialKind.Perm) {
      if (d[1]! >= P)
        throw new MpcProtocolError(`permutation request for party ${d[1]} of ${P} parties`);
      return ringBytes(permCorrection(this.#prgs, d[0]!, d[1]!, d[2]!));
    }
    const shares = this.#prgs.map((prg, i) => drawShares(prg, kind, d, i === P - 1));
    const sum = (j: number, xor = false): Ring => {
      const out = new BigUint64Array(shares[0]![j]!.length);
      for (const s of shares) (xor ? xorAcc : addAcc)(out, s[j]!);
      return out;
    };
    const others = shares.slice(0, P - 1);
    const [n, k, m] = d as [number, number, number];
    switch (kind) {
      case MaterialKind.Triple: {
        const a = sum(0);
        const b = sum(1);
        const c = new BigUint64Array(n);
        addProd(c, a, b);
        for (const s of others) subAcc(c, s[2]!);
        return ringBytes(c);
      }
      case MaterialKind.And: {
        const a = sum(0, true);
        const b = sum(1, true);
        const c = new BigUint64Array(n);
        xorAnd(c, a, b);
        for (const s of others) xorAcc(c, s[2]!);
        return ringBytes(c);
      }
      case MaterialKind.Trunc: {
        const r = sum(0);
        const out = new BigUint64Array(2 * n);
        const f = BigInt(k);
        for (let i = 0; i < n; i++) {
          out[i] = (r[i]! & LOW63) >> f;
          out[n + i] = r[i]! >> 63n;
        }
        for (const s of others)
          for (let i = 0; i < n; i++) {
            out[i] = out[i]! - s[1]![i]!;
            out[n + i] = out[n + i]! - s[2]![i]!;
          }
        return ringBytes(out);
      }
      case MaterialKind.DaBit: {
        const b = sum(0, true);
        for (const s of others) subAcc(b, s[1]!);
        return ringBytes(b);
      }
      case MaterialKind.MatMul: {
        const u = sum(0);
        const v = sum(1);
        const w = matmulRing(u, v, n, k, m);
        for (const s of others) for (let i = 0; i < w.length; i++) w[i] = w[i]! - s[2]![i]!;
        return ringBytes(w);
      }
    }
  }
}

/** A (n×k) · B (k×m) over Z_{2^64}, row-major. */
export function matmulRing(a: Ring, b: Ring, n: number, k: number, m: number): Ring {
  const out = new BigUint64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let t = 0; t < k; t++) {
      const x = a[i * k + t]!;
      if (x === 0n) continue;
      const row = t * m;
      const o = i * m;
      for (let j = 0; j < m; j++) out[o + j] = out[o + j]! + x * b[row + j]!;
    }
  return out;
}
