export { ApiClient, ApiError, targetFromNodeDir, type ApiTarget } from './api-client.js';
export { launchNode, signContract, type ClusterNode, type LaunchOptions } from './demo/cluster.js';
export { runDemo, SAMPLE_DIR, type DemoOptions, type DemoReport } from './demo/run-demo.js';
export { permitAdhocJob } from './demo/demo-nodes.js';
export { plaintextBaseline, joinOnIds } from './demo/baseline.js';
export { isHeldOut, splitCsv } from './demo/holdout.js';
export { watchJob, followJob, formatEvent, type JobEvent } from './job-watch.js';
export {
  describeJob,
  evaluatedData,
  evaluationsOf,
  formatEvaluations,
  type EvaluatedData,
  type EvaluationSummary,
} from './job-summary.js';
export { predictionsCsv, type PredictionsOutput } from './predictions-csv.js';
export { batchPredictJob, type BatchPredictOptions } from './commands/predict.js';
export { formatPirResults, type PirQueryOutput } from './commands/pir.js';
export { demoServing, publishPart, type ServingReport } from './demo/serving-step.js';
