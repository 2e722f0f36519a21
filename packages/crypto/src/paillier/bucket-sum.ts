/**
 * Bucketed ciphertext summation: the encrypted histograms of SecureBoost (Cheng et al.,
 * "SecureBoost: A Lossless Federated Learning Framework", arXiv:1901.08755, Algorithm 1, the
 * passive party's aggregation step). For every listed feature f and bucket b
 *
 *   out[f][b] = Π_{i : codes[f][rows[i]] = b} cts[ctIndex[i]]  mod n²  =  [[Σ_i m_i]]
 *
 * using modular multiplications only (homomorphic additions; no exponentiation, no key). Each
 * bucket is reduced pairwise, level by level, with one batched multiplication call per level for
 * all buckets of a feature, so the native kernel sees large batches; the first level is filled
 * straight from the input (no separate sorting copy).
 */
import type { ModArith } from '../kernels/mod-arith.js';

/** What {@link sumBuckets} sums. Row indices refer to a table of `rowsTotal` rows. */
export interface BucketSumInput {
  /** Ciphertexts, count × width bytes (width = the arithmetic's byte width). */
  cts: Uint8Array;
  /** The table rows taking part (any order; each at most once). */
  rows: Uint32Array;
  /** For each entry of `rows`: the index of that row's ciphertext in `cts`. */
  ctIndex: Uint32Array;
  /** Bucket code of every (feature, table row), feature-major: codes[f·rowsTotal + row]. */
  codes: Uint8Array;
  /** Rows of the table that `codes` describes. */
  rowsTotal: number;
  /** Features to sum (row indices into `codes` viewed as features × rowsTotal). */
  features: Int32Array;
  /** Per listed feature: how many buckets to output (0…); rows whose code is ≥ this are skipped. */
  buckets: Int32Array;
}

/** Total number of buckets {@link sumBuckets} returns for `buckets`. */
export function bucketCount(buckets: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < buckets.length; i++) total += buckets[i] as number;
  return total;
}

/** Checks shapes and indices. @throws RangeError naming the first inconsistency. */
export function checkBucketSumInput(input: BucketSumInput, width: number): void {
  const { cts, rows, ctIndex, codes, rowsTotal, features, buckets } = input;
  if (cts.length % width !== 0)
    throw new RangeError(`ciphertext batch of ${cts.length} bytes is not a multiple of ${width}`);
  const count = cts.length / width;
  if (rows.length !== ctIndex.length)
    throw new RangeError(`rows (${rows.length}) and ctIndex (${ctIndex.length}) differ in length`);
  if (!Number.isInteger(rowsTotal) || rowsTotal < 0)
    throw new RangeError(`rowsTotal must be a non-negative integer, got ${rowsTotal}`);
  if (features.length !== buckets.length)
    throw new RangeError(
      `features (${features.length}) and buckets (${buckets.length}) differ in length`,
    );
  const nFeatures = rowsTotal === 0 ? 0 : codes.length / rowsTotal;
  if (rowsTotal > 0 && !Number.isInteger(nFeatures))
    throw new RangeError(`codes (${codes.length}) is not a multiple of rowsTotal (${rowsTotal})`);
  for (let i = 0; i < rows.length; i++) {
    if ((rows[i] as number) >= rowsTotal)
      throw new RangeError(`rows[${i}] = ${rows[i]} is outside the table of ${rowsTotal} rows`);
    if ((ctIndex[i] as number) >= count)
      throw new RangeError(`ctIndex[${i}] = ${ctIndex[i]} is outside the ${count} ciphertexts`);
  }
  for (let k = 0; k < features.length; k++) {
    const f = features[k] as number;
    if (!Number.isInteger(f) || f < 0 || f >= nFeatures)
      throw new RangeError(`features[${k}] = ${f} is not a feature of codes (${nFeatures})`);
    const b = buckets[k] as number;
    if (!Number.isInteger(b) || b < 0 || b > 256)
      throw new RangeError(`buckets[${k}] = ${b} must be an integer in [0, 256]`);
  }
}

