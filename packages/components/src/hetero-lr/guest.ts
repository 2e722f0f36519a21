/**
 * Coordinated GLM, guest (label holder, initiator): HeteroLR (Taylor-approximated logistic loss,
 * one model, or one-vs-rest models for integer classes) and HeteroLinR (squared error). Per
 * mini-batch R (same on every party), with the family's offset, residual scale k and loss scale L
 * (family.ts):
 *   guest → hosts   [[m]],  m = z_g + offset(y)   (z_g = X_g·w_g + b: the guest's partial score)
 *   host k → all    [[u_k]], u_k = X_k·w_k
 *   guest            [[G_g]] = X_gᵀ·[[Σ_k u_k]] + X_gᵀ·m = [[X_gᵀ·d′]], d′ = k·∂loss/∂z
 *   guest → arbiter  [[G_g + ρ_g]] and [[L·loss_R]] (summed over R)
 *   arbiter → guest  G_g + ρ_g;  the guest removes ρ_g, g_g = G_g / (k|R|), and steps.
 * For logistic, σ̃(z) = ½ + z/4 (Hardy et al., arXiv:1711.10677; FATE's coordinated HeteroLR).
 * See docs/protocols/hetero-lr.md for what each party learns.
 */
import {
  encodeFixed,
  quantizeColumns,
  type PaillierEvaluator,
  type PooledPaillier,
} from '@fedgrid/crypto';
import { broadcastMessage, recvMessage, sendMessage } from '@fedgrid/federation';
import {
  applyStandardization,
  epochBatches,
  fitStandardization,
  learningRateAt,
  matTVec,
  matVec,
  Optimizer,
  selectEntries,
  selectRows,
  unstandardizeWeights,
  type Frame,
  type Matrix,
} from '@fedgrid/ml';
import {
  ComponentError,
  input,
  type Program,
  type ProgramContext,
  type ProgramResult,
} from '../spec.js';
import { logisticTargets, realLabels, requireComplete } from './data-checks.js';
import type { CoordinatedFamily } from './family.js';
import { lrParams, type HeteroLrParams } from './params.js';
import {
  alignScale,
  divergedError,
  receiveKey,
  encodeRing,
  maskCiphertexts,
  modelPrefix,
  sumCiphertexts,
  tag,
  tags,
  unmask,
  type EpochHeader,
  type GradHeader,
  type MetaHeader,
} from './protocol.js';

/** [X | 1]: the design matrix with an intercept column. */
export function withOnes(x: Matrix): Matrix {
  const cols = x.cols + 1;
  const data = new Float64Array(x.rows * cols);
  for (let i = 0; i < x.rows; i++) {
    data.set(x.data.subarray(i * x.cols, (i + 1) * x.cols), i * cols);
    data[i * cols + x.cols] = 1;
  }
  return { rows: x.rows, cols, data };
}

interface Keyed {
  pp: PooledPaillier;
  ev: PaillierEvaluator;
}

interface Fit {
  w: Float64Array;
  epochs: number;
  converged: boolean;
  lossHistory: number[];
}

/**
 * The guest's checks and set-up shared by the coordinated GLMs: aligned rows with every host,
 * the arbiter's key. Returns the row count and the keys.
 */
export async function guestSetup(
  ctx: ProgramContext<HeteroLrParams>,
  frame: Frame,
  meta: MetaHeader,
): Promise<Keyed & { bits: number }> {
  const { hosts, arbiter } = ctx.roles;
  if (!arbiter)
    throw new ComponentError('ROLE_MISSING', 'the coordinated protocol needs an arbiter party');
  const n = frame.ids.length;
  if (n === 0)
    throw new ComponentError('EMPTY_DATA', 'no rows to train on (is the PSI intersection empty?)');
  await broadcastMessage(ctx.channel, [...hosts, arbiter], tag.meta, meta);
  for (const h of hosts) {
    const m = await recvMessage<{ rows: number }>(ctx.channel, h, tag.meta);
    if (m.header.rows !== n) {
      throw new ComponentError(
        'ROWS_MISMATCH',
        `guest has ${n} aligned rows, ${h} has ${m.header.rows}; run PSI first so that rows align`,
      );
    }
  }
  const { pub, pp, ev } = await receiveKey(ctx, arbiter);
  return { pp, ev, bits: pub.bits };
}

