/**
 * `fedgrid model show NAME@VERSION` and `fedgrid model diff` for people: what the text says for a
 * version (parties, features, who approved, metrics) and for a diff (parameters, features,
 * digests, metric changes). No node: the formatters on fixed views.
 */
import type { ModelVersionView, VersionDiff } from '@fedgrid/node';
import { describe, expect, it } from 'vitest';
import { describeDiff, describeVersion, num, versionUrl } from '../src/commands/model-versions.js';

const v: ModelVersionView = {
  name: 'credit',
  version: 2,
  ref: 'credit@2',
  component: 'hetero-lr',
  algorithm: 'hetero-lr',
  task: 'binary',
  job: { id: 'job-1', name: 'credit', task: 'train', attempt: 1, projectId: 'p', flowId: null },
  params: { maxIter: 3 },
  parties: [
    {
      party: 'guest',
      role: 'guest',
      node: 'bank',
      holdsPart: true,
      holder: 'self',
      modelId: 'model-job-1-train-guest-a1',
      features: ['x0', 'x1'],
      digest: 'ab'.repeat(32),
      approvals: [{ node: 'utility', status: 'approved', decidedAt: '2026-01-01T00:00:00.000Z' }],
    },
    {
      party: 'host-0',
      role: 'host',
      node: 'utility',
      holdsPart: true,
      holder: 'partner',
      modelId: null,
      features: Array.from({ length: 8 }, (_, i) => `h${i}`),
      digest: null,
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
  evaluation: [{ task: 'evaluate', kind: 'binary', rows: 54, metrics: { auc: 0.912345678 } }],
  status: 'approved',
  createdAt: '2026-01-01T00:00:00.000Z',
  approvedAt: '2026-01-02T00:00:00.000Z',
  publishedAt: null,
  deployedAt: null,
};

describe('model version output', () => {
  it('shows the parties, their features, digests, approvals, parameters and metrics', () => {
    const text = describeVersion(v);
    expect(text).toMatch(/^model credit@2 — approved/);
    expect(text).toMatch(/job job-1 "credit", task train, attempt 1; project p/);
    expect(text).toMatch(/parameters: maxIter=3/);
    expect(text).toMatch(
      /guest\s+bank\s+model-job-1-train-guest-a1\s+2: x0, x1\s+abababababab…\s+utility approved/,
    );
    expect(text).toMatch(
      /host-0\s+utility\s+partner\s+8: h0, h1, h2, h3, h4, h5, … \(--json lists all\)/,
    );
    expect(text).toMatch(/arbiter\s+coord\s+-\s+-/);
    expect(text).toMatch(/evaluation evaluate \(binary, 54 rows\): auc 0\.912346/);
  });

  it('shows a diff: changed facts, parameters, features, digests and metric changes', () => {
    const d: VersionDiff = {
      from: 'credit@1',
      to: 'credit@2',
      same: false,
      fields: [{ field: 'attempt', from: 0, to: 1 }],
      params: [{ key: 'maxIter', from: 2, to: 3 }],
      features: [{ party: 'guest', known: true, added: ['x9'], removed: ['x1'] }],
      digests: [{ party: 'guest', from: 'ab'.repeat(32), to: 'cd'.repeat(32) }],
      metrics: [{ task: 'evaluate', metric: 'auc', from: 0.9, to: 0.85, delta: -0.05 }],
    };
    const text = describeDiff(d);
    expect(text).toMatch(/^credit@1 → credit@2\n/);
    expect(text).toMatch(/attempt: 0 → 1/);
    expect(text).toMatch(/maxIter\s+2\s+→\s+3/);
    expect(text).toMatch(/features guest: \+x9 -x1/);
    expect(text).toMatch(/part guest: abababababab… → cdcdcdcdcdcd…/);
    expect(text).toMatch(/evaluate\s+auc\s+0\.9\s+0\.85\s+-0\.05/);
    expect(
      describeDiff({ ...d, same: true, fields: [], params: [], features: [], digests: [] }),
    ).toMatch(/^credit@1 → credit@2: same setup, features and parts/);
  });

  it('prints metrics with six significant digits, never a dangling point or a lost zero', () => {
    expect([0.912345678, 2.0000001, 123459.9, 100.0000001, -0.05, 1e-7, 54].map(num)).toEqual([
      '0.912346',
      '2',
      '123460',
      '100',
      '-0.05',
      '1.00000e-7',
      '54',
    ]);
  });

  it('addresses a version by name and number, latest for a bare name', () => {
    expect(versionUrl('credit@2')).toBe('/v1/model-versions/credit/2');
    expect(versionUrl('my model')).toBe('/v1/model-versions/my%20model/latest');
  });
});
