/**
 * Coordinated GLM, host (feature provider). Per mini-batch R:
 *   host k → guest, other hosts  [[u_k]], u_k = X_k·w_k
 *   guest → host k               [[m]]
 *   host k  [[G_k]] = X_kᵀ·([[m]]·Π_{h≠k}[[u_h]]) + X_kᵀ·u_k = [[X_kᵀ·d′]]
 *   host k → arbiter             [[G_k + ρ_k]];  arbiter → host k: G_k + ρ_k
 *   host k → guest               [[Σ u_k² + 2Σ_{h<k} u_h·u_k + L|R|·penalty_k]]  (its loss part)
 * The host never sees labels, the guest's features or weights, or other hosts' values. With
 * several models (one-vs-rest classes) it trains one after the other, as the guest says.
 */
import { encodeFixed, quantizeColumns } from '@fedgrid/crypto';
import { broadcastMessage, recvMessage, sendMessage } from '@fedgrid/federation';
import {
  applyStandardization,
  epochBatches,
  fitStandardization,
  learningRateAt,
  matTVec,
  matVec,
  Optimizer,
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
import { requireComplete } from './data-checks.js';
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

type Keyed = Awaited<ReturnType<typeof receiveKey>>;

/**
 * The host's checks and set-up shared by the coordinated GLMs: tells the guest its row count,
 * checks the guest's, receives the arbiter's key. Returns the guest's set-up message.
 */
export async function hostSetup(
  ctx: ProgramContext<HeteroLrParams>,
  frame: Frame,
): Promise<{ meta: MetaHeader; keyed: Keyed }> {
  const { guest, arbiter } = ctx.roles;
  if (!arbiter)
    throw new ComponentError('ROLE_MISSING', 'the coordinated protocol needs an arbiter party');
  requireComplete(frame, ctx.party);
  const n = frame.ids.length;
  await sendMessage(ctx.channel, guest, tag.meta, { rows: n });
  const meta = (await recvMessage<MetaHeader>(ctx.channel, guest, tag.meta)).header;
  if (meta.rows !== n) {
    throw new ComponentError(
      'ROWS_MISMATCH',
      `${ctx.party} has ${n} aligned rows, the guest ${meta.rows}; run PSI first`,
    );
  }
  return { meta, keyed: await receiveKey(ctx, arbiter) };
}

async function fitHost(
  ctx: ProgramContext<HeteroLrParams>,
  keyed: Keyed,
  frame: Frame,
  x: Matrix,
  family: CoordinatedFamily,
  t: ReturnType<typeof tags>,
): Promise<{ w: Float64Array; epochs: number }> {
  const p = ctx.params;
  const { pp, ev } = keyed;
  const { guest, hosts, arbiter } = ctx.roles as {
    guest: string;
    hosts: string[];
    arbiter: string;
  };
  const ch = ctx.channel;
  const others = hosts.filter((h) => h !== ctx.party);
  const lower = hosts.slice(0, hosts.indexOf(ctx.party)); // hosts h < k, for cross terms of the loss
  const F = p.fracBits;
  const lp = lrParams(p);
  const K = family.residualScale;
  const L = family.lossScale;
  const n = frame.ids.length;
  const d = x.cols;
  const w = new Float64Array(d);
  const opt = new Optimizer(lp, d, d);
  if (lp.optimizer === 'newton')
    // Block-diagonal Newton on this party's own columns (docs/protocols/hetero-lr.md).
    opt.precondition(x, {
      curvature: 2 / family.lossScale,
      intercept: false,
      parties: (ctx.roles as { hosts: string[] }).hosts.length + 1,
    });
  let epoch = 0;
  for (; epoch < p.maxIter; epoch++) {
    const lr = learningRateAt(lp, epoch);
    const batches = epochBatches(n, p.batchSize, p.seed, epoch);
    for (let b = 0; b < batches.length; b++) {
      const rows = batches[b] as Uint32Array;
      const nb = rows.length;
      const xb = selectRows(x, rows);
      const u = matVec(xb, w);
      const encU = await pp.encrypt(u, F);
      await broadcastMessage(ch, [guest, ...others], t.u(epoch, b), { count: nb }, [encU]);
      const encM = (await recvMessage(ch, guest, t.m(epoch, b))).blobs[0] as Uint8Array;
      const fromOthers = await Promise.all(others.map((h) => recvMessage(ch, h, t.u(epoch, b))));
      const otherU = new Map(others.map((h, k) => [h, fromOthers[k]?.blobs[0] as Uint8Array]));

      // Encrypted gradient X_kᵀ·d′ = X_kᵀ·(m + Σ_{h≠k} u_h) + X_kᵀ·u_k, masked for the arbiter.
      const dEnc = sumCiphertexts(ev, [encM, ...otherU.values()]);
      const q = quantizeColumns(xb.data, nb, d, p.quantBits);
      const scales = Array.from(q.fracBits, (s) => F + s);
      const grad = ev.addPlainRing(
        await pp.dotColumns(dEnc, q.exps, d),
        encodeRing(pp.ring, matTVec(xb, u), scales),
      );
      const { masked, masks } = maskCiphertexts(ev, grad);
      await sendMessage<GradHeader>(ch, arbiter, t.grad(epoch, b), { count: d, withLoss: false }, [
        masked,
      ]);

      // Loss part: Σ u_k² + L|R|·penalty (plain) + 2·Σ_{h<k} u_h·u_k (encrypted cross terms).
      let plain = L * nb * opt.penaltyLoss(w);
      for (let i = 0; i < nb; i++) plain += (u[i] as number) ** 2;
      let scale = 2 * F;
      let part: Uint8Array | undefined;
      if (lower.length > 0) {
        const qc = quantizeColumns(
          u.map((v) => 2 * v),
          nb,
          1,
          p.quantBits,
        );
        const cs = F + (qc.fracBits[0] as number);
        scale = Math.max(scale, cs);
        const cross = await Promise.all(
          lower.map((h) => pp.dotColumns(otherU.get(h) as Uint8Array, qc.exps, 1)),
        );
        part = alignScale(ev, sumCiphertexts(ev, cross), cs, scale);
      }
      const plainRing = [pp.ring.toRing(encodeFixed(plain, scale))];
      const lossPart = part ? ev.addPlainRing(part, plainRing) : await pp.encryptRing(plainRing);
      await sendMessage(ch, guest, t.lossPart(epoch, b), { scale }, [lossPart]);

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
    if (verdict.stop) {
      epoch++;
      break;
    }
  }
  return { w, epochs: epoch };
}

/** The host program of a coordinated GLM (see {@link coordinatedGuest} in guest.ts). */
export function coordinatedHost(family: CoordinatedFamily): Program<HeteroLrParams> {
  return async (ctx: ProgramContext<HeteroLrParams>): Promise<ProgramResult> => {
    const t0 = performance.now();
    const { frame } = input(ctx, 'data', 'dataset');
    const { meta, keyed } = await hostSetup(ctx, frame);
    const count = meta.models ?? 1;
    // Own columns, own statistics: nothing about them leaves this party.
    const scaling = ctx.params.standardize
      ? fitStandardization(frame.x, ctx.params.fitIntercept)
      : undefined;
    const x = scaling ? applyStandardization(frame.x, scaling) : frame.x;
    const fits: { w: Float64Array; epochs: number }[] = [];
    for (let k = 0; k < count; k++)
      fits.push(await fitHost(ctx, keyed, frame, x, family, tags(modelPrefix(k, count))));
    const first = fits[0] as { w: Float64Array; epochs: number };
    // In original units; the host's share of the intercept stays with it (added to its partial
    // scores at prediction), so the guest learns nothing about the host's column statistics.
    const original = fits.map((f) =>
      scaling ? unstandardizeWeights(f.w, scaling) : { weights: f.w, interceptShare: 0 },
    );
    return {
      outputs: {
        model: {
          kind: 'model',
          model: {
            algorithm: family.name === 'logistic' ? 'hetero-lr' : 'hetero-linr',
            family: family.name,
            role: 'host',
            featureNames: frame.featureNames,
            weights:
              count > 1
                ? original.map((o) => Array.from(o.weights))
                : Array.from(original[0]!.weights),
            ...(scaling
              ? {
                  intercept:
                    count > 1 ? original.map((o) => o.interceptShare) : original[0]!.interceptShare,
                }
              : {}),
            keyBits: keyed.pub.bits,
          },
        },
      },
      summary: {
        epochs: count > 1 ? fits.map((f) => f.epochs) : first.epochs,
        rows: frame.ids.length,
        seconds: (performance.now() - t0) / 1000,
      },
    };
  };
}