async function fitGuest(
  ctx: ProgramContext<HeteroLrParams>,
  keyed: Keyed,
  x: Matrix,
  y: Float64Array,
  family: CoordinatedFamily,
  t: ReturnType<typeof tags>,
  label: Record<string, unknown>,
): Promise<Fit> {
  const p = ctx.params;
  const { pp, ev } = keyed;
  const { hosts, arbiter } = ctx.roles as { hosts: string[]; arbiter: string };
  const ch = ctx.channel;
  const F = p.fracBits;
  const lp = lrParams(p);
  const K = family.residualScale;
  const L = family.lossScale;
  const n = x.rows;
  const d = x.cols;
  const w = new Float64Array(d + (p.fitIntercept ? 1 : 0));
  const opt = new Optimizer(lp, w.length, d);
  if (lp.optimizer === 'newton')
    // Block-diagonal Newton on this party's own columns (docs/protocols/hetero-lr.md).
    opt.precondition(x, {
      curvature: 2 / family.lossScale,
      intercept: p.fitIntercept,
      parties: (ctx.roles as { hosts: string[] }).hosts.length + 1,
    });
  const lossHistory: number[] = [];
  let converged = false;
  let epoch = 0;
  for (; epoch < p.maxIter; epoch++) {
    const te = performance.now();
    const lr = learningRateAt(lp, epoch);
    const batches = epochBatches(n, p.batchSize, p.seed, epoch);
    for (let b = 0; b < batches.length; b++) {
      const rows = batches[b] as Uint32Array;
      const nb = rows.length;
      const xb = selectRows(x, rows);
      const yb = selectEntries(y, rows);
      const zg = matVec(xb, w.subarray(0, d), p.fitIntercept ? (w[d] as number) : 0);
      const m = zg.map((z, i) => z + family.offset(yb[i] as number));

      // [[m]] to every host; [[u_k]] and loss parts from every host.
      // Hosts send [[u_k]] before they wait for [[m]]; awaiting both together means a failure on
      // either side ends the batch at once instead of leaving a rejection unobserved.
      const sendM = pp
        .encrypt(m, F)
        .then((encM) => broadcastMessage(ch, hosts, t.m(epoch, b), { count: nb }, [encM]));
      const [, fromHosts] = await Promise.all([
        sendM,
        Promise.all(hosts.map((h) => recvMessage(ch, h, t.u(epoch, b)))),
      ]);
      const sumU = sumCiphertexts(
        ev,
        fromHosts.map((msg) => msg.blobs[0] as Uint8Array),
      );

      // Encrypted gradient Xᵀ·d′ with the intercept column, then masked.
      const xa = p.fitIntercept ? withOnes(xb) : xb;
      const q = quantizeColumns(xa.data, nb, xa.cols, p.quantBits);
      const scales = Array.from(q.fracBits, (s) => F + s);
      const encPart = await pp.dotColumns(sumU, q.exps, xa.cols);
      const grad = ev.addPlainRing(encPart, encodeRing(pp.ring, matTVec(xa, m), scales));
      const { masked, masks } = maskCiphertexts(ev, grad);

      // L·loss summed over the batch: Σ c(y) + α(y)·z + z², z = z_g + Σu; the terms in u are
      // Σ (α(y) + 2z_g)·u (from [[Σu]] here) and the hosts' Σu_k² + cross terms.
      let plainLoss = 0;
      const coef = new Float64Array(nb);
      for (let i = 0; i < nb; i++) {
        const yi = yb[i] as number;
        const zi = zg[i] as number;
        const alpha = family.lossLinear(yi);
        plainLoss += family.lossConst(yi) + alpha * zi + zi * zi;
        coef[i] = alpha + 2 * zi;
      }
      plainLoss += L * nb * opt.penaltyLoss(w);
      const ql = quantizeColumns(coef, nb, 1, p.quantBits);
      const lossScaleEnc = F + (ql.fracBits[0] as number);
      const lossParts = await Promise.all(
        hosts.map((h) => recvMessage<{ scale: number }>(ch, h, t.lossPart(epoch, b))),
      );
      const S = Math.max(2 * F, lossScaleEnc, ...lossParts.map((lp2) => lp2.header.scale));
      const encLoss = sumCiphertexts(ev, [
        alignScale(ev, await pp.dotColumns(sumU, ql.exps, 1), lossScaleEnc, S),
        ...lossParts.map((msg) => alignScale(ev, msg.blobs[0] as Uint8Array, msg.header.scale, S)),
      ]);
      const lossCt = ev.addPlainRing(encLoss, [pp.ring.toRing(encodeFixed(plainLoss, S))]);
      await sendMessage<GradHeader & { lossScale: number }>(
        ch,
        arbiter,
        t.grad(epoch, b),
        { count: xa.cols, withLoss: true, lossScale: S },
        [masked, lossCt],
      );
      const back = await recvMessage(ch, arbiter, t.grad(epoch, b));
      const G = unmask(pp.ring, back.blobs[0] as Uint8Array, masks, scales);
      opt.step(
        w,
        G.map((v) => v / (K * nb)),
        lr,
      );
    }
    const verdict = (await recvMessage<EpochHeader>(ch, arbiter, t.epoch(epoch))).header;
    if (verdict.diverged !== undefined) throw divergedError(verdict.diverged);
    lossHistory.push(verdict.loss as number);
    ctx.progress({
      stage: 'train',
      ...label,
      epoch: epoch + 1,
      loss: verdict.loss,
      seconds: (performance.now() - te) / 1000,
    });
    if (verdict.stop) {
      converged = verdict.converged === true;
      epoch++;
      break;
    }
  }
  return { w, epochs: epoch, converged, lossHistory };
}