/**
 * Sums ciphertexts per (feature, bucket).
 * @returns Σ buckets ciphertexts, feature by feature in `features` order, buckets 0, 1, … within
 *   a feature; an empty bucket is [[0]] with randomiser 1 (the integer 1).
 * @throws RangeError on inconsistent shapes (see {@link checkBucketSumInput}).
 */
export function sumBuckets(arith: ModArith, input: BucketSumInput): Uint8Array {
  const w = arith.width;
  checkBucketSumInput(input, w);
  const { cts, rows, ctIndex, codes, rowsTotal, features, buckets } = input;
  const out = new Uint8Array(bucketCount(buckets) * w);
  for (let k = 0; k < out.length; k += w) out[k] = 1;
  let outBucket = 0;
  for (let fi = 0; fi < features.length; fi++) {
    const nb = buckets[fi] as number;
    if (nb === 0) continue;
    const base = (features[fi] as number) * rowsTotal;
    // Bucket sizes, then the first level of a pairwise reduction filled straight from `cts`:
    // the first half of a bucket's ciphertexts into `a`, the second half into `c`, an odd last
    // one into the bucket's carry. Every later level pairs the halves of the previous products.
    const len = new Int32Array(nb);
    for (let i = 0; i < rows.length; i++) {
      const code = codes[base + (rows[i] as number)] as number;
      if (code < nb) len[code]!++;
    }
    const carry: (Uint8Array | undefined)[] = new Array(nb);
    const start = new Int32Array(nb); // where the bucket's pairs start in a / c
    let pairs = 0;
    for (let b = 0; b < nb; b++) {
      start[b] = pairs;
      pairs += (len[b] as number) >> 1;
    }
    let a = new Uint8Array(pairs * w);
    let c = new Uint8Array(pairs * w);
    const seen = new Int32Array(nb);
    for (let i = 0; i < rows.length; i++) {
      const code = codes[base + (rows[i] as number)] as number;
      if (code >= nb) continue;
      const k = seen[code]!++;
      const h = (len[code] as number) >> 1;
      const src = cts.subarray((ctIndex[i] as number) * w, ((ctIndex[i] as number) + 1) * w);
      if (k < h) a.set(src, ((start[code] as number) + k) * w);
      else if (k < 2 * h) c.set(src, ((start[code] as number) + k - h) * w);
      else carry[code] = src.slice();
    }
    for (let b = 0; b < nb; b++) len[b] = (len[b] as number) >> 1; // products per bucket
    while (pairs > 0) {
      const r = arith.mul(a, c);
      // Next level: halves of each bucket's products; an odd one meets the carry (as an extra
      // pair) or becomes it.
      let next = 0;
      const plan = new Int32Array(nb);
      for (let b = 0; b < nb; b++) {
        const l = len[b] as number;
        const extra = l & 1 && carry[b] ? 1 : 0;
        plan[b] = (l >> 1) + extra;
        next += plan[b] as number;
      }
      const na = new Uint8Array(next * w);
      const nc = new Uint8Array(next * w);
      let q = 0;
      for (let b = 0; b < nb; b++) {
        const l = len[b] as number;
        const h = l >> 1;
        const s0 = start[b] as number;
        start[b] = q;
        if (h > 0) {
          na.set(r.subarray(s0 * w, (s0 + h) * w), q * w);
          nc.set(r.subarray((s0 + h) * w, (s0 + 2 * h) * w), q * w);
        }
        q += h;
        if (l & 1) {
          const odd = r.subarray((s0 + 2 * h) * w, (s0 + 2 * h + 1) * w);
          const cb = carry[b];
          if (cb) {
            na.set(odd, q * w);
            nc.set(cb, q * w);
            carry[b] = undefined;
            q++;
          } else carry[b] = odd.slice();
        }
        len[b] = plan[b] as number;
      }
      a = na;
      c = nc;
      pairs = next;
    }
    for (let b = 0; b < nb; b++) {
      const cb = carry[b];
      if (cb) out.set(cb, (outBucket + b) * w);
    }
    outBucket += nb;
  }
  return out;
}
