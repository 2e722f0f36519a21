/**
 * The guest's tree building for one boosting round: the K trees of the round grow level by level
 * together, in exactly the order of the plaintext twin's growTree (same histograms, same
 * subtraction rule, same candidate order), with the host features' histograms coming from the
 * hosts encrypted, compressed, and decrypted here.
 *
 * Per level d: guest → hosts `level` (previous splits' left masks, nodes to aggregate, or final);
 * hosts → guest `hist` (compressed bucket sums); guest → hosts `split` (the host splits it chose);
 * hosts → guest `routed` (split ids, left masks).
 *
 * Categorical features split by category sets: the guest reads a host feature's per-category
 * sums like any bins, orders the categories by G/(H + catSmooth) and picks the best prefix
 * (scanCategorical); it sends the host the chosen bins (category codes), never learning names.
 */
import type { PaillierPrivateKey, PooledPaillier } from '@fedgrid/crypto';
import { unpackSlots } from '@fedgrid/crypto';
import { broadcastMessage, recvMessage, sendMessage } from '@fedgrid/federation';
import {
  buildHistogram,
  goesLeftBinned,
  goesLeftSet,
  leafWeight,
  missingCode,
  missingSums,
  noSplit,
  partitionRows,
  scanCategorical,
  scanFeature,
  subtractHistogram,
  sumRows,
  type BinnedMatrix,
  type GbdtParams,
  type Histogram,
} from '@fedgrid/ml';
import { ComponentError, type ProgramContext } from '../spec.js';
import { decodeBucket, type GradientLayout } from './packing.js';
import type { SecureBoostParams } from './params.js';
import {
  tag,
  type HistHeader,
  type LevelHeader,
  type RoutedHeader,
  type SplitOutcome,
  type SplitRequestHeader,
} from './protocol.js';
import { concatBytes, makeMask, maskBytes, splitMasks } from './routing.js';

/** A node of a federated tree as the guest knows it. */
export type FedNode =
  | { kind: 'leaf'; value: number; count: number }
  | {
      kind: 'guest';
      feature: number;
      bin: number;
      /** NaN for a set split. */
      threshold: number;
      /** A set split on a categorical feature: the category codes going left, ascending. */
      categories?: number[];
      /** Rows missing the feature go left. */
      missingLeft: boolean;
      gain: number;
      left: number;
      right: number;
      count: number;
    }
  | {
      kind: 'host';
      host: number;
      split: number;
      /** The host's anonymous column index (for importance). */
      hostFeature: number;
      gain: number;
      left: number;
      right: number;
      count: number;
      /** Left mask over the round's out-of-sample rows (when subsampling). */
      oos?: Uint8Array;
      /** Left mask over the validation rows (when validating). */
      val?: Uint8Array;
    };

export interface FedTree {
  round: number;
  cls: number;
  nodes: FedNode[];
  /** Final rows of every node (leaves' rows give the sampled rows' scores). */
  rows: Uint32Array[];
}

/** Everything the guest's rounds share. */
export interface GuestSession {
  ctx: ProgramContext<SecureBoostParams>;
  params: GbdtParams;
  binned: BinnedMatrix;
  offsets: Int32Array;
  hosts: string[];
  /** Per host: split points per host feature. */
  hostThresholds: number[][];
  /** Per host: buckets sent per host feature (split points, +1 when it has missing values). */
  hostBuckets: number[][];
  /** Per host: start of each feature in that host's histograms (cumulative buckets). */
  hostOffsets: Int32Array[];
  /** Per own feature: its categories k when split by category sets, else undefined. */
  categories: (number | undefined)[];
  /** Per host, per host feature: its categories k when split by category sets, else 0. */
  hostCategories: number[][];
  privateKey: PaillierPrivateKey;
  pp: PooledPaillier;
  /** Whether rounds sample rows (split replies then carry out-of-sample masks). */
  subsample: boolean;
  /** Validation rows (split replies then carry validation masks), or undefined. */
  validateRows: number | undefined;
  /** Counters for the summary. */
  stats: { decryptions: number; bucketSums: number; hostSplits: number };
}

/** Features of one tree: the guest's own (local indices) and each host's (host-local), ascending. */
export interface TreeFeatures {
  own: Uint32Array;
  host: Int32Array[];
}

interface HostHist {
  G: Float64Array;
  H: Float64Array;
}

