/** The demo's task resolution and its refusal to print a hopeless model as a result. */
import { describe, expect, it } from 'vitest';
import { demoAlgorithm } from '../src/demo/algorithms.js';
import { qualityProblem, resolveTask } from '../src/demo/run-demo.js';

describe('resolveTask', () => {
  // An integer label 0–20: inferred as multiclass from the label alone.
  const grades = { type: 'integer', distinct: 17 };

  it('hetero-linr and hetero-poisson imply regression whatever the label looks like', () => {
    expect(resolveTask(demoAlgorithm('hetero-linr'), undefined, grades)).toBe('regression');
    expect(resolveTask(demoAlgorithm('hetero-poisson'), undefined, grades)).toBe('regression');
  });

  it('an algorithm with several tasks infers from the label; --task wins', () => {
    expect(resolveTask(demoAlgorithm('hetero-lr'), undefined, grades)).toBe('multiclass');
    expect(resolveTask(demoAlgorithm('secureboost'), undefined, grades)).toBe('multiclass');
    expect(resolveTask(demoAlgorithm('secureboost'), 'regression', grades)).toBe('regression');
  });
});

describe('qualityProblem', () => {
  it('a regression worse than the mean, a chance classifier, a non-finite metric', () => {
    expect(qualityProblem('regression', { mse: 129, r2: -5.2 })).toMatch(
      /worse than predicting the mean/,
    );
    expect(qualityProblem('binary', { auc: 0.5, accuracy: 0.78 })).toMatch(/chance/);
    expect(qualityProblem('regression', { mse: NaN, r2: 0.1 })).toMatch(/mse is NaN/);
  });

  it('a useful model passes', () => {
    expect(qualityProblem('regression', { mse: 0.09, r2: 0.91 })).toBeUndefined();
    expect(qualityProblem('binary', { auc: 0.99 })).toBeUndefined();
    expect(qualityProblem('multiclass', { accuracy: 0.8 })).toBeUndefined();
  });
});
