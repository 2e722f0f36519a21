/**
 * Federated batch prediction for the coordinated GLMs (HeteroLR, its one-vs-rest multiclass
 * form, HeteroLinR, HeteroPoisson) and for SSHE-LR models: each host computes its partial scores
 * u_k = X_k·w_k (one vector per model) on the aligned rows and sends them masked with zero-sum
 * pairwise masks; the guest (result party) adds its own z_g and applies the mean function —
 * σ for logistic (one-vs-rest: σ per class, normalised), identity for linear, exp for Poisson.
 * Hosts never send features; with two or more hosts the guest learns only the sum of their
 * partial scores. (With one host, the sum is that host's partial score, which the final score
 * reveals anyway.)
 */
import { blobAs, recvMessage, sendMessage } from '@fedgrid/federation';
import { matVec, sigmoid, type Frame } from '@fedgrid/ml';
import { z } from 'zod';
import {
  ComponentError,
  input,
  type ComponentSpec,
  type Predictions,
  type ProgramContext,
  type ProgramResult,
} from '../spec.js';
import { splitExposure } from '../hetero-poisson/data.js';
import { ephemeralKey, fromRing64, maskStream, toRing64 } from './masks.js';

export const predictParams = z.object({});
type PredictParams = z.infer<typeof predictParams>;

/** Model parts this component scores, by their `algorithm`. */
const LINEAR_MODELS = new Set(['hetero-lr', 'hetero-linr', 'hetero-poisson', 'hetero-sshe-lr']);

interface LinearPart {
  family: 'logistic' | 'linear' | 'poisson';
  /** One weight vector per model, in the data's column order. */
  w: Float64Array[];
  /**
   * Intercepts, one per model: the guest's; on a host its share of the intercept from the
   * standardisation of its own columns (0 for parts trained without).
   */
  b: number[];
  /** One-vs-rest classes (guest only). */
  classes?: number[];
  /** HeteroPoisson: the guest column whose log is added to z. */
  exposure?: string;
}

function modelWeights(ctx: ProgramContext<PredictParams>, frame: Frame): LinearPart {
  const { model } = input(ctx, 'model', 'model');
  const names = model['featureNames'] as string[] | undefined;
  const raw = model['weights'] as number[] | number[][] | undefined;
  if (!LINEAR_MODELS.has(model.algorithm) || !names || !Array.isArray(raw)) {
    throw new ComponentError(
      'MODEL_INVALID',
      `input model is not a linear model part (algorithm '${model.algorithm}'; expected one of ${[...LINEAR_MODELS].join(', ')})`,
    );
  }
  const rows = (Array.isArray(raw[0]) ? raw : [raw]) as number[][];
  // Map by name so that column order in the prediction data may differ from training.
  const idx = new Map(frame.featureNames.map((f, j) => [f, j]));
  const cols = names.map((f) => {
    const j = idx.get(f);
    if (j === undefined)
      throw new ComponentError(
        'FEATURE_MISSING',
        `${ctx.party}: the model uses feature '${f}', absent from the data`,
        { feature: f },
      );
    return j;
  });
  const w = rows.map((weights) => {
    const v = new Float64Array(frame.x.cols);
    cols.forEach((j, k) => (v[j] = weights[k] as number));
    return v;
  });
  const intercept = model['intercept'] as number | number[] | undefined;
  const b = Array.isArray(intercept) ? intercept : w.map(() => intercept ?? 0);
  const family =
    (model['family'] as LinearPart['family'] | undefined) ??
    (model.algorithm === 'hetero-linr'
      ? 'linear'
      : model.algorithm === 'hetero-poisson'
        ? 'poisson'
        : 'logistic');
  const classes = model['classes'] as number[] | undefined;
  const exposure = model['exposure'] as string | undefined;
  return { family, w, b, ...(classes ? { classes } : {}), ...(exposure ? { exposure } : {}) };
}

async function predictHost(ctx: ProgramContext<PredictParams>): Promise<ProgramResult> {
  const t0 = performance.now();
  const { frame } = input(ctx, 'data', 'dataset');
  const { w, b } = modelWeights(ctx, frame);
  const n = frame.ids.length;
  // Models one after the other: [u_0 (n) | u_1 (n) | …].
  const u = new BigInt64Array(n * w.length);
  w.forEach((wk, k) => u.set(toRing64(matVec(frame.x, wk, b[k] ?? 0)), k * n));
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
  await sendMessage(ctx.channel, ctx.roles.guest, 'partial', { rows: n, models: w.length }, [
    new Uint8Array(u.buffer),
  ]);
  return { outputs: {}, summary: { rows: n, seconds: (performance.now() - t0) / 1000 } };
}

