/**
 * Level-wise growth of one histogram tree (XGBoost "hist", FATE's SecureBoost tree): every node
 * of a level that has ≥ minSampleSplit rows and features to split on gets its best split; the
 * smaller child of a split has its histogram built from its rows and the larger one gets its
 * parent's minus the smaller's. The federated guest follows the same order step for step.
 */
import type { BinnedMatrix } from './binning.js';
import { buildHistogram, subtractHistogram, type Histogram } from './histogram.js';
import type { GbdtParams } from './params.js';
import { missingCode, type BinnedMatrix as Binned } from './binning.js';
import {
  goesLeftBinned,
  leafWeight,
  noSplit,
  scanCategorical,
  scanFeature,
  type MissingSums,
} from './split.js';
import type { GbdtNode, GbdtTree } from './tree.js';

/** Everything one tree is grown from. */
export interface GrowInput {
  binned: BinnedMatrix;
  /** {@link binOffsets} of `binned`. */
  offsets: Int32Array;
  /** Per table row: this tree's first and second derivatives. */
  g: Float64Array;
  h: Float64Array;
  /** Features the tree may split on, ascending. */
  features: Uint32Array;
  params: GbdtParams;
  /**
   * Per feature: its number of categories k when it is binned one bin per category and split
   * by category sets (scanCategorical), else undefined (threshold splits).
   */
  categories?: readonly (number | undefined)[];
}

/** Σ over `rows` (in order) of v[row]. */
export function sumRows(v: Float64Array, rows: Uint32Array): number {
  let s = 0;
  for (let i = 0; i < rows.length; i++) s += v[rows[i] as number] as number;
  return s;
}

/** Rows (in order) split by a predicate into [left, right]. */
export function partitionRows(
  rows: Uint32Array,
  goesLeft: (row: number, index: number) => boolean,
): [Uint32Array, Uint32Array] {
  const left: number[] = [];
  const right: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as number;
    (goesLeft(r, i) ? left : right).push(r);
  }
  return [Uint32Array.from(left), Uint32Array.from(right)];
}

/**
 * A node's sums over its rows missing feature f (its histogram's missing bin), or undefined when
 * the feature has no missing values. `any` is judged by H > 0 or G ≠ 0 (rows with h = g = 0
 * cannot change a gain).
 */
export function missingSums(
  binned: Binned,
  hist: Histogram,
  offsets: Int32Array,
  f: number,
): MissingSums | undefined {
  if (!binned.missing[f]) return undefined;
  const at = (offsets[f] as number) + (binned.splitPoints[f] as Float64Array).length + 1;
  const G = hist.G[at] as number;
  const H = hist.H[at] as number;
  return { G, H, any: H > 0 || G !== 0 };
}

interface NodeState {
  rows: Uint32Array;
  G: number;
  H: number;
  parent: number;
  sibling: number;
  hist?: Histogram;
}

/**
 * Grows one tree on `rows` (ascending table rows).
 * @returns the tree; leaves carry −G/(H+λ)·learningRate.
 */
export function growTree(
  input: GrowInput,
  rows: Uint32Array,
  round: number,
  cls: number,
): GbdtTree {
  const { binned, offsets, g, h, features, params: p, categories } = input;
  const rule = { lambda: p.lambda, minChildWeight: p.minChildWeight };
  const catRule = { catSmooth: p.catSmooth, maxCatToOnehot: p.maxCatToOnehot };
  const nodes: GbdtNode[] = [];
  const states: NodeState[] = [];
  const add = (r: Uint32Array, parent: number): number => {
    states.push({ rows: r, G: sumRows(g, r), H: sumRows(h, r), parent, sibling: -1 });
    nodes.push({ kind: 'leaf', value: 0, count: r.length });
    return states.length - 1;
  };
  add(rows, -1);
  let level = [0];
  const expandable = (id: number) =>
    (states[id] as NodeState).rows.length >= p.minSampleSplit && features.length > 0;
  for (let depth = 0; depth < p.maxDepth && level.length > 0; depth++) {
    for (let k = 0; k < level.length; k++) {
      const id = level[k] as number;
      const st = states[id] as NodeState;
      if (st.parent < 0) {
        if (expandable(id)) st.hist = buildHistogram(binned, offsets, st.rows, g, h, features);
      } else if (k % 2 === 0) {
        // Children come in (left, right) pairs.
        const sib = level[k + 1] as number;
        if (!expandable(id) && !expandable(sib)) continue;
        const a = states[id] as NodeState;
        const b = states[sib] as NodeState;
        const small = a.rows.length <= b.rows.length ? a : b; // a tie builds the left child
        const large = small === a ? b : a;
        small.hist = buildHistogram(binned, offsets, small.rows, g, h, features);
        large.hist = subtractHistogram(
          (states[a.parent] as NodeState).hist as Histogram,
          small.hist,
        );
      }
    }
    for (const id of level) {
      const parent = (states[id] as NodeState).parent;
      if (parent >= 0) delete (states[parent] as NodeState).hist;
    }
    const next: number[] = [];
    for (const id of level) {
      const st = states[id] as NodeState;
      if (!expandable(id) || !st.hist) continue;
      const best = noSplit(p.gamma);
      for (let k = 0; k < features.length; k++) {
        const f = features[k] as number;
        const count = categories?.[f];
        if (count !== undefined) {
          scanCategorical(
            st.hist.G,
            st.hist.H,
            offsets[f] as number,
            count,
            st.G,
            st.H,
            rule,
            catRule,
            best,
            f,
            missingSums(binned, st.hist, offsets, f),
          );
          continue;
        }
        scanFeature(
          st.hist.G,
          st.hist.H,
          offsets[f] as number,
          (binned.splitPoints[f] as Float64Array).length,
          st.G,
          st.H,
          rule,
          best,
          f,
          missingSums(binned, st.hist, offsets, f),
        );
      }
      if (best.feature < 0) continue;
      const base = best.feature * binned.rows;
      const mc = missingCode(binned.splitPoints[best.feature] as Float64Array);
      const set = best.leftBins;
      const [l, r] = partitionRows(st.rows, (row) => {
        const code = binned.codes[base + row] as number;
        if (set) return code === mc ? best.missingLeft : set.includes(code);
        return goesLeftBinned(code, best.bin, best.missingLeft, mc);
      });
      const left = add(l, id);
      const right = add(r, id);
      (states[left] as NodeState).sibling = right;
      (states[right] as NodeState).sibling = left;
      nodes[id] = {
        kind: 'split',
        feature: best.feature,
        bin: best.bin,
        // A set split has no threshold: NaN, never used (routing follows `categories`).
        threshold: set
          ? NaN
          : ((binned.splitPoints[best.feature] as Float64Array)[best.bin] as number),
        gain: best.gain,
        left,
        right,
        count: st.rows.length,
        ...(best.missingLeft ? { missingLeft: true } : {}),
        ...(set ? { categories: set, categoryCount: categories?.[best.feature] as number } : {}),
      };
      next.push(left, right);
    }
    level = next;
  }
  states.forEach((st, id) => {
    if ((nodes[id] as GbdtNode).kind === 'leaf')
      nodes[id] = {
        kind: 'leaf',
        value: leafWeight(st.G, st.H, p.lambda, p.learningRate),
        count: st.rows.length,
      };
  });
  return { round, cls, nodes };
}
