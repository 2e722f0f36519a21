/**
 * Which tasks of a training job lie between a party's dataset and the training task (the chain
 * serving and batch prediction replay the fitted steps of; models/feature-pipeline.ts).
 */
import { describe, expect, it } from 'vitest';
import { dataChain } from '../src/models/feature-pipeline.js';

const task = (name: string, component: string, data?: string) => ({
  name,
  component,
  params: {},
  inputs: (data ? { data } : {}) as Record<string, string>,
});

describe('dataChain', () => {
  it('follows the data input upstream to the job dataset, first step first', () => {
    const spec = {
      tasks: [
        task('psi', 'psi-ecdh', 'job.dataset'),
        task('fill', 'missing-values', 'psi.data'),
        task('encode', 'encode', 'fill.data'),
        task('split', 'split', 'encode.data'),
        task('train', 'hetero-lr', 'split.train'),
        // Not on the training's path: a side branch.
        task('scale', 'scale', 'psi.data'),
      ],
    };
    expect(dataChain(spec, 'train').map((t) => t.name)).toEqual(['psi', 'fill', 'encode', 'split']);
    expect(dataChain(spec, 'psi')).toEqual([]);
    expect(dataChain(spec, 'nope')).toEqual([]);
  });

  it('a cycle in a malformed spec ends (bounded), it does not loop', () => {
    const spec = { tasks: [task('a', 'scale', 'b.data'), task('b', 'scale', 'a.data')] };
    expect(dataChain(spec, 'a').length).toBeLessThanOrEqual(100);
  });
});
