/**
 * The SSHE-LR training loop, run by both parties with the roles swapped (Chen et al., "When
 * Homomorphic Encryption Marries Secret Sharing", KDD 2021; FATE's hetero_sshe_lr). Every weight
 * — the guest's (with the intercept) and the host's — is additively shared between the two
 * parties for the whole training. Per mini-batch R, each party P with peer Q:
 *
 *   1. P → Q  [[⟨w_Q⟩_P · 2^(W·k)]]_P            its shares of Q's weights, packed bases
 *   2. P → Q  [[X_P·⟨w_P⟩_Q + m]]_Q, K rows a ciphertext; Q decrypts its share of X_P·⟨w_P⟩_Q
 *      ⟨z⟩_P = trunc(X_P·⟨w_P⟩_P − m + (its share of X_Q·⟨w_Q⟩_P))      (scale F)
 *   3. ⟨d′⟩_guest = ⟨z⟩_guest + 2 − 4y,  ⟨d′⟩_host = ⟨z⟩_host        (d′ = 4·(σ̃(z) − y))
 *   4. P → Q  [[⟨d′⟩_P]]_P;  P → Q  [[X_Pᵀ·⟨d′⟩_Q + m′]]_Q;  Q decrypts its share of P's gradient
 *      ⟨G_P⟩_P = X_Pᵀ·⟨d′⟩_P − m′
 *   5. (computeLoss) the loss terms of the batch (loss.ts)
 *   6. both step both weight vectors' shares locally (update.ts)
 * After each epoch the loss is revealed (loss.ts) and both apply the same stop rule; after the
 * last, each party sends its shares of the other's weights, so that each learns ITS OWN weights
 * (FATE's reveal_strategy "respectively").
 */
import { recvMessage, sendMessage, type PartyName } from '@fedgrid/federation';
import { epochBatches, learningRateAt, selectEntries, shouldStop } from '@fedgrid/ml';
import type { ProgramContext } from '../spec.js';
import { FEATURE_SCALE_BITS, type SecureFeatures } from './features.js';
import { maskedGradient } from './gradient.js';
import { localGradient, localProduct } from './local-products.js';
import { EpochLoss } from './loss.js';
import { maskedPackedProduct, packedBases, packLayout, unpackShares } from './packed-product.js';
import { ssheLrParams, type HeteroSsheLrParams } from './params.js';
import { expectCiphertexts, tag } from './protocol.js';
import {
  decodeRing,
  encodeRing,
  packRing,
  ring,
  truncateShare,
  unpackRing,
  type ShareParty,
} from './ring.js';
import { setUp } from './setup.js';
import { stepCoefficients, stepShares } from './update.js';

export interface TrainInput {
  role: 'guest' | 'host';
  peer: PartyName;
  /** The party's features (the guest's with the intercept column last when fitIntercept). */
  x: SecureFeatures;
  /** Guest only: 0/1 labels, one per row. */
  labels?: Float64Array;
}

export interface TrainOutcome {
  /** This party's own weights, in the clear (the guest's intercept last). */
  weights: Float64Array;
  epochs: number;
  converged: boolean;
  lossHistory: number[];
  epochSeconds: number[];
  keyBits: number;
}

