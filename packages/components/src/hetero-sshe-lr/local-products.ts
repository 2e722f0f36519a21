/**
 * The local halves of the secure products: a party's features times ITS OWN shares, in the ring,
 * with exactly the integers the homomorphic halves use (exps_ij · 2^baseFold_j), so that the
 * two halves of every product add up to the product of the quantised features.
 */
import type { SecureFeatures } from './features.js';
import { ring } from './ring.js';

/** (X·w)_r for the batch rows, w a share of the weights (cols entries). */
export function localProduct(x: SecureFeatures, rows: Uint32Array, w: readonly bigint[]): bigint[] {
  const { cols, bigExps } = x;
  const wf = w.map((wj, j) => wj << BigInt(x.baseFold[j] as number));
  const out = new Array<bigint>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const o = (rows[r] as number) * cols;
    let acc = 0n;
    for (let j = 0; j < cols; j++) acc += (bigExps[o + j] as bigint) * (wf[j] as bigint);
    out[r] = ring(acc);
  }
  return out;
}

/** (Xᵀ·d)_j over the batch rows, d a share of the scaled error (one entry per batch row). */
export function localGradient(
  x: SecureFeatures,
  rows: Uint32Array,
  d: readonly bigint[],
): bigint[] {
  const { cols, bigExps } = x;
  const acc = new Array<bigint>(cols).fill(0n);
  for (let r = 0; r < rows.length; r++) {
    const o = (rows[r] as number) * cols;
    const dr = d[r] as bigint;
    for (let j = 0; j < cols; j++) acc[j] = (acc[j] as bigint) + (bigExps[o + j] as bigint) * dr;
  }
  return acc.map((a, j) => ring(a << BigInt(x.baseFold[j] as number)));
}
