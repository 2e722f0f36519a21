/**
 * `fedgrid predict batch` and `job output --csv` without nodes: the job a batch prediction
 * submits (PSI then predict from `model:NAME@VERSION`, the guest being this node), what the node's
 * own job validation says of it, and the CSV written from each kind of predictions output.
 */
import { describe, expect, it } from 'vitest';
import { batchPredictJob } from '../src/commands/predict.js';
import { predictionsCsv } from '../src/predictions-csv.js';
import { jobRequestSchema, validateJob } from '@fedgrid/node';

describe('fedgrid predict batch builds the PSI → predict job', () => {
  it('two hosts: PSI on every party, predict reading model:NAME@VERSION; the node accepts the shape', () => {
    const body = batchPredictJob({
      guestNode: 'bank',
      model: 'credit@2',
      guestDataset: 'customers-2026',
      hostDatasets: ['utility=meters-2026', 'telco=lines'],
    });
    expect(body).toMatchObject({
      parties: { guest: { node: 'bank' }, hosts: [{ node: 'utility' }, { node: 'telco' }] },
      datasets: { guest: 'customers-2026', 'host-0': 'meters-2026', 'host-1': 'lines' },
      tasks: [
        { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
        {
          name: 'predict',
          component: 'predict',
          inputs: { data: 'psi.data', model: 'model:credit@2' },
        },
      ],
    });
    expect(validateJob(jobRequestSchema.parse(body))).toEqual(['psi', 'predict']);
  });

  it('--local (horizontal) skips PSI', () => {
    const body = batchPredictJob({
      guestNode: 'a',
      model: 'model:clients',
      guestDataset: 'd',
      hostDatasets: ['b=e'],
      local: true,
    });
    expect(body['tasks']).toEqual([
      {
        name: 'predict',
        component: 'predict',
        inputs: { data: 'job.dataset', model: 'model:clients' },
      },
    ]);
  });

  it('a host dataset without NODE= or no host at all is a clear error naming the option', () => {
    const base = { guestNode: 'a', model: 'm@1', guestDataset: 'd' };
    expect(() => batchPredictJob({ ...base, hostDatasets: ['meters'] })).toThrow(
      /--host-dataset 'meters'.*NODE=DATASET/,
    );
    expect(() => batchPredictJob({ ...base, hostDatasets: [] })).toThrow(/--host-dataset/);
  });

  it('job validation refuses a stored model on a dataset input, and a malformed reference, naming the field', () => {
    const body = batchPredictJob({
      guestNode: 'a',
      model: 'm@1',
      guestDataset: 'd',
      hostDatasets: ['b=e'],
    });
    const tasks = body['tasks'] as { inputs: Record<string, string> }[];
    tasks[1]!.inputs['data'] = 'model:m@1';
    expect(() => validateJob(jobRequestSchema.parse(body))).toThrow(/fits only a model input/);
    tasks[1]!.inputs['data'] = 'psi.data';
    // @latest is a valid version; @0 is not (versions count from 1).
    tasks[1]!.inputs['model'] = 'model:m@latest';
    expect(() => validateJob(jobRequestSchema.parse(body))).not.toThrow();
    tasks[1]!.inputs['model'] = 'model:m@0';
    expect(() => validateJob(jobRequestSchema.parse(body))).toThrow(/model:<name>@<version>/);
  });
});

describe('predictions as CSV', () => {
  it('binary: id,score,label with the predicted label, and actual when the guest holds labels', () => {
    const csv = predictionsCsv({
      kind: 'predictions',
      ids: ['a', 'b,c'],
      task: 'binary',
      scores: [0.25, 0.8125],
      labels: [0, 1],
    });
    expect(csv).toBe('id,score,label,actual\na,0.25,0,0\n"b,c",0.8125,1,1\n');
  });

  it('multiclass: the predicted class, its probability, and one column per class', () => {
    const csv = predictionsCsv({
      kind: 'predictions',
      ids: ['x', 'y'],
      task: 'multiclass',
      scores: [2, 0],
      classes: [3, 5, 7],
      probabilities: [0.25, 0.25, 0.5, 0.625, 0.25, 0.125],
    });
    expect(csv).toBe(
      'id,score,label,p_3,p_5,p_7\nx,0.5,7,0.25,0.25,0.5\ny,0.625,3,0.625,0.25,0.125\n',
    );
  });

  it('regression: the value is both score and label; scores keep full precision', () => {
    const v = 0.1 + 0.2;
    expect(
      predictionsCsv({ kind: 'predictions', ids: ['r'], task: 'regression', scores: [v] }),
    ).toBe(`id,score,label\nr,${String(v)},${String(v)}\n`);
    expect(Number(String(v))).toBe(v);
  });

  it('a dataset or model output is refused with a clear message', () => {
    expect(() => predictionsCsv({ kind: 'dataset' } as never)).toThrow(
      /a dataset, not predictions/,
    );
  });
});
