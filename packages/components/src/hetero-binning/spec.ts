import type { ComponentSpec } from '../spec.js';
import { binningApplier } from './apply.js';
import { binningGuest } from './guest.js';
import { binningHost } from './host.js';
import { heteroBinningParams, type HeteroBinningParams } from './params.js';

export const heteroBinning: ComponentSpec<HeteroBinningParams> = {
  code: 'hetero-binning',
  version: '1.0.0',
  name: 'Hetero feature binning (WOE/IV)',
  description:
    'Quantile, equal-width or chi-merge binning of numeric columns and category binning, with WOE and IV per bin for every party: the guest sends its labels encrypted under its own Paillier key, each host sums them per bin and returns the shuffled encrypted sums, the guest decrypts and returns WOE/IV. Hosts never see a label, the guest never sees a host value or bin edge. With the optional model input connected, each party applies its saved bins and WOE locally (e.g. to prediction data).',
  reference:
    'FATE HeteroFeatureBinning (WOE/IV conventions, adjustment factor); Kerber 1992 (ChiMerge); docs/protocols/hetero-binning.md',
  roles: ['guest', 'host'],
  params: heteroBinningParams,
  inputs: [
    {
      name: 'data',
      kind: 'dataset',
      roles: ['guest', 'host'],
      description: 'aligned rows (PSI output); the guest’s carry binary labels',
    },
    {
      name: 'model',
      kind: 'model',
      roles: ['guest', 'host'],
      optional: true,
      description:
        'optional: a fitted hetero-binning model (each party its own part) to apply instead of fitting — no labels needed, no messages',
    },
  ],
  outputs: [
    {
      name: 'model',
      kind: 'model',
      roles: ['guest', 'host'],
      description: 'each party’s own bins, WOE and IV per feature',
    },
    {
      name: 'data',
      kind: 'dataset',
      roles: ['guest', 'host'],
      description:
        'the rows with binned columns replaced by WOE values or bin indices (param transform)',
    },
  ],
  programs: { guest: binningGuest, host: binningHost },
  // Reads ids / single columns: column-backed frames, no row-major copy of the table.
  columnar: true,
  // WOE encoding replays at prediction (batch and online) like encode does.
  applyFitted: binningApplier,
};
