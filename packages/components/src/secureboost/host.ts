/**
 * SecureBoost, host (passive party; Cheng et al. 2019, Algorithm 1). Per round it receives the
 * guest's packed encrypted gradients [[g, h]] of the sampled rows; per level it applies the
 * guest's announced splits to its copy of the node instance spaces, returns the encrypted bucket
 * sums of the requested nodes (cipher-compressed), and for the splits the guest picked among its
 * features records (feature, threshold) under a split id and tells which rows go left. It never
 * sees labels, g or h in the clear, or the guest's features and thresholds. For a set split on
 * one of its categorical features the guest names the chosen bins (category codes); the host
 * records the category names on each side, which never leave it.
 */
import { publicKeyFromJson, slotCapacity, toShared } from '@fedgrid/crypto';
import { recvMessage, sendMessage } from '@fedgrid/federation';
import {
  binMatrix,
  goesLeftBinned,
  goesLeftRaw,
  goesLeftSet,
  missingCode,
  type Matrix,
} from '@fedgrid/ml';
import { ComponentError, input, type ProgramContext, type ProgramResult } from '../spec.js';
import { alignColumns, requireNoInfinity, requireRowsPerBin } from './data-checks.js';
import { hostHistograms, type HostNodeJob } from './host-histogram.js';
import {
  categoryCounts,
  categorySides,
  levelsOf,
  setSides,
  splitRouter,
  type CategorySides,
} from './categories.js';
import type { SbHostModel } from './model.js';
import type { SecureBoostParams } from './params.js';
import {
  tag,
  type HistHeader,
  type HostMeta,
  type LevelHeader,
  type RoundHeader,
  type RoutedHeader,
  type SetupHeader,
  type SplitRequestHeader,
} from './protocol.js';
import { concatBytes, makeMask, maskBit, maskBytes, splitMasks } from './routing.js';

interface HostSplit {
  id: number;
  round: number;
  feature: number;
  /** NaN for a set split. */
  threshold: number;
  missingLeft: boolean;
  /** A set split: the category codes going left, ascending. */
  leftBins?: number[];
}

/**
 * Whether `bins` is a valid left set of a feature split by category sets with `count`
 * categories: ascending distinct codes in [0, count), at least one and not all.
 */
function validLeftBins(bins: unknown, count: number | undefined): boolean {
  if (count === undefined || !Array.isArray(bins) || bins.length < 1 || bins.length >= count)
    return false;
  return bins.every(
    (b, i) => Number.isInteger(b) && b >= 0 && b < count && (i === 0 || b > bins[i - 1]),
  );
}

function protocolError(message: string): ComponentError {
  return new ComponentError('PROTOCOL', `secureboost host: ${message}`);
}

