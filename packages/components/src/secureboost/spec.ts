import type { ComponentSpec } from '../spec.js';
import { sbGuest } from './guest.js';
import { sbHost } from './host.js';
import { secureBoostParams, type SecureBoostParams } from './params.js';
import { sbPredictGuest } from './predict-guest.js';
import { sbPredictHost } from './predict-host.js';
import { secureBoostServing } from './serve.js';

export const secureBoost: ComponentSpec<SecureBoostParams> = {
  code: 'secureboost',
  version: '1.0.0',
  name: 'SecureBoost (HeteroSecureBoost)',
  description:
    'Vertical gradient-boosted trees: the guest holds labels and its own Paillier key, sends packed encrypted gradients once per round; hosts return cipher-compressed encrypted bucket histograms and keep their split thresholds. Lossless: the model equals the plaintext histogram GBDT on the joined data. Binary, multiclass (one tree per class per round) and regression.',
  reference:
    'Cheng et al. 2019, SecureBoost (arXiv:1901.08755); FATE HeteroSecureBoost (gh packing, cipher compression, histogram subtraction); docs/protocols/secureboost.md',
  roles: ['guest', 'host'],
  params: secureBoostParams,
  inputs: [
    {
      name: 'data',
      kind: 'dataset',
      roles: ['guest', 'host'],
      description: 'aligned rows (PSI output); the guest’s carry labels',
    },
    {
      name: 'validate',
      kind: 'dataset',
      roles: ['guest', 'host'],
      description:
        'aligned validation rows (same features; the guest’s with labels) for the validation loss and early stopping',
      optional: true,
    },
  ],
  outputs: [
    {
      name: 'model',
      kind: 'model',
      roles: ['guest', 'host'],
      description:
        'guest: the trees (leaf weights, its own splits, references to host splits); host: its split table',
    },
  ],
  predict: {
    // Hosts send, per split of their own, which rows go left; they receive nothing.
    mode: 'federated',
    programs: { guest: sbPredictGuest, host: sbPredictHost },
  },
  programs: { guest: sbGuest, host: sbHost },
  serve: secureBoostServing,
};
