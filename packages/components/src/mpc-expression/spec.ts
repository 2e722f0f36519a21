import type { ComponentSpec } from '../spec.js';
import { mpcDealerProgram } from '../mpc-runtime/dealer-program.js';
import { mpcArbiterOptional } from '../mpc-runtime/params.js';
import { mpcExpressionParams, type MpcExpressionParams } from './params.js';
import { mpcExpressionParty } from './program.js';

export const mpcExpression: ComponentSpec<MpcExpressionParams> = {
  code: 'mpc-expression',
  version: '1.0.0',
  name: 'MPC expression',
  description:
    'A user-written arithmetic / comparison expression (+ − × ÷, < ≤ > ≥ = ≠, min, max, sqrt, abs) over columns of different parties, evaluated on secret shares per row of the PSI intersection; values (or their sum / mean) revealed to the guest only.',
  reference:
    'Beaver, CRYPTO 1991; Catrina & Saxena, FC 2010 (fixed point); standard 001 §5.1 c; docs/protocols/mpc.md',
  roles: ['guest', 'host', 'arbiter'],
  roleOptional: mpcArbiterOptional,
  params: mpcExpressionParams,
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
        'output rows: the ids with one column, the expression’s value (no rows for sum / mean)',
    },
    {
      name: 'report',
      kind: 'report',
      roles: ['guest'],
      description: 'the expression and, for sum / mean, the aggregate',
    },
  ],
  programs: { guest: mpcExpressionParty, host: mpcExpressionParty, arbiter: mpcDealerProgram },
};
