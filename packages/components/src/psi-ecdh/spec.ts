import type { ComponentSpec } from '../spec.js';
import { psiGuest } from './guest.js';
import { psiHost } from './host.js';
import { psiParams, type PsiParams } from './params.js';

export const psiEcdh: ComponentSpec<PsiParams> = {
  code: 'psi-ecdh',
  version: '1.0.0',
  name: 'ECDH-PSI',
  description:
    'Private set intersection of sample ids by Diffie–Hellman blinding on Curve25519 (default) or the SM2 curve with SM3 hashing; outputs each party’s rows aligned on the intersection.',
  reference:
    'Meadows 1986; Huberman, Franklin & Hogg 1999; PPCA interconnection suite ⟨Curve25519, SHA-256, direct hash as x⟩ or ⟨SM2, SM3, try-and-increment⟩ (GM/T 0003.5, GM/T 0004); docs/protocols/psi-ecdh.md',
  roles: ['guest', 'host'],
  params: psiParams,
  inputs: [
    {
      name: 'data',
      kind: 'dataset',
      roles: ['guest', 'host'],
      description: 'the party’s table; ids are the match key',
    },
  ],
  outputs: [
    {
      name: 'data',
      kind: 'dataset',
      roles: ['guest', 'host'],
      description: 'rows in the intersection, in the same order on every party',
    },
  ],
  programs: { guest: psiGuest, host: psiHost },
  // Reads the ids alone; its output keeps the columns as they came (no row-major copy).
  columnar: true,
};
