import type { ComponentSpec, PortSpec } from '../spec.js';
import { splitGuest } from './guest.js';
import { splitHost } from './host.js';
import { SPLIT_PARTS, splitParams, type SplitParams } from './params.js';

const part = (name: (typeof SPLIT_PARTS)[number]): PortSpec => ({
  name,
  kind: 'dataset',
  roles: ['guest', 'host'],
  description: `the ${name} rows, the same on every party, in input order${name === 'validate' ? ' (empty when validate is 0)' : ''}`,
});

export const split: ComponentSpec<SplitParams> = {
  code: 'split',
  version: '1.0.0',
  name: 'Train / validate / test split',
  description:
    'Splits the aligned rows into train, validate (may be empty) and test parts by fraction, at random or stratified by the guest’s labels. The guest assigns the rows and sends the assignment to the hosts, so every party outputs the same three parts.',
  reference:
    'standard 001 appendix A.1 table 2 step 6 (数据集划分); FATE DataSplit; docs/protocols/preprocessing.md',
  roles: ['guest', 'host'],
  params: splitParams,
  inputs: [
    {
      name: 'data',
      kind: 'dataset',
      roles: ['guest', 'host'],
      description: 'aligned rows (e.g. PSI output); the guest’s carry the labels',
    },
  ],
  outputs: SPLIT_PARTS.map(part),
  programs: { guest: splitGuest, host: splitHost },
};
