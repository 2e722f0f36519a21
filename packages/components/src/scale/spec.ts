import type { ComponentSpec } from '../spec.js';
import { transformPorts } from '../preprocess/fitted-model.js';
import { scaleParams, type ScaleParams } from './params.js';
import { SCALE_VERSION, scaleApplier, scaleProgram } from './program.js';

export const scale: ComponentSpec<ScaleParams> = {
  code: 'scale',
  version: SCALE_VERSION,
  name: 'Scaling (min-max / standard)',
  description:
    'Min-max normalisation into [0, 1] or standardisation to mean 0 and variance 1, per column, on every party’s own columns. Fits the parameters, or applies a fitted model connected to the optional model input.',
  reference:
    'standard 001 appendix A.1 table 2 step 5 (标准化归一化处理); scikit-learn MinMaxScaler / StandardScaler; docs/protocols/preprocessing.md',
  roles: ['guest', 'host'],
  params: scaleParams,
  ...transformPorts('scaling'),
  programs: { guest: scaleProgram, host: scaleProgram },
  applyFitted: scaleApplier,
  // Each party transforms its own columns: no messages (preprocessing.md).
  local: true,
  // Reads and writes single columns: column-backed frames in and out, no row-major copy.
  columnar: true,
};
