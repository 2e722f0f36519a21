import { rowsOfPart, selectFrameRows, type Frame } from '@fedgrid/ml';
import type { ProgramResult } from '../spec.js';
import { SPLIT_PARTS } from './params.js';

/** The three output datasets of a party given each row's part, and their sizes. */
export function splitOutputs(
  frame: Frame,
  parts: Uint8Array,
): { outputs: ProgramResult['outputs']; frames: Frame[]; rows: Record<string, number> } {
  const frames = SPLIT_PARTS.map((_, k) => selectFrameRows(frame, rowsOfPart(parts, k)));
  return {
    frames,
    outputs: Object.fromEntries(
      SPLIT_PARTS.map((name, k) => [name, { kind: 'dataset', frame: frames[k] as Frame }]),
    ),
    rows: Object.fromEntries(SPLIT_PARTS.map((name, k) => [name, (frames[k] as Frame).ids.length])),
  };
}
