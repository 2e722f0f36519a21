/**
 * hetero-pearson, host k: standardises and quantises its columns (Q_k ≈ Z_k·2^quantBits per
 * column), computes [[Z_gᵀ·Q_k]] = Π_i [[z_g,ij]]^{q_ik} from the guest's ciphertexts, aligns
 * every product to one public scale, re-randomises (so that the guest, who knows its own
 * randomisers, cannot read anything from the ciphertexts but the plaintext) and returns them;
 * then receives the correlations. It never sees a guest value.
 */
import { quantizeColumns } from '@fedgrid/crypto';
import { blobAs, recvMessage, sendMessage } from '@fedgrid/federation';
import { pearsonMatrix, standardizeColumns } from '@fedgrid/ml';
import { expectCiphertexts, hostExchangeMeta, hostKey } from '../guest-paillier.js';
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

export async function pearsonHost(
  ctx: ProgramContext<HeteroPearsonParams>,
): Promise<ProgramResult> {
  const t0 = performance.now();
  const p = ctx.params;
  const { frame } = input(ctx, 'data', 'dataset');
  const n = frame.ids.length;
  const dh = frame.x.cols;
  const guestMeta = await hostExchangeMeta(ctx, { rows: n, features: dh });
  checkPearsonInput(frame, ctx.party, guestMeta.features);
  const dg = guestMeta.features;
  // The guest will learn d_g equations in each of our columns: count them before anything leaves.
  await chargePearson(ctx, ctx.roles.guest, dg, n);
  const { pub, pp, ev } = await hostKey(ctx);

  const std = standardizeColumns(frame.x);
  const q = quantizeColumns(std.z.data, n, dh, p.quantBits);
  const zMsg = await recvMessage<{ rows: number; columns: number }>(
    ctx.channel,
    ctx.roles.guest,
    tag.z,
  );
  const encZ = expectCiphertexts(zMsg.blobs[0], n * dg, pub, 'guest standardised columns');
  const w = pub.cipherBytes;

  // Standardised columns have max |z| ≥ 1, so every column's scale is ≤ quantBits: raise all to
  // quantBits so that the guest decodes with one public scale and learns no column's range.
  const lift = Array.from(q.fracBits, (s) => 1n << BigInt(p.quantBits - s));
  const products = new Uint8Array(dg * dh * w);
  for (let j = 0; j < dg; j++) {
    const col = await pp.dotColumns(encZ.subarray(j * n * w, (j + 1) * n * w), q.exps, dh);
    products.set(ev.mulScalar(col, lift), j * dh * w);
  }
  const fresh = await pp.rerandomize(products);
  await sendMessage<ProductsHeader>(
    ctx.channel,
    ctx.roles.guest,
    tag.products,
    { scale: p.fracBits + p.quantBits, constant: std.constant, features: frame.featureNames },
    [fresh],
  );

  const res = await recvMessage<ResultHeader>(ctx.channel, ctx.roles.guest, tag.result);
  const blob = res.blobs[0];
  if (res.header.rows !== dg || res.header.cols !== dh || !blob || blob.length !== dg * dh * 8) {
    throw new ComponentError(
      'PROTOCOL',
      `the guest returned a malformed ${res.header.rows} × ${res.header.cols} result`,
    );
  }
  const r = blobAs(blob, Float64Array);
  return {
    outputs: {
      report: {
        kind: 'report',
        report: {
          party: ctx.party,
          rows: n,
          features: frame.featureNames,
          local: nested(pearsonMatrix(frame.x), dh, dh),
          cross: [
            {
              party: ctx.roles.guest,
              guestFeatures: res.header.guestFeatures,
              features: frame.featureNames,
              matrix: nested(r, dg, dh),
            },
          ],
        },
      },
    },
    summary: { rows: n, features: dh, seconds: (performance.now() - t0) / 1000 },
  };
}
