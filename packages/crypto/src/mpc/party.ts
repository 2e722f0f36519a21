/**
 * One party of the additive-secret-sharing MPC engine over Z_{2^64} (2 or 3 parties,
 * semi-honest). Every secret value is held as additive shares x = Σ_i x_i (mod 2^64) — or, for
 * boolean values, XOR shares — and every method is an I/O-free protocol step (a generator, see
 * {@link Proto}); all parties must call the same methods with the same public arguments in the
 * same order (the protocols are oblivious: their message pattern never depends on secrets).
 *
 * Protocols (docs/protocols/mpc.md has what every party sends and learns):
 * - multiplication: Beaver triples (Beaver, CRYPTO 1991); matrix products with matrix triples
 *   (Mohassel & Zhang, SecureML, S&P 2017 §4.1);
 * - truncation: probabilistic truncation with a mask whose top bit is shared separately
 *   (Catrina & Saxena, FC 2010, adapted to Z_{2^k} as in Escudero et al., CRYPTO 2020 §5): error
 *   ≤ 1 unit in the last place, never a wrap-around failure for |x| < 2^62; in dealer-free mode
 *   SecureML's local two-party truncation (error 1 ulp, failure probability ≈ |x|/2^63);
 * - comparison: the most significant bit of x = Σ x_i by a log-depth carry-out tree on
 *   compacted bits (little-endian hosts; a Kogge–Stone prefix on whole words elsewhere) with
 *   Beaver AND triples, converted to an additive bit with a daBit (Rotaru & Wood, INDOCRYPT 2019);
 * - reciprocal and inverse square root: Newton iterations from an initial guess selected by
 *   comparisons against public powers of two;
 * - sorting: Batcher's bitonic network of compare-exchange steps (vectorised per stage).
 */
import { randomBytes } from 'node:crypto';
import type { MaterialHost, MaterialSource } from './material.js';
import {
  MpcProtocolError,
  bytesRing,
  ringBytes,
  type Inbox,
  type Outbox,
  type Proto,
} from './messages.js';
import {
  addAcc,
  addConstAt,
  addProd,
  beaver,
  beaverAnd,
  gatherDiff,
  packBits,
  scatterSwap,
  shlAt,
  subAcc,
  subAt,
  truncPublic,
  truncShares,
  unpackDaBits,
  xorAcc,
  xorAnd,
  xorAt,
  LITTLE_ENDIAN,
  packLanes,
  unpackLanes,
  treeCombine,
  treeFirst,
  treeFirstCombine,
  treeLevel,
} from './kernels.js';
import { RingPrg } from './prg.js';
import { MPC_FRAC_BITS, mpcEncode, sameLength, type Ring } from './ring.js';

export interface MpcPartyOptions {
  /** This party's id, 0..parties−1. */
  id: number;
  /** 2 or 3. */
  parties: number;
  /** Correlated randomness (dealer or dealer-free). */
  material: MaterialSource;
  /** Fixed-point fractional bits f. @default {@link MPC_FRAC_BITS} */
  fracBits?: number;
  /** Seed of this party's private randomness (input masks); random when omitted. */
  seed?: Uint8Array;
}

/** Result of a sort: the sorted keys and the payload columns permuted alongside. */
export interface Sorted {
  keys: Ring;
  payloads: Ring[];
}

/** Value added to pad a sort to a power of two (larger than any admissible key). */
const SORT_PAD = 1n << 61n;

