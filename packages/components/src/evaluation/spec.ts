/**
 * Binary evaluation at the result party: auc, ks, accuracy, precision, recall, f1, logloss, and
 * the ROC and KS curves (at most `curvePoints` points each), stored with the job.
 */
import { binaryMetrics, downsample, ksCurve, rocCurve } from '@fedgrid/ml';
import { z } from 'zod';
import {
  ComponentError,
  input,
  type ComponentSpec,
  type ProgramContext,
  type ProgramResult,
} from '../spec.js';

export const evaluationParams = z.object({
  threshold: z.number().min(0).max(1).default(0.5),
  curvePoints: z.number().int().min(2).max(10_000).default(200),
});
type EvaluationParams = z.infer<typeof evaluationParams>;

async function evaluateGuest(ctx: ProgramContext<EvaluationParams>): Promise<ProgramResult> {
  const { predictions } = input(ctx, 'predictions', 'predictions');
  if (!predictions.labels)
    throw new ComponentError('LABELS_MISSING', 'evaluation needs labels on the predictions');
  const labels = predictions.labels.map((v) => (v === -1 ? 0 : v));
  const metrics = binaryMetrics(labels, predictions.scores, ctx.params.threshold);
  const roc = downsample(rocCurve(labels, predictions.scores), ctx.params.curvePoints).map((p) => ({
    ...p,
    threshold: Number.isFinite(p.threshold) ? p.threshold : null,
  }));
  const ks = downsample(ksCurve(labels, predictions.scores), ctx.params.curvePoints).map((p) => ({
    ...p,
    threshold: Number.isFinite(p.threshold) ? p.threshold : null,
  }));
  const report = { task: 'binary', rows: labels.length, metrics, curves: { roc, ks } };
  ctx.progress({ stage: 'evaluate', metrics });
  return { outputs: { report: { kind: 'report', report } }, summary: report };
}

export const evaluation: ComponentSpec<EvaluationParams> = {
  code: 'evaluation',
  version: '1.0.0',
  name: 'Evaluation (binary)',
  description: 'Metrics and ROC/KS curves of predictions at the result party.',
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
