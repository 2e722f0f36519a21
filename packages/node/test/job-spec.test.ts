/**
 * validateJob: the demo flow is accepted; every wiring or parameter mistake is rejected with
 * VALIDATION_FAILED naming the task. validateJob and jobRequestSchema are not exported from
 * '@fedgrid/node', so they are imported from the built package file (dist) directly.
 */
import { describe, expect, it } from 'vitest';
import { jobRequestSchema, validateJob, type JobRequest } from '../dist/jobs/job-spec.js';
import { heteroLr } from '@fedgrid/components';

type Task = NonNullable<JobRequest['tasks']>[number];

function demoTasks(): Task[] {
  return [
    {
      name: 'psi',
      component: 'psi-ecdh',
      inputs: { data: 'job.dataset' },
      params: { resultParties: 'all' },
    },
    {
      name: 'train',
      component: 'hetero-lr',
      inputs: { data: 'psi.data' },
      params: { maxIter: 10, keyBits: 2048 },
    },
    {
      name: 'predict',
      component: 'hetero-lr-predict',
      inputs: { data: 'psi.data', model: 'train.model' },
    },
    { name: 'evaluate', component: 'evaluation', inputs: { predictions: 'predict.predictions' } },
  ];
}

function demoJob(over: Partial<JobRequest> = {}): JobRequest {
  return {
    name: 'demo',
    parties: { guest: { node: 'bank' }, hosts: [{ node: 'utility' }], arbiter: { node: 'arb' } },
    datasets: { guest: 'loans', 'host-0': 'usage' },
    tasks: demoTasks(),
    ...over,
  };
}

function validate(req: JobRequest): void {
  validateJob(jobRequestSchema.parse(req));
}

/** Expects VALIDATION_FAILED naming `task` (in the message and in details.task). */
function expectRejected(
  req: JobRequest,
  task: string | undefined,
  messagePattern: RegExp,
): Record<string, unknown> {
  let caught: unknown;
  try {
    validate(req);
  } catch (err) {
    caught = err;
  }
  expect(caught, 'validateJob should have thrown').toBeInstanceOf(Error);
  const e = caught as Error & { code?: string; details?: Record<string, unknown> };
  expect(e.name).toBe('FedGridError');
  expect(e.code).toBe('VALIDATION_FAILED');
  expect(e.message).toMatch(messagePattern);
  if (task !== undefined) {
    expect(e.message).toContain(`'${task}'`);
    expect(e.details?.['task']).toBe(task);
  }
  return e.details ?? {};
}

function withTask(name: string, change: (t: Task) => Task): JobRequest {
  return demoJob({ tasks: demoTasks().map((t) => (t.name === name ? change(t) : t)) });
}

