/**
 * Scorecard points table (each party, local): the classic credit scorecard of an LR model trained
 * on WOE-encoded columns. With ln(odds of bad) = b + Σ_j w_j·WOE_j(x_j) and the scaling
 * score = offset − factor·ln(odds) (factor = PDO/ln 2), a row's score is the base points
 * offset − factor·b (the guest's, which holds the intercept) plus, per feature j, the points of the
 * bin x_j falls in: −factor·w_j·WOE_jb (Siddiqi, Credit Risk Scorecards, 2006, ch. 8; FATE's
 * WOE convention, WOE = ln(event rate / non-event rate), label 1 = bad). Each party tabulates only
 * its own features from its own LR model part and binning part: a host's table (its weights times
 * its WOE) never leaves the host, and the guest's holds the base points. Nothing is sent. The
 * points of a row summed over all parties equal the `scorecard` score of its predicted
 * probability (without score limits).
 */
import { z } from 'zod';
import { asBinningModel, type BinnedFeature } from '../hetero-binning/model.js';
import {
  ComponentError,
  input,
  type ComponentSpec,
  type ModelPart,
  type ProgramContext,
  type ProgramResult,
} from '../spec.js';
import { scaling, scalingShape } from './params.js';

export const scorecardPointsParams = z.object({ ...scalingShape });
export type ScorecardPointsParams = z.infer<typeof scorecardPointsParams>;

/** One bin's row of the table. */
export interface PointsRow {
  /** `(−inf, 0.5]`, `(0.5, 2]`, `(2, +inf)`, `= 3` (a category), `missing`, or `other` (unseen). */
  bin: string;
  woe: number;
  points: number;
  /** Rounded to whole points, as cards are printed. */
  rounded: number;
}

export interface PointsTable {
  role: 'guest' | 'host';
  factor: number;
  offset: number;
  /** Guest: offset − factor·intercept; a host whose part carries an intercept share: −factor·share. */
  basePoints?: number;
  features: { name: string; weight: number; bins: PointsRow[] }[];
}

const LR_ALGORITHMS = ['hetero-lr', 'hetero-sshe-lr'];

function readLr(
  model: ModelPart,
  party: string,
): { featureNames: string[]; weights: number[]; intercept: number } {
  const m = model as { featureNames?: unknown; weights?: unknown; intercept?: unknown };
  const ok =
    LR_ALGORITHMS.includes(model.algorithm) &&
    Array.isArray(m.featureNames) &&
    Array.isArray(m.weights) &&
    m.weights.every((w) => typeof w === 'number') &&
    m.weights.length === m.featureNames.length;
  const ovr = Array.isArray(m.weights) && Array.isArray(m.weights[0]);
  if (!ok)
    throw new ComponentError(
      'MODEL_INVALID',
      `${party}: input 'model' must be a binary logistic model (${LR_ALGORITHMS.join(' or ')}), got '${model.algorithm}'${ovr ? ' with one-vs-rest weights' : ''}`,
      { party, field: 'model' },
    );
  return {
    featureNames: m.featureNames as string[],
    weights: m.weights as number[],
    intercept: typeof m.intercept === 'number' ? m.intercept : 0,
  };
}

const fmt = (v: number) => String(Number(v.toPrecision(6)));

/** The bins of a feature described in order, the missing bin last (as in its WOE list). */
export function binLabels(f: BinnedFeature): string[] {
  const b = f.bins;
  const labels =
    b.kind === 'numeric'
      ? [...b.cuts, Infinity].map((c, k) => {
          const lo = k === 0 ? '(−inf' : `(${fmt(b.cuts[k - 1] as number)}`;
          return `${lo}, ${c === Infinity ? '+inf)' : `${fmt(c)}]`}`;
        })
      : b.categories.map((c) => `= ${fmt(c)}`);
  return b.missingBin ? [...labels, 'missing'] : labels;
}

