export * from './spec.js';
export * from './registry.js';
export type * from './serving.js';
export { withLevels } from './serving.js';
export {
  disclosureLimit,
  budgetExceeded,
  MemoryDisclosureLedger,
  MIN_AGGREGATE_ROWS,
} from './disclosure.js';
export { psiEcdh } from './psi-ecdh/spec.js';
export { pirQuery } from './pir-query/spec.js';
export {
  buildPirServerTable,
  decodePirLabel,
  pirServerLabels,
  type PirServerLabels,
  type PirServerTable,
} from './pir-query/server-table.js';
export { PIR_DISCLOSURE_KIND, PIR_KEYS_BUDGET_PER_ROW } from './pir-query/params.js';
export { psiParams, compareBytes, type PsiParams } from './psi-ecdh/params.js';
export { heteroLr } from './hetero-lr/spec.js';
export { heteroLrParams, lrParams, type HeteroLrParams } from './hetero-lr/params.js';
export { heteroLinRParams } from './hetero-linr/params.js';
export {
  linearPredict,
  linearPart,
  linearPartial,
  linearScores,
  type LinearPart,
  type LinearFamilyName,
  type LinearPredictOptions,
} from './hetero-lr/predict.js';
export { predictParams, type PredictParams, type Predictor } from './predict/component.js';
export { heteroSsheLr } from './hetero-sshe-lr/spec.js';
export {
  heteroSsheLrParams,
  ssheLrParams,
  type HeteroSsheLrParams,
} from './hetero-sshe-lr/params.js';
export { heteroLinR } from './hetero-linr/spec.js';
export { heteroPoisson } from './hetero-poisson/spec.js';
export { heteroPoissonParams, type HeteroPoissonParams } from './hetero-poisson/params.js';
export { LOGISTIC_FAMILY, LINEAR_FAMILY, type CoordinatedFamily } from './hetero-lr/family.js';
export { evaluation } from './evaluation/spec.js';
export * from './secureboost/index.js';
export * from './preprocess/specs.js';
export { statistics } from './statistics/spec.js';
export { heteroPearson } from './hetero-pearson/spec.js';
export { heteroBinning } from './hetero-binning/spec.js';
export {
  asBinningModel,
  transformFrame,
  type BinningModel,
  type BinnedFeature,
} from './hetero-binning/model.js';
export { featureSelection, featureSelectionBasic } from './feature-selection/spec.js';
export { selectColumns, type SelectionModel } from './feature-selection/model.js';
export { scorecard } from './scorecard/spec.js';
export {
  scorecardPoints,
  type PointsRow,
  type PointsTable,
  type ScorecardPointsParams,
} from './scorecard/points.js';
export { creditScore, scaling as scorecardScaling } from './scorecard/params.js';
export { homoLr, homoLinR } from './homo-lr/spec.js';
export { homoLinearParams, type HomoLinearParams, type HomoLinearModel } from './homo-lr/kind.js';
export { homoNn } from './homo-nn/spec.js';
export { homoKmeans } from './homo-kmeans/spec.js';
export {
  homoKmeansParams,
  kmeansKind,
  type HomoKmeansParams,
  type HomoKmeansModel,
} from './homo-kmeans/kind.js';
export { homoNnParams, type HomoNnParams, type HomoNnModel } from './homo-nn/kind.js';
export { homoSplit } from './homo-split/spec.js';
export { homoRoundParams, type HomoRoundParams } from './homo/params.js';
export type { RoundRecord } from './homo/protocol.js';
export { homoComponent } from './homo/spec-factory.js';
export type { HomoModelKind, LocalModel, ModelSetup, ClientHello } from './homo/model.js';
export { linearKind } from './homo-lr/kind.js';
export { homoNnKind } from './homo-nn/kind.js';
export { mpcStatistics } from './mpc-statistics/spec.js';
export { MPC_MIN_GROUP_SIZE, MPC_MIN_ORDER_GROUP_SIZE } from './mpc-runtime/params.js';
export { mpcExpression } from './mpc-expression/spec.js';
export { parseExpression, type Expr } from './mpc-runtime/expression.js';
export { mpcRanking } from './mpc-ranking/spec.js';
