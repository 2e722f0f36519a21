/** Train/validate/test split, host side: cuts its rows as the guest assigned them; see guest.ts. */
import { receiveRowCodes } from '../preprocess/aligned-rows.js';
import { input, type ProgramContext, type ProgramResult } from '../spec.js';
import { splitOutputs } from './outputs.js';
import { SPLIT_PARTS, type SplitParams } from './params.js';

export async function splitHost(ctx: ProgramContext<SplitParams>): Promise<ProgramResult> {
  const t0 = performance.now();
  const { frame } = input(ctx, 'data', 'dataset');
  const parts = await receiveRowCodes(ctx, 'parts', frame.ids.length, SPLIT_PARTS.length);
  const { outputs, rows } = splitOutputs(frame, parts);
  return {
    outputs,
    summary: { inputRows: frame.ids.length, rows, seconds: (performance.now() - t0) / 1000 },
  };
}
