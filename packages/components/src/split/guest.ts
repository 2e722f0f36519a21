/**
 * Train/validate/test split, guest side (the label holder decides): assigns every row a part
 * and sends the assignment to every host, which cuts its rows the same way
 * (docs/protocols/preprocessing.md).
 */
import { classRows, splitRows } from '@fedgrid/ml';
import { sendRowCodes } from '../preprocess/aligned-rows.js';
import { decisionRandom } from '../preprocess/decision-random.js';
import { ComponentError, input, type ProgramContext, type ProgramResult } from '../spec.js';
import { splitOutputs } from './outputs.js';
import { SPLIT_PARTS, type SplitParams } from './params.js';

export async function splitGuest(ctx: ProgramContext<SplitParams>): Promise<ProgramResult> {
  const t0 = performance.now();
  const { frame } = input(ctx, 'data', 'dataset');
  const p = ctx.params;
  if (p.stratified && !frame.labels)
    throw new ComponentError(
      'LABELS_MISSING',
      "guest: stratified: a stratified split needs labels, but the guest's data has no label column",
      { party: ctx.party, field: 'stratified' },
    );
  const parts = splitRows(frame.ids.length, p, decisionRandom(p.seed), {
    ...(p.stratified ? { labels: frame.labels } : {}),
    shuffle: p.shuffle,
  });
  await sendRowCodes(ctx, 'parts', parts);
  const { outputs, frames, rows } = splitOutputs(frame, parts);
  const perClass = frame.labels
    ? Object.fromEntries(
        SPLIT_PARTS.map((name, k) => [
          name,
          Object.fromEntries(
            [...classRows(frames[k]?.labels ?? new Float64Array())].map(([y, r]) => [
              String(y),
              r.length,
            ]),
          ),
        ]),
      )
    : undefined;
  return {
    outputs,
    summary: {
      inputRows: frame.ids.length,
      rows,
      ...(perClass ? { perClass } : {}),
      seconds: (performance.now() - t0) / 1000,
    },
  };
}