describe('validateJob', () => {
  it('accepts the demo flow psi-ecdh → hetero-lr → hetero-lr-predict → evaluation', () => {
    expect(() => validate(demoJob())).not.toThrow();
  });

  it('accepts the demo flow with two hosts when both have datasets', () => {
    expect(() =>
      validate(
        demoJob({
          parties: {
            guest: { node: 'g' },
            hosts: [{ node: 'h0' }, { node: 'h1' }],
            arbiter: { node: 'a' },
          },
          datasets: { guest: 'a', 'host-0': 'b', 'host-1': 'c' },
        }),
      ),
    ).not.toThrow();
  });

  it('accepts a matching component version', () => {
    expect(() =>
      validate(withTask('train', (t) => ({ ...t, version: heteroLr.version }))),
    ).not.toThrow();
  });

  it('rejects an unknown component, naming the task and the field', () => {
    const d = expectRejected(
      withTask('train', (t) => ({ ...t, component: 'hetero-xgb' })),
      'train',
      /unknown component 'hetero-xgb'/,
    );
    expect(d['field']).toBe('tasks.1.component');
  });

  it('rejects a component version this node does not have', () => {
    expectRejected(
      withTask('train', (t) => ({ ...t, version: '9.9.9' })),
      'train',
      /9\.9\.9/,
    );
  });

  it('rejects a bad parameter (keyBits 1024), naming the parameter', () => {
    const d = expectRejected(
      withTask('train', (t) => ({ ...t, params: { keyBits: 1024 } })),
      'train',
      /keyBits/,
    );
    expect(d['field']).toBe('tasks.1.params.keyBits');
  });

  it.each([
    ['psi', { batchSize: 0 }, /batchSize/],
    ['psi', { resultParties: 'everyone' }, /resultParties/],
    ['train', { penalty: 'l3' }, /penalty/],
    ['train', { maxIter: 0 }, /maxIter/],
    ['evaluate', { curvePoints: 1 }, /curvePoints/],
  ] as const)('rejects bad parameters of task %s: %j', (task, params, pattern) => {
    expectRejected(
      withTask(task, (t) => ({ ...t, params: params as Record<string, unknown> })),
      task,
      pattern,
    );
  });

  it('accepts tasks listed in any order and returns a dependency order', () => {
    const tasks = demoTasks();
    const reordered = [tasks[3], tasks[2], tasks[0], tasks[1]] as Task[]; // evaluate, predict, psi, train
    expect(validateJob(jobRequestSchema.parse(demoJob({ tasks: reordered })))).toEqual([
      'psi',
      'train',
      'predict',
      'evaluate',
    ]);
  });

  it('rejects a cycle, naming it', () => {
    // Two PSI tasks, each reading the other's aligned output: dataset → dataset, a valid kind.
    const a = { name: 'a', component: 'psi-ecdh', params: {}, inputs: { data: 'b.data' } };
    const b = { name: 'b', component: 'psi-ecdh', params: {}, inputs: { data: 'a.data' } };
    const d = expectRejected(
      demoJob({ tasks: [a, b] as Task[] }),
      undefined,
      /cycle: a → b → a|cycle: b → a → b/,
    );
    expect(d['cycle']).toHaveLength(3);
  });

  it('rejects an input referring to an unknown task', () => {
    expectRejected(
      withTask('train', (t) => ({ ...t, inputs: { data: 'intersect.data' } })),
      'train',
      /intersect\.data/,
    );
  });

  it('rejects an input referring to the task itself', () => {
    expectRejected(
      withTask('train', (t) => ({ ...t, inputs: { data: 'train.model' } })),
      'train',
      /train\.model/,
    );
  });

  it('rejects a reference without an output name', () => {
    expectRejected(
      withTask('train', (t) => ({ ...t, inputs: { data: 'psi' } })),
      'train',
      /'psi'/,
    );
  });

  it('rejects an output the earlier task does not have', () => {
    expectRejected(
      withTask('train', (t) => ({ ...t, inputs: { data: 'psi.model' } })),
      'train',
      /no output 'model'/,
    );
  });

  it('rejects an output of the wrong kind (a model where predictions are needed)', () => {
    const d = expectRejected(
      withTask('evaluate', (t) => ({ ...t, inputs: { predictions: 'train.model' } })),
      'evaluate',
      /predictions.*model/,
    );
    expect(d['input']).toBe('predictions');
  });

  it('rejects a dataset where a model is needed', () => {
    expectRejected(
      withTask('predict', (t) => ({ ...t, inputs: { data: 'psi.data', model: 'psi.data' } })),
      'predict',
      /model/,
    );
  });

  it('rejects job.dataset on a non-dataset input', () => {
    expectRejected(
      withTask('predict', (t) => ({ ...t, inputs: { data: 'psi.data', model: 'job.dataset' } })),
      'predict',
      /needs a model/,
    );
  });

  it('rejects an input that is not connected', () => {
    const d = expectRejected(
      withTask('predict', (t) => ({ ...t, inputs: { data: 'psi.data' } })),
      'predict',
      /input 'model' is not connected/,
    );
    expect(d['input']).toBe('model');
  });

  it('rejects an input name the component does not have', () => {
    expectRejected(
      withTask('train', (t) => ({ ...t, inputs: { data: 'psi.data', extra: 'psi.data' } })),
      'train',
      /no input 'extra'/,
    );
  });

  it('rejects a missing dataset binding, naming the party', () => {
    const d = expectRejected(demoJob({ datasets: { guest: 'loans' } }), 'psi', /host-0/);
    expect(d['party']).toBe('host-0');
  });

  it('rejects a missing dataset binding of a second host', () => {
    const d = expectRejected(
      demoJob({
        parties: {
          guest: { node: 'g' },
          hosts: [{ node: 'h0' }, { node: 'h1' }],
          arbiter: { node: 'a' },
        },
        datasets: { guest: 'a', 'host-0': 'b' },
      }),
      'psi',
      /host-1/,
    );
    expect(d['party']).toBe('host-1');
  });

  it('rejects a dataset bound to a party that is not in the job', () => {
    const d = expectRejected(
      demoJob({ datasets: { guest: 'loans', 'host-0': 'usage', 'host-1': 'x' } }),
      undefined,
      /host-1/,
    );
    expect(d['party']).toBe('host-1');
  });

  it('rejects hetero-lr without an arbiter, naming the task and the role', () => {
    const d = expectRejected(
      demoJob({ parties: { guest: { node: 'bank' }, hosts: [{ node: 'utility' }] } }),
      'train',
      /arbiter/,
    );
    expect(d['role']).toBe('arbiter');
  });

  it('accepts a flow without hetero-lr and without an arbiter', () => {
    expect(() =>
      validate(
        demoJob({
          parties: { guest: { node: 'bank' }, hosts: [{ node: 'utility' }] },
          tasks: demoTasks().slice(0, 1),
        }),
      ),
    ).not.toThrow();
  });

  it('rejects duplicate task names', () => {
    const tasks = demoTasks();
    tasks.push({ name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } });
    expectRejected(demoJob({ tasks }), 'psi', /used twice/);
  });

  it('rejects a duplicate task name placed right after the first', () => {
    const tasks = demoTasks();
    tasks.splice(1, 0, { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } });
    expectRejected(demoJob({ tasks }), 'psi', /used twice/);
  });
});

