/**
 * hetero-binning, host: bins its own columns, adds the guest's encrypted labels per bin
 * (ciphertext multiplications only: [[Σ_{i∈b} y_i]] = Π_{i∈b} [[y_i]]), re-randomises the sums
 * (the guest knows the randomisers of its ciphertexts; fresh ones hide which rows were
 * multiplied), shuffles each feature's bins, and sends them with the bin sizes. It receives the
 * WOE/IV of its bins in the same shuffled order and undoes the shuffle; under chi-merge it
 * receives the event counts of its initial quantile bins instead and merges locally. It never
 * holds a plaintext label.
 */
import type { PaillierEvaluator } from '@fedgrid/crypto';
import { recvMessage, sendMessage } from '@fedgrid/federation';
import { assignBins, binCount, frameColumn, woeIv } from '@fedgrid/ml';
import { expectCiphertexts, hostExchangeMeta, hostKey } from '../guest-paillier.js';
import { ComponentError, input, type ProgramContext, type ProgramResult } from '../spec.js';
import { columnsToBin, initialBins, mergeBins, numericBinsFor } from './fit.js';
import { applySavedBinning } from './apply.js';
import {
  transformFrame,
  withCategoryNames,
  type BinnedFeature,
  type BinningModel,
} from './model.js';
import type { HeteroBinningParams } from './params.js';
import {
  checkBinSizes,
  permute,
  randomPermutation,
  tag,
  unpermute,
  type ResultHeader,
  type SumsHeader,
} from './protocol.js';

/**
 * [[Σ_{i: bins_i = b} y_i]] for b = 0 … count−1 (an empty bin gets the trivial [[0]], which the
 * caller re-randomises), as count ciphertexts.
 */
export function sumPerBin(
  ev: PaillierEvaluator,
  encY: Uint8Array,
  bins: Int32Array,
  count: number,
): Uint8Array {
  const w = ev.publicKey.cipherBytes;
  const acc: (Uint8Array | undefined)[] = new Array(count);
  for (let i = 0; i < bins.length; i++) {
    const b = bins[i] as number;
    if (b < 0) continue;
    const ct = encY.subarray(i * w, (i + 1) * w);
    const cur = acc[b];
    acc[b] = cur ? ev.add(cur, ct) : ct.slice();
  }
  const out = new Uint8Array(count * w);
  for (let b = 0; b < count; b++) {
    const a = acc[b];
    if (a) out.set(a, b * w);
    else out[b * w] = 1; // [[0]] with randomiser 1
  }
  return out;
}

export async function binningHost(
  ctx: ProgramContext<HeteroBinningParams>,
): Promise<ProgramResult> {
  const applied = applySavedBinning(ctx);
  if (applied) return applied;
  const t0 = performance.now();
  const p = ctx.params;
  const { frame } = input(ctx, 'data', 'dataset');
  const n = frame.ids.length;
  const cols = columnsToBin(frame, p, ctx.party);
  await hostExchangeMeta(ctx, { rows: n, features: cols.length });
  const { pub, pp, ev } = await hostKey(ctx);
  const labelsMsg = await recvMessage<{ rows: number }>(ctx.channel, ctx.roles.guest, tag.labels);
  const encY = expectCiphertexts(labelsMsg.blobs[0], n, pub, 'encrypted labels');
  const w = pub.cipherBytes;

  const prepared = cols.map((c) => {
    const bins = initialBins(frame, c, p.method, numericBinsFor(p));
    const count = binCount(bins);
    const assigned = assignBins(bins, frameColumn(frame, c.index), n, 1, 0);
    const counts = new Array<number>(count).fill(0);
    for (const b of assigned) counts[b] = (counts[b] as number) + 1;
    // The guest refuses such bins too; checking here names the column and sends nothing.
    checkBinSizes(counts, `${ctx.party} feature '${c.name}'`);
    const perm = randomPermutation(count);
    return { c, bins, counts, perm, sums: sumPerBin(ev, encY, assigned, count) };
  });
  const total = prepared.reduce((a, f) => a + f.counts.length, 0);
  const shuffled = new Uint8Array(total * w);
  let off = 0;
  for (const f of prepared) {
    for (const b of f.perm) shuffled.set(f.sums.subarray(b * w, (b + 1) * w), off++ * w);
  }
  const fresh = await pp.rerandomize(shuffled);
  const returnCounts = prepared.map((f) => p.method === 'chi-merge' && f.bins.kind === 'numeric');
  await sendMessage<SumsHeader>(
    ctx.channel,
    ctx.roles.guest,
    tag.sums,
    {
      bins: prepared.map((f) => f.counts.length),
      totals: prepared.flatMap((f) => permute(f.counts, f.perm)),
      returnCounts,
    },
    [fresh],
  );
  ctx.progress({ stage: 'binning', step: 'sums-sent', features: prepared.length, bins: total });

  const res = (await recvMessage<ResultHeader>(ctx.channel, ctx.roles.guest, tag.result)).header;
  if (res.features.length !== prepared.length) {
    throw new ComponentError(
      'PROTOCOL',
      `the guest answered for ${res.features.length} features, not ${prepared.length}`,
    );
  }
  const features: BinnedFeature[] = prepared.map((f, k) => {
    const r = res.features[k] as ResultHeader['features'][number];
    const size = f.counts.length;
    if ('events' in r) {
      if (r.events.length !== size)
        throw new ComponentError(
          'PROTOCOL',
          `feature ${f.c.name}: ${r.events.length} counts for ${size} bins`,
        );
      const events = unpermute(r.events, f.perm);
      const m = mergeBins(
        f.bins,
        events,
        events.map((e, b) => (f.counts[b] as number) - e),
        p,
      );
      const woe = woeIv(m.events, m.nonEvents, p.adjustmentFactor);
      return {
        name: f.c.name,
        bins: m.bins,
        counts: m.events.map((e, b) => e + (m.nonEvents[b] as number)),
        woe: woe.woe,
        ivPerBin: woe.ivPerBin,
        iv: woe.iv,
      };
    }
    if (r.woe.length !== size || r.ivPerBin.length !== size) {
      throw new ComponentError(
        'PROTOCOL',
        `feature ${f.c.name}: ${r.woe.length} WOE values for ${size} bins`,
      );
    }
    return {
      name: f.c.name,
      bins: f.bins,
      counts: f.counts,
      woe: unpermute(r.woe, f.perm),
      ivPerBin: unpermute(r.ivPerBin, f.perm),
      iv: r.iv,
    };
  });
  const model: BinningModel = {
    algorithm: 'hetero-binning',
    role: 'host',
    method: p.method,
    adjustmentFactor: p.adjustmentFactor,
    features: withCategoryNames(features, frame),
  };
  return {
    outputs: {
      model: { kind: 'model', model },
      data: { kind: 'dataset', frame: transformFrame(frame, model, p.transform) },
    },
    summary: { rows: n, features: features.length, seconds: (performance.now() - t0) / 1000 },
  };
}
