/**
 * The flow editor's model (flow-graph.ts), the job page's progress (job-progress.ts) and its
 * server-sent event parser (sse.ts): pure functions, no browser.
 */
import { describe, expect, it } from 'vitest';
import {
  DATASET_NODE,
  canConnect,
  canvasOf,
  changedParams,
  edgeOf,
  freshTaskName,
  taskNameProblem,
  tasksOf,
  type ComponentView,
  type FlowTask,
} from '../src/flow-graph.js';
import { progressOf } from '../src/job-progress.js';
import { parseSse } from '../src/sse.js';
import type { JobEvent } from '../src/types.js';

const comp = (
  code: string,
  inputs: [string, string][],
  outputs: [string, string][],
): ComponentView => ({
  code,
  version: '1.0.0',
  name: code,
  description: '',
  roles: ['guest'],
  inputs: inputs.map(([name, kind]) => ({ name, kind })),
  outputs: outputs.map(([name, kind]) => ({ name, kind })),
  params: { type: 'object', properties: { maxIter: { type: 'integer', default: 30 } } },
  runnable: true,
});
const components = new Map(
  [
    comp('psi-ecdh', [['data', 'dataset']], [['data', 'dataset']]),
    comp('hetero-lr', [['data', 'dataset']], [['model', 'model']]),
    comp(
      'hetero-lr-predict',
      [
        ['data', 'dataset'],
        ['model', 'model'],
      ],
      [['predictions', 'predictions']],
    ),
  ].map((c) => [c.code, c]),
);
const TASKS: FlowTask[] = [
  { name: 'psi', component: 'psi-ecdh', params: {}, inputs: { data: 'job.dataset' } },
  { name: 'train', component: 'hetero-lr', params: { maxIter: 2 }, inputs: { data: 'psi.data' } },
  {
    name: 'predict',
    component: 'hetero-lr-predict',
    params: {},
    inputs: { data: 'psi.data', model: 'train.model' },
  },
];

describe('flow graph', () => {
  it('a saved flow round-trips through the canvas', () => {
    const { nodes, edges } = canvasOf(TASKS);
    expect(nodes.map((n) => n.data.name)).toEqual(['', 'psi', 'train', 'predict']);
    expect(edges).toHaveLength(4);
    // Columns by depth: the datasets, psi, then train, then predict.
    expect(nodes.map((n) => n.position.x)).toEqual([0, 230, 460, 690]);
    expect(tasksOf(nodes, edges)).toEqual(TASKS);
  });

  it('connects only an output to an input of the same kind, once per input', () => {
    const { nodes, edges } = canvasOf(TASKS);
    const id = (name: string) => nodes.find((n) => n.data.name === name)!.id;
    const without = edges.filter((e) => e.target !== id('predict') || e.targetHandle !== 'model');
    const link = (s: string, sh: string, t: string, th: string) =>
      canConnect(
        { source: s, sourceHandle: sh, target: t, targetHandle: th },
        nodes,
        without,
        components,
      );
    expect(link(id('train'), 'model', id('predict'), 'model')).toBe(true);
    // A model is not a dataset; an input takes one wire; no self-loops; no unknown handles.
    expect(link(id('train'), 'model', id('predict'), 'data')).toBe(false);
    expect(link(DATASET_NODE, 'dataset', id('psi'), 'data')).toBe(false);
    expect(link(id('psi'), 'data', id('psi'), 'data')).toBe(false);
    expect(link(id('train'), 'weights', id('predict'), 'model')).toBe(false);
    expect(link(id('psi'), 'data', DATASET_NODE, 'dataset')).toBe(false);
  });

  it('names new tasks uniquely and checks names as the node does', () => {
    expect(freshTaskName('psi-ecdh', [])).toBe('psi-ecdh');
    expect(freshTaskName('psi-ecdh', ['psi-ecdh', 'psi-ecdh-2'])).toBe('psi-ecdh-3');
    expect(freshTaskName('9lives', [])).toBe('t-9lives');
    expect(taskNameProblem('Train', [])).toMatch(/lower-case/);
    expect(taskNameProblem('train', ['train'])).toMatch(/already named/);
    expect(taskNameProblem('train', ['psi'])).toBeUndefined();
  });

  it('keeps only parameters that differ from the defaults', () => {
    const schema = components.get('hetero-lr')!.params;
    expect(changedParams(schema, { maxIter: 30, seed: '', other: 2, none: undefined })).toEqual({
      other: 2,
    });
    expect(changedParams(schema, { maxIter: 3 })).toEqual({ maxIter: 3 });
  });

  it('an edge id names both ends', () => {
    expect(edgeOf('a', 'x', 'b', 'y').id).toBe('a:x->b:y');
  });
});

const ev = (id: number, party: string, data: Record<string, unknown>, at: number): JobEvent => ({
  id,
  task_name: 'train',
  party,
  level: 'info',
  kind: 'progress',
  message: '',
  data,
  at: new Date(at * 1000).toISOString(),
});

describe('job progress', () => {
  it('epochs of the guest against the planned total, ETA from the mean epoch time', () => {
    const p = progressOf(
      [
        ev(1, 'guest', { stage: 'train', step: 'start', rows: 10 }, 0),
        ev(2, 'guest', { stage: 'train', epoch: 1, loss: 0.6, seconds: 2 }, 2),
        ev(3, 'arbiter', { stage: 'train', epoch: 3, loss: 0.6 }, 3),
        ev(4, 'guest', { stage: 'train', epoch: 2, loss: 0.5, seconds: 4 }, 6),
      ],
      { train: 5 },
    );
    expect(p).toEqual([
      { task: 'train', unit: 'epoch', current: 2, total: 5, loss: 0.5, etaSeconds: 9 },
    ]);
  });

  it('SecureBoost trees (from 1) and horizontal rounds (from 0) carry their own totals', () => {
    const [trees] = progressOf([
      ev(1, 'guest', { stage: 'train', round: 3, rounds: 30, trees: 3, loss: 0.2 }, 1),
    ]);
    expect(trees).toMatchObject({ unit: 'tree', current: 3, total: 30, etaSeconds: undefined });
    const [rounds] = progressOf([
      ev(1, 'host-1', { stage: 'train', round: 0, rounds: 15 }, 10),
      ev(2, 'host-1', { stage: 'train', round: 1, rounds: 15 }, 13),
    ]);
    expect(rounds).toMatchObject({ unit: 'round', current: 2, total: 15, etaSeconds: 39 });
  });
});

describe('server-sent events', () => {
  it('splits complete frames and keeps the incomplete rest', () => {
    const { frames, rest } = parseSse(
      ': comment\nretry: 2000\n\nid: 7\nevent: job-event\ndata: {"a":1}\n\nevent: job\ndata: {"b"',
    );
    expect(frames).toEqual([{ event: 'job-event', id: '7', data: '{"a":1}' }]);
    expect(rest).toBe('event: job\ndata: {"b"');
    expect(parseSse('data: x\r\ndata: y\r\n\r\n').frames).toEqual([
      { event: 'message', id: undefined, data: 'x\ny' },
    ]);
  });
});
