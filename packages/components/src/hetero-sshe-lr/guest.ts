/**
 * SSHE-LR, guest (labels + features, holds the intercept). Runs the two-party protocol of
 * trainer.ts with the host and outputs its own weights and intercept in the clear; it never
 * sees the host's weights, gradients or per-row values.
 */
import { binaryLabels, requireComplete } from '../hetero-lr/data-checks.js';
import { ComponentError, input, type ProgramContext, type ProgramResult } from '../spec.js';
import { twoPartyPeer } from './checks.js';
import { secureFeatures } from './features.js';
import type { HeteroSsheLrParams } from './params.js';
import { trainSshe } from './trainer.js';

export async function ssheGuest(ctx: ProgramContext<HeteroSsheLrParams>): Promise<ProgramResult> {
  const t0 = performance.now();
  const p = ctx.params;
  const peer = twoPartyPeer(ctx);
  const { frame } = input(ctx, 'data', 'dataset');
  const labels = binaryLabels(frame);
  requireComplete(frame, ctx.party);
  if (frame.ids.length === 0)
    throw new ComponentError('EMPTY_DATA', 'no rows to train on (is the PSI intersection empty?)');
  if (frame.x.cols === 0 && !p.fitIntercept)
    throw new ComponentError('NO_FEATURES', 'the guest has no features and fitIntercept is off');
  const x = secureFeatures(frame.x, p.quantBits, p.fitIntercept, frame.featureNames);
  const out = await trainSshe(ctx, { role: 'guest', peer, x, labels });
  const d = frame.x.cols;
  return {
    outputs: {
      model: {
        kind: 'model',
        model: {
          algorithm: 'hetero-sshe-lr',
          role: 'guest',
          featureNames: frame.featureNames,
          weights: Array.from(out.weights.subarray(0, d)),
          intercept: p.fitIntercept ? (out.weights[d] as number) : 0,
          keyBits: out.keyBits,
        },
      },
    },
    summary: {
      epochs: out.epochs,
      converged: out.converged,
      lossHistory: out.lossHistory,
      epochSeconds: out.epochSeconds,
      seconds: (performance.now() - t0) / 1000,
      keyBits: out.keyBits,
      rows: frame.ids.length,
    },
  };
}
