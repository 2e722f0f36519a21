/**
 * homo-kmeans over the in-memory transport: the federated centroids equal centralised Lloyd's
 * (lloydKmeans on the union of the clients' rows, same seed-driven initialisation, same steps) to
 * rounding, in the clear and — up to SecAgg's quantisation — under secure aggregation; every
 * party's prediction assigns the same clusters as the twin; bad input and parameters are refused
 * by name. Data: FATE's default_credit homo splits (three clients, labels ignored).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoPool } from '@fedgrid/crypto';
import {
  homoKmeans,
  homoPredict,
  type ComponentError,
  type ComponentSpec,
  type HomoKmeansModel,
  type PortValue,
  type Predictions,
} from '@fedgrid/components';
import { assignClusters, lloydKmeans, type Frame, type Matrix } from '@fedgrid/ml';
import { importCsv } from '@fedgrid/node';
import { runComponent, runComponentSettled } from './harness.js';

const DATA = 'examples/data/fate';
const FILES = [
  'default_credit_homo_guest',
  'default_credit_homo_host_1',
  'default_credit_homo_host_2',
];
let pool: CryptoPool;
let clients: Frame[];
let test: Frame;

beforeAll(async () => {
  pool = new CryptoPool({ threads: 2 });
  const load = async (name: string) =>
    (await importCsv({ path: `${DATA}/${name}.csv`, idColumn: 'id', labelColumn: 'y' })).frame;
  clients = await Promise.all(FILES.map(load));
  test = await load('default_credit_homo_test');
});
afterAll(() => pool.close());

const spec = homoKmeans as unknown as ComponentSpec<unknown>;
const data = (f: Frame): Record<string, PortValue> => ({ data: { kind: 'dataset', frame: f } });
const inputs = (fs: Frame[]) => ({
  guest: data(fs[0]!),
  ...Object.fromEntries(fs.slice(1).map((f, k) => [`host-${k}`, data(f)])),
});
const modelOf = (v: PortValue | undefined) => (v as unknown as { model: HomoKmeansModel }).model;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe('homo-kmeans', () => {
  const params = { k: 4, rounds: 8, seed: 7, minClients: 3 };
  /** The clients' rows stacked: the centralised table. */
  const union = (): Matrix => {
    const cols = clients[0]!.x.cols;
    const rows = clients.reduce((a, c) => a + c.x.rows, 0);
    const out = new Float64Array(rows * cols);
    let at = 0;
    for (const c of clients) {
      out.set(c.x.data, at);
      at += c.x.data.length;
    }
    return { rows, cols, data: out };
  };

  it('equals centralised Lloyd on the union (same initialisation, 7 steps); prediction assigns the same clusters', async () => {
    const res = await runComponent(spec, params, inputs(clients), {
      hosts: 2,
      arbiter: true,
      pool,
    });
    const twin = lloydKmeans(union(), params.k, params.rounds - 1, params.seed);
    const models = ['guest', 'host-0', 'host-1'].map((p) => modelOf(res[p]!.outputs['model']));
    for (const m of models) expect(m.centroids).toEqual(models[0]!.centroids);
    const fed = Float64Array.from(models[0]!.centroids);
    expect(maxAbsDiff(fed, twin.centroids)).toBeLessThan(1e-9);
    // The clusters moved from the initialisation and the inertia fell (a real clustering).
    expect(twin.inertia.at(-1)!).toBeLessThan(twin.inertia[0]!);
    // The loop's federated evaluation of round r's starting model is the twin's inertia after
    // r − 1 steps (round 0 starts from nothing: the moments round).
    const history = (
      res['arbiter']!.outputs['report'] as unknown as {
        report: { history: { aggregated: string[]; metrics?: Record<string, number> }[] };
      }
    ).report.history;
    expect(history.length).toBe(params.rounds);
    expect(history.every((h) => h.aggregated.length === 3)).toBe(true);
    for (let r = 1; r < params.rounds; r++)
      expect(Math.abs(history[r]!.metrics!['inertia']! - twin.inertia[r - 1]!)).toBeLessThan(1e-9);

    const pred = await runComponent(
      homoPredict as unknown as ComponentSpec<unknown>,
      {},
      {
        guest: {
          data: { kind: 'dataset', frame: test },
          model: { kind: 'model', model: models[0]! },
        },
      },
      { hosts: 0, pool },
    );
    const p = (pred['guest']!.outputs['predictions'] as unknown as { predictions: Predictions })
      .predictions;
    const expected = assignClusters(test.x, twin.centroids, params.k).cluster;
    expect(Array.from(p.scores)).toEqual(Array.from(expected));
    expect(p.classes).toEqual([0, 1, 2, 3]);
    expect(new Set(p.scores).size).toBeGreaterThan(1);
  });

  it('under SecAgg the server sees only sums, and the centroids agree up to quantisation', async () => {
    const res = await runComponent(
      spec,
      { ...params, secureAggregation: { enabled: true } },
      inputs(clients),
      { hosts: 2, arbiter: true, pool },
    );
    const twin = lloydKmeans(union(), params.k, params.rounds - 1, params.seed);
    const fed = Float64Array.from(modelOf(res['guest']!.outputs['model']).centroids);
    const err = maxAbsDiff(fed, twin.centroids);
    expect(err).toBeLessThan(1e-3);
    expect(err).toBeGreaterThan(0); // it did go through quantisation
  });

  it('without SecAgg a client refuses to reveal a cluster of fewer than 10 of its rows; under SecAgg it trains', async () => {
    const c = clients[1]!;
    const few: Frame = {
      ...c,
      ids: c.ids.slice(0, 30),
      x: { rows: 30, cols: c.x.cols, data: c.x.data.slice(0, 30 * c.x.cols) },
    };
    // 30 rows over 8 clusters: some cluster holds 1–9 of them, whose sum is nearly those rows.
    const p = { ...params, k: 8, rounds: 3 };
    const fs = [clients[0]!, few, clients[2]!];
    const clear = await runComponentSettled(spec, p, inputs(fs), { hosts: 2, arbiter: true, pool });
    const small = clear['host-0'];
    expect(small?.status).toBe('rejected');
    const err = (small as PromiseRejectedResult).reason as ComponentError;
    expect(err.code).toBe('GROUP_TOO_SMALL');
    expect(err.details).toMatchObject({ round: 1, minRows: 10, upstream: 'arbiter' });
    expect(err.details?.['rows']).toBeLessThan(10);
    expect(err.message).toMatch(/host-0 round 1: cluster \d+ holds only \d of this client's rows/);
    // The moments round (round 0) pools all 30 rows: it went through before the refusal.
    const secure = await runComponentSettled(
      spec,
      { ...p, secureAggregation: { enabled: true } },
      inputs(fs),
      { hosts: 2, arbiter: true, pool },
    );
    expect(Object.values(secure).map((r) => r.status)).toEqual(Array(4).fill('fulfilled'));
  });

  it('refuses rows with gaps, too many clusters, and aggregation rules Lloyd cannot use', async () => {
    const gap = { ...clients[1]!, x: { ...clients[1]!.x, data: clients[1]!.x.data.slice() } };
    gap.x.data[5 * gap.x.cols + 2] = NaN;
    const bad = await runComponentSettled(spec, params, inputs([clients[0]!, gap, clients[2]!]), {
      hosts: 2,
      arbiter: true,
      pool,
    });
    const reason = (bad['host-0'] as PromiseRejectedResult).reason as ComponentError;
    expect(reason.code).toBe('MISSING_VALUES');
    expect(reason.message).toContain(`'${gap.featureNames[2]}'`);
    const tooMany = await runComponentSettled(
      spec,
      { ...params, k: 256, rounds: 2 },
      inputs(
        clients.map((c) => ({
          ...c,
          ids: c.ids.slice(0, 50),
          x: { ...c.x, rows: 50, data: c.x.data.slice(0, 50 * c.x.cols) },
        })),
      ),
      { hosts: 2, arbiter: true, pool },
    );
    expect(
      ((tooMany['arbiter'] as PromiseRejectedResult).reason as ComponentError).message,
    ).toMatch(/k = 256 clusters but the clients hold 150 rows/);
    const median = await runComponentSettled(
      spec,
      { ...params, robust: { aggregator: 'median' } },
      inputs(clients),
      { hosts: 2, arbiter: true, pool },
    );
    expect(((median['arbiter'] as PromiseRejectedResult).reason as ComponentError).code).toBe(
      'BAD_PARAMS',
    );
  });
});
