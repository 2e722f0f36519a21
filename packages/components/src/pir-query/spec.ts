import type { ComponentSpec } from '../spec.js';
import { pirGuest } from './guest.js';
import { pirHost } from './host.js';
import { pirParams, type PirParams } from './params.js';

export const pirQuery: ComponentSpec<PirParams> = {
  code: 'pir-query',
  version: '1.0.0',
  name: 'Keyword PIR query',
  description:
    'Private information retrieval by keyword: the guest obtains the host’s label columns for its ids without the host learning which ids were asked (OPRF-based, full table download).',
  reference:
    'Jarecki, Kiayias & Krawczyk 2014 (2HashDH OPRF); RFC 9497; Chen et al. CCS 2021 (labeled PSI, OPRF step); interconnection standard 001 §5.1 b (匿踪查询); docs/protocols/pir.md',
  roles: ['guest', 'host'],
  params: pirParams,
  inputs: [
    {
      name: 'data',
      kind: 'dataset',
      roles: ['guest', 'host'],
      description: 'guest: the ids to look up; host: the table served (ids are the keys)',
    },
  ],
  outputs: [
    {
      name: 'data',
      kind: 'dataset',
      roles: ['guest'],
      description: 'the guest’s ids found in the host’s table, with the host’s label columns',
    },
  ],
  programs: { guest: pirGuest, host: pirHost },
};
