/**
 * Coordinated GLM, arbiter (coordinator, 协调方): holds the Paillier private key; decrypts masked
 * gradients (G + ρ, uniform-looking) and the batch loss, decides early stopping. It never sees
 * data, labels, weights or per-row values. Shared by HeteroLR, HeteroLinR and HeteroPoisson:
 * only the loss scale L (the parties encrypt L × the loss) differs.
 */
import {
  generatePaillierKeyPair,
  packBigUints,
  publicKeyToJson,
  decodeFixed,
  type PaillierKeyPair,
  type PooledPaillier,
} from '@fedgrid/crypto';
import { broadcastMessage, recvMessage, sendMessage } from '@fedgrid/federation';
import { divergence, epochBatches, shouldStop } from '@fedgrid/ml';
import { ComponentError, type Program, type ProgramContext, type ProgramResult } from '../spec.js';
import { lrParams, type HeteroLrParams } from './params.js';
import {
  modelPrefix,
  ringWidth,
  tag,
  tags,
  divergedError,
  type EpochHeader,
  type GradHeader,
  type MetaHeader,
} from './protocol.js';

async function fitArbiter(
  ctx: ProgramContext<HeteroLrParams>,
  keys: PaillierKeyPair,
  pp: PooledPaillier,
  n: number,
  lossScale: number,
  t: ReturnType<typeof tags>,
): Promise<{ epochs: number; lossHistory: number[] }> {
  const p = ctx.params;
  const { guest, hosts } = ctx.roles;
  const ch = ctx.channel;
  const pub = keys.publicKey;
  const width = ringWidth(pub);
  const parties = [guest, ...hosts];
  const lossHistory: number[] = [];
  let epoch = 0;
  for (; epoch < p.maxIter; epoch++) {
    let lossSum = 0;
    const batches = epochBatches(n, p.batchSize, p.seed, epoch);
    for (let b = 0; b < batches.length; b++) {
      await Promise.all(
        parties.map(async (party) => {
          const msg = await recvMessage<GradHeader & { lossScale?: number }>(
            ch,
            party,
            t.grad(epoch, b),
          );
          const { count, withLoss } = msg.header;
          const grads = msg.blobs[0] as Uint8Array;
          if (grads.length !== count * pub.cipherBytes) {
            throw new ComponentError(
              'PROTOCOL',
              `${party} sent ${grads.length} bytes for ${count} gradient ciphertexts`,
            );
          }
          const plain = await pp.decryptRing(keys.privateKey, grads);
          await sendMessage(ch, party, t.grad(epoch, b), { count }, [packBigUints(plain, width)]);
          if (withLoss) {
            const [l] = await pp.decryptRing(keys.privateKey, msg.blobs[1] as Uint8Array);
            lossSum +=
              decodeFixed(pp.ring.fromRing(l as bigint), msg.header.lossScale as number) /
              lossScale;
          }
        }),
      );
    }
    const loss = lossSum / n;
    const converged = shouldStop(lrParams(p), loss, lossHistory[lossHistory.length - 1]);
    lossHistory.push(loss);
    const diverged = divergence(lossHistory);
    const stop = converged || diverged !== undefined || epoch + 1 >= p.maxIter;
    const verdict = diverged !== undefined ? { diverged } : {};
    await sendMessage<EpochHeader>(ch, guest, t.epoch(epoch), {
      stop,
      converged,
      loss,
      ...verdict,
    });
    await broadcastMessage<EpochHeader>(ch, hosts, t.epoch(epoch), { stop, ...verdict });
    ctx.progress({ stage: 'train', epoch: epoch + 1, loss });
    if (diverged !== undefined) throw divergedError(diverged);
    if (stop) {
      epoch++;
      break;
    }
  }
  return { epochs: epoch, lossHistory };
}

/** The arbiter program of a coordinated GLM whose parties encrypt `lossScale` × the loss. */
export function coordinatedArbiter(lossScale: number): Program<HeteroLrParams> {
  return async (ctx: ProgramContext<HeteroLrParams>): Promise<ProgramResult> => {
    const t0 = performance.now();
    const p = ctx.params;
    const { guest, hosts } = ctx.roles;
    const meta = (await recvMessage<MetaHeader>(ctx.channel, guest, tag.meta)).header;
    const keys = await generatePaillierKeyPair(p.keyBits);
    await broadcastMessage(
      ctx.channel,
      [guest, ...hosts],
      tag.pubkey,
      publicKeyToJson(keys.publicKey),
    );
    const pp = await ctx.crypto.paillier(keys.publicKey, 4); // decryption only: a minimal h_s table
    const count = meta.models ?? 1;
    const fits: { epochs: number; lossHistory: number[] }[] = [];
    for (let k = 0; k < count; k++)
      fits.push(await fitArbiter(ctx, keys, pp, meta.rows, lossScale, tags(modelPrefix(k, count))));
    const first = fits[0] as { epochs: number; lossHistory: number[] };
    return {
      outputs: {},
      summary: {
        epochs: count > 1 ? fits.map((f) => f.epochs) : first.epochs,
        lossHistory: count > 1 ? fits.map((f) => f.lossHistory) : first.lossHistory,
        seconds: (performance.now() - t0) / 1000,
      },
    };
  };
}
