/**
 * The hand-written checks of the two hot bodies (serving.service.ts `plainSingleId`,
 * `plainPartialRequest`) accept exactly what their zod schemas accept with the same value, and
 * leave everything else (every invalid body among them) to the schema, which names the field.
 */
import { describe, expect, it } from 'vitest';
import {
  partialSchema,
  plainPartialRequest,
  plainSingleId,
  predictSchema,
} from '../src/serving/serving.service.js';

const long = 'x'.repeat(201);
const predictBodies: unknown[] = [
  { id: 'c1' },
  { id: 'x'.repeat(200) },
  { id: '' },
  { id: long },
  { id: 7 },
  { id: null },
  { id: 'c1', extra: 1 },
  { id: 'c1', features: { x: 1 } },
  { ids: ['c1'] },
  {},
  null,
  [],
  ['c1'],
  'c1',
  JSON.parse('{"id":"c1","__proto__":{"x":1}}'),
  Object.assign(Object.create({ inherited: 1 }) as object, { id: 'c1' }),
];

const partialBodies: unknown[] = [
  { job: 'j', task: 't', ids: ['a', 'b'] },
  { job: 'j', task: 't', ids: Array.from({ length: 5 }, (_, k) => `i${k}`) },
  { job: 'j', task: 't', ids: Array.from({ length: 6 }, (_, k) => `i${k}`) },
  { job: 'j', task: 't', ids: [] },
  { job: 'j', task: 't', ids: ['a', ''] },
  { job: 'j', task: 't', ids: ['a', 3] },
  { job: 'j', task: 't', ids: 'a' },
  { job: '', task: 't', ids: ['a'] },
  { job: 'j', task: long, ids: ['a'] },
  { job: 'j', task: 't' },
  { job: 'j', task: 't', ids: ['a'], more: true },
  null,
];

describe('serving body checks without zod', () => {
  it('plainSingleId takes only what predictSchema takes, with the same value', () => {
    const schema = predictSchema(5);
    let taken = 0;
    for (const body of predictBodies) {
      const fast = plainSingleId(body);
      if (fast === undefined) continue;
      taken++;
      const slow = schema.safeParse(body);
      expect(slow.success, JSON.stringify(body)).toBe(true);
      expect(fast).toEqual(slow.data);
    }
    expect(taken).toBe(2);
  });

  it('plainPartialRequest takes only what partialSchema takes, with the same value', () => {
    const schema = partialSchema(5);
    let taken = 0;
    for (const body of partialBodies) {
      const fast = plainPartialRequest(body, 5);
      if (fast === undefined) continue;
      taken++;
      const slow = schema.safeParse(body);
      expect(slow.success, JSON.stringify(body)).toBe(true);
      expect(fast).toEqual(slow.data);
    }
    expect(taken).toBe(2);
  });
});
