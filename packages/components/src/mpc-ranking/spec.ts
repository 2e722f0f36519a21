import type { ComponentSpec } from '../spec.js';
import { mpcDealerProgram } from '../mpc-runtime/dealer-program.js';
import { mpcRankingParams, type MpcRankingParams } from './params.js';
import { mpcRankingParty } from './program.js';

export const mpcRanking: ComponentSpec<MpcRankingParams> = {
  code: 'mpc-ranking',
  version: '1.0.0',
  name: 'MPC benchmark ranking',
  description:
    'Ranks entities (rows of the PSI intersection, or groups of them) by a score computed on secret shares from columns of several parties; every rank or only the top k revealed to the guest, nothing to the others.',
  reference:
    'Hamada et al., ICISC 2012 (shuffle-then-quicksort); Chase et al., ASIACRYPT 2020 (shuffle); Beaver, CRYPTO 1991; standard 001 §5.1 c, appendix A.2; docs/protocols/mpc.md',
  roles: ['guest', 'host', 'arbiter'],
  params: mpcRankingParams,
  inputs: [
    {
      name: 'data',
      kind: 'dataset',
      roles: ['guest', 'host'],
      description: 'the PSI intersection (same ids on every party)',
    },
  ],
  outputs: [
    {
      name: 'data',
      kind: 'dataset',
      roles: ['guest'],
      description:
        'the revealed entities in rank order (ids; column rank, and value when revealValues)',
    },
    { name: 'report', kind: 'report', roles: ['guest'], description: 'the ranking as JSON' },
  ],
  programs: { guest: mpcRankingParty, host: mpcRankingParty, arbiter: mpcDealerProgram },
};
