import type { ComponentSpec } from '../spec.js';
import { transformPorts } from '../preprocess/fitted-model.js';
import { outliersParams, type OutliersParams } from './params.js';
import { OUTLIERS_VERSION, outliersApplier, outliersProgram } from './program.js';

export const outliers: ComponentSpec<OutliersParams> = {
  code: 'outliers',
  version: OUTLIERS_VERSION,
  name: 'Outlier treatment (IQR / z-score)',
  description:
    'Finds values outside k·IQR fences or beyond |z| > t per column on every party’s own columns and clips them to the fence or replaces them by the inliers’ median or mean or a constant. Fits the fences, or applies a fitted model connected to the optional model input.',
  reference:
    'standard 001 appendix A.1 table 2 step 4 (异常值处理); Tukey 1977 (fences); FATE Imputer outlier replacement; docs/protocols/preprocessing.md',
  roles: ['guest', 'host'],
  params: outliersParams,
  ...transformPorts('outlier treatment'),
  programs: { guest: outliersProgram, host: outliersProgram },
  applyFitted: outliersApplier,
  // Each party transforms its own columns: no messages (preprocessing.md).
  local: true,
  // Reads and writes single columns: column-backed frames in and out, no row-major copy.
  columnar: true,
};
