/**
 * errorRecord: a program's failure is stored with a specific code and a message saying what
 * failed, where and how to fix it — not INTERNAL (issue #11 item 10d).
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PaillierOverflowError, SecAggAbortError } from '@fedgrid/crypto';
import { ComponentError } from '@fedgrid/components';
import { errorRecord } from '../dist/jobs/task-runner.js';

const where = { task: 'train', party: 'host-0', component: 'hetero-lr' };

/** An error as it arrives from a worker thread: a plain Error keeping only name and message. */
function fromWorker(name: string, message: string): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

describe('errorRecord', () => {
  it.each([
    new PaillierOverflowError('value 1e300 exceeds ±n/3'),
    fromWorker('PaillierOverflowError', 'value 1e300 exceeds ±n/3'),
  ])('a fixed-point overflow → FIXED_POINT_OVERFLOW with the place and a fix (%#)', (err) => {
    const r = errorRecord(err, where);
    expect(r.code).toBe('FIXED_POINT_OVERFLOW');
    expect(r.message).toContain('task train (hetero-lr), party host-0');
    expect(r.message).toContain('value 1e300 exceeds ±n/3');
    expect(r.message).toMatch(/scale the features/);
    expect(r.details).toMatchObject(where);
  });

  it.each([
    new SecAggAbortError('only 2 of 5 clients sent masked inputs; threshold 3'),
    fromWorker('SecAggAbortError', 'only 2 of 5 clients sent masked inputs; threshold 3'),
  ])('a SecAgg abort → SECAGG_ABORTED with the place and a fix (%#)', (err) => {
    const r = errorRecord(err, { task: 'fit', party: 'arbiter', component: 'homo-lr' });
    expect(r.code).toBe('SECAGG_ABORTED');
    expect(r.message).toContain('task fit (homo-lr), party arbiter');
    expect(r.message).toContain('only 2 of 5 clients');
    expect(r.message).toMatch(/no party learned any input/);
    expect(r.message).toMatch(/more clients/);
  });

  it('parameters a component refuses → INVALID_PARAMS naming the field', () => {
    const parsed = z.object({ maxIter: z.number().int().min(1) }).safeParse({ maxIter: 0 });
    const r = errorRecord(parsed.error, where);
    expect(r.code).toBe('INVALID_PARAMS');
    expect(r.message).toContain('maxIter');
    expect(r.details).toMatchObject({ ...where, issues: [{ field: 'maxIter' }] });
  });

  it('a ComponentError keeps its code and gains the place', () => {
    const r = errorRecord(new ComponentError('TOO_FEW_ROWS', 'only 3 rows'), where);
    expect(r).toMatchObject({ code: 'TOO_FEW_ROWS', message: 'only 3 rows', details: where });
  });

  it('anything else stays INTERNAL, with the place', () => {
    const r = errorRecord(new TypeError('x is undefined'), where);
    expect(r).toMatchObject({
      code: 'INTERNAL',
      message: 'task train (hetero-lr), party host-0: x is undefined',
    });
  });
});
