/**
 * Task outputs: predictions of every task kind survive the store (scores, labels, classes,
 * probabilities); datasets keep their layout (column-backed frames stored as columns).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Predictions } from '@fedgrid/components';
import { columnFrame } from '@fedgrid/ml';
import type { Store } from '../dist/storage/db.js';
import { OutputStore } from '../dist/jobs/outputs.js';
import { openTestStore } from './nodes.js';

const root = mkdtempSync(join(tmpdir(), 'fedgrid-outputs-test-'));
let store: Store;
let outputs: OutputStore;
beforeAll(async () => {
  store = await openTestStore(root);
  outputs = new OutputStore(store.db, root);
});
afterAll(async () => {
  await store?.close();
  rmSync(root, { recursive: true, force: true });
});

async function roundTrip(name: string, p: Predictions): Promise<Predictions> {
  await outputs.save(
    'job-1',
    name,
    'guest',
    'predictions',
    { kind: 'predictions', predictions: p },
    'x',
  );
  const v = await outputs.load('job-1', name, 'guest', 'predictions');
  if (v.kind !== 'predictions') throw new Error(`loaded a ${v.kind}`);
  return v.predictions;
}

it('binary predictions keep ids, scores and labels; the task defaults to binary', async () => {
  const p = await roundTrip('b', {
    ids: ['a', 'b', 'c'],
    scores: Float64Array.of(0.1, 0.9, 0.5),
    labels: Float64Array.of(0, 1, 1),
  });
  expect(p).toMatchObject({ ids: ['a', 'b', 'c'], task: 'binary' });
  expect(Array.from(p.scores)).toEqual([0.1, 0.9, 0.5]);
  expect(Array.from(p.labels!)).toEqual([0, 1, 1]);
  expect(p.probabilities).toBeUndefined();
});

it('multiclass predictions keep the classes and the rows × classes probabilities', async () => {
  const probabilities = Float64Array.of(0.7, 0.2, 0.1, 0.1, 0.1, 0.8);
  const p = await roundTrip('m', {
    ids: ['a', 'b'],
    task: 'multiclass',
    classes: [3, 5, 7],
    scores: Float64Array.of(0, 2),
    probabilities,
    labels: Float64Array.of(3, 7),
  });
  expect(p.task).toBe('multiclass');
  expect(p.classes).toEqual([3, 5, 7]);
  expect(Array.from(p.scores)).toEqual([0, 2]);
  expect(Array.from(p.probabilities!)).toEqual(Array.from(probabilities));
  expect(Array.from(p.labels!)).toEqual([3, 7]);
});

it('regression predictions without labels', async () => {
  const p = await roundTrip('r', {
    ids: ['x'],
    task: 'regression',
    scores: Float64Array.of(-12.5),
  });
  expect(p.task).toBe('regression');
  expect(Array.from(p.scores)).toEqual([-12.5]);
  expect(p.labels).toBeUndefined();
});

it('a column-backed dataset is stored as columns (FGDS3) and loads in either layout; a row-major one as FGDS2', async () => {
  const frame = columnFrame({
    ids: ['a', 'b', 'c'],
    columns: [Float64Array.of(1, NaN, 3), Float64Array.of(1, 0, 1)],
    featureNames: ['amount', 'region'],
    labels: Float64Array.of(0, 1, 1),
    labelName: 'y',
    columnTypes: { region: { type: 'categorical', levels: ['east', 'west'] } },
  });
  await outputs.save('job-1', 'psi', 'guest', 'data', { kind: 'dataset', frame }, 'psi-ecdh');
  const head = await readFile(join(root, 'jobs', 'job-1', 'psi.guest.data.fgds'));
  expect(head.subarray(0, 6).toString()).toBe('FGDS3\n');
  const cols = await outputs.load('job-1', 'psi', 'guest', 'data', 'columns');
  const rows = await outputs.load('job-1', 'psi', 'guest', 'data');
  if (cols.kind !== 'dataset' || rows.kind !== 'dataset') throw new Error('not a dataset');
  expect(cols.frame.columns).toBeDefined();
  expect(rows.frame.columns).toBeUndefined();
  expect({ ...cols.frame }).toEqual(rows.frame);
  expect(rows.frame).toEqual({ ...frame });
  await outputs.save('job-1', 'sel', 'guest', 'data', { kind: 'dataset', frame: rows.frame }, 'x');
  const v2 = await readFile(join(root, 'jobs', 'job-1', 'sel.guest.data.fgds'));
  expect(v2.subarray(0, 6).toString()).toBe('FGDS2\n');
});