/**
 * The guest program of a coordinated GLM. Logistic: 0/1 labels train one model; integer classes
 * train one-vs-rest models one after the other (each with the same protocol, tags `c<k>/`).
 * Linear: real labels, one model.
 */
export function coordinatedGuest(family: CoordinatedFamily): Program<HeteroLrParams> {
  return async (ctx: ProgramContext<HeteroLrParams>): Promise<ProgramResult> => {
    const t0 = performance.now();
    const p = ctx.params;
    const { frame } = input(ctx, 'data', 'dataset');
    const { classes, targets } =
      family.name === 'logistic'
        ? logisticTargets(frame)
        : { classes: undefined, targets: [realLabels(frame)] };
    requireComplete(frame, ctx.party);
    const n = frame.ids.length;
    const keyed = await guestSetup(ctx, frame, { rows: n, models: targets.length });
    const d = frame.x.cols;
    // Own columns, own statistics: nothing about them leaves this party.
    const scaling = p.standardize ? fitStandardization(frame.x, p.fitIntercept) : undefined;
    const x = scaling ? applyStandardization(frame.x, scaling) : frame.x;
    ctx.progress({
      stage: 'train',
      step: 'start',
      rows: n,
      features: d,
      hosts: ctx.roles.hosts.length,
      keyBits: keyed.bits,
      ...(targets.length > 1 ? { classes } : {}),
    });
    const fits: Fit[] = [];
    for (let k = 0; k < targets.length; k++) {
      const label = targets.length > 1 ? { class: classes?.[k] } : {};
      fits.push(
        await fitGuest(
          ctx,
          keyed,
          x,
          targets[k] as Float64Array,
          family,
          tags(modelPrefix(k, targets.length)),
          label,
        ),
      );
    }
    // Reported in the original units: w_j / std_j, the intercept with this party's share.
    const original = (f: Fit) =>
      scaling
        ? unstandardizeWeights(f.w.subarray(0, d), scaling)
        : { weights: f.w.subarray(0, d), interceptShare: 0 };
    const weights = (f: Fit) => Array.from(original(f).weights);
    const intercept = (f: Fit) =>
      (p.fitIntercept ? (f.w[d] as number) : 0) + original(f).interceptShare;
    const multi = fits.length > 1;
    const first = fits[0] as Fit;
    const seconds = (performance.now() - t0) / 1000;
    return {
      outputs: {
        model: {
          kind: 'model',
          model: {
            algorithm: family.name === 'logistic' ? 'hetero-lr' : 'hetero-linr',
            family: family.name,
            role: 'guest',
            featureNames: frame.featureNames,
            ...(multi
              ? { classes, weights: fits.map(weights), intercept: fits.map(intercept) }
              : { weights: weights(first), intercept: intercept(first) }),
            keyBits: keyed.bits,
          },
        },
      },
      summary: {
        epochs: multi ? fits.map((f) => f.epochs) : first.epochs,
        converged: multi ? fits.map((f) => f.converged) : first.converged,
        lossHistory: multi ? fits.map((f) => f.lossHistory) : first.lossHistory,
        ...(multi ? { classes } : {}),
        seconds,
        keyBits: keyed.bits,
        rows: n,
      },
    };
  };
}