export async function sbHost(ctx: ProgramContext<SecureBoostParams>): Promise<ProgramResult> {
  const t0 = performance.now();
  const p = ctx.params;
  const ch = ctx.channel;
  const { guest } = ctx.roles;
  const { frame } = input(ctx, 'data', 'dataset');
  requireNoInfinity(frame, ctx.party);
  const vInput = ctx.inputs['validate'];
  let vx: Matrix | undefined;
  if (vInput) {
    if (vInput.kind !== 'dataset')
      throw new ComponentError('INPUT_MISSING', `input 'validate' must be a dataset`);
    requireNoInfinity(vInput.frame, ctx.party, 'validation data');
    vx = alignColumns(frame, vInput.frame, ctx.party, 'validation data');
  }
  const n = frame.ids.length;
  const d = frame.x.cols;
  const categories = categoryCounts(frame, p.categoricalSplit, ctx.party);
  const binned = binMatrix(frame.x, p.bins, categories);
  const sidesOf = (s: Pick<HostSplit, 'feature' | 'threshold' | 'leftBins'>) => {
    const feature = frame.featureNames[s.feature] as string;
    return s.leftBins
      ? setSides(frame, feature, s.leftBins)
      : categorySides(frame, feature, s.threshold);
  };
  const thresholds = binned.splitPoints.map((s) => s.length);
  // A feature with missing values also sends its last regular bin: the guest derives the missing
  // rows' sums as the node's totals minus all regular bins.
  const buckets = thresholds.map((t, j) => t + (binned.missing[j] as number));
  // Bins whose g/h sums the guest learns: the regular ones and the missing bin.
  const revealedBins = buckets.map((b) => b + 1);
  requireRowsPerBin(n, revealedBins, frame.featureNames, ctx.party, categories);
  await sendMessage<HostMeta>(ch, guest, tag.meta, {
    rows: n,
    thresholds,
    missing: Array.from(binned.missing),
    validateRows: vx ? vx.rows : null,
    categories: categories.map((k) => k ?? 0),
  });
  const setup = (await recvMessage<SetupHeader>(ch, guest, tag.setup)).header;
  const pub = publicKeyFromJson(setup.publicKey);
  if (pub.bits !== p.keyBits)
    throw new ComponentError(
      'PARAMS_MISMATCH',
      `the guest's key has ${pub.bits} bits, this party's parameters say keyBits ${p.keyBits}`,
      { field: 'keyBits' },
    );
  if (setup.validate && !vx)
    throw new ComponentError(
      'INPUT_MISSING',
      `${ctx.party}: the guest validates during training (earlyStoppingRounds); connect this party's validation data to input 'validate'`,
      { field: 'validate' },
    );
  const rerandomizer = await ctx.crypto.paillier(pub, 4); // a few re-randomisations per level
  const codes = toShared(binned.codes);
  const w = pub.cipherBytes;
  const splits: HostSplit[] = [];
  let keepRounds = 0;
  let ciphertextsIn = 0;
  let ciphertextsOut = 0;

  for (let r = 0; ; r++) {
    const rm = await recvMessage<RoundHeader>(ch, guest, tag.round(r));
    const rh = rm.header;
    if (rh.stop) {
      keepRounds = rh.keepRounds ?? r;
      break;
    }
    const { layout, sampled, trees } = rh;
    if (!layout || sampled === undefined || !trees)
      throw protocolError(`round ${r} header incomplete`);
    if (!(
      layout.perCiphertext >= 1 && layout.perCiphertext <= slotCapacity(pub.n, layout.slotBits)
    ))
      throw protocolError(
        `round ${r}: ${layout.perCiphertext} slots of ${layout.slotBits} bits do not fit the key`,
      );
    let rows: Uint32Array;
    let blob: Uint8Array | undefined;
    if (setup.subsample) {
      const mask = rm.blobs[0];
      if (!mask || mask.length !== maskBytes(n)) throw protocolError(`round ${r}: bad sample mask`);
      const list: number[] = [];
      for (let i = 0; i < n; i++) if (maskBit(mask, i)) list.push(i);
      rows = Uint32Array.from(list);
      requireRowsPerBin(
        rows.length,
        revealedBins,
        frame.featureNames,
        `${ctx.party} round ${r}`,
        categories,
      );
      blob = rm.blobs[1];
    } else {
      rows = Uint32Array.from({ length: n }, (_, i) => i);
      blob = rm.blobs[0];
    }
    // What arrives must be ciphertexts only: one of cipherBytes per sampled row.
    if (rows.length !== sampled || !blob || blob.length !== sampled * w)
      throw protocolError(`round ${r}: expected ${sampled} ciphertexts of ${w} bytes`);
    ciphertextsIn += sampled;
    const ctOf = new Int32Array(n).fill(-1);
    rows.forEach((row, i) => (ctOf[row] = i));
    const oos: number[] = [];
    if (setup.subsample) for (let i = 0; i < n; i++) if (ctOf[i] === -1) oos.push(i);
    const round = { pool: ctx.crypto, publicKey: pub, cts: toShared(blob), ctOf, codes, rows: n };
    const treeFeatures = trees.map((t) => {
      if (!t.features.every((f) => Number.isInteger(f) && f >= 0 && f < d))
        throw protocolError(`round ${r}: feature index out of range`);
      return Int32Array.from(t.features);
    });
    const nodeRows = trees.map(() => new Map<number, Uint32Array>([[0, rows]]));

    for (let depth = 0; ; depth++) {
      const lm = await recvMessage<LevelHeader>(ch, guest, tag.level(r, depth));
      const lh = lm.header;
      const masks = splitMasks(
        lm.blobs[0],
        lh.splits.map((s) => s.rows),
      );
      lh.splits.forEach((s, k) => {
        const parent = nodeRows[s.tree]?.get(s.node);
        if (!parent || parent.length !== s.rows)
          throw protocolError(`unknown node ${s.tree}/${s.node}`);
        const mask = masks[k] as Uint8Array;
        const left: number[] = [];
        const right: number[] = [];
        parent.forEach((row, i) => (maskBit(mask, i) ? left : right).push(row));
        const tree = nodeRows[s.tree] as Map<number, Uint32Array>;
        tree.delete(s.node);
        tree.set(s.left, Uint32Array.from(left));
        tree.set(s.right, Uint32Array.from(right));
      });
      if (lh.final) break;
      const jobs: HostNodeJob[] = lh.compute.map(({ tree, node }) => {
        const rowsOf = nodeRows[tree]?.get(node);
        const features = treeFeatures[tree];
        if (!rowsOf || !features) throw protocolError(`no node ${tree}/${node} to compute`);
        return {
          rows: rowsOf,
          features,
          buckets: Int32Array.from(features, (f) => buckets[f] as number),
        };
      });
      const hist = await hostHistograms(round, jobs, layout, rerandomizer);
      ciphertextsOut += hist.cts.length / w;
      await sendMessage<HistHeader>(
        ch,
        guest,
        tag.hist(r, depth),
        { buckets: hist.buckets, ciphertexts: hist.cts.length / w },
        [hist.cts],
      );
      const requests = (await recvMessage<SplitRequestHeader>(ch, guest, tag.split(r, depth)))
        .header.requests;
      if (requests.length === 0) continue;
      const ids: number[] = [];
      const nodeMasks: Uint8Array[] = [];
      const oosMasks: Uint8Array[] = [];
      const valMasks: Uint8Array[] = [];
      for (const q of requests) {
        const rowsOf = nodeRows[q.tree]?.get(q.node);
        const points = binned.splitPoints[q.feature];
        const count = categories[q.feature];
        const set = q.leftBins;
        if (
          !rowsOf ||
          !points ||
          typeof q.missingLeft !== 'boolean' ||
          (set === undefined ? !(q.bin >= 0 && q.bin < points.length) : !validLeftBins(set, count))
        )
          throw protocolError(`bad split request ${JSON.stringify(q).slice(0, 200)}`);
        const threshold = set ? NaN : (points[q.bin] as number);
        const missingLeft = q.missingLeft;
        const id = splits.length;
        splits.push({
          id,
          round: r,
          feature: q.feature,
          threshold,
          missingLeft,
          ...(set ? { leftBins: set.slice() } : {}),
        });
        ids.push(id);
        const base = q.feature * n;
        const mc = missingCode(points);
        const inSet = set ? new Set(set) : undefined;
        const left = (row: number) => {
          const code = binned.codes[base + row] as number;
          return inSet
            ? goesLeftSet(code, inSet, missingLeft, mc)
            : goesLeftBinned(code, q.bin, missingLeft, mc);
        };
        nodeMasks.push(makeMask(rowsOf.length, (i) => left(rowsOf[i] as number)));
        if (setup.subsample) oosMasks.push(makeMask(oos.length, (i) => left(oos[i] as number)));
        if (setup.validate && vx && vInput?.kind === 'dataset') {
          // Categorical features route validation rows by name, in the validation data's coding.
          const x = vx;
          const feature = frame.featureNames[q.feature] as string;
          const sides: CategorySides | undefined = sidesOf(splits[id] as HostSplit);
          const goes = sides
            ? splitRouter(
                { feature, missingLeft, ...sides },
                levelsOf(vInput.frame, feature),
                `${ctx.party} validation data`,
              )
            : (v: number) => goesLeftRaw(v, threshold, missingLeft);
          valMasks.push(makeMask(x.rows, (i) => goes(x.data[i * x.cols + q.feature] as number)));
        }
      }
      await sendMessage<RoutedHeader>(ch, guest, tag.routed(r, depth), { ids }, [
        concatBytes(nodeMasks),
        concatBytes(oosMasks),
        concatBytes(valMasks),
      ]);
    }
    ctx.progress({ stage: 'train', round: r + 1, splits: splits.length });
  }

  const kept = splits.filter((s) => s.round < keepRounds);
  const counts = new Map<number, number>();
  for (const s of kept) counts.set(s.feature, (counts.get(s.feature) ?? 0) + 1);
  const model: SbHostModel = {
    algorithm: 'secureboost',
    role: 'host',
    party: ctx.party,
    featureNames: frame.featureNames.slice(),
    splits: kept.map((s) => {
      const feature = frame.featureNames[s.feature] as string;
      return {
        id: s.id,
        feature,
        ...(s.leftBins ? { categorySet: true as const } : { threshold: s.threshold }),
        ...(s.missingLeft ? { missingLeft: true } : {}),
        ...sidesOf(s),
      };
    }),
    importance: [...counts].map(([f, c]) => ({
      feature: frame.featureNames[f] as string,
      splits: c,
    })),
  };
  return {
    outputs: { model: { kind: 'model', model } },
    summary: {
      rounds: keepRounds,
      splits: kept.length,
      rows: n,
      ciphertextsReceived: ciphertextsIn,
      ciphertextsSent: ciphertextsOut,
      seconds: (performance.now() - t0) / 1000,
    },
  };
}
