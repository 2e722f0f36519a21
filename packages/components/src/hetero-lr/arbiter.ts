/**
 * HeteroLR, arbiter (coordinator, 协调方): holds the Paillier private key; decrypts masked
 * gradients (G + ρ, uniform-looking) and the batch loss, decides early stopping. It never sees
 * data, labels, weights or per-row values.
 */
import {
  generatePaillierKeyPair,
  packBigUints,
  publicKeyToJson,
  decodeFixed,
} from '@fedgrid/crypto';
import { broadcastMessage, recvMessage, sendMessage } from '@fedgrid/federation';
import { epochBatches, shouldStop } from '@fedgrid/ml';
import { ComponentError, type ProgramContext, type ProgramResult } from '../spec.js';
import { lrParams, type HeteroLrParams } from './params.js';
import { ringWidth, tag, type EpochHeader, type GradHeader } from './protocol.js';

export async function lrArbiter(ctx: ProgramContext<HeteroLrParams>): Promise<ProgramResult> {
  const t0 = performance.now();
  const p = ctx.params;
  const { guest, hosts } = ctx.roles;
  const ch = ctx.channel;
  const { rows: n } = (await recvMessage<{ rows: number }>(ch, guest, tag.meta)).header;
  const keys = await generatePaillierKeyPair(p.keyBits);
  const pub = keys.publicKey;
  await broadcastMessage(ch, [guest, ...hosts], tag.pubkey, publicKeyToJson(pub));
  const pp = await ctx.crypto.paillier(pub, 4); // decryption only: a minimal h_s table
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
            tag.grad(epoch, b),
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
          await sendMessage(ch, party, tag.grad(epoch, b), { count }, [packBigUints(plain, width)]);
          if (withLoss) {
            const [l] = await pp.decryptRing(keys.privateKey, msg.blobs[1] as Uint8Array);
            lossSum +=
              decodeFixed(pp.ring.fromRing(l as bigint), msg.header.lossScale as number) / 8;
          }
        }),
      );
    }
    const loss = lossSum / n;
    const converged = shouldStop(lrParams(p), loss, lossHistory[lossHistory.length - 1]);
    const stop = converged || epoch + 1 >= p.maxIter;
    lossHistory.push(loss);
    await sendMessage<EpochHeader>(ch, guest, tag.epoch(epoch), { stop, converged, loss });
    await broadcastMessage<EpochHeader>(ch, hosts, tag.epoch(epoch), { stop });
    ctx.progress({ stage: 'train', epoch: epoch + 1, loss });
    if (stop) {
      epoch++;
      break;
    }
  }
  return {
    outputs: {},
    summary: { epochs: epoch, lossHistory, seconds: (performance.now() - t0) / 1000 },
  };
}
