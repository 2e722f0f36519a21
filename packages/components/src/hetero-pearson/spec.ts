import type { ComponentSpec } from '../spec.js';
import { pearsonGuest } from './guest.js';
import { pearsonHost } from './host.js';
import { heteroPearsonParams, type HeteroPearsonParams } from './params.js';

export const heteroPearson: ComponentSpec<HeteroPearsonParams> = {
  code: 'hetero-pearson',
  version: '1.0.0',
  name: 'Hetero Pearson correlation',
  description:
    'Cross-party Pearson correlation on aligned rows: the guest encrypts its standardised columns under its own Paillier key, each host returns the encrypted products with its standardised columns, the guest decrypts; both learn the guest × host correlation matrix and their own local one.',
  reference:
    'FATE HeteroPearson; Paillier 1999 with DJN randomisers; docs/protocols/hetero-pearson.md',
  roles: ['guest', 'host'],
  params: heteroPearsonParams,
  inputs: [
    {
      name: 'data',
      kind: 'dataset',
      roles: ['guest', 'host'],
      description: 'aligned rows (PSI output), complete numeric features',
    },
  ],
  outputs: [
    {
      name: 'report',
      kind: 'report',
      roles: ['guest', 'host'],
      description:
        'local correlation matrix and the guest × host cross-correlation (the guest: one per host; a host: its own)',
    },
  ],
  programs: { guest: pearsonGuest, host: pearsonHost },
};
