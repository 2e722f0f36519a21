/** Every built-in component, by code. A new algorithm adds its spec here and nowhere else. */
import type { ComponentSpec } from './spec.js';
import { evaluation } from './evaluation/spec.js';
import { heteroLr } from './hetero-lr/spec.js';
import { heteroLrPredict } from './hetero-lr-predict/predict.js';
import { heteroSsheLr } from './hetero-sshe-lr/spec.js';
import { heteroLinR } from './hetero-linr/spec.js';
import { heteroPoisson } from './hetero-poisson/spec.js';
import { psiEcdh } from './psi-ecdh/spec.js';
import { secureBoost, secureBoostPredict } from './secureboost/index.js';
import { statistics } from './statistics/spec.js';
import { heteroPearson } from './hetero-pearson/spec.js';
import { heteroBinning } from './hetero-binning/spec.js';
import { featureSelection, featureSelectionBasic } from './feature-selection/spec.js';
import { scorecard } from './scorecard/spec.js';
import { scorecardPoints } from './scorecard/points.js';
import { homoLinR, homoLr } from './homo-lr/spec.js';
import { homoNn } from './homo-nn/spec.js';
import { homoKmeans } from './homo-kmeans/spec.js';
import { homoPredict } from './homo-predict/spec.js';
import { homoSplit } from './homo-split/spec.js';
import { encode, missingValues, outliers, sample, scale, split } from './preprocess/specs.js';

export const BUILTIN_COMPONENTS: readonly ComponentSpec<never>[] = [
  psiEcdh,
  heteroLr,
  heteroLrPredict,
  heteroSsheLr,
  heteroLinR,
  heteroPoisson,
  secureBoost,
  secureBoostPredict,
  evaluation,
  statistics,
  heteroPearson,
  heteroBinning,
  featureSelection,
  featureSelectionBasic,
  scorecard,
  scorecardPoints,
  ...[missingValues, outliers, scale, encode, sample, split],
  ...[homoLr, homoLinR, homoNn, homoKmeans, homoPredict, homoSplit],
] as unknown as ComponentSpec<never>[];

/** @throws RangeError naming the known components when `code` is unknown. */
export function componentByCode(code: string): ComponentSpec<unknown> {
  const c = BUILTIN_COMPONENTS.find((s) => s.code === code);
  if (!c)
    throw new RangeError(
      `unknown component '${code}' (known: ${BUILTIN_COMPONENTS.map((s) => s.code).join(', ')})`,
    );
  return c as unknown as ComponentSpec<unknown>;
}
