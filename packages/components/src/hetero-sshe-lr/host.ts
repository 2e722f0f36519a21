/**
 * SSHE-LR, host (features only). Runs the two-party protocol of trainer.ts with the guest and
 * outputs its own weights in the clear; it never sees labels, the guest's weights, gradients or
 * per-row values. It learns the training loss per epoch (to stop at the same epoch).
 */
import { requireComplete } from '../hetero-lr/data-checks.js';
import { ComponentError, input, type ProgramContext, type ProgramResult } from '../spec.js';
import { twoPartyPeer } from './checks.js';
import { secureFeatures } from './features.js';
import type { HeteroSsheLrParams } from './params.js';
import { trainSshe } from './trainer.js';

export async function ssheHost(ctx: ProgramContext<HeteroSsheLrParams>): Promise<ProgramResult> {
  const t0 = performance.now();
  const p = ctx.params;
  const peer = twoPartyPeer(ctx);
  const { frame } = input(ctx, 'data', 'dataset');
  requireComplete(frame, ctx.party);
  if (frame.x.cols === 0)
    throw new ComponentError('NO_FEATURES', `${ctx.party} brings no feature columns`);
  const x = secureFeatures(frame.x, p.quantBits, false, frame.featureNames);
  const out = await trainSshe(ctx, { role: 'host', peer, x });
  return {
    outputs: {
      model: {
        kind: 'model',
        model: {
          algorithm: 'hetero-sshe-lr',
          role: 'host',
          featureNames: frame.featureNames,
          weights: Array.from(out.weights),
          keyBits: out.keyBits,
        },
      },
    },
    summary: {
      epochs: out.epochs,
      converged: out.converged,
      lossHistory: out.lossHistory,
      seconds: (performance.now() - t0) / 1000,
      rows: frame.ids.length,
    },
  };
}
