/**
 * SecureBoost, guest (active party: labels and its own features; Cheng et al. 2019,
 * arXiv:1901.08755, Algorithms 1–2; FATE HeteroSecureBoostGuest). It generates its own Paillier
 * key (no arbiter). Each round it computes g and h of every row and class, packs them into one
 * fixed-point plaintext per row (packing.ts), encrypts (with the CRT shortcut only the key holder
 * has: PaillierCrtEncryptor), and sends the ciphertexts to every host
 * once; then grows the round's trees level by level with the hosts (guest-round.ts): plaintext
 * histograms for its own features, decrypted compressed histograms for the hosts'. It learns the
 * hosts' per-bin sums of g and h, never their feature values or thresholds.
 */
import { generatePaillierKeyPair, PooledCrtEncryptor, publicKeyToJson } from '@fedgrid/crypto';
import { broadcastMessage, recvMessage, sendMessage } from '@fedgrid/federation';
import {
  auc,
  binMatrix,
  binOffsets,
  goesLeftBinned,
  goesLeftRaw,
  missingCode,
  EarlyStopping,
  encodeLabels,
  resolveGbdtParams,
  sampleColumns,
  sampleRows,
  type Frame,
  type Matrix,
} from '@fedgrid/ml';
import { ComponentError, input, type ProgramContext, type ProgramResult } from '../spec.js';
import {
  alignColumns,
  guestObjective,
  requireNoInfinity,
  resolveObjective,
} from './data-checks.js';
import {
  growRound,
  type FedNode,
  type FedTree,
  type GuestSession,
  type TreeFeatures,
} from './guest-round.js';
import {
  categoryCounts,
  categorySides,
  levelsOf,
  setSides,
  splitRouter,
  type CategorySides,
} from './categories.js';
import type { SbGuestModel, SbImportance, SbTreeJson } from './model.js';
import { gradientLayout, packRows } from './packing.js';
import { gbdtParams, type SecureBoostParams } from './params.js';
import { tag, type HostMeta, type RoundHeader, type SetupHeader } from './protocol.js';
import { makeMask, maskBit } from './routing.js';

/** The leaf a row reaches, deciding host splits with `hostBit(node)`. */
function leafOf(
  tree: FedTree,
  guestGoesLeft: (feature: number, node: Extract<FedNode, { kind: 'guest' }>) => boolean,
  hostGoesLeft: (node: Extract<FedNode, { kind: 'host' }>) => boolean,
): number {
  let node = tree.nodes[0] as FedNode;
  while (node.kind !== 'leaf') {
    const left = node.kind === 'guest' ? guestGoesLeft(node.feature, node) : hostGoesLeft(node);
    node = tree.nodes[left ? node.left : node.right] as FedNode;
  }
  return node.value;
}

