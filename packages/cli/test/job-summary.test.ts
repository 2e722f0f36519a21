/**
 * What `--wait`, `job watch` and `job show` print, from job views and events as the node returns
 * them (no processes): progress lines per training kind, and the evaluation block with the rows
 * it was computed on.
 */
import { describe, expect, it } from 'vitest';
import type { JobView, TaskView } from '@fedgrid/node';
import { describeJob, evaluationsOf, formatEvent, type JobEvent } from 'fedgrid';

const event = (party: string, data: Record<string, unknown>): JobEvent => ({
  id: 1,
  task_name: 'train',
  party,
  level: 'info',
  kind: 'progress',
  message: String(data['stage']),
  data,
  at: '2026-12-07T00:00:00.000Z',
});

describe('progress lines', () => {
  it('keeps the epoch and start lines of the linear models as the demo prints them', () => {
    expect(
      formatEvent(event('guest', { stage: 'train', epoch: 1, loss: 0.6702014, seconds: 0.42 })),
    ).toBe('  epoch   1  loss 0.670201  (0.42 s)');
    expect(
      formatEvent(
        event('guest', {
          stage: 'train',
          step: 'start',
          rows: 569,
          features: 10,
          hosts: 1,
          keyBits: 2048,
        }),
      ),
    ).toBe('  training on 569 rows, 10 guest features, 1 host(s), Paillier-2048');
    // Only the guest's line: the arbiter reports the same epochs.
    expect(formatEvent(event('arbiter', { stage: 'train', epoch: 1, loss: 0.6 }))).toBeUndefined();
  });

  it('one-vs-rest epochs name their class; an epoch without a loss prints none', () => {
    expect(
      formatEvent(event('guest', { stage: 'train', class: 2, epoch: 3, loss: 0.5, seconds: 1 })),
    ).toBe('  class 2  epoch   3  loss 0.500000  (1.00 s)');
    expect(formatEvent(event('guest', { stage: 'train', epoch: 4, seconds: 1 }))).toBe(
      '  epoch   4  (1.00 s)',
    );
  });

  it('SecureBoost: one line per tree out of the planned total', () => {
    expect(
      formatEvent(
        event('guest', {
          stage: 'train',
          step: 'start',
          rows: 455,
          features: 10,
          hostFeatures: 20,
          hosts: 1,
          keyBits: 2048,
          objective: 'binary',
          trees: 30,
        }),
      ),
    ).toBe(
      '  training 30 trees (binary) on 455 rows, 10 guest + 20 host features, 1 host(s), Paillier-2048',
    );
    expect(
      formatEvent(
        event('guest', { stage: 'train', round: 3, rounds: 30, trees: 3, loss: 0.25, seconds: 2 }),
      ),
    ).toBe('  tree  3/30  loss 0.250000  (2.00 s)');
    // Multiclass: one tree per class per round.
    expect(
      formatEvent(
        event('guest', {
          stage: 'train',
          round: 2,
          rounds: 10,
          trees: 6,
          loss: 0.5,
          validationLoss: 0.6,
          seconds: 1,
        }),
      ),
    ).toBe(
      '  tree  2/10  loss 0.500000  validation loss 0.600000  (6 trees, 3 per round)  (1.00 s)',
    );
    // The host's own round events are not the guest's progress.
    expect(formatEvent(event('host-0', { stage: 'train', round: 3, splits: 2 }))).toBeUndefined();
  });

  it('horizontal clients: one line per round (from 1), named unless the guest', () => {
    expect(
      formatEvent(event('guest', { stage: 'train', step: 'start', rows: 6000, rounds: 15 })),
    ).toBe('  training 15 rounds on 6000 local rows');
    expect(
      formatEvent(
        event('guest', { stage: 'train', step: 'start', rows: 6000, rounds: 15, startRound: 4 }),
      ),
    ).toBe('  training 15 rounds on 6000 local rows, resuming at round 5');
    expect(formatEvent(event('guest', { stage: 'train', round: 0, rounds: 15, loss: 0.5 }))).toBe(
      '  round  1/15  loss 0.500000',
    );
    expect(formatEvent(event('host-1', { stage: 'train', round: 14, rounds: 15, loss: 0.5 }))).toBe(
      '  round 15/15  loss 0.500000  [host-1]',
    );
  });
});

function task(name: string, component: string, inputs: Record<string, string>, result?: unknown) {
  return {
    name,
    component,
    version: '1.0.0',
    status: 'succeeded',
    attempt: 0,
    parties: { guest: { status: 'succeeded' } },
    inputs,
    error: null,
    result: result ?? {},
    startedAt: null,
    finishedAt: null,
  } as unknown as TaskView;
}

const report = {
  task: 'binary',
  rows: 114,
  metrics: { accuracy: 0.97, auc: 0.99391, ks: 0.9474 },
  curves: { roc: [] },
};

function job(predictData: string, trainData: string): JobView {
  return {
    id: 'job-1',
    name: 'credit',
    initiator: 'bank',
    status: 'succeeded',
    priority: 0,
    projectId: null,
    flowId: null,
    error: null,
    results: {},
    createdAt: '',
    startedAt: null,
    finishedAt: null,
    parties: { guest: 'bank' },
    tasks: [
      task('psi', 'psi-ecdh', { data: 'job.dataset' }),
      task('split', 'split', { data: 'psi.data' }),
      task('train', 'hetero-lr', { data: trainData }),
      task('predict', 'hetero-lr-predict', { data: predictData, model: 'train.model' }),
      task('evaluate', 'evaluation', { predictions: 'predict.predictions' }, { guest: report }),
    ],
  };
}

describe('evaluation metrics', () => {
  it('held-out rows of a split', () => {
    const j = job('split.test', 'split.train');
    expect(evaluationsOf(j)).toEqual([
      {
        task: 'evaluate',
        party: 'guest',
        predictionTask: 'binary',
        rows: 114,
        metrics: report.metrics,
        data: { source: 'split.test', kind: 'held-out', trainedBy: 'train' },
      },
    ]);
    const text = describeJob(j);
    expect(text).toContain(
      'evaluation `evaluate` (binary) on guest: 114 held-out rows (split.test, not used in training)',
    );
    expect(text).toMatch(/^auc\s+0\.9939$/m);
    // In the vocabulary's order (auc, ks, accuracy, …), whatever order the report has.
    expect(text).toMatch(/^metric\s+value\nauc\s+0\.9939\nks\s+0\.9474\naccuracy\s+0\.9700$/m);
    expect(text).not.toContain('curves');
  });

  it('the training rows themselves are called so', () => {
    const text = describeJob(job('psi.data', 'psi.data'));
    expect(text).toContain('114 rows the model was trained on (psi.data)');
  });

  it('a test output that the model was also trained on is not called held-out', () => {
    const [e] = evaluationsOf(job('split.test', 'split.test'));
    expect(e?.data?.kind).toBe('training');
    const other = job('psi.data', 'split.train');
    expect(evaluationsOf(other)[0]?.data?.kind).toBe('unknown');
  });

  it('a job without an evaluation (or not finished) prints no metrics block', () => {
    const j = job('split.test', 'split.train');
    j.tasks = j.tasks.slice(0, 4);
    expect(evaluationsOf(j)).toEqual([]);
    expect(describeJob(j)).not.toContain('evaluation');
  });
});
