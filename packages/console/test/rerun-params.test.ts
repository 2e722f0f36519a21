/**
 * The rerun forms' request bodies: only filled-in fields travel, a chosen task with nothing
 * changed still names itself, and `from` rides along (POST /v1/jobs/:id/rerun).
 */
import { describe, expect, it } from 'vitest';
import { filledParams, jobRerunBody } from '../src/rerun-params.js';

describe('rerun bodies', () => {
  it('drops the empty fields and keeps false and 0', () => {
    expect(filledParams({ a: undefined, b: null, c: '', d: 0, e: false, f: 'x' })).toEqual({
      d: 0,
      e: false,
      f: 'x',
    });
  });

  it('sends each chosen task with its own changes in one body', () => {
    expect(
      jobRerunBody(
        ['psi', 'train'],
        { psi: { buckets: 2, batchSize: undefined }, train: { maxIter: 4 }, predict: { x: 1 } },
        undefined,
      ),
    ).toEqual({ params: { psi: { buckets: 2 }, train: { maxIter: 4 } } });
  });

  it('names a chosen task without changes, and sends from alone when nothing is chosen', () => {
    expect(jobRerunBody(['train'], {}, 'predict')).toEqual({
      params: { train: {} },
      from: 'predict',
    });
    expect(jobRerunBody([], { train: { maxIter: 4 } }, 'psi')).toEqual({ from: 'psi' });
    expect(jobRerunBody([], {}, undefined)).toEqual({});
  });
});
