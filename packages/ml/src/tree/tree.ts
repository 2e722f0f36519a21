/**
 * A boosted tree: nodes in creation order (root 0; a split's children appended left then right,
 * level by level). Splits send x ≤ threshold (equivalently bin code ≤ bin) to the left child,
 * and a missing x (NaN) to the side `missingLeft` names (right when absent). A set split on a
 * categorical feature (`categories`) sends the codes it lists left, the column's other codes
 * right, and a missing or unknown code (outside 0 … categoryCount − 1) the missing direction.
 */
import type { Matrix } from '../matrix.js';
import { missingCode, type BinnedMatrix } from './binning.js';
import { goesLeftBinned, goesLeftRaw } from './split.js';

export interface GbdtLeaf {
  kind: 'leaf';
  /** Leaf weight, learning rate included. */
  value: number;
  /** Training rows that reached the leaf. */
  count: number;
}

export interface GbdtSplit {
  kind: 'split';
  /** Column of the feature matrix. */
  feature: number;
  /** Bin index: codes ≤ bin go left. */
  bin: number;
  /** The split point of that bin: values ≤ threshold go left. */
  threshold: number;
  gain: number;
  left: number;
  right: number;
  count: number;
  /** Rows missing the feature go left (absent: right). */
  missingLeft?: boolean;
  /** A set split on a categorical feature: the category codes going left, ascending. */
  categories?: number[];
  /** With `categories`: the column's number of categories k (codes 0 … k − 1). */
  categoryCount?: number;
}

export type GbdtNode = GbdtLeaf | GbdtSplit;

export interface GbdtTree {
  /** Boosting round (0-based). */
  round: number;
  /** Output (class) the tree adds to: 0 except for multiclass. */
  cls: number;
  nodes: GbdtNode[];
}

/** The leaf row `row` of a binned matrix reaches. */
export function leafOfBinned(tree: GbdtTree, b: BinnedMatrix, row: number): GbdtLeaf {
  let node = tree.nodes[0] as GbdtNode;
  while (node.kind === 'split') {
    const code = b.codes[node.feature * b.rows + row] as number;
    const m = missingCode(b.splitPoints[node.feature] as Float64Array);
    const left = node.categories
      ? code === m
        ? node.missingLeft === true
        : node.categories.includes(code)
      : goesLeftBinned(code, node.bin, node.missingLeft === true, m);
    node = tree.nodes[left ? node.left : node.right] as GbdtNode;
  }
  return node;
}

/** The leaf row `row` of a raw feature matrix (rows × cols, row-major) reaches. */
export function leafOfRaw(tree: GbdtTree, x: Matrix, row: number): GbdtLeaf {
  let node = tree.nodes[0] as GbdtNode;
  while (node.kind === 'split') {
    const v = x.data[row * x.cols + node.feature] as number;
    const left = node.categories
      ? goesLeftCategory(
          v,
          node.categories,
          node.categoryCount ?? Infinity,
          node.missingLeft === true,
        )
      : goesLeftRaw(v, node.threshold, node.missingLeft === true);
    node = tree.nodes[left ? node.left : node.right] as GbdtNode;
  }
  return node;
}

/**
 * Whether category code `v` goes left at a set split: listed → left; NaN, or not a code of the
 * column's `count` categories → `missingLeft`; any other code → right.
 */
export function goesLeftCategory(
  v: number,
  left: readonly number[],
  count: number,
  missingLeft: boolean,
): boolean {
  if (!(Number.isInteger(v) && v >= 0 && v < count)) return missingLeft;
  return left.includes(v);
}
