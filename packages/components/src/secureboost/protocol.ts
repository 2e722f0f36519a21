/**
 * Messages of the SecureBoost protocol (docs/protocols/secureboost.md). Tags are unique per
 * (sender, receiver) pair: `meta`, `setup`, then per round r `r/round` and per level d
 * `r/d/level`, `r/d/hist`, `r/d/split`, `r/d/routed`.
 */
import type { PaillierPublicKeyJson } from '@fedgrid/crypto';

export const tag = {
  meta: 'meta',
  setup: 'setup',
  round: (r: number) => `${r}/round`,
  level: (r: number, d: number) => `${r}/${d}/level`,
  hist: (r: number, d: number) => `${r}/${d}/hist`,
  split: (r: number, d: number) => `${r}/${d}/split`,
  routed: (r: number, d: number) => `${r}/${d}/routed`,
};

/** host → guest: what the guest must know to read the host's histograms. */
export interface HostMeta {
  rows: number;
  /** Per host feature (in the host's own column order): its number of split points m_j. */
  thresholds: number[];
  /**
   * Per host feature: 1 when some training row misses it. Its histograms then carry m_j + 1
   * buckets (the last regular bin too), from which the guest derives the missing rows' sums.
   */
  missing: number[];
  /** Rows of the host's validation data, or null without it. */
  validateRows: number | null;
  /**
   * Per host feature: its number of categories k when it is split by category sets (its k bins
   * are its categories; m_j = k − 1), else 0. Absent: no set splits.
   */
  categories?: number[];
}

/** guest → hosts: the guest's public key and the run's shape. */
export interface SetupHeader {
  publicKey: PaillierPublicKeyJson;
  /** Trees per round (K). */
  outputs: number;
  /** Whether rounds sample rows (then split replies include the out-of-sample rows). */
  subsample: boolean;
  /** Whether split replies include the validation rows. */
  validate: boolean;
}

/** How the packed gradient ciphertexts of a round are laid out (for cipher compression). */
export interface RoundLayout {
  /** Bits of one bucket sum: K·(gBits + hBits). */
  slotBits: number;
  /** Bucket sums per compressed ciphertext. */
  perCiphertext: number;
}

/**
 * guest → host, per round: either the round's ciphertexts (blobs: [sample mask if subsampling,
 * ciphertexts of the sampled rows in ascending row order]) or the end of training.
 */
export interface RoundHeader {
  stop: boolean;
  /** On stop: rounds to keep (early stopping drops the later ones). */
  keepRounds?: number;
  layout?: RoundLayout;
  /** Number of sampled rows (= ciphertexts). */
  sampled?: number;
  /** Per tree of the round (class order): the host's features it may split on, ascending. */
  trees?: { features: number[] }[];
}

/** A split made at the previous level: the parent's rows go to `left` where the mask bit is 1. */
export interface SplitOutcome {
  tree: number;
  node: number;
  left: number;
  right: number;
  /** Rows of the parent (bits in the mask). */
  rows: number;
}

/**
 * guest → host, per level: the previous level's splits (blob: their left masks, concatenated,
 * each ⌈rows/8⌉ bytes over the parent's rows in ascending order) and the nodes whose encrypted
 * histograms the host must return; `final` ends the round's trees.
 */
export interface LevelHeader {
  final: boolean;
  splits: SplitOutcome[];
  compute: { tree: number; node: number }[];
}

/** host → guest: the compressed bucket sums of the requested nodes (blob: ciphertexts). */
export interface HistHeader {
  buckets: number;
  ciphertexts: number;
}

/**
 * guest → host: the host's splits chosen at this level (feature and bin are host-local). A set
 * split on a categorical feature gives `leftBins`, the bins (the host's category codes, whose
 * names the guest never learns) going left; `bin` is then their count − 1.
 */
export interface SplitRequestHeader {
  requests: {
    tree: number;
    node: number;
    feature: number;
    bin: number;
    missingLeft: boolean;
    leftBins?: number[];
  }[];
}

/**
 * host → guest: the split ids the host gave them, and where rows go (blobs: masks over each
 * node's rows; if subsampling, masks over all out-of-sample rows; if validating, masks over all
 * validation rows — concatenated per request).
 */
export interface RoutedHeader {
  ids: number[];
}
