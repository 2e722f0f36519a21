import type { ComponentSpec } from '../spec.js';
import { mpcDealerProgram } from '../mpc-runtime/dealer-program.js';
import { mpcArbiterOptional } from '../mpc-runtime/params.js';
import { mpcStatisticsParams, type MpcStatisticsParams } from './params.js';
import { mpcStatisticsParty } from './program.js';

export const mpcStatistics: ComponentSpec<MpcStatisticsParams> = {
  code: 'mpc-statistics',
  version: '1.0.0',
  name: 'MPC joint statistics',
  description:
    'Count, sum, mean, variance, std, min/max and quantiles per group and time bucket over columns of several parties (vertical after PSI, or horizontal), by additive secret sharing with the arbiter as Beaver-triple dealer; revealed to the guest only; small groups suppressed.',
  reference:
    'Beaver, CRYPTO 1991; Hamada et al., ICISC 2012 (shuffle-then-quickselect); Chase et al., ASIACRYPT 2020 (shuffle); standard 001 §5.1 d, §9.4; docs/protocols/mpc.md',
  roles: ['guest', 'host', 'arbiter'],
  roleOptional: mpcArbiterOptional,
  params: mpcStatisticsParams,
  inputs: [
    {
      name: 'data',
      kind: 'dataset',
      roles: ['guest', 'host'],
      description:
        'vertical: the PSI intersection (same ids on every party); horizontal: the party’s rows',
    },
  ],
  outputs: [
    {
      name: 'report',
      kind: 'report',
      roles: ['guest'],
      description: 'statistics per group and column, for the guest (result party) only',
    },
  ],
  programs: { guest: mpcStatisticsParty, host: mpcStatisticsParty, arbiter: mpcDealerProgram },
};
