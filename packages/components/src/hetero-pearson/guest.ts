/**
 * hetero-pearson, guest:
 *   guest → hosts  [[Z_g]]  (its standardised columns under its own Paillier key)
 *   host k → guest [[Z_gᵀ·Q_k]] (re-randomised), Q_k the host's quantised standardised columns
 *   guest           R_gk = Z_gᵀ·Z_k / n;  guest → host k: R_gk
 * The guest learns the cross-correlations and nothing else of the hosts' data.
 */
import { pearsonMatrix, standardizeColumns } from '@fedgrid/ml';
import { broadcastMessage, recvMessage, sendMessage } from '@fedgrid/federation';
import { expectCiphertexts, guestExchangeMeta, guestKey } from '../guest-paillier.js';
import { ComponentError, input, type ProgramContext, type ProgramResult } from '../spec.js';
import type { HeteroPearsonParams } from './params.js';
import {
  chargePearson,
  checkPearsonInput,
  nested,
  tag,
  type ProductsHeader,
  type ResultHeader,
} from './protocol.js';

export async function pearsonGuest(
  ctx: ProgramContext<HeteroPearsonParams>,
): Promise<ProgramResult> {
  const t0 = performance.now();
  const p = ctx.params;
  const { frame } = input(ctx, 'data', 'dataset');
  const n = frame.ids.length;
  const d = frame.x.cols;
  if (n === 0)
    throw new ComponentError('EMPTY_DATA', 'no aligned rows (is the PSI intersection empty?)');
  const metas = await guestExchangeMeta(ctx, { rows: n, features: d });
  checkPearsonInput(frame, ctx.party, Math.max(...metas.map((m) => m.features)));
  // Host k will learn d_k equations in each of our columns: count them before anything leaves.
  for (const [k, h] of ctx.roles.hosts.entries()) {
    await chargePearson(ctx, h, (metas[k] as { features: number }).features, n);
  }
  const { keys, pp } = await guestKey(ctx);

  const std = standardizeColumns(frame.x);
  const colMajor = new Float64Array(n * d);
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < n; i++) colMajor[j * n + i] = std.z.data[i * d + j] as number;
  }
  const encZ = await pp.encrypt(colMajor, p.fracBits);
  await broadcastMessage(ctx.channel, ctx.roles.hosts, tag.z, { rows: n, columns: d }, [encZ]);
  ctx.progress({ stage: 'pearson', step: 'sent', rows: n, features: d });

  const cross = await Promise.all(
    ctx.roles.hosts.map(async (h, k) => {
      const msg = await recvMessage<ProductsHeader>(ctx.channel, h, tag.products);
      const dh = (metas[k] as { features: number }).features;
      const { scale, constant, features } = msg.header;
      if (constant.length !== dh || features.length !== dh) {
        throw new ComponentError(
          'PROTOCOL',
          `${h} described ${constant.length} columns, announced ${dh}`,
        );
      }
      const cts = expectCiphertexts(msg.blobs[0], d * dh, keys.publicKey, `${h} products`);
      const sums = await pp.decrypt(keys.privateKey, cts, scale);
      const r = new Float64Array(d * dh);
      for (let j = 0; j < d; j++) {
        for (let c = 0; c < dh; c++) {
          r[j * dh + c] = std.constant[j] || constant[c] ? NaN : (sums[j * dh + c] as number) / n;
        }
      }
      await sendMessage<ResultHeader>(
        ctx.channel,
        h,
        tag.result,
        { guestFeatures: frame.featureNames, rows: d, cols: dh },
        [new Uint8Array(r.buffer)],
      );
      return { party: h, features, matrix: nested(r, d, dh) };
    }),
  );
  return {
    outputs: {
      report: {
        kind: 'report',
        report: {
          party: ctx.party,
          rows: n,
          features: frame.featureNames,
          local: nested(pearsonMatrix(frame.x), d, d),
          cross,
        },
      },
    },
    summary: { rows: n, features: d, keyBits: p.keyBits, seconds: (performance.now() - t0) / 1000 },
  };
}
