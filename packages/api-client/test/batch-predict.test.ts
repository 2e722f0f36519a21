/**
 * The batch prediction job the console and the CLI both submit (batchPredictRequest): parties and
 * datasets in the hosts' order, PSI before predict (none for horizontal models), and clear errors
 * naming the missing field.
 */
import { describe, expect, it } from 'vitest';
import { batchPredictRequest } from '../src/index.js';

const base = { guestNode: 'bank', model: 'credit@2', guestDataset: 'loans-2027' };

describe('batchPredictRequest', () => {
  it('PSI then predict on model:NAME@VERSION, hosts as host-0, host-1 in order', () => {
    const job = batchPredictRequest({
      ...base,
      hosts: [
        { node: 'utility', dataset: 'usage-2027' },
        { node: 'telco', dataset: 'calls' },
      ],
    });
    expect(job).toEqual({
      name: 'predict credit@2',
      parties: { guest: { node: 'bank' }, hosts: [{ node: 'utility' }, { node: 'telco' }] },
      datasets: { guest: 'loans-2027', 'host-0': 'usage-2027', 'host-1': 'calls' },
      tasks: [
        { name: 'psi', component: 'psi-ecdh', inputs: { data: 'job.dataset' } },
        {
          name: 'predict',
          component: 'predict',
          inputs: { data: 'psi.data', model: 'model:credit@2' },
        },
      ],
    });
  });

  it('a horizontal model skips PSI; a model: prefix is kept as given', () => {
    const job = batchPredictRequest({
      ...base,
      model: 'model:clients',
      local: true,
      name: 'score',
      hosts: [{ node: 'b', dataset: 'd' }],
    });
    expect(job.name).toBe('score');
    expect(job.tasks).toEqual([
      {
        name: 'predict',
        component: 'predict',
        inputs: { data: 'job.dataset', model: 'model:clients' },
      },
    ]);
  });

  it('names the missing field', () => {
    const host = [{ node: 'b', dataset: 'd' }];
    expect(() => batchPredictRequest({ ...base, model: ' ', hosts: host })).toThrow(/^model:/);
    expect(() => batchPredictRequest({ ...base, guestDataset: '', hosts: host })).toThrow(
      /^guest dataset:/,
    );
    expect(() => batchPredictRequest({ ...base, hosts: [] })).toThrow(/^hosts:/);
    expect(() =>
      batchPredictRequest({ ...base, hosts: [...host, { node: 'c', dataset: '' }] }),
    ).toThrow(/^host 1: give both the node and the name of its dataset/);
  });
});
