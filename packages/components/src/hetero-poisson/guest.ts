/**
 * HeteroPoisson, guest (label holder): Poisson regression with the log link, μ = e^z,
 * z = z_g + u (+ log t with an exposure). One host only — μ = e^{z_g}·e^{u} needs a product of
 * the host's encrypted e^u with the guest's plaintext e^{z_g}, which Paillier allows for one
 * host (FATE's HeteroPoisson has the same limit). Per mini-batch R:
 *   host → guest     [[u]], [[e^u]]
 *   guest            [[μ]] = [[e^u]]^{e^{z_g}} (fixed point), [[d]] = [[μ − y]]
 *   guest → host     [[d]]
 *   guest → arbiter  [[X_gᵀd + ρ_g]] and [[Σ μ − y·z]] (the loss, the host's penalty part included)
 *   host → arbiter   [[X_hᵀd + ρ_h]]
 * See docs/protocols/hetero-lr.md (HeteroPoisson) for what each party learns.
 */
import { encodeFixed, quantizeColumns } from '@fedgrid/crypto';
import { recvMessage, sendMessage } from '@fedgrid/federation';
import {
  applyStandardization,
  epochBatches,
  fitStandardization,
  learningRateAt,
  matVec,
  Optimizer,
  selectEntries,
  selectRows,
  unstandardizeWeights,
} from '@fedgrid/ml';
import { realLabels, requireComplete } from '../hetero-lr/data-checks.js';
import { guestSetup, withOnes } from '../hetero-lr/guest.js';
import { lrParams } from '../hetero-lr/params.js';
import {
  alignScale,
  divergedError,
  encodeRing,
  maskCiphertexts,
  sumCiphertexts,
  tags,
  unmask,
  type EpochHeader,
  type GradHeader,
} from '../hetero-lr/protocol.js';
import { ComponentError, input, type ProgramContext, type ProgramResult } from '../spec.js';
import { splitExposure } from './data.js';
import type { HeteroPoissonParams } from './params.js';