interface NodeState {
  rows: Uint32Array;
  G: number;
  H: number;
  parent: number;
  own?: Histogram;
  host?: HostHist[];
}

interface TreeState {
  cls: number;
  features: TreeFeatures;
  nodes: FedNode[];
  states: NodeState[];
  level: number[];
}

function hostHistOf(s: GuestSession, k: number): HostHist {
  const size = (s.hostOffsets[k] as Int32Array).at(-1) as number;
  return { G: new Float64Array(size), H: new Float64Array(size) };
}

function subtractHost(a: HostHist, b: HostHist): HostHist {
  return {
    G: a.G.map((v, i) => v - (b.G[i] as number)),
    H: a.H.map((v, i) => v - (b.H[i] as number)),
  };
}

/**
 * A host feature's missing-row sums at a node: the node's totals minus its m + 1 regular bins
 * (exact: the sums are of fixed-point values), as the twin's missing bin holds them.
 */
function hostMissingSums(
  hh: HostHist,
  start: number,
  m: number,
  st: NodeState,
): { G: number; H: number; any: boolean } {
  let g = 0;
  let h = 0;
  for (let b = 0; b <= m; b++) {
    g += hh.G[start + b] as number;
    h += hh.H[start + b] as number;
  }
  const G = st.G - g;
  const H = st.H - h;
  return { G, H, any: H > 0 || G !== 0 };
}

/**
 * A host categorical feature's per-category sums at a node (all k bins) and its missing sums:
 * with a missing bin the host sent bins 0 … k − 1 and the missing rows' sums are derived; without
 * one it sent bins 0 … k − 2 and the last category's sums are the node's totals minus those.
 */
function hostCategorySums(
  hh: HostHist,
  start: number,
  k: number,
  sentMissing: boolean,
  st: NodeState,
): { G: Float64Array; H: Float64Array; missing: ReturnType<typeof hostMissingSums> | undefined } {
  const G = new Float64Array(k);
  const H = new Float64Array(k);
  if (sentMissing) {
    G.set(hh.G.subarray(start, start + k));
    H.set(hh.H.subarray(start, start + k));
    return { G, H, missing: hostMissingSums(hh, start, k - 1, st) };
  }
  let g = 0;
  let h = 0;
  for (let b = 0; b < k - 1; b++) {
    G[b] = hh.G[start + b] as number;
    H[b] = hh.H[start + b] as number;
    g += G[b] as number;
    h += H[b] as number;
  }
  G[k - 1] = st.G - g;
  H[k - 1] = st.H - h;
  return { G, H, missing: undefined };
}

function protocolError(message: string): ComponentError {
  return new ComponentError('PROTOCOL', `secureboost guest: ${message}`);
}

/**
 * Grows the K trees of round `r` with the hosts.
 * @param gq,hq K × N quantised derivatives (class-major).
 * @param rows the sampled rows, ascending.
 * @param oosCount out-of-sample rows this round (0 without subsampling).
 */
