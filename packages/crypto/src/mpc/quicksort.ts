/**
 * Sorting and order statistics by shuffle-then-reveal quicksort (Hamada et al., _Practically
 * efficient multi-party sorting protocols from comparison sort algorithms_, ICISC 2012; SPU's
 * "shuffle + quick sort"): the keys are made distinct (key·2^s + original index, s = ⌈log2 n⌉),
 * shuffled obliviously ({@link shuffle}), and then sorted by an ordinary quicksort whose
 * comparison results are opened to every party. All comparisons of one recursion level — every
 * element of every live segment against its segment's pivot — form one batched comparison.
 *
 * Why opening the comparisons leaks nothing: after the shuffle the rows stand in an order drawn
 * uniformly at random and unknown to any coalition of fewer than all parties; with distinct keys,
 * the outcomes of a deterministic quicksort are a function of the relative order of the shuffled
 * sequence only, which is a uniform random permutation whatever the data. The transcript (the
 * comparison bits, the segment sizes, the number of levels) can therefore be simulated from n
 * alone. The final sorting permutation is public but relates shuffled positions, never input
 * rows. Ties would leak (how many keys are equal): the original row index rules them out and
 * makes the sort stable. It is packed below the key (key·2^s + i) when keyBits + s ≤ 61, so that
 * differences stay below 2^63 and one comparison decides; for wider keys (up to 60 bits: the
 * components' full-precision fixed-point values) the index travels as a second shared column
 * through the shuffle and each comparison is lexicographic on (key, index), 2·(a − b) − [i < j]
 * < 0, at two comparisons per pair (`lexLess`). Either way the order compared is a strict total
 * order on the input rows fixed before the shuffle, which is all the argument above needs.
 *
 * Cost ≈ 2n·ln n comparisons (≈ 1.39·n·log2 n, against n·log2 n·(log2 n + 1)/4 for the bitonic
 * network: 29 M instead of 110 M at 2^20) in ≈ 2–4·log2 n levels; selection of a few ranks
 * (quantiles) recurses only into segments holding a wanted rank: ≈ (2 + 2·log2 r)·n comparisons
 * for r ranks.
 */
import { packBits } from './kernels.js';
import type { Proto } from './messages.js';
import type { MpcParty, Sorted } from './party.js';
import type { Ring } from './ring.js';
import { shuffle } from './shuffle.js';

/** Bits of the index appended to the keys of a column of n rows. */
function indexBits(n: number): number {
  return n > 1 ? Math.ceil(Math.log2(n)) : 0;
}

/** Widest keys the quicksort accepts: the lexicographic comparison forms 2·(a − b) − c. */
export const QUICKSORT_MAX_KEY_BITS = 60;

/**
 * Keys made distinct for the quicksort. Packed (keyBits + ⌈log2 n⌉ ≤ 61): key·2^s + i, one
 * comparison per pair. Otherwise (keyBits ≤ 60) the keys stay as they are and `tie` holds
 * shares of the row index i, compared lexicographically after the key ({@link lexLess});
 * `lex` asks for the latter whatever the width (every column of one batch alike).
 * @throws RangeError when keyBits is not an integer in [0, 60].
 */
function distinctKeys(
  party: MpcParty,
  keys: Ring,
  keyBits: number,
  lex = false,
): { key: Ring; tie?: Ring } {
  const n = keys.length;
  const s = indexBits(n);
  if (!Number.isInteger(keyBits) || keyBits < 0 || keyBits > QUICKSORT_MAX_KEY_BITS)
    throw new RangeError(
      `quicksort: keys of ${keyBits} bits for ${n} rows; the bound must be an integer in [0, ${QUICKSORT_MAX_KEY_BITS}] (|key| < 2^keyBits)`,
    );
  const idx = new BigUint64Array(n);
  if (party.id === 0) for (let i = 0; i < n; i++) idx[i] = BigInt(i);
  if (lex || keyBits + s > 61) return { key: keys, tie: idx };
  const out = party.scale(keys, 1n << BigInt(s));
  if (party.id === 0) for (let i = 0; i < n; i++) out[i] = out[i]! + BigInt(i);
  return { key: out };
}

/**
 * XOR shares (bit 0) of [(a, i) < (b, j)] in lexicographic order, from shares of d = a − b
 * (|d| < 2^61) and t = i − j (row indices, never equal): with c = [i < j] ∈ {0, 1},
 * 2d − c < 0 ⇔ d < 0 ∨ (d = 0 ∧ c = 1) — for d ≤ −1, 2d − c ≤ −2; for d ≥ 1, 2d − c ≥ 1 —
 * and |2d − c| < 2^63. Two comparisons and one bit conversion per pair.
 */