export async function sbGuest(ctx: ProgramContext<SecureBoostParams>): Promise<ProgramResult> {
  const t0 = performance.now();
  const sp = ctx.params;
  const ch = ctx.channel;
  const { hosts } = ctx.roles;
  if (hosts.length === 0)
    throw new ComponentError('ROLE_MISSING', 'SecureBoost needs at least one host party');
  const { frame } = input(ctx, 'data', 'dataset');
  requireNoInfinity(frame, ctx.party);
  const n = frame.ids.length;
  if (n === 0)
    throw new ComponentError('EMPTY_DATA', 'no rows to train on (is the PSI intersection empty?)');
  const objectiveName = resolveObjective(sp, frame.labels ?? new Float64Array(0));
  const prep = guestObjective(frame, objectiveName);
  const { objective, labels, classes } = prep;
  const vInput = ctx.inputs['validate'];
  if (sp.earlyStoppingRounds > 0 && !vInput)
    throw new ComponentError(
      'PARAMS_INVALID',
      `secureboost: parameter 'earlyStoppingRounds' (${sp.earlyStoppingRounds}) needs validation data on input 'validate' of every party`,
      { field: 'earlyStoppingRounds' },
    );
  let vx: Matrix | undefined;
  let vLabels: Float64Array | undefined;
  if (vInput) {
    if (vInput.kind !== 'dataset')
      throw new ComponentError('INPUT_MISSING', `input 'validate' must be a dataset`);
    requireNoInfinity(vInput.frame, ctx.party, 'validation data');
    vx = alignColumns(frame, vInput.frame, ctx.party, 'validation data');
    if (!vInput.frame.labels)
      throw new ComponentError('LABELS_MISSING', 'the guest validation data has no label column');
    try {
      vLabels = encodeLabels(objectiveName, classes, vInput.frame.labels);
    } catch (err) {
      throw new ComponentError('LABELS_INVALID', `validation labels: ${(err as Error).message}`);
    }
  }
  const p = resolveGbdtParams(gbdtParams(sp, objectiveName));
  const F = sp.fracBits;
  const K = objective.outputs;

  // Set-up: the hosts' shapes, the key, the bins.
  const metas = await Promise.all(hosts.map((h) => recvMessage<HostMeta>(ch, h, tag.meta)));
  metas.forEach((m, k) => {
    if (m.header.rows !== n)
      throw new ComponentError(
        'ROWS_MISMATCH',
        `guest has ${n} aligned rows, ${hosts[k]} has ${m.header.rows}; run PSI first so that rows align`,
        { host: hosts[k], guestRows: n, hostRows: m.header.rows },
      );
    if (vx && m.header.validateRows !== vx.rows)
      throw new ComponentError(
        'ROWS_MISMATCH',
        `guest has ${vx.rows} validation rows, ${hosts[k]} has ${m.header.validateRows ?? 'none'}; align the validation data with PSI as well`,
        { host: hosts[k], field: 'validate' },
      );
  });
  const hostThresholds = metas.map((m) => m.header.thresholds);
  const hostCategories = metas.map((m, k) => {
    const { thresholds, categories } = m.header;
    const cats = categories ?? thresholds.map(() => 0);
    if (
      !Array.isArray(cats) ||
      cats.length !== thresholds.length ||
      !cats.every((c, j) => c === 0 || c === (thresholds[j] as number) + 1)
    )
      throw new ComponentError(
        'PROTOCOL',
        `${hosts[k]} described ${thresholds.length} features with inconsistent category counts`,
      );
    return cats;
  });
  const hostBuckets = metas.map((m, k) => {
    const { thresholds, missing } = m.header;
    if (!Array.isArray(missing) || missing.length !== thresholds.length)
      throw new ComponentError(
        'PROTOCOL',
        `${hosts[k]} described ${thresholds.length} features but ${String(missing?.length)} missing flags`,
      );
    return thresholds.map((t, j) => t + (missing[j] ? 1 : 0));
  });
  const hostOffsets = hostBuckets.map((t) => {
    const o = new Int32Array(t.length + 1);
    t.forEach((m, j) => (o[j + 1] = (o[j] as number) + m));
    return o;
  });
  const keys = await generatePaillierKeyPair(sp.keyBits);
  await broadcastMessage<SetupHeader>(ch, hosts, tag.setup, {
    publicKey: publicKeyToJson(keys.publicKey),
    outputs: K,
    subsample: p.subsample < 1,
    validate: vx !== undefined,
  });
  // Decryption needs no randomiser table; encryption uses the key holder's CRT shortcut.
  const pp = await ctx.crypto.paillier(keys.publicKey, 4);
  const encryptor = await PooledCrtEncryptor.create(ctx.crypto, keys.privateKey, sp.tableWindow);
  const categories = categoryCounts(frame, sp.categoricalSplit, ctx.party);
  const binned = binMatrix(frame.x, p.bins, categories);
  const offsets = binOffsets(binned);
  const dGuest = frame.x.cols;
  const hostBase: number[] = [];
  let dTotal = dGuest;
  for (const t of hostThresholds) {
    hostBase.push(dTotal);
    dTotal += t.length;
  }
  const session: GuestSession = {
    ctx,
    params: p,
    binned,
    offsets,
    hosts,
    hostThresholds,
    hostBuckets,
    hostOffsets,
    categories,
    hostCategories,
    privateKey: keys.privateKey,
    pp,
    subsample: p.subsample < 1,
    validateRows: vx?.rows,
    stats: { decryptions: 0, bucketSums: 0, hostSplits: 0 },
  };
  ctx.progress({
    stage: 'train',
    step: 'start',
    rows: n,
    features: dGuest,
    hostFeatures: dTotal - dGuest,
    hosts: hosts.length,
    keyBits: sp.keyBits,
    objective: objectiveName,
    trees: p.trees,
  });

  const base = objective.initScores(labels);
  const raw = new Float64Array(n * K);
  for (let i = 0; i < n; i++) raw.set(base, i * K);
  const vRaw = vx ? new Float64Array(vx.rows * K) : undefined;
  if (vRaw && vx) for (let i = 0; i < vx.rows; i++) vRaw.set(base, i * K);
  const g = new Float64Array(K * n);
  const h = new Float64Array(K * n);
  const gInt = new Float64Array(K * n);
  const hInt = new Float64Array(K * n);
  const scale = 2 ** F;
  const trees: FedTree[] = [];
  const history = { train: [] as number[], validation: [] as number[] };
  const stopper = p.earlyStoppingRounds > 0 ? new EarlyStopping(p.earlyStoppingRounds) : undefined;
  let ciphertexts = 0;
  let encryptSeconds = 0;

  let r = 0;
  for (; r < p.trees; r++) {
    const tr = performance.now();
    objective.gradients(labels, raw, g, h);
    for (let i = 0; i < g.length; i++) {
      gInt[i] = Math.round((g[i] as number) * scale);
      hInt[i] = Math.round((h[i] as number) * scale);
    }
    // The reals the integers stand for: what the twin quantises to, and what decryption yields.
    const gq = gInt.map((v) => v / scale);
    const hq = hInt.map((v) => v / scale);
    const rows = sampleRows(n, p.subsample, p.seed, r);
    const layout = gradientLayout(gInt, hInt, rows, K, F, keys.publicKey.n);
    const te = performance.now();
    const cts = await encryptor.encryptRing(packRows(gInt, hInt, rows, layout, pp.ring));
    encryptSeconds += (performance.now() - te) / 1000;
    ciphertexts += rows.length;
    const features: TreeFeatures[] = [];
    for (let k = 0; k < K; k++) {
      const cols = sampleColumns(dTotal, p.colsample, p.seed, r, k);
      features.push({
        own: cols.filter((c) => c < dGuest),
        host: hostBase.map((b, hk) =>
          Int32Array.from(
            Array.from(
              cols.filter((c) => c >= b && c < b + (hostThresholds[hk] as number[]).length),
            ),
            (c) => c - b,
          ),
        ),
      });
    }
    let inSample: Uint8Array | undefined;
    if (session.subsample) {
      inSample = new Uint8Array(n);
      for (const row of rows) inSample[row] = 1;
    }
    const sampleMask = inSample ? makeMask(n, (i) => inSample[i] === 1) : undefined;
    await Promise.all(
      hosts.map((hname, k) =>
        sendMessage<RoundHeader>(
          ch,
          hname,
          tag.round(r),
          {
            stop: false,
            layout: { slotBits: layout.slotBits, perCiphertext: layout.perCiphertext },
            sampled: rows.length,
            trees: features.map((f) => ({ features: Array.from(f.host[k] as Int32Array) })),
          },
          sampleMask ? [sampleMask, cts] : [cts],
        ),
      ),
    );
    const oos: number[] = [];
    if (inSample) for (let i = 0; i < n; i++) if (!inSample[i]) oos.push(i);
    const grown = await growRound(session, r, gq, hq, rows, features, layout, oos.length);

    // Scores: sampled rows by the leaves they reached, the others (and validation) by routing.
    for (const t of grown) {
      trees.push(t);
      t.nodes.forEach((node, id) => {
        if (node.kind !== 'leaf') return;
        for (const row of t.rows[id] as Uint32Array) raw[row * K + t.cls]! += node.value;
      });
      oos.forEach((row, oi) => {
        raw[row * K + t.cls]! += leafOf(
          t,
          (f, nd) => {
            const code = binned.codes[f * n + row] as number;
            const mc = missingCode(binned.splitPoints[f] as Float64Array);
            return nd.categories
              ? code === mc
                ? nd.missingLeft
                : nd.categories.includes(code)
              : goesLeftBinned(code, nd.bin, nd.missingLeft, mc);
          },
          (nd) => maskBit(nd.oos as Uint8Array, oi),
        );
      });
      if (vRaw && vx && vInput?.kind === 'dataset') {
        const x = vx;
        const vFrame = vInput.frame;
        // Categorical splits route the validation rows by category name, in the validation
        // data's own coding (its levels may differ from the training data's).
        const routers = new Map<FedNode, (v: number) => boolean>();
        const routerOf = (f: number, nd: Extract<FedNode, { kind: 'guest' }>) => {
          let r = routers.get(nd);
          if (!r) {
            const feature = frame.featureNames[f] as string;
            const sides = guestSides(frame, feature, nd);
            r = sides
              ? splitRouter(
                  { feature, missingLeft: nd.missingLeft, ...sides },
                  levelsOf(vFrame, feature),
                  `${ctx.party} validation data`,
                )
              : (v: number) => goesLeftRaw(v, nd.threshold, nd.missingLeft);
            routers.set(nd, r);
          }
          return r;
        };
        for (let i = 0; i < x.rows; i++)
          vRaw[i * K + t.cls]! += leafOf(
            t,
            (f, nd) => routerOf(f, nd)(x.data[i * x.cols + f] as number),
            (nd) => maskBit(nd.val as Uint8Array, i),
          );
      }
    }
    const loss = objective.loss(labels, raw);
    history.train.push(loss);
    let vLoss: number | undefined;
    if (vRaw && vLabels) {
      vLoss = objective.loss(vLabels, vRaw);
      history.validation.push(vLoss);
    }
    ctx.progress({
      stage: 'train',
      round: r + 1,
      // The boosting rounds planned (early stopping may end sooner); one tree per class each.
      rounds: p.trees,
      trees: trees.length,
      loss,
      ...(vLoss !== undefined ? { validationLoss: vLoss } : {}),
      seconds: (performance.now() - tr) / 1000,
    });
    if (stopper && vLoss !== undefined && stopper.update(vLoss)) {
      r++;
      break;
    }
  }
  const rounds = stopper ? stopper.bestRounds : r;
  await broadcastMessage<RoundHeader>(ch, hosts, tag.round(r), { stop: true, keepRounds: rounds });

  const kept = trees.filter((t) => t.round < rounds);
  const model = buildModel(kept, frame, hosts, {
    objective: objectiveName,
    outputs: K,
    classes,
    baseScores: Array.from(base),
    rounds,
    keyBits: sp.keyBits,
    fracBits: F,
    params: { ...sp, objective: objectiveName },
  });
  const seconds = (performance.now() - t0) / 1000;
  const trainAuc =
    objectiveName === 'binary' && rounds === r
      ? auc(
          labels,
          raw.map((z) => 1 / (1 + Math.exp(-z))),
        )
      : undefined;
  return {
    outputs: { model: { kind: 'model', model } },
    summary: {
      objective: objectiveName,
      rounds,
      roundsTrained: r,
      trees: kept.length,
      rows: n,
      features: dTotal,
      keyBits: sp.keyBits,
      lossHistory: history.train,
      ...(history.validation.length ? { validationLossHistory: history.validation } : {}),
      ...(trainAuc !== undefined ? { trainAuc } : {}),
      ciphertextsSent: ciphertexts,
      bucketSums: session.stats.bucketSums,
      decryptions: session.stats.decryptions,
      hostSplits: session.stats.hostSplits,
      encryptSeconds,
      seconds,
    },
  };
}

