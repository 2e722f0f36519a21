import type { ComponentSpec } from '../spec.js';
import { sampleGuest } from './guest.js';
import { sampleHost } from './host.js';
import { sampleParams, type SampleParams } from './params.js';

export const sample: ComponentSpec<SampleParams> = {
  code: 'sample',
  version: '1.0.0',
  name: 'Sampling',
  description:
    'Row sampling decided by the guest (the label holder): uniform by fraction or count, with or without replacement; stratified by label; per label value by fraction or count; up- or down-sampling for class imbalance. The chosen row positions are sent to the hosts, so every party outputs the same rows in the same order.',
  reference:
    'standard 001 appendix A.1 table 2 step 2 (样本抽样); FATE FederatedSample; docs/protocols/preprocessing.md',
  roles: ['guest', 'host'],
  params: sampleParams,
  inputs: [
    {
      name: 'data',
      kind: 'dataset',
      roles: ['guest', 'host'],
      description: 'aligned rows (e.g. PSI output); the guest’s carry the labels',
    },
  ],
  outputs: [
    {
      name: 'data',
      kind: 'dataset',
      roles: ['guest', 'host'],
      description: 'the sampled rows, the same on every party, in input order (repeats adjacent)',
    },
  ],
  programs: { guest: sampleGuest, host: sampleHost },
};
