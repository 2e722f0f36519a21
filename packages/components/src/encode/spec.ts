import type { ComponentSpec } from '../spec.js';
import { transformPorts } from '../preprocess/fitted-model.js';
import { encodeParams, type EncodeParams } from './params.js';
import { ENCODE_VERSION, encodeApplier, encodeProgram } from './program.js';

export const encode: ComponentSpec<EncodeParams> = {
  code: 'encode',
  version: ENCODE_VERSION,
  name: 'Categorical encoding (one-hot / label)',
  description:
    'One-hot (a 0/1 column name=value per category) or label encoding (category index) of the integer-coded columns listed as categorical, on every party’s own columns. Unseen categories when applying a model: an error or an all-zero row, by parameter. Fits the categories, or applies a fitted model connected to the optional model input.',
  reference:
    'standard 001 appendix A.1 table 2 (feature engineering before WOE); scikit-learn OneHotEncoder / OrdinalEncoder; docs/protocols/preprocessing.md',
  roles: ['guest', 'host'],
  params: encodeParams,
  ...transformPorts('encoding'),
  programs: { guest: encodeProgram, host: encodeProgram },
  applyFitted: encodeApplier,
  // Each party transforms its own columns: no messages (preprocessing.md).
  local: true,
  // Reads and writes single columns: column-backed frames in and out, no row-major copy.
  columnar: true,
};
