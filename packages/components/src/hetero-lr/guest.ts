/**
 * HeteroLR, guest (label holder, initiator). Per mini-batch R (same on every party):
 *   guest → hosts   [[m]],  m = z_g + 2 − 4y   (z_g = X_g·w_g + b: the guest's partial score)
 *   host k → all    [[u_k]], u_k = X_k·w_k
 *   guest            [[G_g]] = X_gᵀ·[[Σ_k u_k]] + X_gᵀ·m = [[X_gᵀ·d′]], d′ = 4·(σ̃(z) − y)
 *   guest → arbiter  [[G_g + ρ_g]] and [[8·L_R]] (Taylor loss, summed over R)
 *   arbiter → guest  G_g + ρ_g;  the guest removes ρ_g, g_g = G_g / (4|R|), and steps.
 * σ̃ is the Taylor approximation σ(z) ≈ ½ + z/4 (Hardy et al., arXiv:1711.10677; FATE's
 * coordinated HeteroLR). See docs/protocols/hetero-lr.md for what each party learns.
 */
import { encodeFixed, quantizeColumns } from '@fedgrid/crypto';
import { broadcastMessage, recvMessage, sendMessage } from '@fedgrid/federation';
import {
  epochBatches,
  learningRateAt,
  matTVec,
  matVec,
  Optimizer,
  selectEntries,
  selectRows,
  type Matrix,
} from '@fedgrid/ml';
import { ComponentError, input, type ProgramContext, type ProgramResult } from '../spec.js';
import { binaryLabels, requireComplete } from './data-checks.js';
import { lrParams, type HeteroLrParams } from './params.js';
import {
  alignScale,
  receiveKey,
  encodeRing,
  maskCiphertexts,
  sumCiphertexts,
  tag,
  unmask,
  type EpochHeader,
  type GradHeader,
} from './protocol.js';

/** [X | 1]: the design matrix with an intercept column. */
function withOnes(x: Matrix): Matrix {
  const cols = x.cols + 1;
  const data = new Float64Array(x.rows * cols);
  for (let i = 0; i < x.rows; i++) {
    data.set(x.data.subarray(i * x.cols, (i + 1) * x.cols), i * cols);
    data[i * cols + x.cols] = 1;
  }
  return { rows: x.rows, cols, data };
}

export async function lrGuest(ctx: ProgramContext<HeteroLrParams>): Promise<ProgramResult> {
  const t0 = performance.now();
  const p = ctx.params;
  const { frame } = input(ctx, 'data', 'dataset');
  const { hosts, arbiter } = ctx.roles;
  if (!arbiter)
    throw new ComponentError('ROLE_MISSING', 'coordinated HeteroLR needs an arbiter party');
  const y = binaryLabels(frame);
  requireComplete(frame, ctx.party);
  const n = frame.ids.length;
  if (n === 0)
    throw new ComponentError('EMPTY_DATA', 'no rows to train on (is the PSI intersection empty?)');
  const ch = ctx.channel;

  await broadcastMessage(ch, [...hosts, arbiter], tag.meta, { rows: n });
  for (const h of hosts) {
    const m = await recvMessage<{ rows: number }>(ch, h, tag.meta);
    if (m.header.rows !== n) {
      throw new ComponentError(
        'ROWS_MISMATCH',
        `guest has ${n} aligned rows, ${h} has ${m.header.rows}; run PSI first so that rows align`,
      );
    }
  }
  const { pub, pp, ev } = await receiveKey(ctx, arbiter);
  const F = p.fracBits;
  const lp = lrParams(p);
  const d = frame.x.cols;
  const w = new Float64Array(d + (p.fitIntercept ? 1 : 0));
  const opt = new Optimizer(lp, w.length, d);
  const lossHistory: number[] = [];
  let converged = false;
  let epoch = 0;
  ctx.progress({
    stage: 'train',
    step: 'start',
    rows: n,
    features: d,
    hosts: hosts.length,
    keyBits: pub.bits,
  });

  for (; epoch < p.maxIter; epoch++) {
    const te = performance.now();
    const lr = learningRateAt(lp, epoch);
    const batches = epochBatches(n, p.batchSize, p.seed, epoch);
    for (let b = 0; b < batches.length; b++) {
      const rows = batches[b] as Uint32Array;
      const nb = rows.length;
      const xb = selectRows(frame.x, rows);
      const yb = selectEntries(y, rows);
      const zg = matVec(xb, w.subarray(0, d), p.fitIntercept ? (w[d] as number) : 0);
      const m = zg.map((z, i) => z + 2 - 4 * (yb[i] as number));

      // [[m]] to every host; [[u_k]] and loss parts from every host.
      // Hosts send [[u_k]] before they wait for [[m]]; awaiting both together means a failure on
      // either side ends the batch at once instead of leaving a rejection unobserved.
      const sendM = pp
        .encrypt(m, F)
        .then((encM) => broadcastMessage(ch, hosts, tag.m(epoch, b), { count: nb }, [encM]));
      const [, fromHosts] = await Promise.all([
        sendM,
        Promise.all(hosts.map((h) => recvMessage(ch, h, tag.u(epoch, b)))),
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

      // Taylor loss ×8 summed over the batch: Σ 8·ln2 − 4y′z + z², z = z_g + Σu.
      let plainLoss = 0;
      const coef = new Float64Array(nb);
      for (let i = 0; i < nb; i++) {
        const yp = 2 * (yb[i] as number) - 1;
        const zi = zg[i] as number;
        plainLoss += 8 * Math.LN2 - 4 * yp * zi + zi * zi;
        coef[i] = -4 * yp + 2 * zi;
      }
      plainLoss += 8 * nb * opt.penaltyLoss(w);
      const ql = quantizeColumns(coef, nb, 1, p.quantBits);
      const lossScaleEnc = F + (ql.fracBits[0] as number);
      const lossParts = await Promise.all(
        hosts.map((h) => recvMessage<{ scale: number }>(ch, h, tag.lossPart(epoch, b))),
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
        tag.grad(epoch, b),
        { count: xa.cols, withLoss: true, lossScale: S },
        [masked, lossCt],
      );
      const back = await recvMessage(ch, arbiter, tag.grad(epoch, b));
      const G = unmask(pp.ring, back.blobs[0] as Uint8Array, masks, scales);
      const g = G.map((v) => v / (4 * nb));
      opt.step(w, g, lr);
    }
    const verdict = (await recvMessage<EpochHeader>(ch, arbiter, tag.epoch(epoch))).header;
    lossHistory.push(verdict.loss as number);
    ctx.progress({
      stage: 'train',
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
  const seconds = (performance.now() - t0) / 1000;
  return {
    outputs: {
      model: {
        kind: 'model',
        model: {
          algorithm: 'hetero-lr',
          role: 'guest',
          featureNames: frame.featureNames,
          weights: Array.from(w.subarray(0, d)),
          intercept: p.fitIntercept ? (w[d] as number) : 0,
          keyBits: pub.bits,
        },
      },
    },
    summary: { epochs: epoch, converged, lossHistory, seconds, keyBits: pub.bits, rows: n },
  };
}
