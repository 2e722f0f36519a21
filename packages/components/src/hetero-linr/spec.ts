/**
 * HeteroLinR: vertical linear regression in the coordinated protocol of HeteroLR (the same
 * messages; the residual is z − y and the loss (z − y)²/2, both exact — no approximation). The
 * guest holds the real-valued label; hosts hold features; the arbiter holds the Paillier key.
 */
import { coordinatedArbiter } from '../hetero-lr/arbiter.js';
import { LINEAR_FAMILY } from '../hetero-lr/family.js';
import { coordinatedGuest } from '../hetero-lr/guest.js';
import { coordinatedHost } from '../hetero-lr/host.js';
import type { HeteroLrParams } from '../hetero-lr/params.js';
import { heteroLinRParams } from './params.js';
import type { ComponentSpec } from '../spec.js';
import { linearPredict } from '../hetero-lr/predict.js';
import { linearServing } from '../hetero-lr/serve.js';

export const heteroLinR: ComponentSpec<HeteroLrParams> = {
  code: 'hetero-linr',
  version: '1.0.0',
  name: 'HeteroLinR (coordinated)',
  description:
    'Vertical linear regression: the guest holds the label, hosts hold features, the arbiter holds the Paillier key and sees only masked gradients. Block-diagonal Newton steps on the squared error by default (each party on its own columns).',
  reference:
    'FATE HeteroLinR; Hardy et al. 2017 (arXiv:1711.10677) for the coordinated protocol; docs/protocols/hetero-lr.md',
  roles: ['guest', 'host', 'arbiter'],
  params: heteroLinRParams,
  inputs: [
    {
      name: 'data',
      kind: 'dataset',
      roles: ['guest', 'host'],
      description: 'aligned rows (PSI output); the guest’s carry the real-valued label',
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
  predict: linearPredict({ family: 'linear' }),
  programs: {
    guest: coordinatedGuest(LINEAR_FAMILY),
    host: coordinatedHost(LINEAR_FAMILY),
    arbiter: coordinatedArbiter(LINEAR_FAMILY.lossScale),
  },
  serve: linearServing,
};
