/**
 * Model versions without nodes: name and reference parsing, the default name every party computes
 * from a job spec, which model tasks an evaluation scored (read from the DAG and the components'
 * specs), and the diff of two version views.
 */
import { describe, expect, it } from 'vitest';
import { modelTasksScoredBy } from '../src/models/evaluated-models.js';
import { defaultModelName, parseVersionRef } from '../src/models/model-name.js';
import { diffVersions } from '../src/models/model-versions.diff.js';
import type { ModelVersionView } from '../src/models/model-versions.service.js';

describe('version references', () => {
  it('parses name@version, name@latest and a bare name', () => {
    expect(parseVersionRef('credit@2', 'ref')).toEqual({ name: 'credit', version: 2 });
    expect(parseVersionRef('credit@latest', 'ref')).toEqual({ name: 'credit', version: 'latest' });
    expect(parseVersionRef(' credit.train ', 'ref')).toEqual({
      name: 'credit.train',
      version: 'latest',
    });
  });

  it('refuses malformed references, naming the field and saying how to write one', () => {
    const cases: [string, RegExp][] = [
      ['credit@0', /version '0' is not a positive whole number/],
      ['credit@two', /version 'two'/],
      ['@3', /model names are 1 to 128 characters/],
      ['a/b@1', /none of @ \//],
      [`${'x'.repeat(129)}@1`, /1 to 128 characters/],
    ];
    for (const [ref, why] of cases) {
      let err: { code?: string; message: string; details?: { issues: { field: string }[] } };
      try {
        parseVersionRef(ref, 'from');
        throw new Error(`accepted ${ref}`);
      } catch (e) {
        err = e as typeof err;
      }
      expect(err.code, ref).toBe('VALIDATION_FAILED');
      expect(err.message).toMatch(why);
      expect(err.message).toMatch(/^invalid from/);
      expect(err.message).toMatch(/NAME@VERSION/);
      expect(err.details?.issues[0]?.field).toBe('from');
    }
    expect(() => parseVersionRef('credit', 'from', { requireVersion: true })).toThrow(
      /no @VERSION/,
    );
  });

  it('names an unnamed training output <job name>.<task>, the same on every party', () => {
    expect(defaultModelName('credit scoring', 'job-1', 'train')).toBe('credit-scoring.train');
    expect(defaultModelName('', 'guest:job-1', 'train')).toBe('guest:job-1.train');
    expect(defaultModelName('a@b/c', 'job-1', 'train')).toBe('a-b-c.train');
    const long = defaultModelName('n'.repeat(300), 'job-1', 'train');
    expect(long).toHaveLength(128);
    expect(parseVersionRef(`${long}@1`, 'ref').name).toBe(long);
  });
});

describe('which models an evaluation scored', () => {
  const tasks: { name: string; component: string; inputs: Record<string, string> }[] = [
    { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
    { name: 'scale', component: 'scale', inputs: { data: 'psi.data' } },
    { name: 'train', component: 'hetero-lr', inputs: { data: 'scale.data' } },
    {
      name: 'predict',
      component: 'hetero-lr-predict',
      inputs: { data: 'scale.data', model: 'train.model' },
    },
    { name: 'evaluate', component: 'evaluation', inputs: { predictions: 'predict.predictions' } },
  ];

  it('follows the prediction task to the model it was given, not the preprocessing of its data', () => {
    expect(modelTasksScoredBy({ tasks }, 'evaluate')).toEqual(['train']);
  });

  it('names nothing for a report fed by a dataset, even one a preprocessing model made', () => {
    const other = [
      ...tasks,
      { name: 'eval2', component: 'evaluation', inputs: { predictions: 'psi.data' } },
      { name: 'eval3', component: 'evaluation', inputs: { predictions: 'scale.data' } },
    ];
    expect(modelTasksScoredBy({ tasks: other }, 'eval2')).toEqual([]);
    expect(modelTasksScoredBy({ tasks: other }, 'eval3')).toEqual([]);
    expect(modelTasksScoredBy({ tasks }, 'nope')).toEqual([]);
  });
});

function version(over: Partial<ModelVersionView> & { ref: string }): ModelVersionView {
  return {
    name: 'credit',
    version: 1,
    component: 'hetero-lr',
    algorithm: 'hetero-lr',
    task: 'binary',
    job: { id: 'job-1', name: 'credit', task: 'train', attempt: 0, projectId: null, flowId: null },
    params: { maxIter: 2, optimizer: { name: 'sgd', lr: 0.1 } },
    parties: [
      {
        party: 'guest',
        role: 'guest',
        node: 'bank',
        holdsPart: true,
        holder: 'self',
        modelId: 'm1',
        features: ['x0', 'x1'],
        digest: 'a'.repeat(64),
        approvals: [],
      },
      {
        party: 'host-0',
        role: 'host',
        node: 'utility',
        holdsPart: true,
        holder: 'partner',
        modelId: null,
        features: ['x2', 'x3'],
        digest: 'b'.repeat(64),
        approvals: [],
      },
      {
        party: 'arbiter',
        role: 'arbiter',
        node: 'coord',
        holdsPart: false,
        holder: 'partner',
        modelId: null,
        features: null,
        digest: null,
        approvals: [],
      },
    ],
    evaluation: [{ task: 'evaluate', kind: 'binary', rows: 100, metrics: { auc: 0.8, ks: 0.5 } }],
    status: 'approved',
    createdAt: '2026-01-01T00:00:00.000Z',
    approvedAt: null,
    publishedAt: null,
    deployedAt: null,
    ...over,
  };
}

describe('diff of two versions', () => {
  it('reports changed parameters (by path), features per party, digests and metric deltas', () => {
    const a = version({ ref: 'credit@1' });
    const b0 = version({ ref: 'credit@2' });
    const b = version({
      ref: 'credit@2',
      version: 2,
      job: { ...b0.job, attempt: 1 },
      params: { maxIter: 5, optimizer: { name: 'sgd', lr: 0.1 }, penalty: 'l2' },
      parties: [
        { ...b0.parties[0]!, features: ['x0', 'x9'], digest: 'c'.repeat(64) },
        b0.parties[1]!,
        b0.parties[2]!,
      ],
      evaluation: [{ task: 'evaluate', kind: 'binary', rows: 100, metrics: { auc: 0.85 } }],
    });
    const d = diffVersions(a, b);
    expect(d).toMatchObject({ from: 'credit@1', to: 'credit@2', same: false });
    expect(d.fields).toEqual([{ field: 'attempt', from: 0, to: 1 }]);
    expect(d.params).toEqual([
      { key: 'maxIter', from: 2, to: 5 },
      { key: 'penalty', from: null, to: 'l2' },
    ]);
    expect(d.features).toEqual([{ party: 'guest', known: true, added: ['x9'], removed: ['x1'] }]);
    expect(d.digests).toEqual([{ party: 'guest', from: 'a'.repeat(64), to: 'c'.repeat(64) }]);
    expect(d.metrics).toHaveLength(2);
    expect(d.metrics[0]).toMatchObject({ task: 'evaluate', metric: 'auc', from: 0.8, to: 0.85 });
    expect(d.metrics[0]?.delta).toBeCloseTo(0.05, 12);
    expect(d.metrics[1]).toEqual({
      task: 'evaluate',
      metric: 'ks',
      from: 0.5,
      to: null,
      delta: null,
    });
  });

  it('a version against itself is the same; unknown partner features are flagged, not guessed', () => {
    const a = version({ ref: 'credit@1' });
    expect(diffVersions(a, a)).toMatchObject({ same: true, params: [], features: [], digests: [] });
    const b = version({
      ref: 'credit@2',
      parties: [a.parties[0]!, { ...a.parties[1]!, features: null }, a.parties[2]!],
    });
    expect(diffVersions(a, b).features).toEqual([
      { party: 'host-0', known: false, added: [], removed: [] },
    ]);
  });
});
