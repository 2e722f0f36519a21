/**
 * HeteroPoisson, host (feature provider; see guest.ts for the messages). It sends [[u]] and
 * [[e^u]], receives the guest's [[d]] = [[μ − y]] and returns its masked gradient X_hᵀd to the
 * arbiter. It never sees labels, μ, d or anything of the guest in the clear.
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
  selectRows,
  unstandardizeWeights,
} from '@fedgrid/ml';
import { hostSetup } from '../hetero-lr/host.js';
import { lrParams } from '../hetero-lr/params.js';
import {
  divergedError,
  maskCiphertexts,
  tags,
  unmask,
  type EpochHeader,
  type GradHeader,
} from '../hetero-lr/protocol.js';
import { ComponentError, input, type ProgramContext, type ProgramResult } from '../spec.js';
import type { HeteroPoissonParams } from './params.js';

export async function poissonHost(
  ctx: ProgramContext<HeteroPoissonParams>,
): Promise<ProgramResult> {
  const t0 = performance.now();
  const p = ctx.params;
  const { frame } = input(ctx, 'data', 'dataset');
  if (ctx.roles.hosts.length !== 1)
    throw new ComponentError(
      'HOSTS_UNSUPPORTED',
      `HeteroPoisson supports exactly one host, the job has ${ctx.roles.hosts.length}`,
    );
  const { keyed } = await hostSetup(ctx, frame);
  const { pp, ev } = keyed;
  const { guest, arbiter } = ctx.roles as { guest: string; arbiter: string };
  const ch = ctx.channel;
  const t = tags();
  const F = p.fracBits;
  const lp = lrParams(p);
  const n = frame.ids.length;
  const d = frame.x.cols;
  // Own columns, own statistics: nothing about them leaves this party.
  const scaling = p.standardize ? fitStandardization(frame.x, p.fitIntercept) : undefined;
  const x = scaling ? applyStandardization(frame.x, scaling) : frame.x;
  const w = new Float64Array(d);
  const opt = new Optimizer(lp, d, d);
  let epoch = 0;
  for (; epoch < p.maxIter; epoch++) {
    const lr = learningRateAt(lp, epoch);
    for (const [b, rows] of epochBatches(n, p.batchSize, p.seed, epoch).entries()) {
      const nb = rows.length;
      const xb = selectRows(x, rows);
      const u = matVec(xb, w);
      const [encU, encExpU] = await Promise.all([pp.encrypt(u, F), pp.encrypt(u.map(Math.exp), F)]);
      await sendMessage(ch, guest, t.u(epoch, b), { count: nb }, [encU]);
      await sendMessage(ch, guest, t.expU(epoch, b), { count: nb }, [encExpU]);
      // The loss part: this host's penalty (the guest adds it to the encrypted loss).
      const scale = 2 * F;
      const part = await pp.encryptRing([
        pp.ring.toRing(encodeFixed(nb * opt.penaltyLoss(w), scale)),
      ]);
      await sendMessage(ch, guest, t.lossPart(epoch, b), { scale }, [part]);

      const dMsg = await recvMessage<{ count: number; scale: number }>(ch, guest, t.d(epoch, b));
      const encD = dMsg.blobs[0] as Uint8Array;
      if (dMsg.header.count !== nb || encD.length !== nb * pp.publicKey.cipherBytes)
        throw new ComponentError(
          'PROTOCOL',
          `the guest sent ${dMsg.header.count} residuals for ${nb} rows`,
        );
      const q = quantizeColumns(xb.data, nb, d, p.quantBits);
      const scales = Array.from(q.fracBits, (s) => dMsg.header.scale + s);
      const { masked, masks } = maskCiphertexts(ev, await pp.dotColumns(encD, q.exps, d));
      await sendMessage<GradHeader>(ch, arbiter, t.grad(epoch, b), { count: d, withLoss: false }, [
        masked,
      ]);
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
    if (verdict.stop) {
      epoch++;
      break;
    }
  }
  // In original units; the host's share of the intercept stays with it (see hetero-lr/host.ts).
  const original = scaling ? unstandardizeWeights(w, scaling) : { weights: w, interceptShare: 0 };
  return {
    outputs: {
      model: {
        kind: 'model',
        model: {
          algorithm: 'hetero-poisson',
          family: 'poisson',
          role: 'host',
          featureNames: frame.featureNames,
          weights: Array.from(original.weights),
          ...(scaling ? { intercept: original.interceptShare } : {}),
          keyBits: keyed.pub.bits,
        },
      },
    },
    summary: { epochs: epoch, rows: n, seconds: (performance.now() - t0) / 1000 },
  };
}