/** A guest split's category names on each side (set or threshold split), or undefined (numeric). */
function guestSides(
  frame: Pick<Frame, 'columnTypes'>,
  feature: string,
  nd: Extract<FedNode, { kind: 'guest' }>,
): CategorySides | undefined {
  return nd.categories
    ? setSides(frame, feature, nd.categories)
    : categorySides(frame, feature, nd.threshold);
}

/** The guest's model part: trees with its own splits by name and host splits by (party, id). */
function buildModel(
  trees: FedTree[],
  frame: Pick<Frame, 'featureNames' | 'columnTypes'>,
  hosts: string[],
  meta: Pick<
    SbGuestModel,
    | 'objective'
    | 'outputs'
    | 'classes'
    | 'baseScores'
    | 'rounds'
    | 'keyBits'
    | 'fracBits'
    | 'params'
  >,
): SbGuestModel {
  const featureNames = frame.featureNames;
  const imp = new Map<string, SbImportance>();
  const bump = (party: string, feature: string, gain: number) => {
    const key = `${party}\u0000${feature}`;
    const e = imp.get(key) ?? { party, feature, splits: 0, gain: 0 };
    e.splits++;
    e.gain += gain;
    imp.set(key, e);
  };
  const json: SbTreeJson[] = trees.map((t) => ({
    round: t.round,
    cls: t.cls,
    nodes: t.nodes.map((nd) => {
      if (nd.kind === 'leaf') return { leaf: nd.value, count: nd.count };
      if (nd.kind === 'guest') {
        const feature = featureNames[nd.feature] as string;
        bump('guest', feature, nd.gain);
        return {
          owner: 'guest' as const,
          feature,
          ...(nd.categories ? { categorySet: true as const } : { threshold: nd.threshold }),
          ...(nd.missingLeft ? { missingLeft: true } : {}),
          ...guestSides(frame, feature, nd),
          gain: nd.gain,
          left: nd.left,
          right: nd.right,
          count: nd.count,
        };
      }
      const owner = hosts[nd.host] as string;
      bump(owner, `#${nd.hostFeature}`, nd.gain);
      return {
        owner,
        split: nd.split,
        gain: nd.gain,
        left: nd.left,
        right: nd.right,
        count: nd.count,
      };
    }),
  }));
  const task =
    meta.objective === 'multiclass'
      ? 'multiclass'
      : meta.objective === 'regression'
        ? 'regression'
        : 'binary';
  return {
    algorithm: 'secureboost',
    role: 'guest',
    version: 1,
    task,
    ...meta,
    featureNames: featureNames.slice(),
    hosts: hosts.slice(),
    trees: json,
    importance: [...imp.values()].sort((a, b) => b.gain - a.gain),
  };
}
