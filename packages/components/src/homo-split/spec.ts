/**
 * Horizontal train / validate / test split: every party cuts its OWN rows (no messages; the rows
 * of different parties are different samples). Same parameters as the vertical split; with
 * shuffle false the last rows (e.g. the latest month of time-ordered data) become the test part.
 */
import { splitRows } from '@fedgrid/ml';
import { decisionRandom } from '../preprocess/decision-random.js';
import {
  input,
  type ComponentSpec,
  type PortSpec,
  type Program,
  type ProgramResult,
} from '../spec.js';
import { splitOutputs } from '../split/outputs.js';
import { SPLIT_PARTS, splitParams, type SplitParams } from '../split/params.js';

const splitLocal: Program<SplitParams> = async (ctx): Promise<ProgramResult> => {
  const t0 = performance.now();
  const { frame } = input(ctx, 'data', 'dataset');
  const p = ctx.params;
  const parts = splitRows(frame.ids.length, p, decisionRandom(p.seed), {
    ...(p.stratified && frame.labels ? { labels: frame.labels } : {}),
    shuffle: p.shuffle,
  });
  const { outputs, rows } = splitOutputs(frame, parts);
  return {
    outputs,
    summary: { inputRows: frame.ids.length, rows, seconds: (performance.now() - t0) / 1000 },
  };
};

export const homoSplit: ComponentSpec<SplitParams> = {
  code: 'homo-split',
  version: '1.0.0',
  name: 'Horizontal train / validate / test split',
  description:
    'Each party splits its own rows into train, validate (may be empty) and test parts by fraction — at random, stratified by its labels, or in row order (shuffle false: the last rows are the test part). No party sends anything.',
  reference: 'FATE DataSplit (homo mode); docs/protocols/preprocessing.md',
  roles: ['guest'],
  params: splitParams,
  inputs: [
    {
      name: 'data',
      kind: 'dataset',
      roles: ['guest', 'host'],
      description: "the party's own rows",
    },
  ],
  outputs: SPLIT_PARTS.map((name): PortSpec => ({
    name,
    kind: 'dataset',
    roles: ['guest', 'host'],
    description: `this party's ${name} rows, in input order`,
  })),
  programs: { guest: splitLocal, host: splitLocal },
};
