/**
 * homo-nn in one process: an MLP trained with FedAvg on FATE's breast homo split, against the
 * same MLP trained centrally on the union (the same model code, rounds × localEpochs epochs),
 * with and without secure aggregation; and its prediction through homo-predict.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '@fedgrid/crypto';
import {
  homoNn,
  homoNnKind,
  homoNnParams,
  homoPredict,
  type ComponentSpec,
  type ModelPart,
  type Predictions,
} from '@fedgrid/components';
import { auc, type Frame } from '@fedgrid/ml';
import { importCsv } from '@fedgrid/node';
import { runComponent } from './harness.js';

let pool: CryptoPool;
const f: Record<string, Frame> = {};
beforeAll(async () => {
  pool = new CryptoPool({ threads: 2 });
  for (const n of ['guest', 'host', 'test'])
    f[n] = (
      await importCsv({
        path: `examples/data/fate/breast_homo_${n}.csv`,
        idColumn: 'id',
        labelColumn: 'y',
      })
    ).frame;
});
afterAll(() => pool.close());

const params = { rounds: 6, localEpochs: 2, batchSize: 32, learningRate: 0.01, hidden: [16] };

async function testAuc(model: ModelPart): Promise<number> {
  const res = await runComponent(
    homoPredict as ComponentSpec<unknown>,
    {},
    { guest: { model: { kind: 'model', model }, data: { kind: 'dataset', frame: f['test']! } } },
    { hosts: 0, pool },
  );
  const p = (res['guest']?.outputs['predictions'] as { predictions: Predictions }).predictions;
  return auc(p.labels as Float64Array, p.scores);
}

async function federated(extra: Record<string, unknown>): Promise<ModelPart> {
  const res = await runComponent(
    homoNn as ComponentSpec<unknown>,
    { ...params, ...extra },
    {
      guest: { data: { kind: 'dataset', frame: f['guest']! } },
      'host-0': { data: { kind: 'dataset', frame: f['host']! } },
    },
    { hosts: 1, arbiter: true, pool },
  );
  return (res['guest']?.outputs['model'] as { model: ModelPart }).model;
}

describe('homo-nn (MLP, tfjs-wasm)', () => {
  it('FedAvg, with and without SecAgg, is within 0.01 test AUC of the centralised MLP', async () => {
    const p = homoNnParams.parse(params);
    const union: Frame = {
      ids: [...f['guest']!.ids, ...f['host']!.ids],
      x: {
        rows: f['guest']!.x.rows + f['host']!.x.rows,
        cols: f['guest']!.x.cols,
        data: Float64Array.from([...f['guest']!.x.data, ...f['host']!.x.data]),
      },
      featureNames: f['guest']!.featureNames,
      labels: Float64Array.from([...f['guest']!.labels!, ...f['host']!.labels!]),
    };
    const hellos = new Map([['all', homoNnKind.hello(union, p)]]);
    const setup = homoNnKind.setup(hellos, p);
    let theta = await homoNnKind.init(setup, p);
    const local = await homoNnKind.local(union, setup, p);
    for (let r = 0; r < p.rounds; r++) theta = (await local.fit(theta, r)).params;
    local.dispose?.();
    const central = await testAuc(homoNnKind.modelPart(setup, theta, p));
    expect(central).toBeGreaterThan(0.97);
    const plain = await federated({});
    const secure = await federated({ secureAggregation: { enabled: true, clip: 1 } });
    const plainAuc = await testAuc(plain);
    expect(Math.abs(plainAuc - central)).toBeLessThanOrEqual(0.01);
    expect(Math.abs((await testAuc(secure)) - plainAuc)).toBeLessThanOrEqual(0.005);
    const a = (plain as unknown as { params: number[] }).params;
    const b = (secure as unknown as { params: number[] }).params;
    expect(a).toHaveLength(30 * 16 + 16 + 16 + 1); // 30 → 16 → 1
    // Float32 weights and 2^-23 quantisation steps: equal to about 1e-4, not bit for bit.
    expect(Math.max(...a.map((v, i) => Math.abs(v - (b[i] as number))))).toBeLessThan(1e-3);
  });
});
