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
import {
  ComponentError,
  input,
  type ModelPart,
  type PredictDeclaration,
  type Predictions,
  type ProgramContext,
  type ProgramResult,
} from '../spec.js';
import { ephemeralKey, fromRing64, maskStream, toRing64 } from './masks.js';

type PredictParams = Record<string, never>;

/** The mean function of a linear model: σ (logistic), identity (linear), exp (Poisson). */
export type LinearFamilyName = 'logistic' | 'linear' | 'poisson';

/** How one linear training component's model parts are scored. */
export interface LinearPredictOptions {
  /** The family of parts that do not name theirs in a `family` field. */
  family: LinearFamilyName;
  /**
   * A per-row offset the guest adds to every linear predictor (HeteroPoisson: log exposure),
   * or undefined when the part has none.
   * @throws ComponentError when the rows lack what the part needs.
   */
  offset?(part: ModelPart, frame: Frame): Float64Array | undefined;
}

export interface LinearPart {
  family: LinearFamilyName;
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

/**
 * A linear model part's weights laid out in the columns of `frame` (rows × cols), one vector per
 * model (one-vs-rest: one per class), with its intercepts.
 * @throws ComponentError MODEL_INVALID for a part without weights, FEATURE_MISSING naming a
 *   model column absent from the rows.
 */
export function linearPart(
  model: ModelPart,
  frame: Frame,
  party: string,
  defaultFamily: LinearFamilyName,
): LinearPart {
  const names = model['featureNames'] as string[] | undefined;
  const raw = model['weights'] as number[] | number[][] | undefined;
  if (!names || !Array.isArray(raw)) {
    throw new ComponentError(
      'MODEL_INVALID',
      `input model is not a linear model part (algorithm '${model.algorithm}' has no featureNames and weights)`,
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
        `${party}: the model uses feature '${f}', absent from the data`,
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
  const family = (model['family'] as LinearFamilyName | undefined) ?? defaultFamily;
  const classes = model['classes'] as number[] | undefined;
  const exposure = model['exposure'] as string | undefined;
  return { family, w, b, ...(classes ? { classes } : {}), ...(exposure ? { exposure } : {}) };
}

/**
 * One party's partial linear predictors u_k = X·w_k + b_k on its rows, as fixed-point values in
 * Z_2^64, models one after the other: [u_0 (n) | u_1 (n) | …]. What a host sends (masked).
 */
export function linearPartial(part: LinearPart, frame: Frame): BigInt64Array {
  const n = frame.ids.length;
  const u = new BigInt64Array(n * part.w.length);
  part.w.forEach((wk, k) => u.set(toRing64(matVec(frame.x, wk, part.b[k] ?? 0)), k * n));
  return u;
}

async function predictHost(
  ctx: ProgramContext<PredictParams>,
  opts: LinearPredictOptions,
): Promise<ProgramResult> {
  const t0 = performance.now();
  const { frame } = input(ctx, 'data', 'dataset');
  const { model } = input(ctx, 'model', 'model');
  const part = linearPart(model, frame, ctx.party, opts.family);
  const { w } = part;
  const n = frame.ids.length;
  const u = linearPartial(part, frame);
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

/**
 * Predictions from the summed linear predictors z (one vector of rows per model): σ, identity or
 * exp; one-vs-rest: σ per class normalised to sum 1, the predicted class the most probable.
 */
export function linearScores(
  part: LinearPart,
  z: Float64Array[],
  frame: Pick<Frame, 'ids' | 'labels'>,
): Predictions {
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

async function predictGuest(
  ctx: ProgramContext<PredictParams>,
  opts: LinearPredictOptions,
): Promise<ProgramResult> {
  const t0 = performance.now();
  const { frame } = input(ctx, 'data', 'dataset');
  const { model } = input(ctx, 'model', 'model');
  const part = linearPart(model, frame, ctx.party, opts.family);
  const n = frame.ids.length;
  const own = linearPartial(part, frame);
  const total = part.w.map((_, k) => own.subarray(k * n, (k + 1) * n));
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
  const offset = opts.offset?.(model, frame);
  if (offset) z.forEach((zk) => zk.forEach((v, i) => (zk[i] = v + (offset[i] as number))));
  const predictions = linearScores(part, z, frame);
  const seconds = (performance.now() - t0) / 1000;
  return {
    outputs: { predictions: { kind: 'predictions', predictions } },
    summary: { rows: n, task: predictions.task, seconds },
  };
}

/**
 * The predict declaration of a linear training component (HeteroLR and its one-vs-rest form,
 * HeteroLinR, HeteroPoisson, SSHE-LR): hosts send masked partial scores, the guest sums them with
 * its own and applies the family's mean function.
 */
export function linearPredict(opts: LinearPredictOptions): PredictDeclaration {
  return {
    mode: 'federated',
    programs: {
      guest: (ctx) => predictGuest(ctx, opts),
      host: (ctx) => predictHost(ctx, opts),
    },
  };
}
