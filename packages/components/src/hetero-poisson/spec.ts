import { coordinatedArbiter } from '../hetero-lr/arbiter.js';
import type { ComponentSpec } from '../spec.js';
import { poissonGuest } from './guest.js';
import { poissonHost } from './host.js';
import { heteroPoissonParams, type HeteroPoissonParams } from './params.js';
import { poissonPredict } from './predict.js';
import { linearServing } from '../hetero-lr/serve.js';

export const heteroPoisson: ComponentSpec<HeteroPoissonParams> = {
  code: 'hetero-poisson',
  version: '1.0.0',
  name: 'HeteroPoisson (coordinated)',
  description:
    'Vertical Poisson regression (log link, optional exposure) for count labels: the guest holds the counts, one host holds features, the arbiter holds the Paillier key and sees only masked gradients.',
  reference:
    'FATE HeteroPoisson; McCullagh & Nelder, Generalized Linear Models; docs/protocols/hetero-lr.md',
  roles: ['guest', 'host', 'arbiter'],
  params: heteroPoissonParams,
  inputs: [
    {
      name: 'data',
      kind: 'dataset',
      roles: ['guest', 'host'],
      description:
        'aligned rows (PSI output); the guest’s carry the count label (and the exposure)',
    },
  ],
  outputs: [
    {
      name: 'model',
      kind: 'model',
      roles: ['guest', 'host'],
      description: 'each party’s own weights (the guest’s include the intercept)',
    },
  ],
  // The parties encrypt the loss itself (scale 1).
  predict: poissonPredict,
  programs: { guest: poissonGuest, host: poissonHost, arbiter: coordinatedArbiter(1) },
  serve: linearServing,
};
