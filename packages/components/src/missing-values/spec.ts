import { transformPorts } from '../preprocess/fitted-model.js';
import type { ComponentSpec } from '../spec.js';
import { missingValuesParams, type MissingValuesParams } from './params.js';
import { MISSING_VALUES_VERSION, missingValuesApplier, missingValuesProgram } from './program.js';

export const missingValues: ComponentSpec<MissingValuesParams> = {
  code: 'missing-values',
  version: MISSING_VALUES_VERSION,
  name: 'Missing values',
  description:
    'Per column: drop it when its fraction of missing values is over a threshold, or fill its gaps with the mean, median, mode or a constant; rows with gaps can instead be dropped on every party together (the union of all parties’ such rows is shared) or refused. Fits the fill values, or applies a fitted model connected to the optional model input.',
  reference:
    'standard 001 appendix A.1 table 2 step 3 (缺失值处理); FATE Imputer; docs/protocols/preprocessing.md',
  roles: ['guest', 'host'],
  params: missingValuesParams,
  ...transformPorts('missing-value handling'),
  programs: { guest: missingValuesProgram, host: missingValuesProgram },
  applyFitted: missingValuesApplier,
  // Reads and writes single columns (rows dropped column by column): column-backed frames in
  // and out, no row-major copy.
  columnar: true,
};
