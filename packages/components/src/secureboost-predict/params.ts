import { z } from 'zod';

export const secureBoostPredictParams = z.object({});
export type PredictParams = z.infer<typeof secureBoostPredictParams>;