export async function poissonGuest(
  ctx: ProgramContext<HeteroPoissonParams>,
): Promise<ProgramResult> {
  const t0 = performance.now();
  const p = ctx.params;
  const data = input(ctx, 'data', 'dataset').frame;
  const { frame, offset } = p.exposure
    ? splitExposure(data, p.exposure)
    : { frame: data, offset: undefined };
  const { hosts } = ctx.roles;
  if (hosts.length !== 1)
    throw new ComponentError(
      'HOSTS_UNSUPPORTED',
      `HeteroPoisson supports exactly one host, the job has ${hosts.length}: μ = e^{z_g}·e^{u} cannot combine two hosts' encrypted terms`,
    );
  const host = hosts[0] as string;
  const y = realLabels(frame, { counts: true });
  requireComplete(frame, ctx.party);
  const n = frame.ids.length;
  const { pp, ev, bits } = await guestSetup(ctx, frame, { rows: n });
  const arbiter = ctx.roles.arbiter as string;
  const ch = ctx.channel;
  const t = tags();
  const F = p.fracBits;
  const lp = lrParams(p);
  const d = frame.x.cols;
  // Own columns, own statistics: nothing about them leaves this party.
  const scaling = p.standardize ? fitStandardization(frame.x, p.fitIntercept) : undefined;
  const x = scaling ? applyStandardization(frame.x, scaling) : frame.x;
  const w = new Float64Array(d + (p.fitIntercept ? 1 : 0));
  const opt = new Optimizer(lp, w.length, d);
  const lossHistory: number[] = [];
  let converged = false;
  let epoch = 0;
  ctx.progress({ stage: 'train', step: 'start', rows: n, features: d, hosts: 1, keyBits: bits });
  for (; epoch < p.maxIter; epoch++) {
    const te = performance.now();
    const lr = learningRateAt(lp, epoch);
    for (const [b, rows] of epochBatches(n, p.batchSize, p.seed, epoch).entries()) {
      const nb = rows.length;
      const xb = selectRows(x, rows);
      const yb = selectEntries(y, rows);
      const zg = matVec(xb, w.subarray(0, d), p.fitIntercept ? (w[d] as number) : 0);
      if (offset) {
        const ob = selectEntries(offset, rows);
        for (let i = 0; i < nb; i++) zg[i] = (zg[i] as number) + (ob[i] as number);
      }
      const [uMsg, eMsg] = await Promise.all([
        recvMessage(ch, host, t.u(epoch, b)),
        recvMessage(ch, host, t.expU(epoch, b)),
      ]);
      const encU = uMsg.blobs[0] as Uint8Array;
      const encExpU = eMsg.blobs[0] as Uint8Array;
      if (encU.length !== nb * pp.publicKey.cipherBytes || encExpU.length !== encU.length)
        throw new ComponentError('PROTOCOL', `${host} sent the wrong number of ciphertexts`);

      // [[μ]] = [[e^u]]^{q(e^{z_g})} at scale F + s; [[d]] = [[μ]] − y at the same scale.
      const qe = quantizeColumns(zg.map(Math.exp), nb, 1, p.quantBits);
      const sMu = F + (qe.fracBits[0] as number);
      const encMu = ev.mulScalar(
        encExpU,
        Array.from(qe.exps, (v) => BigInt(v)),
      );
      const encD = ev.addPlainRing(
        encMu,
        encodeRing(
          pp.ring,
          yb.map((v) => -v),
          sMu,
        ),
      );
      await sendMessage(ch, host, t.d(epoch, b), { count: nb, scale: sMu }, [encD]);

      // Gradient X_gᵀ·d (intercept column included), masked.
      const xa = p.fitIntercept ? withOnes(xb) : xb;
      const q = quantizeColumns(xa.data, nb, xa.cols, p.quantBits);
      const scales = Array.from(q.fracBits, (s) => sMu + s);
      const { masked, masks } = maskCiphertexts(ev, await pp.dotColumns(encD, q.exps, xa.cols));

      // Loss Σ μ − y·(z_g + u) + |R|·penalty: [[Σμ]], [[Σ −y·u]], the plain rest, the host's part.
      const ones = new Int32Array(nb).fill(1);
      const qy = quantizeColumns(
        yb.map((v) => -v),
        nb,
        1,
        p.quantBits,
      );
      const sY = F + (qy.fracBits[0] as number);
      const hostPart = await recvMessage<{ scale: number }>(ch, host, t.lossPart(epoch, b));
      let plain = nb * opt.penaltyLoss(w);
      for (let i = 0; i < nb; i++) plain -= (yb[i] as number) * (zg[i] as number);
      const S = Math.max(sMu, sY, hostPart.header.scale, 2 * F);
      const lossCt = ev.addPlainRing(
        sumCiphertexts(ev, [
          alignScale(ev, await pp.dotColumns(encMu, ones, 1), sMu, S),
          alignScale(ev, await pp.dotColumns(encU, qy.exps, 1), sY, S),
          alignScale(ev, hostPart.blobs[0] as Uint8Array, hostPart.header.scale, S),
        ]),
        [pp.ring.toRing(encodeFixed(plain, S))],
      );
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
        G.map((v) => v / nb),
        lr,
      );
    }
    const verdict = (await recvMessage<EpochHeader>(ch, arbiter, t.epoch(epoch))).header;
    if (verdict.diverged !== undefined) throw divergedError(verdict.diverged);
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
  const original = scaling
    ? unstandardizeWeights(w.subarray(0, d), scaling)
    : { weights: w.subarray(0, d), interceptShare: 0 };
  return {
    outputs: {
      model: {
        kind: 'model',
        model: {
          algorithm: 'hetero-poisson',
          family: 'poisson',
          role: 'guest',
          featureNames: frame.featureNames,
          // In the original units (w_j / std_j), the intercept with this party's share.
          weights: Array.from(original.weights),
          intercept: (p.fitIntercept ? (w[d] as number) : 0) + original.interceptShare,
          ...(p.exposure ? { exposure: p.exposure } : {}),
          keyBits: bits,
        },
      },
    },
    summary: {
      epochs: epoch,
      converged,
      lossHistory,
      seconds: (performance.now() - t0) / 1000,
      keyBits: bits,
      rows: n,
    },
  };
}