/** Runs the protocol to the end. @throws ComponentError on inconsistent data or messages. */
export async function trainSshe(
  ctx: ProgramContext<HeteroSsheLrParams>,
  input: TrainInput,
): Promise<TrainOutcome> {
  const p = ctx.params;
  const lp = ssheLrParams(p);
  const ch = ctx.channel;
  const { role, peer, x, labels } = input;
  const party: ShareParty = role === 'guest' ? 0 : 1;
  const n = x.rows;
  const F = p.fracBits;
  const setup = await setUp(ctx, peer, n, x.cols);
  const { own, peerCols } = setup;
  const peerKey = setup.peer;
  let { wOwn, wPeer } = setup;
  // My products run under the peer's key; the peer's under mine (with my bases).
  const layoutMine = packLayout(peerKey.pub.bits, x.cols, p.quantBits);
  const layoutTheirs = packLayout(own.pub.bits, peerCols, p.quantBits);
  // The intercept (the guest's last coordinate) is never penalised.
  const ownPen = Array.from(
    { length: x.cols },
    (_, j) => !(role === 'guest' && p.fitIntercept && j === x.cols - 1),
  );
  const peerPen = Array.from(
    { length: peerCols },
    (_, j) => !(role === 'host' && p.fitIntercept && j === peerCols - 1),
  );
  const two = encodeRing(2, F);
  const four = encodeRing(4, F);
  const threads = ctx.crypto.threads;
  const lossHistory: number[] = [];
  const epochSeconds: number[] = [];
  let converged = false;
  let epoch = 0;
  ctx.progress({
    stage: 'train',
    step: 'start',
    rows: n,
    // The party's own features (without the guest's intercept column) and the one peer.
    features: role === 'guest' && p.fitIntercept ? x.cols - 1 : x.cols,
    hosts: 1,
    keyBits: own.pub.bits,
  });

  for (; epoch < p.maxIter; epoch++) {
    const t0 = performance.now();
    const lr = learningRateAt(lp, epoch);
    const loss = p.computeLoss
      ? new EpochLoss(party, peerKey, F, p.quantBits, p.penalty === 'l2' ? p.alpha : 0, {
          own: ownPen,
          peer: peerPen,
        })
      : undefined;
    const batches = epochBatches(n, p.batchSize, p.seed, epoch);
    for (let b = 0; b < batches.length; b++) {
      const rows = batches[b] as Uint32Array;
      const m = rows.length;

      // 1–2. z = X_g·w_g + X_h·w_h in shares.
      const myBases = await packedBases(own, wPeer, layoutTheirs);
      const [, basesMsg] = await Promise.all([
        sendMessage(ch, peer, tag.bases(epoch, b), {}, [myBases]),
        recvMessage(ch, peer, tag.bases(epoch, b)),
      ]);
      const peerBases = expectCiphertexts(
        basesMsg.blobs[0],
        x.cols * layoutMine.slots,
        peerKey.pub,
        'packed weight shares',
      );
      const product = await maskedPackedProduct(peerKey, peerBases, x, rows, layoutMine, threads);
      const [, zMsg] = await Promise.all([
        sendMessage(ch, peer, tag.z(epoch, b), {}, [product.masked]),
        recvMessage(ch, peer, tag.z(epoch, b)),
      ]);
      const packs = expectCiphertexts(
        zMsg.blobs[0],
        Math.ceil(m / layoutTheirs.slots),
        own.pub,
        'packed products',
      );
      const theirPart = unpackShares(
        await own.pp.decryptRing(own.keys.privateKey, packs),
        layoutTheirs,
        m,
      );
      const local = localProduct(x, rows, wOwn);
      const z = local.map((v, r) =>
        truncateShare(
          ring(v + (product.shares[r] as bigint) + (theirPart[r] as bigint)),
          FEATURE_SCALE_BITS,
          party,
        ),
      );

      // 3. d′ = z + 2 − 4y in shares (the guest holds y).
      const d = labels
        ? z.map((zr, r) => ring(zr + two - (labels[rows[r] as number] === 1 ? four : 0n)))
        : z;

      // 4. Gradients G = Xᵀ·d′ in shares (scale F + S).
      const encD = await own.pp.encryptRing(d);
      const [, dMsg] = await Promise.all([
        sendMessage(ch, peer, tag.d(epoch, b), {}, [encD]),
        recvMessage(ch, peer, tag.d(epoch, b)),
      ]);
      const peerD = expectCiphertexts(dMsg.blobs[0], m, peerKey.pub, 'encrypted error shares');
      const grad = await maskedGradient(peerKey, peerD, x, rows, p.quantBits);
      const [, gMsg] = await Promise.all([
        sendMessage(ch, peer, tag.grad(epoch, b), {}, [grad.masked]),
        recvMessage(ch, peer, tag.grad(epoch, b)),
      ]);
      const peerGrad = expectCiphertexts(gMsg.blobs[0], peerCols, own.pub, 'masked gradient');
      const gPeer = (await own.pp.decryptRing(own.keys.privateKey, peerGrad)).map(ring);
      const gOwn = localGradient(x, rows, d).map((v, j) => ring(v + (grad.shares[j] as bigint)));

      // 5. Loss terms of this batch (pre-update weights, as the plaintext twin).
      await loss?.addBatch({
        rows: m,
        wOwn,
        wPeer,
        gOwn,
        gPeer,
        z,
        peerBases,
        slots: layoutMine.slots,
        sentGrad: grad.masked,
        ...(labels ? { labels: selectEntries(labels, rows), peerD } : {}),
      });

      // 6. The step, on both weight vectors' shares.
      const l2 = p.penalty === 'l2';
      wOwn = stepShares(wOwn, gOwn, stepCoefficients(lr, p.alpha, l2, m, ownPen, F), party);
      wPeer = stepShares(wPeer, gPeer, stepCoefficients(lr, p.alpha, l2, m, peerPen, F), party);
    }
    let value: number | undefined;
    if (loss) {
      value = await loss.reveal(ch, peer, own, epoch, n);
      converged = shouldStop(lp, value, lossHistory[lossHistory.length - 1]);
      lossHistory.push(value);
    }
    const seconds = (performance.now() - t0) / 1000;
    epochSeconds.push(seconds);
    ctx.progress({
      stage: 'train',
      epoch: epoch + 1,
      ...(value !== undefined ? { loss: value } : {}),
      seconds,
    });
    if (converged) {
      epoch++;
      break;
    }
  }

  // Reveal "respectively": each party gets only its own weights.
  const [, back] = await Promise.all([
    sendMessage(ch, peer, tag.reveal, {}, [packRing(wPeer)]),
    recvMessage(ch, peer, tag.reveal),
  ]);
  const theirShares = unpackRing(back.blobs[0], x.cols);
  const weights = Float64Array.from(wOwn, (v, j) =>
    decodeRing(ring(v + (theirShares[j] as bigint)), F),
  );
  return { weights, epochs: epoch, converged, lossHistory, epochSeconds, keyBits: own.pub.bits };
}