describe('validateJob: optional inputs', () => {
  // split → scale fitted on train → scale applying that model on test: the model input of a
  // fit-or-apply transform is optional.
  function preprocessJob(scaleTest: Partial<Task>): JobRequest {
    return demoJob({
      parties: { guest: { node: 'bank' }, hosts: [{ node: 'utility' }] },
      tasks: [
        { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
        { name: 'split', component: 'split', inputs: { data: 'psi.data' } },
        { name: 'scale_train', component: 'scale', inputs: { data: 'split.train' } },
        {
          name: 'scale_test',
          component: 'scale',
          inputs: { data: 'split.test', model: 'scale_train.model' },
          ...scaleTest,
        },
      ],
    });
  }

  it('accepts an optional input left unconnected and one connected to a model', () => {
    expect(validateJob(jobRequestSchema.parse(preprocessJob({})))).toEqual([
      'psi',
      'split',
      'scale_train',
      'scale_test',
    ]);
    expect(() => validate(preprocessJob({ inputs: { data: 'split.test' } }))).not.toThrow();
  });

  it('still checks the kind of a connected optional input', () => {
    const d = expectRejected(
      preprocessJob({ inputs: { data: 'split.test', model: 'split.train' } }),
      'scale_test',
      /input 'model' needs a model, 'split.train' is a dataset/,
    );
    expect(d['input']).toBe('model');
    expectRejected(
      preprocessJob({ inputs: { data: 'split.test', model: 'job.dataset' } }),
      'scale_test',
      /needs a model/,
    );
    expectRejected(
      preprocessJob({ inputs: { data: 'split.test', model: 'nowhere.model' } }),
      'scale_test',
      /nowhere\.model/,
    );
  });

  it('still rejects an unconnected required input of a component with optional ones', () => {
    const d = expectRejected(
      preprocessJob({ inputs: { model: 'scale_train.model' } }),
      'scale_test',
      /input 'data' is not connected/,
    );
    expect(d['input']).toBe('data');
  });

  it('orders a task after the task whose model it applies', () => {
    const req = preprocessJob({});
    const tasks = req.tasks!.slice().reverse();
    expect(validateJob(jobRequestSchema.parse({ ...req, tasks })).indexOf('scale_test')).toBe(3);
  });

  it('rejects bad preprocessing parameters, naming the field', () => {
    const d = expectRejected(
      preprocessJob({ params: { method: 'robust' } }),
      'scale_test',
      /method/,
    );
    expect(d['field']).toBe('tasks.3.params.method');
    const s = expectRejected(
      demoJob({
        tasks: [
          { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
          {
            name: 'split',
            component: 'split',
            inputs: { data: 'psi.data' },
            params: { train: 0.9, test: 0.2 },
          },
        ],
      }),
      'split',
      /train \+ validate \+ test must be 1/,
    );
    expect(s['field']).toBe('tasks.1.params.test');
  });
});

describe('edge parties (hierarchical horizontal FL)', () => {
  it('names them edge-0, edge-1; only components with an edge program run on them', async () => {
    const { partyNodes, taskParties, jobRoles } = await import('../dist/jobs/job-spec.js');
    const { homoLr, psiEcdh } = await import('@fedgrid/components');
    const spec = jobRequestSchema.parse({
      parties: {
        guest: { node: 'g' },
        hosts: [{ node: 'h0' }, { node: 'h1' }],
        arbiter: { node: 'cloud' },
        edges: [{ node: 'e0' }, { node: 'e1' }],
      },
      datasets: { guest: 'a', 'host-0': 'b', 'host-1': 'c' },
      tasks: [
        {
          name: 'train',
          component: 'homo-lr',
          inputs: { data: 'job.dataset' },
          params: { hierarchy: { edges: [['guest'], ['host-0', 'host-1']] } },
        },
      ],
    });
    expect(validateJob(spec)).toEqual(['train']);
    expect([...partyNodes(spec)]).toEqual([
      ['guest', 'g'],
      ['host-0', 'h0'],
      ['host-1', 'h1'],
      ['arbiter', 'cloud'],
      ['edge-0', 'e0'],
      ['edge-1', 'e1'],
    ]);
    expect(jobRoles(spec).edges).toEqual(['edge-0', 'edge-1']);
    expect(taskParties(spec, homoLr as never)).toContain('edge-1');
    expect(taskParties(spec, psiEcdh as never)).not.toContain('edge-0');
  });
});