/** Scores from the linear predictors z (models × rows, one after the other). */
function score(part: LinearPart, z: Float64Array[], frame: Frame): Predictions {
  const n = frame.ids.length;
  const labels = frame.labels ? { labels: frame.labels } : {};
  if (part.family === 'linear')
    return { ids: frame.ids, task: 'regression', scores: z[0]!, ...labels };
  if (part.family === 'poisson')
    return { ids: frame.ids, task: 'regression', scores: z[0]!.map(Math.exp), ...labels };
  if (z.length === 1)
    return { ids: frame.ids, task: 'binary', scores: z[0]!.map(sigmoid), ...labels };
  // One-vs-rest: σ per class, normalised to sum 1; the predicted class has the highest.
  const k = z.length;
  const probabilities = new Float64Array(n * k);
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    let best = 0;
    for (let c = 0; c < k; c++) {
      const p = sigmoid(z[c]![i]!);
      probabilities[i * k + c] = p;
      sum += p;
      if (p > probabilities[i * k + best]!) best = c;
    }
    for (let c = 0; c < k; c++) probabilities[i * k + c] = probabilities[i * k + c]! / sum;
    scores[i] = best;
  }
  return {
    ids: frame.ids,
    task: 'multiclass',
    classes: part.classes ?? Array.from({ length: k }, (_, c) => c),
    scores,
    probabilities,
    ...labels,
  };
}

async function predictGuest(ctx: ProgramContext<PredictParams>): Promise<ProgramResult> {
  const t0 = performance.now();
  const { frame } = input(ctx, 'data', 'dataset');
  const part = modelWeights(ctx, frame);
  const n = frame.ids.length;
  const total = part.w.map((wk, k) => toRing64(matVec(frame.x, wk, part.b[k] ?? 0)));
  for (const h of ctx.roles.hosts) {
    const msg = await recvMessage<{ rows: number; models?: number }>(ctx.channel, h, 'partial');
    const blob = msg.blobs[0] as Uint8Array;
    const models = msg.header.models ?? 1;
    if (msg.header.rows !== n || blob.length !== n * models * 8) {
      throw new ComponentError(
        'ROWS_MISMATCH',
        `${h} scored ${msg.header.rows} rows, the guest has ${n}; align rows with PSI first`,
      );
    }
    if (models !== total.length)
      throw new ComponentError(
        'MODEL_MISMATCH',
        `${h} scored ${models} model(s), the guest's model part has ${total.length}; use the parts of one training task`,
      );
    const all = blobAs(blob, BigInt64Array);
    total.forEach((t, k) => {
      for (let i = 0; i < n; i++)
        t[i] = BigInt.asIntN(64, (t[i] as bigint) + (all[k * n + i] as bigint));
    });
  }
  const z = total.map((t) => fromRing64(t));
  if (part.exposure) {
    const { offset } = splitExposure(frame, part.exposure);
    z.forEach((zk) => zk.forEach((v, i) => (zk[i] = v + (offset[i] as number))));
  }
  const predictions = score(part, z, frame);
  const seconds = (performance.now() - t0) / 1000;
  return {
    outputs: { predictions: { kind: 'predictions', predictions } },
    summary: { rows: n, task: predictions.task, seconds },
  };
}

export const heteroLrPredict: ComponentSpec<PredictParams> = {
  code: 'hetero-lr-predict',
  version: '1.1.0',
  name: 'HeteroLR / HeteroLinR / HeteroPoisson prediction',
  description:
    'Federated batch scoring with a linear model (HeteroLR, one-vs-rest HeteroLR, HeteroLinR, HeteroPoisson, SSHE-LR): hosts send masked partial scores, the guest obtains probabilities, classes or predicted values.',
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
      description: 'the party’s model part (from the training task)',
    },
  ],
  outputs: [
    {
      name: 'predictions',
      kind: 'predictions',
      roles: ['guest'],
      description: 'ids, scores (probabilities, classes or values) and (if present) labels',
    },
  ],
  programs: { guest: predictGuest, host: predictHost },
};
