/**
 * Evaluation at the result party, by the task the predictions carry:
 * - binary: auc, ks, accuracy, precision, recall, f1, logloss, the ROC and KS curves (at most
 *   `curvePoints` points each) and the lift/gain table (`liftBins` groups);
 * - multiclass: accuracy, macro and micro precision, recall and f1, and the confusion matrix;
 * - regression: mse, rmse, mae, r2, explained_variance.
 * The report is stored with the job.
 */
import {
  binaryMetrics,
  confusionMatrix,
  downsample,
  ksCurve,
  liftGainTable,
  multiclassMetrics,
  regressionMetrics,
  rocCurve,
} from '@fedgrid/ml';
import { z } from 'zod';
import {
  ComponentError,
  input,
  type ComponentSpec,
  type Predictions,
  type ProgramContext,
  type ProgramResult,
} from '../spec.js';

export const evaluationParams = z.object({
  /** binary: a score ≥ threshold predicts class 1. */
  threshold: z.number().min(0).max(1).default(0.5),
  curvePoints: z.number().int().min(2).max(10_000).default(200),
  /** binary: groups of the lift/gain table (deciles by default). */
  liftBins: z.number().int().min(1).max(1000).default(10),
});
type EvaluationParams = z.infer<typeof evaluationParams>;

const finiteThreshold = <T extends { threshold: number }>(p: T) => ({
  ...p,
  threshold: Number.isFinite(p.threshold) ? p.threshold : null,
});

function binaryReport(p: Predictions, labels: Float64Array, params: EvaluationParams) {
  const y = labels.map((v) => (v === -1 ? 0 : v));
  const bad = y.findIndex((v) => v !== 0 && v !== 1);
  if (bad >= 0)
    throw new ComponentError(
      'LABELS_INVALID',
      `binary evaluation needs labels 0/1 (or −1/1); row ${bad} (id ${p.ids[bad]}) has ${y[bad]}`,
      { row: bad },
    );
  return {
    metrics: binaryMetrics(y, p.scores, params.threshold),
    curves: {
      roc: downsample(rocCurve(y, p.scores), params.curvePoints).map(finiteThreshold),
      ks: downsample(ksCurve(y, p.scores), params.curvePoints).map(finiteThreshold),
    },
    liftGain: liftGainTable(y, p.scores, params.liftBins),
  };
}

function multiclassReport(p: Predictions, labels: Float64Array) {
  const classes = p.classes;
  if (!classes || classes.length < 2)
    throw new ComponentError(
      'PREDICTIONS_INVALID',
      'multiclass predictions must list their classes (at least two)',
    );
  const predicted = Array.from(p.scores, (k) => {
    const c = classes[k];
    if (c === undefined)
      throw new ComponentError('PREDICTIONS_INVALID', `predicted class index ${k} out of range`);
    return c;
  });
  return {
    metrics: multiclassMetrics(labels, predicted),
    confusion: confusionMatrix(labels, predicted),
  };
}

async function evaluateGuest(ctx: ProgramContext<EvaluationParams>): Promise<ProgramResult> {
  const { predictions: p } = input(ctx, 'predictions', 'predictions');
  if (!p.labels)
    throw new ComponentError(
      'LABELS_MISSING',
      'evaluation needs labels on the predictions (evaluate on the label holder, the guest)',
    );
  const task = p.task ?? 'binary';
  const body =
    task === 'binary'
      ? binaryReport(p, p.labels, ctx.params)
      : task === 'multiclass'
        ? multiclassReport(p, p.labels)
        : { metrics: regressionMetrics(p.labels, p.scores) };
  const report = { task, rows: p.ids.length, ...body };
  ctx.progress({ stage: 'evaluate', task, metrics: body.metrics });
  return { outputs: { report: { kind: 'report', report } }, summary: report };
}

export const evaluation: ComponentSpec<EvaluationParams> = {
  code: 'evaluation',
  version: '1.1.0',
  name: 'Evaluation',
  description:
    'Metrics of predictions at the result party: binary (auc, ks, accuracy, precision, recall, f1, logloss, ROC/KS curves, lift and gain), multiclass (accuracy, macro/micro precision, recall, f1, confusion matrix), regression (mse, rmse, mae, r2, explained_variance).',
  reference: 'T/SIGA FL guide appendix B (AUC, accuracy, F1); FATE Evaluation',
  roles: ['guest'],
  params: evaluationParams,
  inputs: [
    {
      name: 'predictions',
      kind: 'predictions',
      roles: ['guest'],
      description: 'scores with labels',
    },
  ],
  outputs: [
    { name: 'report', kind: 'report', roles: ['guest'], description: 'metrics and curves' },
  ],
  programs: { guest: evaluateGuest },
};
