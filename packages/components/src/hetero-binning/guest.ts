/**
 * hetero-binning, guest (label holder):
 *   guest → hosts   [[y_i]] under its own Paillier key (0/1 labels, integers)
 *   guest           bins its own columns and computes their WOE/IV with its labels
 *   host k → guest  per feature, shuffled: [[events_b]] = [[Σ_{i∈b} y_i]] and |b|
 *   guest → host k  per feature, in the same shuffled order: WOE_b, IV_b and the feature's IV
 *                   (chi-merge numeric features: the events_b instead; the host merges)
 * The guest learns per-bin event and non-event counts of anonymous, unordered host bins.
 */
import { broadcastMessage, recvMessage, sendMessage } from '@fedgrid/federation';
import { assignBins, binCount, frameColumn, binLabelCounts, woeIv } from '@fedgrid/ml';
import type { PaillierKeyPair, PooledPaillier } from '@fedgrid/crypto';
import { expectCiphertexts, guestExchangeMeta, guestKey } from '../guest-paillier.js';
import { ComponentError, input, type ProgramContext, type ProgramResult } from '../spec.js';
import { binaryLabels, columnsToBin, initialBins, mergeBins, numericBinsFor } from './fit.js';
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
  tag,
  type FeatureResult,
  type ResultHeader,
  type SumsHeader,
} from './protocol.js';

/** Decrypts one host's bin sums, answers with WOE/IV (or counts), returns a summary of them. */
async function serveHost(
  ctx: ProgramContext<HeteroBinningParams>,
  host: string,
  features: number,
  rows: number,
  keys: PaillierKeyPair,
  pp: PooledPaillier,
): Promise<{ host: string; features: number; bins: number }> {
  const p = ctx.params;
  const msg = await recvMessage<SumsHeader>(ctx.channel, host, tag.sums);
  const { bins, totals, returnCounts } = msg.header;
  const all = bins.reduce((a, b) => a + b, 0);
  if (bins.length !== features || returnCounts.length !== features || totals.length !== all) {
    throw new ComponentError(
      'PROTOCOL',
      `${host} sent bin sums for ${bins.length} features, announced ${features}`,
    );
  }
  if (p.method !== 'chi-merge' && returnCounts.some(Boolean)) {
    throw new ComponentError(
      'PROTOCOL',
      `${host} asked for event counts, but the method is ${p.method}, not chi-merge`,
    );
  }
  // The label owner's own check, before it decrypts or answers anything.
  let at = 0;
  for (let f = 0; f < features; f++) {
    const k = bins[f] as number;
    checkBinSizes(totals.slice(at, at + k), `${ctx.party}: ${host} feature ${f}`);
    at += k;
  }
  const cts = expectCiphertexts(msg.blobs[0], all, keys.publicKey, `${host} bin sums`);
  const plain = await pp.decryptRing(keys.privateKey, cts);
  const results: FeatureResult[] = [];
  let off = 0;
  for (let f = 0; f < features; f++) {
    const k = bins[f] as number;
    const tot = totals.slice(off, off + k);
    const events = plain.slice(off, off + k).map((v) => Number(pp.ring.fromRing(v)));
    off += k;
    if (tot.reduce((a, b) => a + b, 0) !== rows) {
      throw new ComponentError(
        'PROTOCOL',
        `${host} feature ${f}: bins hold ${tot.reduce((a, b) => a + b, 0)} rows, not ${rows}`,
      );
    }
    events.forEach((e, b) => {
      if (!(Number.isInteger(e) && e >= 0 && e <= (tot[b] as number))) {
        throw new ComponentError(
          'PROTOCOL',
          `${host} feature ${f}: bin ${b} has ${e} events in ${tot[b]} rows`,
        );
      }
    });
    if (returnCounts[f]) {
      results.push({ events });
    } else {
      const r = woeIv(
        events,
        events.map((e, b) => (tot[b] as number) - e),
        p.adjustmentFactor,
      );
      results.push({ woe: r.woe, ivPerBin: r.ivPerBin, iv: r.iv });
    }
  }
  await sendMessage<ResultHeader>(ctx.channel, host, tag.result, { features: results });
  return { host, features, bins: all };
}

export async function binningGuest(
  ctx: ProgramContext<HeteroBinningParams>,
): Promise<ProgramResult> {
  const applied = applySavedBinning(ctx);
  if (applied) return applied;
  const t0 = performance.now();
  const p = ctx.params;
  const { frame } = input(ctx, 'data', 'dataset');
  const y = binaryLabels(frame);
  const n = frame.ids.length;
  if (n === 0)
    throw new ComponentError('EMPTY_DATA', 'no aligned rows (is the PSI intersection empty?)');
  const cols = columnsToBin(frame, p, ctx.party);
  const metas = await guestExchangeMeta(ctx, { rows: n, features: cols.length });
  const { keys, pp } = await guestKey(ctx);
  const encY = await pp.encrypt(y, 0);
  await broadcastMessage(ctx.channel, ctx.roles.hosts, tag.labels, { rows: n }, [encY]);
  ctx.progress({ stage: 'binning', step: 'labels-sent', rows: n });

  const features: BinnedFeature[] = cols.map((c) => {
    const first = initialBins(frame, c, p.method, numericBinsFor(p));
    const init = binLabelCounts(
      assignBins(first, frameColumn(frame, c.index), n, 1, 0),
      y,
      binCount(first),
    );
    const m = mergeBins(first, init.events, init.nonEvents, p);
    const r = woeIv(m.events, m.nonEvents, p.adjustmentFactor);
    return {
      name: c.name,
      bins: m.bins,
      counts: m.events.map((e, b) => e + (m.nonEvents[b] as number)),
      events: m.events,
      nonEvents: m.nonEvents,
      woe: r.woe,
      ivPerBin: r.ivPerBin,
      iv: r.iv,
    };
  });
  const served = await Promise.all(
    ctx.roles.hosts.map((h, k) =>
      serveHost(ctx, h, (metas[k] as { features: number }).features, n, keys, pp),
    ),
  );
  const model: BinningModel = {
    algorithm: 'hetero-binning',
    role: 'guest',
    method: p.method,
    adjustmentFactor: p.adjustmentFactor,
    features: withCategoryNames(features, frame),
  };
  return {
    outputs: {
      model: { kind: 'model', model },
      data: { kind: 'dataset', frame: transformFrame(frame, model, p.transform) },
    },
    summary: {
      rows: n,
      features: features.length,
      iv: Object.fromEntries(features.map((f) => [f.name, f.iv])),
      hosts: served,
      keyBits: p.keyBits,
      seconds: (performance.now() - t0) / 1000,
    },
  };
}
