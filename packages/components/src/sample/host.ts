/** Sampling, host side: selects the rows the guest drew; see guest.ts. */
import { selectFrameRows } from '@fedgrid/ml';
import { receivePositions } from '../preprocess/aligned-rows.js';
import { input, type ProgramContext, type ProgramResult } from '../spec.js';
import type { SampleParams } from './params.js';

export async function sampleHost(ctx: ProgramContext<SampleParams>): Promise<ProgramResult> {
  const t0 = performance.now();
  const { frame } = input(ctx, 'data', 'dataset');
  const positions = await receivePositions(ctx, 'rows', frame.ids.length);
  const out = selectFrameRows(frame, positions);
  return {
    outputs: { data: { kind: 'dataset', frame: out } },
    summary: {
      inputRows: frame.ids.length,
      rows: out.ids.length,
      seconds: (performance.now() - t0) / 1000,
    },
  };
}
