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
 * rows. Ties would leak (how many keys are equal): the index appended to the key rules them out
 * and makes the sort stable.
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

/**
 * Checks the key bound and returns the distinct keys key·2^s + i (party 0 adds the public i).
 * @throws RangeError when keyBits + s > 61 (differences of extended keys must stay below 2^63).
 */
function distinctKeys(party: MpcParty, keys: Ring, keyBits: number): Ring {
  const n = keys.length;
  const s = indexBits(n);
  if (!Number.isInteger(keyBits) || keyBits < 0 || keyBits + s > 61)
    throw new RangeError(
      `quicksort: keys of ${keyBits} bits and ${n} rows need ${keyBits} + ${s} ≤ 61 bits (|key| < 2^${keyBits}); lower the key bound or use the bitonic sort (MpcParty.sort)`,
    );
  const out = party.scale(keys, 1n << BigInt(s));
  if (party.id === 0) for (let i = 0; i < n; i++) out[i] = out[i]! + BigInt(i);
  return out;
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
): Proto<Int32Array> {
  const N = keys.length;
  const cur = keys.slice();
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
    let q = 0;
    for (let t = 0; t < segs.length; t += 2) {
      const s = segs[t]!;
      const e = segs[t + 1]!;
      const pv = cur[s]!;
      for (let i = s + 1; i < e; i++) d[q++] = cur[i]! - pv;
    }
    // [key < pivot] as XOR shares in bit 0, packed 64 to a word and opened to every party.
    const bits = yield* party.msb(d);
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
        if ((lt[q >>> 5]! >>> (q & 31)) & 1) {
          tmpK[a] = cur[i]!;
          tmpO[a++] = order[i]!;
        } else {
          tmpK[b] = cur[i]!;
          tmpO[b++] = order[i]!;
        }
      }
      tmpK[s + less] = cur[s]!;
      tmpO[s + less] = order[s]!;
      cur.set(tmpK.subarray(s, e), s);
      order.set(tmpO.subarray(s, e), s);
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
 * @param keyBits public bound on the keys' magnitude; keyBits + ⌈log2 n⌉ ≤ 61.
 * @throws RangeError for a key bound that does not fit, payloads of the wrong length, or
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
  const ext = distinctKeys(party, keys, keyBits);
  const [k2, ...cols] = yield* shuffle(party, [ext, keys, ...payloads]);
  const order = yield* revealedQuicksort(party, k2!, [[0, n]]);
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
 * @param cols shares of the columns, |value| < 2^keyBits.
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
      const [e, v] = yield* shuffle(party, [distinctKeys(party, x, keyBits), x]);
      k2.set(e!, off);
      vals.set(v!, off);
    }
    blocks.push([off, off + n]);
    for (const r of ranks[c]!) want.push(off + r);
    off += n;
  }
  const wanted = Int32Array.from(new Set(want)).sort();
  const order = yield* revealedQuicksort(party, k2, blocks, wanted);
  return cols.map((_, c) => {
    const rs = ranks[c]!;
    const out = new BigUint64Array(rs.length);
    rs.forEach((r, t) => (out[t] = vals[order[blocks[c]![0] + r]!]!));
    return out;
  });
}
