import type { ComponentSpec } from '../spec.js';
import { ssheGuest } from './guest.js';
import { ssheHost } from './host.js';
import { heteroSsheLrParams, type HeteroSsheLrParams } from './params.js';
import { linearPredict } from '../hetero-lr/predict.js';
import { linearServing } from '../hetero-lr/serve.js';

export const heteroSsheLr: ComponentSpec<HeteroSsheLrParams> = {
  code: 'hetero-sshe-lr',
  version: '1.0.0',
  name: 'SSHE-LR (two-party HeteroLR, no arbiter)',
  description:
    'Vertical logistic regression between one guest (labels) and one host without a third party: each generates its own Paillier key, all weights stay additively secret-shared during training, and each party obtains only its own weights. Mini-batch SGD on the Taylor-approximated loss, L2 penalty, learning-rate decay, early stop on the securely computed loss.',
  reference:
    'Chen et al., "When Homomorphic Encryption Marries Secret Sharing", KDD 2021 (arXiv:2008.08753); FATE hetero_sshe_lr; Mohassel & Zhang, SecureML (S&P 2017) for fixed-point shares; docs/protocols/hetero-sshe-lr.md',
  roles: ['guest', 'host'],
  params: heteroSsheLrParams,
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
      description:
        'each party’s own weights (the guest’s with the intercept), for hetero-lr-predict',
    },
  ],
  predict: linearPredict({ family: 'logistic' }),
  programs: { guest: ssheGuest, host: ssheHost },
  serve: linearServing,
};
