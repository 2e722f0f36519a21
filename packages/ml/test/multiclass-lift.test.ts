/** Multiclass metrics and lift/gain tables against hand-computed answers. */
import { describe, expect, it } from 'vitest';
import { confusionMatrix, liftGainTable, multiclassMetrics } from '@fedgrid/ml';

describe('multiclass metrics', () => {
  // actual:    0 0 0 1 1 2
  // predicted: 0 0 1 1 2 2
  const y = [0, 0, 0, 1, 1, 2];
  const p = [0, 0, 1, 1, 2, 2];

  it('confusion matrix counts[actual][predicted] over the sorted classes', () => {
    expect(confusionMatrix(y, p)).toEqual({
      classes: [0, 1, 2],
      counts: [
        [2, 1, 0],
        [0, 1, 1],
        [0, 0, 1],
      ],
    });
  });

  it('accuracy, macro and micro averages', () => {
    const m = multiclassMetrics(y, p);
    // precision per class: 2/2, 1/2, 1/2 → macro 2/3; recall: 2/3, 1/2, 1 → macro 13/18.
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
    expect(m.precision_macro).toBeCloseTo(2 / 3, 12);
    expect(m.recall_macro).toBeCloseTo(13 / 18, 12);
    // f1 per class: 0.8, 0.5, 2/3.
    expect(m.f1_macro).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
    expect(m.f1_micro).toBeCloseTo(4 / 6, 12);
  });

  it('a class that is never predicted has precision 0; lengths must match', () => {
    const m = multiclassMetrics([0, 1, 2], [0, 1, 1]);
    expect(m.precision_macro).toBeCloseTo((1 + 0.5 + 0) / 3, 12);
    expect(() => multiclassMetrics([0, 1], [0])).toThrow(RangeError);
  });
});

describe('lift and gain', () => {
  it('ranks by score and cuts into equal groups', () => {
    const labels = [1, 0, 1, 0, 0, 1, 0, 0, 0, 0];
    const scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05];
    const t = liftGainTable(labels, scores, 5);
    expect(t.map((r) => r.rows)).toEqual([2, 2, 2, 2, 2]);
    expect(t.map((r) => r.positives)).toEqual([1, 1, 1, 0, 0]);
    expect(t[0]!.gain).toBeCloseTo(1 / 3, 12);
    expect(t[2]!.gain).toBeCloseTo(1, 12);
    // Overall rate 0.3; the first group's rate 0.5 → lift 5/3.
    expect(t[0]!.lift).toBeCloseTo(5 / 3, 12);
    expect(t[1]!.cumulativeLift).toBeCloseTo(2 / 3 / 0.4, 12);
    expect(t[4]!.cumulativeRowShare).toBe(1);
    expect(t[0]!.minScore).toBe(0.8);
  });

  it('refuses bad input', () => {
    expect(() => liftGainTable([1], [0.5, 0.2])).toThrow(RangeError);
    expect(() => liftGainTable([1], [0.5], 0)).toThrow(/bins/);
  });
});
