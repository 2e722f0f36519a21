import type { ComponentSpec } from '../spec.js';
import { sbPredictGuest } from './guest.js';
import { sbPredictHost } from './host.js';
import { secureBoostPredictParams, type PredictParams } from './params.js';

export const secureBoostPredict: ComponentSpec<PredictParams> = {
  code: 'secureboost-predict',
  version: '1.0.0',
  name: 'SecureBoost prediction',
  description:
    'Federated batch scoring with a SecureBoost model: each host sends, per split of its own, which rows go left; the guest walks the trees and obtains probabilities (binary, multiclass) or values (regression). Hosts receive nothing.',
  reference:
    'Cheng et al. 2019 (arXiv:1901.08755) §4.3; FATE HeteroSecureBoost predict; docs/protocols/secureboost.md',
  roles: ['guest', 'host'],
  params: secureBoostPredictParams,
  inputs: [
    {
      name: 'data',
      kind: 'dataset',
      roles: ['guest', 'host'],
      description: 'aligned rows to score',
    },
    {
      name: 'model',
      kind: 'model',
      roles: ['guest', 'host'],
      description: 'the party’s SecureBoost model part',
    },
  ],
  outputs: [
    {
      name: 'predictions',
      kind: 'predictions',
      roles: ['guest'],
      description: 'ids, scores (and per-class probabilities), labels if present',
    },
  ],
  programs: { guest: sbPredictGuest, host: sbPredictHost },
};