/**
 * The party's points table.
 * @throws ComponentError MODEL_INVALID for a non-LR model or another role's part;
 *   FEATURE_NOT_BINNED when a model feature has no bins in the binning part.
 */
export function pointsTable(ctx: ProgramContext<ScorecardPointsParams>): PointsTable {
  const role = ctx.role === 'guest' ? 'guest' : 'host';
  const lrPart = input(ctx, 'model', 'model').model;
  const binPart = asBinningModel(input(ctx, 'binning', 'model').model);
  for (const [name, part] of [
    ['model', lrPart],
    ['binning', binPart],
  ] as const) {
    if (part['role'] !== role)
      throw new ComponentError(
        'MODEL_INVALID',
        `${ctx.party}: input '${name}' is a ${String(part['role'])}'s part; connect this party's own (${role})`,
        { party: ctx.party, field: name },
      );
  }
  const lr = readLr(lrPart, ctx.party);
  const { factor, offset } = scaling(ctx.params);
  const byName = new Map(binPart.features.map((f) => [f.name, f]));
  const features = lr.featureNames.map((name, j) => {
    const f = byName.get(name);
    if (!f)
      throw new ComponentError(
        'FEATURE_NOT_BINNED',
        `${ctx.party}: model feature '${name}' has no bins in the binning model; a points table needs the LR trained on WOE columns of that binning`,
        { party: ctx.party, feature: name },
      );
    const w = lr.weights[j] as number;
    const row = (bin: string, woe: number): PointsRow => {
      const points = -factor * w * woe;
      return { bin, woe, points, rounded: Math.round(points) };
    };
    const labels = binLabels(f);
    const bins = f.woe.map((woe, b) => row(labels[b] as string, woe));
    if (f.bins.kind === 'categorical') bins.push(row('other', 0));
    return { name, weight: w, bins };
  });
  return {
    role,
    factor,
    offset,
    // A host's part trained with standardisation carries its share of the intercept.
    ...(role === 'guest'
      ? { basePoints: offset - factor * lr.intercept }
      : lr.intercept !== 0
        ? { basePoints: -factor * lr.intercept }
        : {}),
    features,
  };
}

function pointsProgram(ctx: ProgramContext<ScorecardPointsParams>): Promise<ProgramResult> {
  const t0 = performance.now();
  const table = pointsTable(ctx);
  return Promise.resolve({
    outputs: { report: { kind: 'report', report: { ...ctx.params, ...table } } },
    summary: {
      features: table.features.length,
      bins: table.features.reduce((s, f) => s + f.bins.length, 0),
      seconds: (performance.now() - t0) / 1000,
    },
  });
}

export const scorecardPoints: ComponentSpec<ScorecardPointsParams> = {
  code: 'scorecard-points',
  version: '1.0.0',
  name: 'Scorecard points table',
  description:
    'The credit scorecard of a logistic model trained on WOE columns: points per bin of every feature (−factor·weight·WOE) and, on the guest, the base points (offset − factor·intercept); each party tabulates its own features, nothing is sent. A row’s points summed over the parties equal its scorecard score.',
  reference: 'N. Siddiqi, Credit Risk Scorecards (Wiley 2006), ch. 8 (scaling, points allocation)',
  roles: ['guest', 'host'],
  params: scorecardPointsParams,
  inputs: [
    {
      name: 'model',
      kind: 'model',
      roles: ['guest', 'host'],
      description:
        'the party’s binary hetero-lr (or hetero-sshe-lr) model part, trained on WOE columns',
    },
    {
      name: 'binning',
      kind: 'model',
      roles: ['guest', 'host'],
      description: 'the party’s hetero-binning model part whose WOE values the LR was trained on',
    },
  ],
  outputs: [
    {
      name: 'report',
      kind: 'report',
      roles: ['guest', 'host'],
      description:
        'the party’s points table (its own features only; the guest’s with the base points)',
    },
  ],
  programs: { guest: pointsProgram, host: pointsProgram },
};
