/**
 * The preprocessing flow of examples/flows/preprocess-fit-apply.yaml on three in-process nodes
 * (guest, host, arbiter; real mutual TLS) on FATE's breast split with gaps written into the CSVs:
 * split → missing values and scaling fitted on train → the same models applied to test (the
 * optional `model` inputs, left unconnected in the fitting tasks and connected in the applying
 * ones, resolved by the task runner) → HeteroLR on train → prediction on test → evaluation.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { JobView } from '@fedgrid/node';
import { TestNodes, type TestNode } from './nodes.js';

const root = join(import.meta.dirname, '../../..');
const t = new TestNodes();
let guest: TestNode;
let host: TestNode;
let dir: string;

/** The CSV with every 13th value of `column` (from row `offset`) left empty. */
async function withGaps(path: string, column: string, offset: number): Promise<string> {
  const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
  const j = lines[0]!.split(',').indexOf(column);
  return (
    lines
      .map((line, i) => {
        if (i === 0 || (i + offset) % 13 !== 0) return line;
        const cells = line.split(',');
        cells[j] = '';
        return cells.join(',');
      })
      .join('\n') + '\n'
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fedgrid-preprocess-'));
  const g = join(dir, 'g.csv');
  const h = join(dir, 'h.csv');
  await writeFile(
    g,
    await withGaps(join(root, 'examples/data/fate/breast_hetero_guest.csv'), 'x2', 0),
  );
  await writeFile(
    h,
    await withGaps(join(root, 'examples/data/fate/breast_hetero_host.csv'), 'x4', 5),
  );
  let arbiter: TestNode;
  [guest, host, arbiter] = await Promise.all([t.start('pg'), t.start('ph'), t.start('pa')]);
  void arbiter;
  await t.contractAll();
  await t.permitAll();
  await guest.ok('POST', '/v1/datasets', { name: 'loans', path: g, labelColumn: 'y' });
  await host.ok('POST', '/v1/datasets', { name: 'usage', path: h });
  await host.ok('POST', '/v1/grants', { dataset: 'usage', grantee: 'pg' });
});
afterAll(async () => {
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

async function waitDone(id: string): Promise<JobView> {
  for (;;) {
    const j = await guest.ok<JobView>('GET', `/v1/jobs/${id}`);
    if (['succeeded', 'failed', 'stopped'].includes(j.status)) return j;
    await new Promise((r) => setTimeout(r, 200));
  }
}

type Ds = { kind: string; ids: string[]; featureNames: string[]; rows: number };

/**
 * Runs an example flow (HeteroLR cut to 5 epochs: these tests check the wiring, not the model)
 * on the three nodes to success; returns the finished job and a reader of its task outputs.
 */
async function runExample(file: string) {
  const flow = parseYaml(await readFile(join(root, 'examples/flows', file), 'utf8')) as {
    tasks: { name: string; params?: Record<string, unknown> }[];
  };
  const tasks = flow.tasks.map((tk) =>
    tk.name === 'train' ? { ...tk, params: { ...tk.params, maxIter: 5 } } : tk,
  );
  const job = await guest.ok<JobView>('POST', '/v1/jobs', {
    name: file,
    parties: { guest: { node: 'pg' }, hosts: [{ node: 'ph' }], arbiter: { node: 'pa' } },
    datasets: { guest: 'loans', 'host-0': 'usage' },
    tasks,
  });
  const done = await waitDone(job.id);
  expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
  const out = <T>(n: TestNode, task: string, party: string, name: string) =>
    n.ok<T>('GET', `/v1/jobs/${job.id}/outputs/${task}/${party}/${name}`);
  return { done, out };
}

describe('preprocess-fit-apply.yaml', () => {
  it('runs to the end with aligned parts and the train models applied to test', async () => {
    const { done, out } = await runExample('preprocess-fit-apply.yaml');
    for (const task of ['split', 'impute_train', 'scale_train']) {
      const port = task === 'split' ? 'train' : 'data';
      const [g, h] = [
        await out<Ds>(guest, task, 'guest', port),
        await out<Ds>(host, task, 'host-0', port),
      ];
      expect(g.ids).toEqual(h.ids);
      expect(g.rows).toBe(Math.round(0.75 * 569));
    }
    const [gt, ht] = [
      await out<Ds>(guest, 'scale_test', 'guest', 'data'),
      await out<Ds>(host, 'scale_test', 'host-0', 'data'),
    ];
    expect(gt.ids).toEqual(ht.ids);
    expect(gt.rows + Math.round(0.75 * 569)).toBe(569);
    // The applying tasks used (and passed on) the models fitted on train.
    for (const [n, party] of [
      [guest, 'guest'],
      [host, 'host-0'],
    ] as const) {
      for (const [fit, apply] of [
        ['impute_train', 'impute_test'],
        ['scale_train', 'scale_test'],
      ]) {
        // The model bodies are equal; each output's `origin` names the task that output it.
        const fitted = await out<{ model: unknown }>(n, fit!, party, 'model');
        const applied = await out<{ model: unknown; origin: { task: string } }>(
          n,
          apply!,
          party,
          'model',
        );
        expect(applied.model).toEqual(fitted.model);
        expect(applied.origin.task).toBe(apply);
      }
    }
    const byName = Object.fromEntries(done.tasks.map((tk) => [tk.name, tk]));
    expect(JSON.stringify(byName['scale_test'])).toContain('"mode":"apply"');
    expect(JSON.stringify(byName['scale_train'])).toContain('"mode":"fit"');
    const impute = await out<{ model: { fills: { column: string }[] } }>(
      guest,
      'impute_train',
      'guest',
      'model',
    );
    expect(impute.model.fills.map((f) => f.column)).toContain('x2');
    const report = await out<{ report: { metrics: { auc: number } } }>(
      guest,
      'evaluate',
      'guest',
      'report',
    );
    expect(report.report.metrics.auc).toBeGreaterThan(0.95);
  }, 300_000);
});

describe('feature-engineering.yaml', () => {
  it('bins and selects on train, applies the saved binning and selection to test, scores test', async () => {
    const { done, out } = await runExample('feature-engineering.yaml');
    // Stratified: about a fifth of each class (rounded per class).
    const testRows = (await out<Ds>(guest, 'split', 'guest', 'test')).rows;
    expect(Math.abs(testRows - 0.2 * 569)).toBeLessThanOrEqual(2);
    for (const [n, party] of [
      [guest, 'guest'],
      [host, 'host-0'],
    ] as const) {
      // The applying tasks passed on the train models unchanged…
      // (the model bodies; each output's `origin` names the task that output it).
      const model = async (task: string) =>
        (await out<{ model: { selected: string[] } }>(n, task, party, 'model')).model;
      expect(await model('binning_test')).toEqual(await model('binning'));
      const selection = { model: await model('select') };
      expect(await model('select_test')).toEqual(selection.model);
      // …and cut the test rows to the selected columns.
      const test = await out<Ds>(n, 'select_test', party, 'data');
      expect(test.featureNames).toEqual(selection.model.selected);
      expect(test.rows).toBe(testRows);
      expect(test.ids).toEqual((await out<Ds>(n, 'split', party, 'test')).ids);
      // The points table covers the party's selected columns; every part has base points (the
      // guest's intercept, and each host's share of it from centring its own columns).
      const card = await out<{ report: { features: { name: string }[]; basePoints?: number } }>(
        n,
        'points',
        party,
        'report',
      );
      expect(card.report.features.map((f) => f.name)).toEqual(selection.model.selected);
      expect(typeof card.report.basePoints).toBe('number');
    }
    const byName = Object.fromEntries(done.tasks.map((tk) => [tk.name, tk]));
    expect(JSON.stringify(byName['binning_test'])).toContain('"mode":"apply"');
    expect(JSON.stringify(byName['select_test'])).toContain('"mode":"apply"');
    const report = await out<{ report: { rows?: number; metrics: { auc: number } } }>(
      guest,
      'evaluate',
      'guest',
      'report',
    );
    expect(report.report.metrics.auc).toBeGreaterThan(0.95);
    const scores = await out<Ds>(guest, 'score', 'guest', 'data');
    expect(scores.rows).toBe(testRows);
  }, 300_000);
});