function* lexLess(party: MpcParty, d: Ring, t: Ring): Proto<Ring> {
  const c = yield* party.bitToArith(yield* party.msb(t));
  return yield* party.msb(party.sub(party.scale(d, 2n), c));
}

/** First index in the sorted `xs` with xs[i] ≥ v. */
function lowerBound(xs: Int32Array, v: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The revealed-comparison quicksort on shuffled, distinct keys. `blocks` are [start, end)
 * ranges sorted independently (several columns in one batch); when `wanted` (sorted positions)
 * is given, only segments holding a wanted position are refined (selection).
 * @returns order: position → index into `keys` (final for every wanted position, or everywhere).
 */
function* revealedQuicksort(
  party: MpcParty,
  keys: Ring,
  blocks: readonly [number, number][],
  wanted?: Int32Array,
  tie?: Ring,
): Proto<Int32Array> {
  const N = keys.length;
  const cur = keys.slice();
  const curT = tie?.slice();
  const tmpT = new BigUint64Array(tie ? N : 0);
  const order = new Int32Array(N);
  for (let i = 0; i < N; i++) order[i] = i;
  const tmpK = new BigUint64Array(N);
  const tmpO = new Int32Array(N);
  const live = (s: number, e: number): boolean => {
    if (e - s < 2) return false;
    if (!wanted) return true;
    const i = lowerBound(wanted, s);
    return i < wanted.length && wanted[i]! < e;
  };
  let segs: number[] = [];
  for (const [s, e] of blocks) if (live(s, e)) segs.push(s, e);
  while (segs.length > 0) {
    let m = 0;
    for (let t = 0; t < segs.length; t += 2) m += segs[t + 1]! - segs[t]! - 1;
    const d = new BigUint64Array(m);
    const dt = new BigUint64Array(curT ? m : 0);
    let q = 0;
    for (let t = 0; t < segs.length; t += 2) {
      const s = segs[t]!;
      const e = segs[t + 1]!;
      const pv = cur[s]!;
      if (curT) {
        const pt = curT[s]!;
        for (let i = s + 1; i < e; i++) dt[q + i - s - 1] = curT[i]! - pt;
      }
      for (let i = s + 1; i < e; i++) d[q++] = cur[i]! - pv;
    }
    // [key < pivot] as XOR shares in bit 0, packed 64 to a word and opened to every party.
    const bits = curT ? yield* lexLess(party, d, dt) : yield* party.msb(d);
    const words = (m + 63) >> 6;
    const packed = new BigUint64Array(words);
    packBits(packed, bits, new BigUint64Array(m));
    const opened = yield* party.openXor(packed, 'quicksort: comparisons with the pivots');
    const lt = new Uint32Array(2 * words);
    for (let w = 0; w < words; w++) {
      const v = opened[w]!;
      lt[2 * w] = Number(v & 0xffffffffn);
      lt[2 * w + 1] = Number(v >> 32n);
    }
    const next: number[] = [];
    q = 0;
    for (let t = 0; t < segs.length; t += 2) {
      const s = segs[t]!;
      const e = segs[t + 1]!;
      let less = 0;
      for (let i = 0; i < e - s - 1; i++) less += (lt[(q + i) >>> 5]! >>> ((q + i) & 31)) & 1;
      let a = s;
      let b = s + less + 1;
      for (let i = s + 1; i < e; i++, q++) {
        const at = (lt[q >>> 5]! >>> (q & 31)) & 1 ? a++ : b++;
        tmpK[at] = cur[i]!;
        tmpO[at] = order[i]!;
        if (curT) tmpT[at] = curT[i]!;
      }
      tmpK[s + less] = cur[s]!;
      tmpO[s + less] = order[s]!;
      cur.set(tmpK.subarray(s, e), s);
      order.set(tmpO.subarray(s, e), s);
      if (curT) {
        tmpT[s + less] = curT[s]!;
        curT.set(tmpT.subarray(s, e), s);
      }
      if (live(s, s + less)) next.push(s, s + less);
      if (live(s + less + 1, e)) next.push(s + less + 1, e);
    }
    segs = next;
  }
  return order;
}

/**
 * Oblivious ascending sort by shuffle and revealed-comparison quicksort (see the module
 * comment), payload columns moved alongside. Stable (ties keep their input order).
 * @param keys shares of the keys, |key| < 2^keyBits.
 * @param keyBits public bound on the keys' magnitude, ≤ 60: with keyBits + ⌈log2 n⌉ ≤ 61 one
 *   comparison per pair (index packed below the key), above that two (lexicographic on
 *   (key, index)) — exact in both cases.
 * @throws RangeError for a key bound above 60, payloads of the wrong length, or
 *   dealer-free material (no permutation correlations).
 */
export function* quickSort(
  party: MpcParty,
  keys: Ring,
  payloads: readonly Ring[] = [],
  keyBits = 40,
): Proto<Sorted> {
  const n = keys.length;
  for (const p of payloads)
    if (p.length !== n) throw new RangeError(`quickSort: payload of ${p.length} for ${n} keys`);
  if (n === 0) return { keys: keys.slice(), payloads: payloads.map((p) => p.slice()) };
  const { key, tie } = distinctKeys(party, keys, keyBits);
  // Index ties: the key is the value itself, shuffled once; packed: the value rides along.
  const sh = yield* shuffle(party, tie ? [keys, tie, ...payloads] : [key, keys, ...payloads]);
  const t2 = tie ? sh[1] : undefined;
  const cols = tie ? [sh[0]!, ...sh.slice(2)] : sh.slice(1);
  const order = yield* revealedQuicksort(party, sh[0]!, [[0, n]], undefined, t2);
  const gather = (c: Ring) => {
    const out = new BigUint64Array(n);
    for (let i = 0; i < n; i++) out[i] = c[order[i]!]!;
    return out;
  };
  return { keys: gather(cols[0]!), payloads: cols.slice(1).map(gather) };
}

/**
 * Shares of order statistics of several columns at once: for column c, the values of rank
 * ranks[c][t] (0 = smallest) — one shuffle per column (independent permutations, so the
 * comparisons of different columns cannot be linked row by row) and one quickselect over all
 * columns whose levels are batched together.
 * @param cols shares of the columns, |value| < 2^keyBits (keyBits ≤ 60; packed or lexicographic
 *   comparisons as for {@link quickSort}).
 * @param ranks per column, the wanted ranks (0..n_c − 1).
 * @returns per column, shares of the values at the wanted ranks, in the order asked.
 * @throws RangeError for a rank out of range or a key bound that does not fit.
 */
export function* orderStatistics(
  party: MpcParty,
  cols: readonly Ring[],
  ranks: readonly (readonly number[])[],
  keyBits: number,
): Proto<Ring[]> {
  if (ranks.length !== cols.length)
    throw new RangeError(`orderStatistics: ${ranks.length} rank lists for ${cols.length} columns`);
  const total = cols.reduce((t, c) => t + c.length, 0);
  const k2 = new BigUint64Array(total);
  const vals = new BigUint64Array(total);
  // Every column with the same keyBits: packed keys for all, or index ties for all.
  const lex = cols.some((x) => keyBits + indexBits(x.length) > 61);
  const ties = lex ? new BigUint64Array(total) : undefined;
  const blocks: [number, number][] = [];
  const want: number[] = [];
  let off = 0;
  for (let c = 0; c < cols.length; c++) {
    const x = cols[c]!;
    const n = x.length;
    for (const r of ranks[c]!)
      if (!Number.isInteger(r) || r < 0 || r >= n)
        throw new RangeError(`orderStatistics: rank ${r} of a column of ${n} rows`);
    if (n > 0) {
      const { key, tie } = distinctKeys(party, x, keyBits, lex);
      if (tie) {
        // Index ties: the key is the value itself, shuffled once.
        const [v, t] = yield* shuffle(party, [x, tie]);
        k2.set(v!, off);
        vals.set(v!, off);
        ties!.set(t!, off);
      } else {
        const [e, v] = yield* shuffle(party, [key, x]);
        k2.set(e!, off);
        vals.set(v!, off);
      }
    }
    blocks.push([off, off + n]);
    for (const r of ranks[c]!) want.push(off + r);
    off += n;
  }
  const wanted = Int32Array.from(new Set(want)).sort();
  const order = yield* revealedQuicksort(party, k2, blocks, wanted, ties);
  return cols.map((_, c) => {
    const rs = ranks[c]!;
    const out = new BigUint64Array(rs.length);
    rs.forEach((r, t) => (out[t] = vals[order[blocks[c]![0] + r]!]!));
    return out;
  });
}
