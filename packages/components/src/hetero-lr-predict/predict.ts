/**
 * Federated batch prediction for HeteroLR: each host computes its partial score u_k = X_k·w_k on
 * the aligned rows and sends it masked with zero-sum pairwise masks; the guest (result party)
 * adds its own z_g and obtains σ(z_g + Σ_k u_k). Hosts never send features; with two or more
 * hosts the guest learns only the sum of their partial scores. (With one host, the sum is that
 * host's partial score, which the final score reveals anyway.)
 */
import { blobAs, recvMessage, sendMessage } from '@fedgrid/federation';
import { matVec, sigmoid, type Frame } from '@fedgrid/ml';
import { z } from 'zod';
import {
  ComponentError,
  input,
  type ComponentSpec,
  type ProgramContext,
  type ProgramResult,
} from '../spec.js';
import { ephemeralKey, fromRing64, maskStream, toRing64 } from './masks.js';

export const predictParams = z.object({});
type PredictParams = z.infer<typeof predictParams>;

function modelWeights(
  ctx: ProgramContext<PredictParams>,
  frame: Frame,
): { w: Float64Array; b: number } {
  const { model } = input(ctx, 'model', 'model');
  const names = model['featureNames'] as string[] | undefined;
  const weights = model['weights'] as number[] | undefined;
  if (model.algorithm !== 'hetero-lr' || !names || !weights) {
    throw new ComponentError(
      'MODEL_INVALID',
      `input model is not a HeteroLR model part (algorithm '${model.algorithm}')`,
    );
  }
  // Map by name so that column order in the prediction data may differ from training.
  const w = new Float64Array(frame.x.cols);
  const idx = new Map(frame.featureNames.map((f, j) => [f, j]));
  names.forEach((f, k) => {
    const j = idx.get(f);
    if (j === undefined)
      throw new ComponentError(
        'FEATURE_MISSING',
        `${ctx.party}: the model uses feature '${f}', absent from the data`,
      );
    w[j] = weights[k] as number;
  });
  return { w, b: (model['intercept'] as number | undefined) ?? 0 };
}

async function predictHost(ctx: ProgramContext<PredictParams>): Promise<ProgramResult> {
  const t0 = performance.now();
  const { frame } = input(ctx, 'data', 'dataset');
  const { w } = modelWeights(ctx, frame);
  const u = toRing64(matVec(frame.x, w));
  const others = ctx.roles.hosts.filter((h) => h !== ctx.party);
  if (others.length > 0) {
    const key = ephemeralKey();
    await Promise.all(
      others.map((h) => sendMessage(ctx.channel, h, 'mask-key', {}, [key.publicRaw])),
    );
    const me = ctx.roles.hosts.indexOf(ctx.party);
    for (const h of others) {
      const peerKey = (await recvMessage(ctx.channel, h, 'mask-key')).blobs[0] as Uint8Array;
      const stream = maskStream(key.privateKey, peerKey, `${ctx.jobId}/${ctx.taskName}`, u.length);
      const sign = me < ctx.roles.hosts.indexOf(h) ? 1n : -1n;
      for (let i = 0; i < u.length; i++)
        u[i] = BigInt.asIntN(64, (u[i] as bigint) + sign * (stream[i] as bigint));
    }
  }
  await sendMessage(ctx.channel, ctx.roles.guest, 'partial', { rows: u.length }, [
    new Uint8Array(u.buffer),
  ]);
  return { outputs: {}, summary: { rows: u.length, seconds: (performance.now() - t0) / 1000 } };
}

async function predictGuest(ctx: ProgramContext<PredictParams>): Promise<ProgramResult> {
  const t0 = performance.now();
  const { frame } = input(ctx, 'data', 'dataset');
  const { w, b } = modelWeights(ctx, frame);
  const total = toRing64(matVec(frame.x, w, b));
  for (const h of ctx.roles.hosts) {
    const msg = await recvMessage<{ rows: number }>(ctx.channel, h, 'partial');
    const blob = msg.blobs[0] as Uint8Array;
    if (msg.header.rows !== frame.ids.length || blob.length !== frame.ids.length * 8) {
      throw new ComponentError(
        'ROWS_MISMATCH',
        `${h} scored ${msg.header.rows} rows, the guest has ${frame.ids.length}; align rows with PSI first`,
      );
    }
    const part = blobAs(blob, BigInt64Array);
    for (let i = 0; i < total.length; i++)
      total[i] = BigInt.asIntN(64, (total[i] as bigint) + (part[i] as bigint));
  }
  const scores = fromRing64(total).map(sigmoid);
  const seconds = (performance.now() - t0) / 1000;
  return {
    outputs: {
      predictions: {
        kind: 'predictions',
        predictions: { ids: frame.ids, scores, ...(frame.labels ? { labels: frame.labels } : {}) },
      },
    },
    summary: { rows: scores.length, seconds },
  };
}

export const heteroLrPredict: ComponentSpec<PredictParams> = {
  code: 'hetero-lr-predict',
  version: '1.0.0',
  name: 'HeteroLR prediction',
  description:
    'Federated batch scoring with a HeteroLR model: hosts send masked partial scores, the guest obtains probabilities.',
  reference:
    'FATE HeteroLR predict; pairwise masks of Bonawitz et al. 2017; docs/protocols/hetero-lr.md',
  roles: ['guest', 'host'],
  params: predictParams,
  inputs: [
    {
      name: 'data',
      kind: 'dataset',
      roles: ['guest', 'host'],
      description: 'aligned rows to score',
    },
    {
      name: 'model',
      kind: 'model',
      roles: ['guest', 'host'],
      description: 'the party’s HeteroLR model part',
    },
  ],
  outputs: [
    {
      name: 'predictions',
      kind: 'predictions',
      roles: ['guest'],
      description: 'ids, probabilities and (if present) labels',
    },
  ],
  programs: { guest: predictGuest, host: predictHost },
};
