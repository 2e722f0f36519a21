/**
 * SecureBoost prediction, host: for every split in its table, which of the aligned rows go left
 * (x ≤ threshold, or by category name on a categorical column — categories.ts; a missing x where
 * the split learned), as one bit mask per split. It receives nothing — no scores, no paths, nothing
 * about the guest's splits.
 */
import { sendMessage } from '@fedgrid/federation';
import { ComponentError, input, type ProgramContext, type ProgramResult } from '../spec.js';
import { levelsOf, splitRouter } from './categories.js';
import { readHostModel } from './model.js';
import { concatBytes, makeMask } from './routing.js';
import { requireNoInfinity } from './data-checks.js';

type PredictParams = Record<string, never>;

export interface RoutesHeader {
  rows: number;
  /** Split ids, in the order of the masks in the blob. */
  splits: number[];
}

export async function sbPredictHost(ctx: ProgramContext<PredictParams>): Promise<ProgramResult> {
  const t0 = performance.now();
  const { frame } = input(ctx, 'data', 'dataset');
  const model = readHostModel(input(ctx, 'model', 'model').model);
  requireNoInfinity(frame, ctx.party);
  const index = new Map(frame.featureNames.map((f, j) => [f, j]));
  const { rows, cols, data } = frame.x;
  const masks = model.splits.map((s) => {
    const j = index.get(s.feature);
    if (j === undefined)
      throw new ComponentError(
        'FEATURE_MISSING',
        `${ctx.party}: the model splits on feature '${s.feature}', absent from the data`,
        { party: ctx.party, feature: s.feature },
      );
    const left = splitRouter(s, levelsOf(frame, s.feature), ctx.party);
    return makeMask(rows, (i) => left(data[i * cols + j] as number));
  });
  await sendMessage<RoutesHeader>(
    ctx.channel,
    ctx.roles.guest,
    'routes',
    { rows, splits: model.splits.map((s) => s.id) },
    [concatBytes(masks)],
  );
  return {
    outputs: {},
    summary: { rows, splits: masks.length, seconds: (performance.now() - t0) / 1000 },
  };
}
