/**
 * Scorecard (guest, the result party): FATE's credit-score transform of predicted default
 * probabilities, score = offset − factor·ln(odds), odds = p/(1 − p), factor = PDO/ln 2,
 * offset = baseScore − factor·ln(baseOdds). Higher score, lower risk. Local; nothing is sent.
 */
import {
  ComponentError,
  input,
  type ComponentSpec,
  type ProgramContext,
  type ProgramResult,
} from '../spec.js';
import { creditScore, scaling, scorecardParams, type ScorecardParams } from './params.js';

function scoreProgram(ctx: ProgramContext<ScorecardParams>): Promise<ProgramResult> {
  const t0 = performance.now();
  const { predictions: pr } = input(ctx, 'predictions', 'predictions');
  if ((pr.task ?? 'binary') !== 'binary') {
    throw new ComponentError(
      'PREDICTIONS_INVALID',
      `a scorecard needs binary predictions (probabilities), got ${pr.task}`,
    );
  }
  const n = pr.ids.length;
  const data = new Float64Array(n * 2);
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = pr.scores[i] as number;
    if (!(p >= 0 && p <= 1)) {
      throw new ComponentError(
        'PREDICTIONS_INVALID',
        `row ${i} (id ${pr.ids[i]}): ${p} is not a probability`,
        { row: i },
      );
    }
    const s = creditScore(p, ctx.params);
    data[2 * i] = s;
    data[2 * i + 1] = p;
    min = Math.min(min, s);
    max = Math.max(max, s);
    sum += s;
  }
  const { factor, offset } = scaling(ctx.params);
  return Promise.resolve({
    outputs: {
      data: {
        kind: 'dataset',
        frame: {
          ids: pr.ids,
          x: { rows: n, cols: 2, data },
          featureNames: ['score', 'probability'],
          ...(pr.labels ? { labels: pr.labels, labelName: 'label' } : {}),
        },
      },
      report: {
        kind: 'report',
        report: {
          rows: n,
          factor,
          offset,
          ...ctx.params,
          score: n > 0 ? { min, max, mean: sum / n } : null,
        },
      },
    },
    summary: { rows: n, seconds: (performance.now() - t0) / 1000 },
  });
}

export const scorecard: ComponentSpec<ScorecardParams> = {
  code: 'scorecard',
  version: '1.0.0',
  name: 'Scorecard',
  description:
    'Turns predicted default probabilities into credit scores: score = offset − factor·ln(odds), scaled by points-to-double-odds (PDO), a base score and base odds.',
  reference: 'FATE Scorecard; N. Siddiqi, Credit Risk Scorecards (Wiley 2006), ch. 8 (scaling)',
  roles: ['guest'],
  params: scorecardParams,
  inputs: [
    {
      name: 'predictions',
      kind: 'predictions',
      roles: ['guest'],
      description: 'binary predictions: P(bad) per row',
    },
  ],
  outputs: [
    {
      name: 'data',
      kind: 'dataset',
      roles: ['guest'],
      description: 'ids, score and probability per row, labels if known',
    },
    {
      name: 'report',
      kind: 'report',
      roles: ['guest'],
      description: 'the scaling constants and the score range',
    },
  ],
  programs: { guest: scoreProgram },
};

/** The points table is a second component of this folder (scorecard → points). */
export { scorecardPoints } from './points.js';
