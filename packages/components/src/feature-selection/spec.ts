/**
 * Two variants, because every input port of a flow must be connected: `feature-selection`
 * needs a hetero-binning model (input `binning`) and offers the IV filters; the lighter
 * `feature-selection-basic` has only the label-free filters and no binning input, so that a flow
 * that filters by missing ratio or variance need not run binning first. Same programs.
 */
import type { ComponentSpec, PortSpec } from '../spec.js';
import {
  basicSelectionParams,
  featureSelectionParams,
  type BasicSelectionParams,
  type FeatureSelectionParams,
} from './params.js';
import { selectionProgram } from './program.js';

const data: PortSpec = {
  name: 'data',
  kind: 'dataset',
  roles: ['guest', 'host'],
  description: 'the party’s rows (e.g. PSI or hetero-binning output)',
};
const savedModel: PortSpec = {
  name: 'model',
  kind: 'model',
  roles: ['guest', 'host'],
  optional: true,
  description:
    'optional: a feature-selection model (each party its own part) to apply instead of selecting — the same columns kept, no messages',
};
const outputs: PortSpec[] = [
  {
    name: 'data',
    kind: 'dataset',
    roles: ['guest', 'host'],
    description: 'the rows with the selected columns only',
  },
  {
    name: 'model',
    kind: 'model',
    roles: ['guest', 'host'],
    description:
      'the party’s selection (kept columns, dropped columns and why), to filter prediction data alike',
  },
];

export const featureSelection: ComponentSpec<FeatureSelectionParams> = {
  code: 'feature-selection',
  version: '1.0.0',
  name: 'Hetero feature selection',
  description:
    'Each party filters its own columns by missing ratio, variance, coefficient of variation, IV threshold or IV top-k (IVs from a hetero-binning model; global top-k ranked by the guest), correlation, and manual include/exclude lists.',
  reference:
    'FATE HeteroFeatureSelection (filter methods, IV top-k); docs/protocols/hetero-binning.md',
  roles: ['guest', 'host'],
  params: featureSelectionParams,
  inputs: [
    data,
    {
      name: 'binning',
      kind: 'model',
      roles: ['guest', 'host'],
      description: 'the party’s hetero-binning model part (its IVs)',
    },
    savedModel,
  ],
  outputs,
  programs: { guest: selectionProgram(true), host: selectionProgram(true) },
  // Reads ids / single columns: column-backed frames, no row-major copy of the table.
  columnar: true,
};

export const featureSelectionBasic: ComponentSpec<BasicSelectionParams> = {
  code: 'feature-selection-basic',
  version: '1.0.0',
  name: 'Feature selection (label-free filters)',
  description:
    'Each party filters its own columns by missing ratio, variance, coefficient of variation, correlation and include/exclude lists; no binning model, no messages.',
  reference: 'FATE HeteroFeatureSelection (unique-value, missing-value and variance filters)',
  roles: ['guest', 'host'],
  params: basicSelectionParams,
  inputs: [data, savedModel],
  outputs,
  programs: { guest: selectionProgram(false), host: selectionProgram(false) },
  // Reads ids / single columns: column-backed frames, no row-major copy of the table.
  columnar: true,
};
