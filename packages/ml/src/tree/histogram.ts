/**
 * Gradient histograms: per (feature, bin) the sums G = Σg and H = Σh over a node's rows, laid
 * out feature by feature at {@link binOffsets}. A sibling's histogram is its parent's minus the
 * other child's (one subtraction per bin instead of a pass over the rows).
 */
import type { BinnedMatrix } from './binning.js';

export interface Histogram {
  G: Float64Array;
  H: Float64Array;
}

/**
 * Sums g and h of `rows` into the bins of `features` (other features' bins stay 0).
 * @param offsets {@link binOffsets} of the matrix.
 * @param g,h one value per table row (one class's slice).
 */
export function buildHistogram(
  b: BinnedMatrix,
  offsets: Int32Array,
  rows: Uint32Array,
  g: Float64Array,
  h: Float64Array,
  features: ArrayLike<number>,
): Histogram {
  const total = offsets[offsets.length - 1] as number;
  const G = new Float64Array(total);
  const H = new Float64Array(total);
  for (let k = 0; k < features.length; k++) {
    const f = features[k] as number;
    const off = offsets[f] as number;
    const base = f * b.rows;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i] as number;
      const bin = off + (b.codes[base + r] as number);
      G[bin] = (G[bin] as number) + (g[r] as number);
      H[bin] = (H[bin] as number) + (h[r] as number);
    }
  }
  return { G, H };
}

/** parent − child, bin by bin. */
export function subtractHistogram(parent: Histogram, child: Histogram): Histogram {
  const n = parent.G.length;
  const G = new Float64Array(n);
  const H = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    G[i] = (parent.G[i] as number) - (child.G[i] as number);
    H[i] = (parent.H[i] as number) - (child.H[i] as number);
  }
  return { G, H };
}
