/**
 * HeteroPoisson's predict declaration: the linear protocol of hetero-lr/predict.ts with the
 * guest's log exposure added to the summed linear predictor before exp (FATE HeteroPoisson).
 */
import { linearPredict } from '../hetero-lr/predict.js';
import type { PredictDeclaration } from '../spec.js';
import { splitExposure } from './data.js';

export const poissonPredict: PredictDeclaration = linearPredict({
  family: 'poisson',
  offset: (part, frame) => {
    const exposure = part['exposure'] as string | undefined;
    return exposure ? splitExposure(frame, exposure).offset : undefined;
  },
});