function concat(...parts: Ring[]): Ring {
  const out = new BigUint64Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** One party of the engine. See the module comment. */
export class MpcParty implements MaterialHost {
  readonly id: number;
  readonly parties: number;
  readonly fracBits: number;
  readonly material: MaterialSource;
  readonly #prg: RingPrg;
  /** Communication rounds taken so far. */
  rounds = 0;
  /** Bytes sent and received so far (dealer traffic included). */
  bytesSent = 0;
  bytesReceived = 0;

  /** @throws RangeError for an invalid id, party count or fractional-bit count. */
  constructor(opts: MpcPartyOptions) {
    if (opts.parties !== 2 && opts.parties !== 3)
      throw new RangeError(`the MPC engine runs with 2 or 3 parties, got ${opts.parties}`);
    if (!Number.isInteger(opts.id) || opts.id < 0 || opts.id >= opts.parties)
      throw new RangeError(`party id must be 0..${opts.parties - 1}, got ${opts.id}`);
    const f = opts.fracBits ?? MPC_FRAC_BITS;
    if (!Number.isInteger(f) || f < 0 || f > 30)
      throw new RangeError(`fractional bits must be an integer in [0, 30], got ${f}`);
    this.id = opts.id;
    this.parties = opts.parties;
    this.fracBits = f;
    this.material = opts.material;
    this.#prg = new RingPrg(opts.seed ?? randomBytes(32));
  }

  /**
   * One communication round: hands over `out` and checks the inbox against `expectBytes`
   * (byte length expected from each sender; undefined = nothing).
   * @throws MpcProtocolError naming the round, the step and the sender on a missing,
   *   unexpected or wrongly sized message.
   */
  *exchange(what: string, out: Outbox, expectBytes: (number | undefined)[]): Proto<Inbox> {
    const round = ++this.rounds;
    for (const m of out) if (m) this.bytesSent += m.length;
    const inbox: Inbox | undefined = yield out;
    if (!Array.isArray(inbox))
      throw new MpcProtocolError(
        `party ${this.id}: round ${round} (${what}) resumed without an inbox`,
      );
    for (let p = 0; p <= this.parties; p++) {
      const want = expectBytes[p];
      const got = inbox[p];
      const from = p === this.parties ? 'the dealer' : `party ${p}`;
      if (want === undefined) {
        if (got && got.length > 0)
          throw new MpcProtocolError(
            `party ${this.id}: unexpected message of ${got.length} bytes from ${from} in round ${round} (${what})`,
          );
        continue;
      }
      if (!got)
        throw new MpcProtocolError(
          `party ${this.id}: no message from ${from} in round ${round} (${what}); expected ${want} bytes`,
        );
      if (got.length !== want)
        throw new MpcProtocolError(
          `party ${this.id}: message from ${from} in round ${round} (${what}) has ${got.length} bytes, expected ${want}`,
        );
      this.bytesReceived += got.length;
    }
    if (inbox.length > this.parties + 1)
      throw new MpcProtocolError(
        `party ${this.id}: inbox of round ${round} has ${inbox.length} slots, at most ${this.parties + 1}`,
      );
    return inbox;
  }

  // ---------------------------------------------------------------- sharing and opening

  /**
   * Secret-shares `owner`'s vector: the owner sends every other party a uniform vector and
   * keeps x − Σ of them.
   * @param values the ring vector (owner only; ignored elsewhere).
   * @param n its length (public).
   */
  *input(owner: number, values: Ring | undefined, n: number): Proto<Ring> {
    const out: Outbox = [];
    const expect: (number | undefined)[] = [];
    let mine: Ring;
    if (this.id === owner) {
      if (!values || values.length !== n)
        throw new RangeError(`input: the owner must pass ${n} values, got ${values?.length}`);
      mine = values.slice();
      for (let p = 0; p < this.parties; p++) {
        if (p === owner) continue;
        const r = this.#prg.next(n);
        subAcc(mine, r);
        out[p] = ringBytes(r);
      }
    } else {
      expect[owner] = n * 8;
      mine = new BigUint64Array(0);
    }
    const inbox = yield* this.exchange(`input from party ${owner}`, out, expect);
    return this.id === owner ? mine : bytesRing(inbox[owner]!).slice();
  }

  /** {@link input} of reals encoded at this engine's f fractional bits. */
  *inputFixed(owner: number, values: ArrayLike<number> | undefined, n: number): Proto<Ring> {
    return yield* this.input(
      owner,
      this.id === owner && values ? mpcEncode(values, this.fracBits) : undefined,
      n,
    );
  }

  /** Shares of a public vector: party 0 holds it, the others zero. */
  constant(v: Ring): Ring {
    return this.id === 0 ? v.slice() : new BigUint64Array(v.length);
  }

  /** Opens additive shares to every party (used on masked values only). */
  *open(x: Ring, what = 'open'): Proto<Ring> {
    const out: Outbox = [];
    const expect: (number | undefined)[] = [];
    for (let p = 0; p < this.parties; p++)
      if (p !== this.id) {
        out[p] = ringBytes(x);
        expect[p] = x.length * 8;
      }
    const inbox = yield* this.exchange(what, out, expect);
    const s = x.slice();
    for (let p = 0; p < this.parties; p++) if (p !== this.id) addAcc(s, bytesRing(inbox[p]!));
    return s;
  }

  /** Opens XOR shares to every party. */
  *openXor(x: Ring, what = 'open (xor)'): Proto<Ring> {
    const out: Outbox = [];
    const expect: (number | undefined)[] = [];
    for (let p = 0; p < this.parties; p++)
      if (p !== this.id) {
        out[p] = ringBytes(x);
        expect[p] = x.length * 8;
      }
    const inbox = yield* this.exchange(what, out, expect);
    const s = x.slice();
    for (let p = 0; p < this.parties; p++) if (p !== this.id) xorAcc(s, bytesRing(inbox[p]!));
    return s;
  }

  /**
   * Reveals x to `target` only: the others send it their shares.
   * @returns the value at the target, undefined elsewhere.
   */
  *revealTo(x: Ring, target: number): Proto<Ring | undefined> {
    if (!Number.isInteger(target) || target < 0 || target >= this.parties)
      throw new RangeError(`result party must be 0..${this.parties - 1}, got ${target}`);
    const out: Outbox = [];
    const expect: (number | undefined)[] = [];
    if (this.id === target) {
      for (let p = 0; p < this.parties; p++) if (p !== target) expect[p] = x.length * 8;
    } else out[target] = ringBytes(x);
    const inbox = yield* this.exchange(`reveal to party ${target}`, out, expect);
    if (this.id !== target) return undefined;
    const s = x.slice();
    for (let p = 0; p < this.parties; p++) if (p !== target) addAcc(s, bytesRing(inbox[p]!));
    return s;
  }

  // ---------------------------------------------------------------- linear operations (local)

  /** [x] + [y]. */
  add(x: Ring, y: Ring): Ring {
    sameLength('add', x, y);
    const out = new BigUint64Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = x[i]! + y[i]!;
    return out;
  }

  /** [x] − [y]. */
  sub(x: Ring, y: Ring): Ring {
    sameLength('sub', x, y);
    const out = new BigUint64Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = x[i]! - y[i]!;
    return out;
  }

  /** [x] + c for a public ring vector c (party 0 adds it). */
  addPublic(x: Ring, c: Ring): Ring {
    sameLength('addPublic', x, c);
    return this.id === 0 ? this.add(x, c) : x.slice();
  }

  /** k · [x] for a public integer k. */
  scale(x: Ring, k: bigint): Ring {
    const kk = BigInt.asUintN(64, k);
    const out = new BigUint64Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = x[i]! * kk;
    return out;
  }

  /** Σ [x] over the vector. */
  sum(x: Ring): Ring {
    let s = 0n;
    for (let i = 0; i < x.length; i++) s += x[i]!;
    return BigUint64Array.of(BigInt.asUintN(64, s));
  }

  // ---------------------------------------------------------------- multiplication

  /** [x·y] over the ring (no truncation): one Beaver triple per element, one round. */
  *mulRing(x: Ring, y: Ring): Proto<Ring> {
    sameLength('mul', x, y);
    const n = x.length;
    const [a, b, c] = yield* this.material.triples(this, n);
    const m = new BigUint64Array(2 * n);
    subAt(m, 0, x, a);
    subAt(m, n, y, b);
    const de = yield* this.open(m, 'beaver multiplication');
    const d = de.subarray(0, n);
    const e = de.subarray(n);
    const z = new BigUint64Array(n);
    beaver(z, c, d, e, a, b);
    if (this.id === 0) addProd(z, d, e);
    return z;
  }

  /** Fixed-point product [x·y] (Beaver multiplication, then truncation by f). */
  *mul(x: Ring, y: Ring): Proto<Ring> {
    return yield* this.trunc(yield* this.mulRing(x, y));
  }

  /** Fixed-point [x] · c for public reals c (one per element, or one for all). */
  *mulPublic(x: Ring, c: number | ArrayLike<number>): Proto<Ring> {
    const cs = typeof c === 'number' ? mpcEncode([c], this.fracBits) : mpcEncode(c, this.fracBits);
    if (cs.length !== 1 && cs.length !== x.length)
      throw new RangeError(`mulPublic: ${cs.length} constants for ${x.length} values`);
    const out = new BigUint64Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = x[i]! * cs[cs.length === 1 ? 0 : i]!;
    return yield* this.trunc(out);
  }

  /**
   * Fixed-point dot products of consecutive segments: x and y hold `count` vectors of `len`
   * elements each; returns `count` results (one truncation per result, not per term).
   */
  *dot(x: Ring, y: Ring, len: number): Proto<Ring> {
    sameLength('dot', x, y);
    if (!Number.isInteger(len) || len <= 0 || x.length % len !== 0)
      throw new RangeError(
        `dot: length ${x.length} is not a multiple of the segment length ${len}`,
      );
    const p = yield* this.mulRing(x, y);
    const count = x.length / len;
    const s = new BigUint64Array(count);
    for (let j = 0; j < count; j++) {
      let acc = 0n;
      for (let i = j * len; i < (j + 1) * len; i++) acc += p[i]!;
      s[j] = acc;
    }
    return yield* this.trunc(s);
  }

  /**
   * Fixed-point matrix product A (n×k) · B (k×m), row-major, with one matrix triple: the
   * parties open A − U and B − V (n·k + k·m words) instead of n·k·m element products.
   */
  *matmul(a: Ring, b: Ring, n: number, k: number, m: number): Proto<Ring> {
    if (a.length !== n * k || b.length !== k * m)
      throw new RangeError(`matmul: shapes ${a.length} ≠ ${n}×${k} or ${b.length} ≠ ${k}×${m}`);
    const [u, v, w] = yield* this.material.matTriple(this, n, k, m);
    const de = yield* this.open(concat(this.sub(a, u), this.sub(b, v)), 'matrix multiplication');
    const d = de.subarray(0, n * k);
    const e = de.subarray(n * k);
    const z = w.slice();
    const add = (p: Ring) => {
      for (let i = 0; i < z.length; i++) z[i] = z[i]! + p[i]!;
    };
    add(mm(d, v, n, k, m));
    add(mm(u, e, n, k, m));
    if (this.id === 0) add(mm(d, e, n, k, m));
    return yield* this.trunc(z);
  }

  // ---------------------------------------------------------------- truncation

  /**
   * [x / 2^f] for |x| < 2^62, rounded to one of the two nearest integers (error < 1 unit of
   * 2^-f in the result). Dealer mode: one round opening x + 2^62 + r with a truncation mask;
   * dealer-free two-party mode: SecureML local truncation (no round).
   */
  *trunc(x: Ring, f = this.fracBits): Proto<Ring> {
    const n = x.length;
    if (f === 0) return x.slice();
    if (!this.material.full) {
      if (this.parties !== 2) throw new RangeError('local truncation is a two-party protocol');
      const out = new BigUint64Array(n);
      const F = BigInt(f);
      if (this.id === 0)
        for (let i = 0; i < n; i++) out[i] = BigInt.asUintN(64, BigInt.asIntN(64, x[i]!) >> F);
      else
        for (let i = 0; i < n; i++)
          out[i] = BigInt.asUintN(64, -(BigInt.asIntN(64, -x[i]! & 0xffffffffffffffffn) >> F));
      return out;
    }
    const [r, hi, msb] = yield* this.material.truncMasks(this, n, f);
    const m = new BigUint64Array(n);
    addConstAt(m, 0, x, this.id === 0 ? 1n << 62n : 0n);
    addAcc(m, r);
    const c = yield* this.open(m, 'truncation');
    const F = BigInt(f);
    const top = 1n << (63n - F);
    const out = new BigUint64Array(n);
    truncShares(out, c, msb, hi, top);
    if (this.id === 0) truncPublic(out, c, F, top, 1n << (62n - F));
    return out;
  }

  // ---------------------------------------------------------------- boolean gates and comparison

  /** XOR shares of x ∧ y on 64-bit words, with the given (or fresh) AND triples. */
  *and(x: Ring, y: Ring, triple?: [Ring, Ring, Ring]): Proto<Ring> {
    sameLength('and', x, y);
    const n = x.length;
    const [a, b, c] = triple ?? (yield* this.material.andTriples(this, n));
    const m = new BigUint64Array(2 * n);
    xorAt(m, 0, x, a);
    xorAt(m, n, y, b);
    const de = yield* this.openXor(m, 'beaver AND');
    const d = de.subarray(0, n);
    const e = de.subarray(n);
    const z = new BigUint64Array(n);
    beaverAnd(z, c, d, e, a, b);
    if (this.id === 0) xorAnd(z, d, e);
    return z;
  }

  /**
   * XOR shares (bit 0) of the most significant bit of x = Σ x_i: boolean sharing of each
   * party's share (for 3 parties, one carry-save layer first), then the carry into bit 63: 7 AND
   * layers (the generate bits, then 6 levels). Little-endian hosts use the carry-out tree
   * (`#msbTree`, ≈ 3 word-ANDs per element); others the Kogge–Stone prefix (12). Same
   * rounds, same result.
   */
  *msb(x: Ring): Proto<Ring> {
    if (LITTLE_ENDIAN) return yield* this.#msbTree(x);
    return yield* this.#msbPrefix(x);
  }

  /** Boolean sharing u ⊕ v = x of each party's share (3 parties: one carry-save AND layer). */
  *#boolShares(x: Ring, take: (k: number) => [Ring, Ring, Ring]): Proto<[Ring, Ring]> {
    const n = x.length;
    if (this.parties !== 3) {
      return [this.id === 0 ? x : new BigUint64Array(n), this.id === 1 ? x : new BigUint64Array(n)];
    }
    const zero = new BigUint64Array(n);
    const a = this.id === 0 ? x : zero;
    const b = this.id === 1 ? x : zero;
    const c = this.id === 2 ? x : zero;
    const ab = this.id === 2 ? zero : x; // shares of a ⊕ b
    const t = yield* this.and(concat(a, c), concat(b, ab), take(2 * n));
    const v = new BigUint64Array(n);
    for (let i = 0; i < n; i++) v[i] = (t[i]! ^ t[n + i]!) << 1n;
    return [x, v]; // x: shares of a ⊕ b ⊕ c
  }

  /**
   * MSB by a carry tree (the carry-lookahead reduction of Catrina–de Hoogh / ABY's
   * "carry-out" circuit): the generate g = u ∧ v and propagate p = u ⊕ v of the 64 bit
   * positions (position 63 set to g = 0, p = 1 so the group of all 64 is the carry into bit 63),
   * then 6 levels each combining adjacent groups (G, P) = (g_hi ⊕ p_hi ∧ g_lo, p_hi ∧ p_lo)
   * on bits compacted to the useful ones: 7 AND layers as the prefix circuit, but
   * 1 + 1 + ½ + ¼ + … ≈ 3 AND words per element instead of 12 (2-party): the later levels pack
   * 32/w elements of w live bits to a 32-bit lane.
   */
  *#msbTree(x: Ring): Proto<Ring> {
    const n = x.length;
    const half = (n + 1) >> 1;
    // AND words of the later levels: their inputs (w = 32, 16, …, 2 bits per element) are packed
    // 32/w elements to a 32-bit lane, two lanes to a word.
    const words = (w: number) => (Math.ceil((n * w) / 32) + 1) >> 1;
    const total =
      (this.parties === 3 ? 2 * n : 0) +
      2 * n +
      [32, 16, 8, 4, 2].reduce((t, w) => t + words(w), 0);
    const [ta, tb, tc] = yield* this.material.andTriples(this, total);
    let used = 0;
    const take = (k: number): [Ring, Ring, Ring] => {
      const t: [Ring, Ring, Ring] = [
        ta.subarray(used, used + k),
        tb.subarray(used, used + k),
        tc.subarray(used, used + k),
      ];
      used += k;
      return t;
    };
    const [u, v] = yield* this.#boolShares(x, take);
    const g64 = yield* this.and(u, v, take(n));
    const p64 = new BigUint64Array(n);
    xorAt(p64, 0, u, v);
    const g2 = new Uint32Array(g64.buffer, g64.byteOffset, 2 * n);
    const p2 = new Uint32Array(p64.buffer, p64.byteOffset, 2 * n);
    const top = new Uint8Array(n);
    const first = this.id === 0;
    for (let i = 0; i < n; i++) {
      top[i] = p2[2 * i + 1]! >>> 31;
      g2[2 * i + 1] = g2[2 * i + 1]! & 0x7fffffff;
      p2[2 * i + 1] = first ? p2[2 * i + 1]! | 0x80000000 : p2[2 * i + 1]! & 0x7fffffff;
    }
    const godd = new Uint32Array(n);
    const x1 = new BigUint64Array(n);
    const y1 = new BigUint64Array(n);
    treeFirst(
      new Uint32Array(x1.buffer, 0, 2 * n),
      new Uint32Array(y1.buffer, 0, 2 * n),
      godd,
      g2,
      p2,
    );
    const r1 = yield* this.and(x1, y1, take(n));
    const g = new Uint32Array(2 * half);
    const p = new Uint32Array(2 * half);
    treeFirstCombine(
      g.subarray(0, n),
      p.subarray(0, n),
      godd,
      new Uint32Array(r1.buffer, r1.byteOffset, 2 * n),
    );
    const xe = new Uint32Array(2 * half);
    const ye = new Uint32Array(2 * half);
    const godd2 = new Uint32Array(2 * half);
    for (let w = 32; w >= 2; w >>= 1) {
      const h = w >> 1;
      treeLevel(xe, ye, godd2, g, p, h);
      const k = words(w);
      const xw = new BigUint64Array(k);
      const yw = new BigUint64Array(k);
      packLanes(new Uint32Array(xw.buffer), xe.subarray(0, n), w);
      packLanes(new Uint32Array(yw.buffer), ye.subarray(0, n), w);
      const r = yield* this.and(xw, yw, take(k));
      unpackLanes(xe.subarray(0, n), new Uint32Array(r.buffer, r.byteOffset, 2 * k), w);
      treeCombine(g, p, godd2, xe, h);
    }
    const out = new BigUint64Array(n);
    const o32 = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) o32[2 * i] = (top[i]! ^ g[i]!) & 1;
    return out;
  }

  /** MSB by the Kogge–Stone prefix on whole words (big-endian hosts). */
  *#msbPrefix(x: Ring): Proto<Ring> {
    const n = x.length;
    const three = this.parties === 3;
    const total = (three ? 2 * n : 0) + 12 * n;
    const [ta, tb, tc] = yield* this.material.andTriples(this, total);
    let used = 0;
    const take = (k: number): [Ring, Ring, Ring] => {
      const t: [Ring, Ring, Ring] = [
        ta.subarray(used, used + k),
        tb.subarray(used, used + k),
        tc.subarray(used, used + k),
      ];
      used += k;
      return t;
    };
    let u: Ring;
    let v: Ring;
    if (!three) {
      u = this.id === 0 ? x : new BigUint64Array(n);
      v = this.id === 1 ? x : new BigUint64Array(n);
    } else {
      const zero = new BigUint64Array(n);
      const a = this.id === 0 ? x : zero;
      const b = this.id === 1 ? x : zero;
      const c = this.id === 2 ? x : zero;
      const ab = this.id === 2 ? zero : x; // shares of a ⊕ b
      const t = yield* this.and(concat(a, c), concat(b, ab), take(2 * n));
      u = x; // shares of a ⊕ b ⊕ c
      v = new BigUint64Array(n);
      for (let i = 0; i < n; i++) v[i] = (t[i]! ^ t[n + i]!) << 1n;
    }
    const g = yield* this.and(u, v, take(n));
    let p = new BigUint64Array(n);
    xorAt(p, 0, u, v);
    const top = p.slice();
    for (let k = 1n; k <= 32n; k <<= 1n) {
      if (k < 32n) {
        const sh = new BigUint64Array(2 * n);
        shlAt(sh, 0, g, k);
        shlAt(sh, n, p, k);
        const pp = new BigUint64Array(2 * n);
        pp.set(p);
        pp.set(p, n);
        const t = yield* this.and(pp, sh, take(2 * n));
        xorAcc(g, t.subarray(0, n));
        p = t.slice(n);
      } else {
        const sh = new BigUint64Array(n);
        shlAt(sh, 0, g, k);
        xorAcc(g, yield* this.and(p, sh, take(n)));
      }
    }
    const out = new BigUint64Array(n);
    for (let i = 0; i < n; i++) out[i] = (top[i]! >> 63n) ^ ((g[i]! >> 62n) & 1n);
    return out;
  }

  /**
   * Additive shares of bits given as XOR shares in bit 0 (one daBit each, one round; the
   * masked bits travel packed 64 to a word).
   */
  *bitToArith(bits: Ring): Proto<Ring> {
    const n = bits.length;
    const [rb, ra] = yield* this.material.daBits(this, n);
    const m = new BigUint64Array((n + 63) >> 6);
    packBits(m, bits, rb);
    const e = yield* this.openXor(m, 'bit conversion');
    const out = new BigUint64Array(n);
    unpackDaBits(out, e, ra, this.id === 0 ? 1n : 0n);
    return out;
  }

  /** Additive integer shares of [x < 0] (0 or 1) for |x| < 2^63. */
  *ltz(x: Ring): Proto<Ring> {
    return yield* this.bitToArith(yield* this.msb(x));
  }

  /** [x < y] as integer 0/1 shares (|x − y| < 2^63). */
  *lt(x: Ring, y: Ring): Proto<Ring> {
    return yield* this.ltz(this.sub(x, y));
  }

  /** [x = y] as integer 0/1 shares: 1 − [x < y] − [y < x] (both comparisons in one batch). */
  *eq(x: Ring, y: Ring): Proto<Ring> {
    const n = x.length;
    const d = this.sub(x, y);
    const nd = this.scale(d, -1n);
    const b = yield* this.ltz(concat(d, nd));
    const out = new BigUint64Array(n);
    const first = this.id === 0;
    for (let i = 0; i < n; i++) out[i] = (first ? 1n : 0n) - b[i]! - b[n + i]!;
    return out;
  }

  /** b ? x : y for integer 0/1 shares b (one multiplication, no truncation). */
  *select(b: Ring, x: Ring, y: Ring): Proto<Ring> {
    const t = yield* this.mulRing(b, this.sub(x, y));
    return this.add(y, t);
  }

  /** Element-wise max. */
  *max(x: Ring, y: Ring): Proto<Ring> {
    return yield* this.select(yield* this.lt(x, y), y, x);
  }

  /** Element-wise min. */
  *min(x: Ring, y: Ring): Proto<Ring> {
    return yield* this.select(yield* this.lt(x, y), x, y);
  }

  /** The maximum (or minimum) of a whole vector by a tree of ⌈log2 n⌉ comparison layers. */
  *extreme(x: Ring, which: 'max' | 'min'): Proto<Ring> {
    if (x.length === 0) throw new RangeError(`${which} of an empty vector`);
    let v = x;
    while (v.length > 1) {
      const h = v.length >> 1;
      const a = v.subarray(0, h);
      const b = v.subarray(h, 2 * h);
      const m = which === 'max' ? yield* this.max(a, b) : yield* this.min(a, b);
      v = v.length % 2 ? concat(m, v.subarray(2 * h)) : m;
    }
    return v;
  }

  // ---------------------------------------------------------------- division and square root

  /**
   * Integer shares c_k = [|x| ≥ 2^k] for k = lo..hi−1 (k-major: c[(k−lo)·n + i]), in one batch.
   */
  *#octaves(x: Ring, lo: number, hi: number): Proto<Ring> {
    const n = x.length;
    const parts: Ring[] = [];
    for (let k = lo; k < hi; k++) {
      const t = mpcEncode([2 ** k], this.fracBits)[0]!;
      const d = new BigUint64Array(n);
      for (let i = 0; i < n; i++) d[i] = x[i]! - (this.id === 0 ? t : 0n);
      parts.push(d);
    }
    const below = yield* this.ltz(concat(...parts));
    const out = new BigUint64Array(below.length);
    const first = this.id === 0;
    for (let i = 0; i < out.length; i++) out[i] = (first ? 1n : 0n) - below[i]!;
    return out;
  }

  /** Initial guess Σ_k [2^k ≤ x < 2^{k+1}] · guess(k) as fixed-point shares (local). */
  #guess(c: Ring, n: number, lo: number, hi: number, guess: (k: number) => number): Ring {
    const y = new BigUint64Array(n);
    for (let k = lo; k < hi; k++) {
      const w = (k < hi - 1 ? guess(k) : 0) - (k > lo ? guess(k - 1) : 0);
      const wk = mpcEncode([w], this.fracBits)[0]!;
      const base = (k - lo) * n;
      for (let i = 0; i < n; i++) y[i] = y[i]! + c[base + i]! * wk;
    }
    return y;
  }

  /** Range of the reciprocal: |x| ∈ [2^{-⌊f/2⌋}, 2^f); outside it the result is 0. */
  reciprocalRange(): [number, number] {
    return [-(this.fracBits >> 1), this.fracBits];
  }

  /**
   * Fixed-point [1/x] for 2^{-⌊f/2⌋} ≤ |x| < 2^f (either sign): sign by one comparison,
   * octave by ⌈1.5 f⌉ comparisons, guess 0.75·2^{-k}, then 5 Newton steps y ← y(2 − x·y)
   * (relative error of the iteration ≤ 2^-32; fixed-point rounding adds a few units of 2^-f).
   * Below the range the result is 0.
   */
  *reciprocal(x: Ring): Proto<Ring> {
    const n = x.length;
    const s = yield* this.ltz(x);
    const sx = yield* this.mulRing(s, x);
    const ax = this.sub(x, this.scale(sx, 2n)); // |x|
    const [lo, hi] = this.reciprocalRange();
    const c = yield* this.#octaves(ax, lo, hi + 1);
    let y = this.#guess(c, n, lo, hi + 1, (k) => 0.75 * 2 ** -k);
    const two = mpcEncode([2], this.fracBits)[0]!;
    for (let it = 0; it < 5; it++) {
      const t = yield* this.mul(ax, y);
      for (let i = 0; i < n; i++) t[i] = (this.id === 0 ? two : 0n) - t[i]!;
      y = yield* this.mul(y, t);
    }
    const sy = yield* this.mulRing(s, y);
    return this.sub(y, this.scale(sy, 2n));
  }

  /** Fixed-point [x / y] = x · reciprocal(y) (range and error of {@link reciprocal}). */
  *div(x: Ring, y: Ring): Proto<Ring> {
    sameLength('div', x, y);
    return yield* this.mul(x, yield* this.reciprocal(y));
  }

  /**
   * Fixed-point [√x] for 0 ≤ x < 2^{f+1} (0 below 2^{-⌊f/2⌋} and above the range). The octave k
   * of x (⌈1.5 f⌉ comparisons) gives, locally, the secret factors S = 2^{-2j} and T = 2^j with
   * j = ⌊k/2⌋, both exact in fixed point; m = x·S ∈ [1, 4); the inverse square root z of m by
   * 5 Newton steps z ← z(3 − m z²)/2 from 1/√1.5 or 1/√3; √x = (m·z)·T. Relative error a few
   * units of 2^-f.
   */
  *sqrt(x: Ring): Proto<Ring> {
    const n = x.length;
    const [lo, hi] = this.reciprocalRange();
    const c = yield* this.#octaves(x, lo, hi + 2);
    const j = (k: number) => Math.floor(k / 2);
    const S = this.#guess(c, n, lo, hi + 2, (k) => 2 ** (-2 * j(k)));
    const T = this.#guess(c, n, lo, hi + 2, (k) => 2 ** j(k));
    let z = this.#guess(c, n, lo, hi + 2, (k) => (k % 2 === 0 ? 1.5 : 3) ** -0.5);
    const m = yield* this.mul(x, S);
    const three = mpcEncode([3], this.fracBits)[0]!;
    for (let it = 0; it < 5; it++) {
      const mz = yield* this.mul(m, z);
      const t = yield* this.mul(mz, z);
      for (let i = 0; i < n; i++) t[i] = (this.id === 0 ? three : 0n) - t[i]!;
      z = yield* this.trunc(yield* this.mulRing(z, t), this.fracBits + 1);
    }
    return yield* this.mul(yield* this.mul(m, z), T);
  }

  // ---------------------------------------------------------------- sorting and order statistics

  /**
   * Oblivious ascending sort of keys (|key| < 2^60) with payload columns moved alongside:
   * Batcher's bitonic network on the length padded to a power of two; every stage is one
   * vectorised comparison of n/2 pairs and one multiplication batch that swaps keys and payloads.
   */
  *sort(keys: Ring, payloads: Ring[] = []): Proto<Sorted> {
    const n0 = keys.length;
    for (const p of payloads)
      if (p.length !== n0) throw new RangeError(`sort: payload of ${p.length} for ${n0} keys`);
    let n = 1;
    while (n < n0) n <<= 1;
    const k = new BigUint64Array(n);
    k.set(keys);
    if (this.id === 0) for (let i = n0; i < n; i++) k[i] = SORT_PAD;
    const cols = payloads.map((p) => {
      const c = new BigUint64Array(n);
      c.set(p);
      return c;
    });
    const half = n >> 1;
    const lo = new Int32Array(half);
    const hi = new Int32Array(half);
    const w = 1 + cols.length;
    for (let size = 2; size <= n; size <<= 1) {
      for (let j = size >> 1; j > 0; j >>= 1) {
        let q = 0;
        for (let i = 0; i < n; i++) {
          const l = i ^ j;
          if (l <= i) continue;
          if ((i & size) === 0) {
            lo[q] = i;
            hi[q] = l;
          } else {
            lo[q] = l;
            hi[q] = i;
          }
          q++;
        }
        const d = new BigUint64Array(half * w);
        gatherDiff(d, 0, k, lo, hi);
        const b = yield* this.ltz(d.subarray(0, half));
        const bb = new BigUint64Array(half * w);
        for (let c = 0; c < w; c++) bb.set(b, c * half);
        for (let c = 1; c < w; c++) gatherDiff(d, c * half, cols[c - 1]!, lo, hi);
        const sw = yield* this.mulRing(bb, d);
        for (let c = 0; c < w; c++) scatterSwap(c === 0 ? k : cols[c - 1]!, sw, c * half, lo, hi);
      }
    }
    return { keys: k.slice(0, n0), payloads: cols.map((c) => c.slice(0, n0)) };
  }

  /**
   * Ranks revealed to `target` only: rank[i] = position of x_i in ascending order (ties in
   * an arbitrary but consistent order). Other parties get undefined and learn nothing.
   */
  *rankTo(x: Ring, target: number): Proto<Int32Array | undefined> {
    const n = x.length;
    const idx = new BigUint64Array(n);
    if (this.id === 0) for (let i = 0; i < n; i++) idx[i] = BigInt(i);
    const { payloads } = yield* this.sort(x, [idx]);
    const order = yield* this.revealTo(payloads[0]!, target);
    if (!order) return undefined;
    const rank = new Int32Array(n);
    for (let r = 0; r < n; r++) rank[Number(order[r]!)] = r;
    return rank;
  }

  /**
   * Fixed-point shares of the q-quantiles of x (linear interpolation between order statistics
   * at position q·(n − 1), numpy's default), from one oblivious sort.
   */
  *quantiles(x: Ring, qs: readonly number[]): Proto<Ring> {
    const n = x.length;
    if (n === 0) throw new RangeError('quantiles of an empty vector');
    for (const q of qs)
      if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} is not in [0, 1]`);
    const { keys } = yield* this.sort(x);
    return yield* this.pickQuantiles(keys, qs);
  }

  /** Quantiles from an already sorted vector (see {@link quantiles}). */
  *pickQuantiles(sorted: Ring, qs: readonly number[]): Proto<Ring> {
    const n = sorted.length;
    const base = new BigUint64Array(qs.length);
    const diff = new BigUint64Array(qs.length);
    const frac: number[] = [];
    qs.forEach((q, j) => {
      const pos = q * (n - 1);
      const l = Math.floor(pos);
      const h = Math.min(l + 1, n - 1);
      base[j] = sorted[l]!;
      diff[j] = sorted[h]! - sorted[l]!;
      frac.push(pos - l);
    });
    return this.add(base, yield* this.mulPublic(diff, frac));
  }

  // ---------------------------------------------------------------- group-by

  /** Per-group sums for public group keys (0..groups−1): local. */
  groupSumPublic(x: Ring, keys: ArrayLike<number>, groups: number): Ring {
    if (keys.length !== x.length)
      throw new RangeError(`groupSum: ${keys.length} keys for ${x.length} values`);
    const out = new BigUint64Array(groups);
    for (let i = 0; i < x.length; i++) {
      const g = keys[i]!;
      if (!Number.isInteger(g) || g < 0 || g >= groups)
        throw new RangeError(`group key ${g} at row ${i} is not in 0..${groups - 1}`);
      out[g] = out[g]! + x[i]!;
    }
    return out;
  }

  /**
   * Per-group sums and counts when the group keys are held by `owner` only: the owner
   * secret-shares the one-hot matrix (groups × n integer bits), then Σ_i onehot[g][i]·x_i by
   * Beaver multiplication. Returns [sums (fixed-point, groups), counts (integers, groups)].
   */
  *groupSumOwned(
    x: Ring,
    owner: number,
    keys: ArrayLike<number> | undefined,
    groups: number,
  ): Proto<[Ring, Ring]> {
    const n = x.length;
    let onehot: Ring | undefined;
    if (this.id === owner) {
      if (!keys || keys.length !== n)
        throw new RangeError(`groupSum: the key owner must pass ${n} keys, got ${keys?.length}`);
      onehot = new BigUint64Array(groups * n);
      for (let i = 0; i < n; i++) {
        const g = keys[i]!;
        if (!Number.isInteger(g) || g < 0 || g >= groups)
          throw new RangeError(`group key ${g} at row ${i} is not in 0..${groups - 1}`);
        onehot[g * n + i] = 1n;
      }
    }
    const oh = yield* this.input(owner, onehot, groups * n);
    const xs = new BigUint64Array(groups * n);
    for (let g = 0; g < groups; g++) xs.set(x, g * n);
    const p = yield* this.mulRing(oh, xs);
    const sums = new BigUint64Array(groups);
    const counts = new BigUint64Array(groups);
    for (let g = 0; g < groups; g++) {
      let s = 0n;
      let c = 0n;
      for (let i = g * n; i < (g + 1) * n; i++) {
        s += p[i]!;
        c += oh[i]!;
      }
      sums[g] = s;
      counts[g] = c;
    }
    return [sums, counts];
  }
}

function mm(a: Ring, b: Ring, n: number, k: number, m: number): Ring {
  const out = new BigUint64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let t = 0; t < k; t++) {
      const x = a[i * k + t]!;
      const row = t * m;
      const o = i * m;
      for (let j = 0; j < m; j++) out[o + j] = out[o + j]! + x * b[row + j]!;
    }
  return out;
}
