import type { ComponentSpec } from '../spec.js';
import { coordinatedArbiter } from './arbiter.js';
import { LOGISTIC_FAMILY } from './family.js';
import { coordinatedGuest } from './guest.js';
import { coordinatedHost } from './host.js';
import { heteroLrParams, type HeteroLrParams } from './params.js';
import { linearPredict } from './predict.js';
import { linearServing } from './serve.js';

export const heteroLr: ComponentSpec<HeteroLrParams> = {
  code: 'hetero-lr',
  version: '1.1.0',
  name: 'HeteroLR (coordinated)',
  description:
    'Vertical logistic regression: the guest holds labels, hosts hold features, the arbiter holds the Paillier key and sees only masked gradients. Mini-batch gradient descent on the Taylor-approximated loss; integer labels with more than two classes train one-vs-rest models.',
  reference:
    'Hardy et al. 2017 (arXiv:1711.10677); FATE HeteroLR; standard 001 appendix A.1; docs/protocols/hetero-lr.md',
  roles: ['guest', 'host', 'arbiter'],
  params: heteroLrParams,
  inputs: [
    {
      name: 'data',
      kind: 'dataset',
      roles: ['guest', 'host'],
      description: 'aligned rows (PSI output); the guest’s carry labels',
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
  predict: linearPredict({ family: 'logistic' }),
  programs: {
    guest: coordinatedGuest(LOGISTIC_FAMILY),
    host: coordinatedHost(LOGISTIC_FAMILY),
    arbiter: coordinatedArbiter(LOGISTIC_FAMILY.lossScale),
  },
  serve: linearServing,
};