export async function growRound(
  s: GuestSession,
  r: number,
  gq: Float64Array,
  hq: Float64Array,
  rows: Uint32Array,
  features: TreeFeatures[],
  layout: GradientLayout,
  oosCount: number,
): Promise<FedTree[]> {
  const { ctx, params: p, binned, offsets, hosts } = s;
  const ch = ctx.channel;
  const N = binned.rows;
  const rule = { lambda: p.lambda, minChildWeight: p.minChildWeight };
  const catRule = { catSmooth: p.catSmooth, maxCatToOnehot: p.maxCatToOnehot };
  const trees: TreeState[] = features.map((f, cls) => {
    const g = gq.subarray(cls * N, (cls + 1) * N);
    const h = hq.subarray(cls * N, (cls + 1) * N);
    return {
      cls,
      features: f,
      nodes: [{ kind: 'leaf', value: 0, count: rows.length }],
      states: [{ rows, G: sumRows(g, rows), H: sumRows(h, rows), parent: -1 }],
      level: [0],
    };
  });
  const gOf = (t: TreeState) => gq.subarray(t.cls * N, (t.cls + 1) * N);
  const hOf = (t: TreeState) => hq.subarray(t.cls * N, (t.cls + 1) * N);
  const hasFeatures = (t: TreeState) =>
    t.features.own.length + t.features.host.reduce((a, f) => a + f.length, 0) > 0;
  let outcomes: { outcome: SplitOutcome; mask: Uint8Array }[] = [];

  for (let depth = 0; ; depth++) {
    // 1. Plan: which nodes may split, whose histograms are built and whose derived.
    const expandable = (t: TreeState, id: number) =>
      depth < p.maxDepth &&
      (t.states[id] as NodeState).rows.length >= p.minSampleSplit &&
      hasFeatures(t);
    const compute: { tree: number; node: number }[] = [];
    const derive: { tree: number; node: number; small: number; parent: number }[] = [];
    let any = false;
    trees.forEach((t, ti) => {
      for (let k = 0; k < t.level.length; k++) {
        const id = t.level[k] as number;
        const st = t.states[id] as NodeState;
        if (expandable(t, id)) any = true;
        if (st.parent < 0) {
          if (expandable(t, id)) compute.push({ tree: ti, node: id });
        } else if (k % 2 === 0) {
          const sib = t.level[k + 1] as number;
          if (!expandable(t, id) && !expandable(t, sib)) continue;
          const a = id;
          const b = sib;
          const small =
            (t.states[a] as NodeState).rows.length <= (t.states[b] as NodeState).rows.length
              ? a
              : b;
          compute.push({ tree: ti, node: small });
          derive.push({ tree: ti, node: small === a ? b : a, small, parent: st.parent });
        }
      }
    });
    const final = !any;
    await broadcastMessage<LevelHeader>(
      ch,
      hosts,
      tag.level(r, depth),
      { final, splits: outcomes.map((o) => o.outcome), compute },
      [concatBytes(outcomes.map((o) => o.mask))],
    );
    if (final) break;

    // 2. Own histograms (plaintext), then the hosts' (encrypted, compressed).
    for (const c of compute) {
      const t = trees[c.tree] as TreeState;
      const st = t.states[c.node] as NodeState;
      st.own = buildHistogram(binned, offsets, st.rows, gOf(t), hOf(t), t.features.own);
      st.host = hosts.map((_, k) => hostHistOf(s, k));
    }
    const replies = await Promise.all(
      hosts.map((h) => recvMessage<HistHeader>(ch, h, tag.hist(r, depth))),
    );
    const blobs: Uint8Array[] = [];
    const counts: number[] = [];
    replies.forEach((m, k) => {
      let buckets = 0;
      for (const c of compute) {
        const f = (trees[c.tree] as TreeState).features.host[k] as Int32Array;
        for (const j of f) buckets += (s.hostBuckets[k] as number[])[j] as number;
      }
      const cts = Math.ceil(buckets / layout.perCiphertext);
      const blob = m.blobs[0] ?? new Uint8Array(0);
      if (m.header.buckets !== buckets || blob.length !== cts * s.pp.cipherBytes)
        throw protocolError(
          `${hosts[k]} sent ${m.header.buckets} bucket sums in ${blob.length} bytes, expected ${buckets} in ${cts} ciphertexts`,
        );
      blobs.push(blob);
      counts.push(buckets);
    });
    const all = concatBytes(blobs);
    const plain = all.length ? await s.pp.decryptRing(s.privateKey, all) : [];
    s.stats.decryptions += plain.length;
    let ci = 0;
    replies.forEach((_, k) => {
      const buckets = counts[k] as number;
      const cts = Math.ceil(buckets / layout.perCiphertext);
      const values: bigint[] = [];
      for (let c = 0; c < cts; c++) {
        const slots = Math.min(layout.perCiphertext, buckets - c * layout.perCiphertext);
        values.push(
          ...unpackSlots(s.pp.ring.fromRing(plain[ci++] as bigint), layout.slotBits, slots),
        );
      }
      s.stats.bucketSums += buckets;
      let vi = 0;
      const offs = s.hostOffsets[k] as Int32Array;
      for (const c of compute) {
        const t = trees[c.tree] as TreeState;
        const hh = ((t.states[c.node] as NodeState).host as HostHist[])[k] as HostHist;
        for (const j of t.features.host[k] as Int32Array) {
          const m = (s.hostBuckets[k] as number[])[j] as number;
          for (let b = 0; b < m; b++) {
            const d = decodeBucket(values[vi++] as bigint, layout);
            hh.G[(offs[j] as number) + b] = d.G[t.cls] as number;
            hh.H[(offs[j] as number) + b] = d.H[t.cls] as number;
          }
        }
      }
    });
    for (const dv of derive) {
      const t = trees[dv.tree] as TreeState;
      const parent = t.states[dv.parent] as NodeState;
      const small = t.states[dv.small] as NodeState;
      const st = t.states[dv.node] as NodeState;
      st.own = subtractHistogram(parent.own as Histogram, small.own as Histogram);
      st.host = (parent.host as HostHist[]).map((ph, k) =>
        subtractHost(ph, (small.host as HostHist[])[k] as HostHist),
      );
    }
    for (const t of trees)
      for (const id of t.level) {
        const parent = (t.states[id] as NodeState).parent;
        if (parent >= 0) {
          delete (t.states[parent] as NodeState).own;
          delete (t.states[parent] as NodeState).host;
        }
      }

    // 3. Best splits, in the twin's order: own features, then host 0, host 1, … (ascending).
    interface Choice {
      tree: number;
      node: number;
      gain: number;
      host: number; // −1: guest
      feature: number;
      bin: number;
      missingLeft: boolean;
      leftBins: number[] | undefined;
    }
    const choices: Choice[] = [];
    trees.forEach((t, ti) => {
      for (const id of t.level) {
        const st = t.states[id] as NodeState;
        if (!expandable(t, id) || !st.own || !st.host) continue;
        const best = noSplit(p.gamma);
        let owner = -1;
        // scanFeature replaces `best` only by a strictly larger gain: a changed gain marks the owner.
        for (const f of t.features.own) {
          const before = best.gain;
          const count = s.categories[f];
          if (count !== undefined) {
            scanCategorical(
              st.own.G,
              st.own.H,
              offsets[f] as number,
              count,
              st.G,
              st.H,
              rule,
              catRule,
              best,
              f,
              missingSums(binned, st.own, offsets, f),
            );
            if (best.gain !== before) owner = -1;
            continue;
          }
          scanFeature(
            st.own.G,
            st.own.H,
            offsets[f] as number,
            (binned.splitPoints[f] as Float64Array).length,
            st.G,
            st.H,
            rule,
            best,
            f,
            missingSums(binned, st.own, offsets, f),
          );
          if (best.gain !== before) owner = -1;
        }
        hosts.forEach((_, k) => {
          const hh = (st.host as HostHist[])[k] as HostHist;
          const offs = s.hostOffsets[k] as Int32Array;
          for (const j of t.features.host[k] as Int32Array) {
            const before = best.gain;
            const m = (s.hostThresholds[k] as number[])[j] as number;
            const sent = (s.hostBuckets[k] as number[])[j] as number;
            const count = (s.hostCategories[k] as number[])[j] ?? 0;
            if (count > 0) {
              const c = hostCategorySums(hh, offs[j] as number, count, sent === m + 1, st);
              scanCategorical(c.G, c.H, 0, count, st.G, st.H, rule, catRule, best, j, c.missing);
              if (best.gain !== before) owner = k;
              continue;
            }
            scanFeature(
              hh.G,
              hh.H,
              offs[j] as number,
              m,
              st.G,
              st.H,
              rule,
              best,
              j,
              (s.hostBuckets[k] as number[])[j] === m + 1
                ? hostMissingSums(hh, offs[j] as number, m, st)
                : undefined,
            );
            if (best.gain !== before) owner = k;
          }
        });
        if (best.feature < 0) continue;
        choices.push({
          tree: ti,
          node: id,
          gain: best.gain,
          host: owner,
          feature: best.feature,
          bin: best.bin,
          missingLeft: best.missingLeft,
          leftBins: best.leftBins,
        });
      }
    });

    // 4. Host splits: ask their owners for ids and routing.
    const requests = hosts.map(() => [] as Choice[]);
    for (const c of choices) if (c.host >= 0) (requests[c.host] as Choice[]).push(c);
    await Promise.all(
      hosts.map((h, k) =>
        sendMessage<SplitRequestHeader>(ch, h, tag.split(r, depth), {
          requests: (requests[k] as Choice[]).map((c) => ({
            tree: c.tree,
            node: c.node,
            feature: c.feature,
            bin: c.bin,
            missingLeft: c.missingLeft,
            ...(c.leftBins ? { leftBins: c.leftBins } : {}),
          })),
        }),
      ),
    );
    const routed = new Map<
      Choice,
      { id: number; node: Uint8Array; oos?: Uint8Array; val?: Uint8Array }
    >();
    await Promise.all(
      hosts.map(async (h, k) => {
        const mine = requests[k] as Choice[];
        if (mine.length === 0) return;
        const m = await recvMessage<RoutedHeader>(ch, h, tag.routed(r, depth));
        if (m.header.ids.length !== mine.length)
          throw protocolError(
            `${h} answered ${m.header.ids.length} of ${mine.length} split requests`,
          );
        const nodeMasks = splitMasks(
          m.blobs[0],
          mine.map((c) => ((trees[c.tree] as TreeState).states[c.node] as NodeState).rows.length),
        );
        const oosMasks = s.subsample
          ? splitMasks(
              m.blobs[1],
              mine.map(() => oosCount),
            )
          : [];
        const vr = s.validateRows;
        const valMasks =
          vr !== undefined
            ? splitMasks(
                m.blobs[2],
                mine.map(() => vr),
              )
            : [];
        mine.forEach((c, i) =>
          routed.set(c, {
            id: m.header.ids[i] as number,
            node: nodeMasks[i] as Uint8Array,
            ...(oosMasks[i] ? { oos: oosMasks[i] } : {}),
            ...(valMasks[i] ? { val: valMasks[i] } : {}),
          }),
        );
      }),
    );

    // 5. Apply the splits: children appended left, right, in level order (as the twin).
    outcomes = [];
    const byTree = trees.map(() => [] as Choice[]);
    for (const c of choices) (byTree[c.tree] as Choice[]).push(c);
    trees.forEach((t, ti) => {
      const next: number[] = [];
      for (const c of byTree[ti] as Choice[]) {
        const st = t.states[c.node] as NodeState;
        let mask: Uint8Array;
        let node: FedNode;
        const left = t.states.length;
        const right = left + 1;
        if (c.host < 0) {
          const base = c.feature * N;
          const mc = missingCode(binned.splitPoints[c.feature] as Float64Array);
          const set = c.leftBins ? new Set(c.leftBins) : undefined;
          mask = makeMask(st.rows.length, (i) => {
            const code = binned.codes[base + (st.rows[i] as number)] as number;
            return set
              ? goesLeftSet(code, set, c.missingLeft, mc)
              : goesLeftBinned(code, c.bin, c.missingLeft, mc);
          });
          node = {
            kind: 'guest',
            feature: c.feature,
            bin: c.bin,
            threshold: c.leftBins
              ? NaN
              : ((binned.splitPoints[c.feature] as Float64Array)[c.bin] as number),
            ...(c.leftBins ? { categories: c.leftBins } : {}),
            missingLeft: c.missingLeft,
            gain: c.gain,
            left,
            right,
            count: st.rows.length,
          };
        } else {
          const rt = routed.get(c);
          if (!rt) throw protocolError(`no routing for a split of ${hosts[c.host]}`);
          mask = rt.node;
          s.stats.hostSplits++;
          node = {
            kind: 'host',
            host: c.host,
            split: rt.id,
            hostFeature: c.feature,
            gain: c.gain,
            left,
            right,
            count: st.rows.length,
            ...(rt.oos ? { oos: rt.oos } : {}),
            ...(rt.val ? { val: rt.val } : {}),
          };
        }
        if (mask.length !== maskBytes(st.rows.length)) throw protocolError('bad mask length');
        const [l, rr] = partitionRows(
          st.rows,
          (_, i) => ((mask[i >>> 3] as number) & (1 << (i & 7))) !== 0,
        );
        t.nodes[c.node] = node;
        for (const part of [l, rr]) {
          t.states.push({
            rows: part,
            G: sumRows(gOf(t), part),
            H: sumRows(hOf(t), part),
            parent: c.node,
          });
          t.nodes.push({ kind: 'leaf', value: 0, count: part.length });
        }
        next.push(left, right);
        outcomes.push({
          outcome: { tree: ti, node: c.node, left, right, rows: st.rows.length },
          mask,
        });
      }
      t.level = next;
    });
  }

  return trees.map((t) => {
    t.states.forEach((st, id) => {
      if ((t.nodes[id] as FedNode).kind === 'leaf')
        t.nodes[id] = {
          kind: 'leaf',
          value: leafWeight(st.G, st.H, p.lambda, p.learningRate),
          count: st.rows.length,
        };
    });
    return { round: r, cls: t.cls, nodes: t.nodes, rows: t.states.map((st) => st.rows) };
  });
}
